"""Turning what a service did into a message for staff."""

from __future__ import annotations

from flask import flash

from ..db import session
from ..models import Company
from ..services.resync import Started

__all__ = ["flash_started"]

_PLURAL = {"retry": "retries"}


def flash_started(started: Started, what: str = "sync") -> None:
    """One line for what started, one for what did not and why."""
    names = dict(
        session.execute(
            Company.__table__.select()
            .with_only_columns(Company.id, Company.name)
            .where(
                Company.id.in_(
                    [r.company_id for r in started.runs]
                    + started.already_running
                    + [c for c, _ in started.skipped]
                )
            )
        ).all()
    )
    if started.runs:
        n = len(started.runs)
        listed = ", ".join(names.get(r.company_id, str(r.company_id)) for r in started.runs[:10])
        more = f" and {n - 10} more" if n > 10 else ""
        noun = what if n == 1 else _PLURAL.get(what, f"{what}s")
        flash(f"Started {n} {noun}: {listed}{more}.", "success")
    if started.already_running:
        listed = ", ".join(names.get(c, str(c)) for c in started.already_running[:10])
        flash(f"Already syncing, left alone: {listed}.", "info")
    if started.skipped:
        listed = "; ".join(f"{names.get(c, str(c))}: {why}" for c, why in started.skipped[:10])
        flash(f"Not started: {listed}.", "warning")
    if not (started.runs or started.already_running or started.skipped):
        flash(f"Nothing to {what}.", "info")
