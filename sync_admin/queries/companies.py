"""Companies for the Data Feed and the company page: status, token state,
live progress of running syncs, mapping completeness and the 30-day chart."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from .. import providers
from ..db import session
from ..models import Company, Connection, DailyStats, Organization, Run, utcnow
from ..models import Mapping as MappingRow
from ..vocabulary import CompanyStatus, ConnectionStatus, MappingKind, RunStatus
from .filters import parse_choice, parse_int, parse_text
from .logs import like_pattern

log = logging.getLogger(__name__)

__all__ = [
    "DataFeedFilter",
    "DayCount",
    "MappingCompleteness",
    "TokenState",
    "daily_counts",
    "data_feed",
    "mapping_completeness",
    "progress",
    "token_state",
]

# A refresh token closer than this to its end is shown as "expires in N days".
EXPIRY_WARNING = timedelta(days=30)
# Finished runs shown as "recently completed" on the Data Feed.
RECENT = timedelta(minutes=30)


@dataclass(frozen=True)
class TokenState:
    state: str  # valid, expiring, invalid, none
    text: str
    days_left: int | None = None


def token_state(connection: Connection | None, now: datetime | None = None) -> TokenState:
    """What the token of a company's connection is worth (seed 000's token status).

    The access token refreshes itself; what ends a connection is the refresh
    token (or its hard cap), or the provider refusing it (needs reconnect).
    """
    now = now or utcnow()
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        return TokenState("none", "No connection")
    if connection.status == ConnectionStatus.NEEDS_RECONNECT or not connection.token_ciphertext:
        return TokenState("invalid", "Needs reconnect")
    ends = [t for t in (connection.refresh_expires_at, connection.refresh_hard_expires_at) if t]
    if ends:
        end = min(ends)
        if end <= now:
            return TokenState("invalid", "Needs reconnect: expired")
        if end - now <= EXPIRY_WARNING:
            days = (end - now).days
            text = (
                "Expires today" if days == 0 else f"Expires in {days} day{'s' if days != 1 else ''}"
            )
            return TokenState("expiring", text, days)
    return TokenState("valid", "Valid")


@dataclass(frozen=True)
class DataFeedFilter:
    organization_id: int | None = None
    status: str | None = None
    provider: str | None = None
    company: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> DataFeedFilter:
        return cls(
            organization_id=parse_int(args, "organization_id", "Organization"),
            status=parse_choice(args, "status", "Status", CompanyStatus),
            provider=parse_choice(
                args, "provider", "Accounting software", [p.name for p in providers.all()]
            ),
            company=parse_text(args, "company", "Company"),
        )

    def to_args(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v is not None}


@dataclass
class FeedRow:
    company: Company
    connection: Connection | None
    token: TokenState
    run: Run | None = None
    host_company: str = ""


@dataclass
class FeedPage:
    rows: list[FeedRow]
    total: int
    number: int
    pages: int
    size: int
    needing_resync: int = 0


def data_feed(f: DataFeedFilter, number: int = 1, size: int = 25) -> FeedPage:
    """Linked companies by name; the company table is small (thousands), so it pages by number."""
    q = select(Company).where(Company.linked.is_(True))
    if f.organization_id is not None:
        q = q.where(Company.organization_id == f.organization_id)
    if f.status:
        q = q.where(Company.status == f.status)
    if f.provider:
        q = q.where(Company.provider == f.provider)
    if f.company:
        q = q.where(Company.name.ilike(like_pattern(f.company), escape="\\"))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    pages = max(1, -(-total // size))
    number = max(1, min(number, pages))
    companies = session.scalars(
        q.order_by(Company.name, Company.id).limit(size).offset((number - 1) * size)
    ).all()
    conn_ids = {c.connection_id for c in companies if c.connection_id}
    connections = {
        c.id: c for c in session.scalars(select(Connection).where(Connection.id.in_(conn_ids)))
    }
    active = {
        r.company_id: r
        for r in session.scalars(
            select(Run).where(
                Run.company_id.in_([c.id for c in companies]),
                Run.status.in_(RunStatus.active()),
            )
        )
    }
    now = utcnow()
    host_names = _host_company_names(companies)
    rows = [
        FeedRow(
            company=c,
            connection=connections.get(c.connection_id),
            token=token_state(connections.get(c.connection_id), now),
            run=active.get(c.id),
            host_company=host_names.get((c.organization_id, c.host_company_key or ""), "")
            or (c.host_company_key or ""),
        )
        for c in companies
    ]
    needing_q = select(func.count()).where(
        Company.status == CompanyStatus.NEEDS_RESYNC.value, Company.linked.is_(True)
    )
    if f.organization_id is not None:
        needing_q = needing_q.where(Company.organization_id == f.organization_id)
    needing = session.scalar(needing_q)
    return FeedPage(rows, total, number, pages, size, int(needing or 0))


def _host_company_names(companies: list[Company]) -> dict[tuple[int, str], str]:
    """The host product's names of the linked host companies: one adapter call per organization."""
    ext = current_app.extensions["sync_admin"]
    if not ext.has_host_adapter or not hasattr(ext.host_adapter, "companies"):
        return {}
    org_ids = {c.organization_id for c in companies if c.host_company_key}
    names: dict[tuple[int, str], str] = {}
    for org in session.scalars(select(Organization).where(Organization.id.in_(org_ids))):
        try:
            for host in ext.host_adapter.companies(org.host_key):
                names[(org.id, str(host.key))] = str(host.name)
        except Exception:  # the host's bug must not break the Data Feed
            log.warning("host adapter companies(%r) failed", org.host_key, exc_info=True)
    return names


