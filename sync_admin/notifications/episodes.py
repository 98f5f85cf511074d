"""Sync errors: one email per failure episode, not per error.

An episode of a company starts with the first finished run that leaves failed
(not excluded) records and ends with a finished run that leaves none. Its
mail groups the failures by catalog entry, with counts, the meaning, the fix
steps and a link to the screen where it is fixed. During an episode, a run
that brings a catalog entry not mailed yet sends one more mail (marked new);
the same errors again send nothing. The catalog codes already mailed are a
Redis set per company, added to with ``SADD`` so two workers never both mail.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import render_template

from .. import metrics, providers
from ..db import session
from ..models import Run
from ..queries.failures import failure_groups
from ..queue import get_redis
from .links import absolute, admin_context, link
from .mail import send_mail
from .subscribers import recipients

log = logging.getLogger(__name__)

__all__ = ["episode_key", "notify_run_finished", "on_run_finished"]


def episode_key(company_id: int) -> str:
    return f"sync-admin:notify:episode:{company_id}"


def notify_run_finished(run_id: int) -> int:
    """Mail the subscribers if this run opened or widened a failure episode; messages sent."""
    run = session.get(Run, run_id)
    if run is None or run.active:
        return 0
    company = run.company
    to = recipients("sync_errors", company.provider, [company.id])
    redis = get_redis()
    key = episode_key(company.id)
    with admin_context():
        groups = failure_groups(company_id=company.id)
        if not groups:
            redis.delete(key)
            return 0
        new = {g.catalog_code for g in groups if redis.sadd(key, g.catalog_code or "unknown")}
        if not new or not to:
            return 0
        label = (
            providers.get(company.provider).label
            if company.provider in providers.names()
            else company.provider
        )
        context: dict[str, Any] = {
            "company": company,
            "provider_label": label,
            "run": run,
            "groups": [
                {
                    "code": g.catalog_code or "unknown",
                    "title": g.title,
                    "count": g.count,
                    "new": g.catalog_code in new,
                    "meaning": g.entry.meaning if g.entry else "",
                    "fix": list(g.entry.fix) if g.entry else [],
                    "fix_url": absolute(g.fix_url),
                    "fix_label": g.fix_label or "Fix it",
                    "first_seen": g.first_seen,
                    "last_seen": g.last_seen,
                }
                for g in groups
            ],
            "total": sum(g.count for g in groups),
            "logs_url": link("LogsView.detail", company_id=company.id, level="error"),
        }
        subject = (
            f"{label} sync errors for {company.name}: {context['total']} record"
            f"{'s' if context['total'] != 1 else ''} in {len(groups)} group"
            f"{'s' if len(groups) != 1 else ''}"
        )
        text = render_template("sync_admin/mail/sync_errors.txt", **context)
        html = render_template("sync_admin/mail/sync_errors.html", **context)
    sent = send_mail(to, subject, text, html)
    if sent:
        metrics.count("notifications_sent", ("sync_errors",))
    return sent


def on_run_finished(sender: Any, run_id: int, **_: Any) -> None:
    try:
        notify_run_finished(run_id)
    except Exception:
        log.exception("sync error notification for run %s failed", run_id)
