"""Helpers shared by the screens: reading the company in question, bad input."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from markupsafe import Markup, escape

from .. import providers
from ..db import session
from ..models import Company, Organization
from ..queries.filters import parse_int

__all__ = [
    "company_options",
    "company_or_404",
    "provider_label",
    "requested_ids",
    "selected_organization",
    "url_args",
]


def company_options(companies: list, selected: int | None) -> Markup:
    """The company selector's options, built in one pass: a Jinja loop over 1,000
    companies cost more than the rest of the page."""
    return Markup(  # noqa: S704 - every name is escaped, ids are integers
        "".join(
            f'<option value="{int(c[0])}"{" selected" if c[0] == selected else ""}>'
            f"{escape(c[1])}</option>"
            for c in companies
        )
    )


def company_or_404(company_id: int | None) -> Company:
    company = session.get(Company, company_id) if company_id else None
    if company is None:
        abort(404, description="That company does not exist.")
    return company


def selected_organization(
    organizations: list[Organization], args: Any, name: str = "org"
) -> Organization | None:
    """The organization ``?org=`` names, else the first; never a silent fallback.

    A value that is not a number is a ``ValidationError`` naming the field (400);
    an id that does not exist is a 404, as for companies.
    """
    wanted = parse_int(args, name, "Organization")
    if wanted is None:
        return organizations[0] if organizations else None
    org = next((o for o in organizations if o.id == wanted), None)
    if org is None:
        abort(404, description=f"Organization {wanted} does not exist.")
    return org


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
