"""The sync status of one organisation's integration with one provider (seed 004).

Seed 004's diagnostic endpoint answers ``connected``, ``token_expires_at``,
``last_sync``, ``sync_status``, ``pending_syncs``, ``failed_syncs`` and
``errors``; this adds refresh-token expiries, catalog codes and a per-company
detail. Every count is an indexed query on runs or sync results (never on logs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from .. import providers
from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, Connection, Organization, Run, SyncResult
from ..vocabulary import ConnectionStatus, Outcome, RunStatus

__all__ = [
    "ERRORS_SHOWN",
    "check_organization",
    "check_provider",
    "organization_status",
    "sync_status",
]

ERRORS_SHOWN = 20


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def check_provider(name: str) -> None:
    if name not in providers.names():
        known = ", ".join(providers.names()) or "none"
        raise ValidationError(f"unknown provider {name!r}; enabled: {known}", field="provider")


MAX_ID = 2**31 - 1


def check_organization(organization_id: int) -> Organization:
    org = session.get(Organization, organization_id) if 0 < organization_id <= MAX_ID else None
    if org is None:
        raise NotFound(f"organization {organization_id} does not exist", field="organization_id")
    return org


def sync_status(connected: bool, needs_reconnect: bool, failed: int, pending: int) -> str:
    """One word for dashboards: healthy, syncing, degraded, needs_reconnect, disconnected."""
    if needs_reconnect:
        return "needs_reconnect"
    if not connected:
        return "disconnected"
    if failed:
        return "degraded"
    if pending:
        return "syncing"
    return "healthy"


def organization_status(provider: str, organization_id: int) -> dict[str, Any]:
    """Seed 004's status document for ``provider`` in ``organization_id``."""
    check_provider(provider)
    org = check_organization(organization_id)
    connections = session.scalars(
        select(Connection)
        .where(Connection.organization_id == org.id, Connection.provider == provider)
        .order_by(Connection.connected_at.desc())
    ).all()
    live = [c for c in connections if c.status != ConnectionStatus.DISCONNECTED.value]
    companies = session.scalars(
        select(Company)
        .where(Company.organization_id == org.id, Company.provider == provider)
        .order_by(Company.name, Company.id)
    ).all()
    ids = [c.id for c in companies]

    active: dict[int, Run] = {}
    failed_by_company: dict[int, int] = {}
    codes_by_company: dict[int, dict[str, int]] = {}
    errors: list[dict[str, Any]] = []
    if ids:
        for run in session.scalars(
            select(Run).where(Run.company_id.in_(ids), Run.status.in_(RunStatus.active()))
        ):
            active[run.company_id] = run
        failed = (
            SyncResult.company_id.in_(ids),
            SyncResult.outcome == Outcome.FAILED.value,
            SyncResult.excluded.is_(False),
        )
        for company_id, code, count in session.execute(
            select(SyncResult.company_id, SyncResult.catalog_code, func.count())
            .where(*failed)
            .group_by(SyncResult.company_id, SyncResult.catalog_code)
        ):
            failed_by_company[company_id] = failed_by_company.get(company_id, 0) + count
            codes_by_company.setdefault(company_id, {})[code or "unknown"] = count
        names = {c.id: c.name for c in companies}
        for result in session.scalars(
            select(SyncResult)
            .where(*failed)
            .order_by(SyncResult.last_attempt_at.desc(), SyncResult.id.desc())
            .limit(ERRORS_SHOWN)
        ):
            errors.append(
                {
                    "type": f"{result.entity}_sync",
                    "message": result.details or "",
                    "timestamp": _iso(result.last_attempt_at or result.updated_at),
                    "catalog_code": result.catalog_code,
                    "category": result.category,
                    "entity": result.entity,
                    "direction": result.direction,
                    "record_id": result.id,
                    "company_id": result.company_id,
                    "company": names.get(result.company_id),
                }
            )

    connection = live[0] if live else None
    needs_reconnect = any(c.status == ConnectionStatus.NEEDS_RECONNECT.value for c in live)
    connected = any(c.status == ConnectionStatus.CONNECTED.value for c in live)
    failed_total = sum(failed_by_company.values())
    codes: dict[str, int] = {}
    for per_company in codes_by_company.values():
        for code, count in per_company.items():
            codes[code] = codes.get(code, 0) + count
    last_syncs = [c.last_synced_at for c in companies if c.last_synced_at]
    return {
        "provider": provider,
        "organization_id": org.id,
        "organization": org.name,
        "connected": connected,
        "needs_reconnect": needs_reconnect,
        "token_expires_at": _iso(connection.access_expires_at) if connection else None,
        "refresh_token_expires_at": _iso(connection.refresh_expires_at) if connection else None,
        "refresh_token_hard_expires_at": _iso(connection.refresh_hard_expires_at)
        if connection
        else None,
        "last_sync": _iso(max(last_syncs)) if last_syncs else None,
        "sync_status": sync_status(connected, needs_reconnect, failed_total, len(active)),
        "pending_syncs": len(active),
        "failed_syncs": failed_total,
        "catalog_codes": dict(sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))),
        "errors": errors,
        "connections": [
            {
                "id": c.id,
                "status": c.status,
                "connected_at": _iso(c.connected_at),
                "token_expires_at": _iso(c.access_expires_at),
                "refresh_token_expires_at": _iso(c.refresh_expires_at),
                "refresh_token_hard_expires_at": _iso(c.refresh_hard_expires_at),
                "last_refreshed_at": _iso(c.last_refreshed_at),
            }
            for c in live
        ],
        "companies": [
            {
                "id": c.id,
                "name": c.name,
                "provider_company_id": c.provider_company_id,
                "linked": c.linked,
                "status": c.status,
                "last_sync": _iso(c.last_synced_at),
                "last_successful_sync": _iso(c.last_successful_sync_at),
                "active_run": {
                    "id": active[c.id].id,
                    "kind": active[c.id].kind,
                    "status": active[c.id].status,
                }
                if c.id in active
                else None,
                "failed_syncs": failed_by_company.get(c.id, 0),
                "catalog_codes": codes_by_company.get(c.id, {}),
            }
            for c in companies
        ],
    }
