"""What the scheduler does every few minutes: incremental syncs that are due,
access tokens refreshed ahead of expiry, companies marked ``needs_resync``."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from .. import signals
from ..db import session
from ..errors import AlreadyRunning, SyncAdminError
from ..models import Company, Connection, Run, utcnow
from ..providers import ProviderError
from ..vocabulary import CompanyStatus, ConnectionStatus, RunKind, RunStatus
from . import audit
from .resync import resync_company

__all__ = ["SCHEDULER", "mark_needs_resync", "refresh_tokens", "schedule_incremental"]

log = logging.getLogger(__name__)

SCHEDULER = audit.Actor(name="scheduler", source="schedule")


def _interval() -> timedelta:
    return timedelta(minutes=int(current_app.config["SYNC_ADMIN_SYNC_INTERVAL_MINUTES"]))


def schedule_incremental() -> dict[str, int]:
    """Start an incremental run (full for a company never synced) where one is due."""
    due = utcnow() - _interval()
    active = select(Run.company_id).where(Run.status.in_(RunStatus.active()))
    companies = session.scalars(
        select(Company)
        .join(Connection, Company.connection_id == Connection.id)
        .where(
            Company.linked.is_(True),
            Company.auto_resync.is_(True),
            Company.host_company_key.is_not(None),
            Connection.status == ConnectionStatus.CONNECTED.value,
            or_(Company.last_synced_at.is_(None), Company.last_synced_at < due),
            Company.id.not_in(active),
        )
        .order_by(Company.last_synced_at.nulls_first(), Company.id)
    ).all()
    counts = {"started": 0, "already_running": 0, "refused": 0}
    for company in companies:
        kind = RunKind.INCREMENTAL if company.last_successful_sync_at else RunKind.FULL
        try:
            resync_company(company.id, actor=SCHEDULER, kind=kind)
            counts["started"] += 1
        except AlreadyRunning:
            counts["already_running"] += 1
        except SyncAdminError as exc:
            log.info("no scheduled sync for company %s: %s", company.id, exc)
            counts["refused"] += 1
    return counts


def refresh_tokens() -> dict[str, int]:
    """Refresh access tokens that expire soon, so that runs never start with a stale one."""
    from ..tokens import ConnectionTokens

    ahead = int(current_app.config["SYNC_ADMIN_TOKEN_REFRESH_AHEAD_MINUTES"]) * 60
    soon = utcnow() + timedelta(seconds=ahead)
    ids = session.scalars(
        select(Connection.id).where(
            Connection.status == ConnectionStatus.CONNECTED.value,
            Connection.access_expires_at.is_not(None),
            Connection.access_expires_at < soon,
        )
    ).all()
    counts = {"refreshed": 0, "failed": 0}
    for connection_id in ids:
        tokens = ConnectionTokens(connection_id, leeway=ahead)
        try:
            current = tokens.access_token()  # refreshes when the token itself says so
            if not tokens.refreshes:
                tokens.refresh(current)  # the row says it expires soon: refresh anyway
            counts["refreshed"] += tokens.refreshes
        except ProviderError:
            counts["failed"] += 1
            provider = session.get(Connection, connection_id).provider
            signals.send(
                signals.token_refresh_failed, provider=provider, connection_id=connection_id
            )
            signals.send(signals.connection_needs_reconnect, connection_id=connection_id)
    session.expire_all()
    return counts


def mark_needs_resync() -> dict[str, int]:
    """Synced companies that are due (mappings changed since the last good sync, a
    connection that needs reconnecting, or no good sync for two intervals)."""
    stale = utcnow() - 2 * _interval()
    rows = session.scalars(
        select(Company)
        .outerjoin(Connection, Company.connection_id == Connection.id)
        .where(
            Company.status == CompanyStatus.SYNCED.value,
            or_(
                Company.mapping_changed_at > Company.last_successful_sync_at,
                Connection.status != ConnectionStatus.CONNECTED.value,
                Company.last_successful_sync_at.is_(None),
                Company.last_successful_sync_at < stale,
            ),
        )
    ).all()
    for company in rows:
        company.status = CompanyStatus.NEEDS_RESYNC.value
    session.commit()
    return {"marked": len(rows)}
