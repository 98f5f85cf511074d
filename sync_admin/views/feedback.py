"""Turning what a service did into a message for staff."""

from __future__ import annotations

from flask import flash, url_for
from markupsafe import Markup

from ..db import session
from ..models import Company
from ..services.resync import Started
from ..vocabulary import ConnectionStatus

__all__ = ["flash_started"]

_PLURAL = {"retry": "retries"}


def _reconnect(company_id: int) -> Markup:
    """A Reconnect link after a company refused because its connection needs reconnecting."""
    company = session.get(Company, company_id)
    connection = company.connection if company is not None else None
    if connection is None or connection.status != ConnectionStatus.NEEDS_RECONNECT:
        return Markup("")
    url = url_for("IntegrationsView.index", org=company.organization_id, reconnect=connection.id)
    return Markup(' (<a class="alert-link sa-reconnect" href="{}">Reconnect</a>)').format(url)


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
        listed = Markup("; ").join(
            Markup("{}: {}{}").format(names.get(c, str(c)), why, _reconnect(c))
            for c, why in started.skipped[:10]
        )
        flash(Markup("Not started: {}.").format(listed), "warning")
    if not (started.runs or started.already_running or started.skipped):
        flash(f"Nothing to {what}.", "info")
