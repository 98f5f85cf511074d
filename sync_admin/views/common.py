"""Helpers shared by the screens: reading the company in question, bad input."""

from __future__ import annotations

from typing import Any

from flask import abort, request

from .. import providers
from ..db import session
from ..models import Company

__all__ = ["company_or_404", "provider_label", "url_args"]


def company_or_404(company_id: int | None) -> Company:
    company = session.get(Company, company_id) if company_id else None
    if company is None:
        abort(404, description="That company does not exist.")
    return company


def provider_label(name: str) -> str:
    for p in providers.all():
        if p.name == name:
            return p.label
    return name


def url_args(base: dict[str, str], **changes: Any) -> dict[str, str]:
    """The current filter arguments with ``changes`` applied (None removes one)."""
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


def requested_ids(name: str = "result_ids") -> list[int]:
    """Checked row ids from a form; non-numbers are ignored, never a 500."""
    ids = []
    for value in request.form.getlist(name):
        if value.isdigit():
            ids.append(int(value))
    return ids
