"""Connections: "reconnect needed" when it happens, and warnings before it would.

Refresh tokens die when idle (Xero 60 days, QuickBooks 100 days) and QuickBooks
caps a grant at 5 years; seed 003 also advises reconnecting every 90 days
(``SYNC_ADMIN_RECONNECT_REMINDER_DAYS``). ``check_connections`` runs
periodically (``schedule.PERIODIC``) and mails each warning once per connection
and expiry date, ``SYNC_ADMIN_TOKEN_EXPIRY_WARNING_DAYS`` ahead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template
from redis.exceptions import RedisError
from sqlalchemy import select

from .. import metrics, providers
from ..db import session
from ..models import Company, Connection, utcnow
from ..queue import get_redis
from ..redaction import redact
from ..vocabulary import ConnectionStatus
from .links import admin_context, link
from .mail import send_mail
from .subscribers import recipients

log = logging.getLogger(__name__)

__all__ = [
    "Notice",
    "check_connections",
    "due_notices",
    "notify_reconnect_needed",
    "on_connection_needs_reconnect",
]

NOTIFIED_TTL = 120 * 24 * 3600


@dataclass
class Notice:
    kind: str  # refresh_idle, hard_cap, reminder
    at: datetime
    text: str


def due_notices(conn: Connection, now: datetime | None = None) -> list[Notice]:
    """The warnings due for ``conn`` now (empty for a disconnected connection)."""
    if conn.status != ConnectionStatus.CONNECTED.value or conn.provider not in providers.names():
        return []
    now = now or utcnow()
    config = current_app.config
    ahead = timedelta(days=int(config["SYNC_ADMIN_TOKEN_EXPIRY_WARNING_DAYS"]))
    lifetimes = providers.get(conn.provider).tokens
    notices: list[Notice] = []
    idle = conn.refresh_expires_at
    if idle is None and lifetimes is not None:
        idle = (conn.last_refreshed_at or conn.connected_at) + lifetimes.refresh_idle
    if idle is not None and idle - now <= ahead:
        verb = "expired" if idle <= now else "expires"
        notices.append(
            Notice(
                "refresh_idle",
                idle,
                f"The refresh token {verb} on {idle:%Y-%m-%d %H:%M} UTC unless a sync uses it "
                "before then (unused refresh tokens expire).",
            )
        )
    hard = conn.refresh_hard_expires_at
    if hard is None and lifetimes is not None and lifetimes.refresh_hard_cap is not None:
        hard = conn.connected_at + lifetimes.refresh_hard_cap
    if hard is not None and hard - now <= ahead:
        notices.append(
            Notice(
                "hard_cap",
                hard,
                f"The authorisation reaches its maximum lifetime on {hard:%Y-%m-%d} UTC; "
                "only reconnecting renews it.",
            )
        )
    every = int(config["SYNC_ADMIN_RECONNECT_REMINDER_DAYS"])
    if every > 0:
        due = conn.connected_at + timedelta(days=every)
        if due <= now:
            notices.append(
                Notice(
                    "reminder",
                    due,
                    f"It was connected on {conn.connected_at:%Y-%m-%d}; your policy is to "
                    f"reconnect every {every} days.",
                )
            )
    return notices


def _once(key: str) -> bool:
    try:
        return bool(get_redis().set(key, 1, nx=True, ex=NOTIFIED_TTL))
    except RedisError:
        log.warning("notification guard unavailable; not sending %s", key, exc_info=True)
        return False


def _companies(conn: Connection) -> list[Company]:
    return list(
        session.scalars(
            select(Company).where(Company.connection_id == conn.id).order_by(Company.name)
        )
    )


def _send(event: str, conn: Connection, subject: str, template: str, **context: Any) -> int:
    companies = _companies(conn)
    to = recipients(event, conn.provider, [c.id for c in companies])
    if not to:
        return 0
    label = (
        providers.get(conn.provider).label if conn.provider in providers.names() else conn.provider
    )
    with admin_context():
        context.update(
            connection=conn,
            companies=companies,
            provider_label=label,
            reconnect_url=link(
                "IntegrationsView.index", org=conn.organization_id, reconnect=conn.id
            ),
        )
        text = render_template(f"sync_admin/mail/{template}.txt", **context)
        html = render_template(f"sync_admin/mail/{template}.html", **context)
    sent = send_mail(to, subject.format(label=label, org=conn.organization.name), text, html)
    if sent:
        metrics.count("notifications_sent", (event,))
    return sent


def notify_reconnect_needed(connection_id: int) -> int:
    conn = session.get(Connection, connection_id)
    if conn is None:
        return 0
    if not _once(f"sync-admin:notify:reconnect:{conn.id}:{conn.token_version}"):
        return 0
    return _send(
        "reconnect_needed",
        conn,
        "{label} needs reconnecting for {org}",
        "reconnect_needed",
        reason=redact(conn.last_error),
    )


def on_connection_needs_reconnect(sender: Any, connection_id: int, **_: Any) -> None:
    try:
        notify_reconnect_needed(connection_id)
    except Exception:
        log.exception("reconnect notification for connection %s failed", connection_id)


def check_connections(now: datetime | None = None) -> dict[str, int]:
    """Periodic job: mail the expiry warnings and reminders that are due, each once."""
    counts = {"connections": 0, "notices": 0, "sent": 0}
    rows = session.scalars(
        select(Connection).where(Connection.status == ConnectionStatus.CONNECTED.value)
    ).all()
    for conn in rows:
        counts["connections"] += 1
        for notice in due_notices(conn, now):
            key = f"sync-admin:notify:{notice.kind}:{conn.id}:{notice.at:%Y-%m-%d}"
            if not _once(key):
                continue
            counts["notices"] += 1
            counts["sent"] += _send(
                "token_expiring",
                conn,
                "Reconnect {label} for {org} soon",
                "token_expiring",
                notice=notice,
            )
    return counts