def progress(organization_id: int | None = None) -> dict[str, Any]:
    """Live state for the Data Feed poller: running workers and recently completed ones."""
    now = utcnow()
    q = (
        select(Run, Company.name, Company.status)
        .join(Company, Company.id == Run.company_id)
        .where(Run.status.in_(RunStatus.active()))
        .order_by(Run.created_at)
    )
    recent_q = (
        select(Run, Company.name, Company.status)
        .join(Company, Company.id == Run.company_id)
        .where(Run.status.not_in(RunStatus.active()), Run.finished_at >= now - RECENT)
        .order_by(Run.finished_at.desc())
        .limit(20)
    )
    if organization_id is not None:
        q = q.where(Company.organization_id == organization_id)
        recent_q = recent_q.where(Company.organization_id == organization_id)

    def item(run: Run, name: str, status: str) -> dict[str, Any]:
        return {
            "run_id": run.id,
            "company_id": run.company_id,
            "company": name,
            "company_status": status,
            "kind": run.kind,
            "status": run.status,
            "done": run.done or 0,
            "total": run.total or 0,
            "failed": run.failed or 0,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        }

    running = [item(*row) for row in session.execute(q).all()]
    recent = [item(*row) for row in session.execute(recent_q).all()]
    statuses_q = select(Company.id, Company.status).where(Company.linked.is_(True))
    if organization_id is not None:
        statuses_q = statuses_q.where(Company.organization_id == organization_id)
    ids = {r["company_id"] for r in running + recent}
    statuses = (
        {cid: status for cid, status in session.execute(statuses_q.where(Company.id.in_(ids)))}
        if ids
        else {}
    )
    return {
        "running": running,
        "recent": recent,
        "statuses": statuses,
        "done": sum(r["done"] for r in running),
        "total": sum(r["total"] for r in running),
    }


@dataclass
class MappingCompleteness:
    kind: str
    mapped: int
    needed: int | None  # None when the host adapter cannot say
    missing: list[str] = field(default_factory=list)


def mapping_completeness(company: Company) -> list[MappingCompleteness]:
    """Per mapping kind: how many host keys are mapped, of how many the host needs."""
    mapped: dict[str, set[str]] = {}
    for kind, key in session.execute(
        select(MappingRow.kind, MappingRow.host_key).where(MappingRow.company_id == company.id)
    ):
        mapped.setdefault(kind, set()).add(key)
    ext = current_app.extensions["sync_admin"]
    out = []
    for kind in MappingKind:
        have = mapped.get(kind.value, set())
        needed: list[tuple[str, str]] | None = None
        if ext.has_host_adapter and hasattr(ext.host_adapter, "mapping_choices"):
            try:
                needed = list(
                    ext.host_adapter.mapping_choices(company.host_company_key or "", kind.value)
                )
            except Exception:  # the host's bug must not break the page
                needed = None
        if needed is None:
            out.append(MappingCompleteness(kind.value, len(have), None))
        else:
            missing = [label for key, label in needed if key not in have]
            out.append(
                MappingCompleteness(kind.value, len(needed) - len(missing), len(needed), missing)
            )
    return out


@dataclass
class DayCount:
    day: date
    synced: int
    failed: int


def daily_counts(company_id: int, days: int = 30, today: date | None = None) -> list[DayCount]:
    """Records synced and failed per day over ``days`` days, zeros included (DailyStats)."""
    today = today or utcnow().date()
    start = today - timedelta(days=days - 1)
    found = {
        d: (s, f)
        for d, s, f in session.execute(
            select(DailyStats.day, DailyStats.records_synced, DailyStats.records_failed).where(
                DailyStats.company_id == company_id, DailyStats.day >= start
            )
        )
    }
    return [
        DayCount(day, *found.get(day, (0, 0)))
        for day in (start + timedelta(days=i) for i in range(days))
    ]
