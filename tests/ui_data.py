"""Rows the screen and query tests need, built through the models."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from sync_admin.db import session
from sync_admin.models import (
    Company,
    CompanyStats,
    Connection,
    Log,
    Organization,
    SyncResult,
    utcnow,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=utcnow().tzinfo)


def org_with_company(
    app: Flask, name: str = "Acme Club", provider: str = "tiny", companies: int = 1
) -> tuple[int, list[int]]:
    """An organization, one connection and ``companies`` companies; returns their ids."""
    org = Organization(name=f"{name} Org", host_key=f"{name}-{provider}".lower().replace(" ", "-"))
    session.add(org)
    session.flush()
    conn = Connection(
        organization_id=org.id,
        provider=provider,
        external_account=f"owner@{name.lower().replace(' ', '')}.example",
        token_ciphertext=app.extensions["sync_admin"].cipher.encrypt(
            {"access_token": "a", "refresh_token": "r", "expires_at": 4102444800}
        ),
        access_expires_at=utcnow() + timedelta(minutes=50),
        refresh_expires_at=utcnow() + timedelta(days=80),
    )
    session.add(conn)
    session.flush()
    ids = []
    for i in range(companies):
        company = Company(
            organization_id=org.id,
            connection_id=conn.id,
            provider=provider,
            provider_company_id=f"{name}-{i}",
            name=name if companies == 1 else f"{name} {i + 1}",
            cursors={},
        )
        session.add(company)
        session.flush()
        ids.append(company.id)
    session.commit()
    return org.id, ids


def add_logs(company_id: int, n: int, *, start: datetime = T0, **fields: Any) -> list[int]:
    """``n`` log lines one minute apart, oldest first, with their counters kept in step."""
    company = session.get(Company, company_id)
    conn = session.get(Connection, company.connection_id) if company.connection_id else None
    rows = []
    for i in range(n):
        values: dict[str, Any] = {
            "type": "event",
            "level": "success",
            "message": f"Invoice {i} synced",
        }
        values.update(fields)
        row = Log(
            created_at=start + timedelta(minutes=i),
            organization_id=company.organization_id,
            company_id=company_id,
            provider=company.provider,
            company_name=company.name,
            external_account=conn.external_account if conn else "",
            **values,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    stats = session.get(CompanyStats, company_id) or CompanyStats(
        company_id=company_id, logs_total=0, logs_errors=0, logs_warnings=0, logs_milestones=0
    )
    session.add(stats)
    for row in rows:
        stats.logs_total += 1
        stats.logs_errors += row.level == "error"
        stats.logs_warnings += row.level == "warning"
        stats.logs_milestones += row.type == "milestone"
        if stats.last_activity_at is None or row.created_at > stats.last_activity_at:
            stats.last_activity_at = row.created_at
    session.commit()
    return [r.id for r in rows]


def add_result(company_id: int, local_id: str, **fields: Any) -> SyncResult:
    values: dict[str, Any] = {
        "entity": "invoice",
        "direction": "push",
        "label": f"Invoice {local_id}",
        "outcome": "synced",
        "link_status": "linked",
        "external_id": f"X{local_id}",
        "last_attempt_at": T0,
        "facts": {},
    }
    values.update(fields)
    row = SyncResult(company_id=company_id, local_id=local_id, **values)
    session.add(row)
    session.commit()
    return row
