"""A membership host connected to Tiny Books through the real OAuth flow, for the
engine and reliability tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from conftest import tiny_config
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examples.membership import create_tables
from examples.membership.data import Books
from examples.membership.models import Base
from sync_admin import oauth
from sync_admin.db import get_db, session
from sync_admin.models import Company, CompanyStats, DailyStats, Log, Organization, Run, SyncResult
from sync_admin.services.audit import Actor
from sync_admin.vocabulary import Level, LogType, RunStatus

STAFF = Actor(name="admin", id=1, source="screen")
REDIRECT = "http://127.0.0.1/sync-admin/connect/tiny/callback"

ENGINE_CONFIG = {
    "SYNC_ADMIN_HOST_ADAPTER": "examples.membership:adapter",
    "SYNC_ADMIN_RETRY_BACKOFF_SECONDS": 0.01,
    "SYNC_ADMIN_WRITE_BATCH": 7,
}


def engine_config(request: pytest.FixtureRequest, **extra: Any) -> dict[str, Any]:
    return {**tiny_config(request), **ENGINE_CONFIG, **extra}


@dataclass
class Linked:
    org: int
    connection: int
    company: int
    sandbox: Any

    @property
    def state(self) -> dict[str, Any]:
        return self.sandbox.server.app.config["TINY_STATE"]


@pytest.fixture
def host_db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        engine = get_db().engine
        Base.metadata.drop_all(engine)
        create_tables(engine)
        db = Session(engine, expire_on_commit=False)
        try:
            yield db
        finally:
            db.close()


@pytest.fixture
def books(host_db: Session) -> Books:
    return Books(host_db, "acme", "Acme Club")


@pytest.fixture
def linked(app: Flask, tiny_sandbox: Any) -> Linked:
    """Organization, a connection made through Tiny's consent page, its company linked to 'acme'."""
    with app.app_context():
        organization = Organization(name="Acme Club", host_key="acme")
        session.add(organization)
        session.commit()
        org_id = organization.id
    with app.test_request_context():
        url = oauth.begin("tiny", org_id, REDIRECT)
        answer = requests.get(url, params={"decision": "approve"}, allow_redirects=False, timeout=5)
        args = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
        result = oauth.complete("tiny", args, STAFF)
        company = result.linked[0]
        company.host_company_key = "acme"
        session.commit()
        return Linked(org_id, result.connection.id, company.id, tiny_sandbox)


def messages(company_id: int, type: str | None = None) -> list[str]:
    stmt = select(Log.message).where(Log.company_id == company_id).order_by(Log.id)
    if type:
        stmt = stmt.where(Log.type == type)
    return list(session.scalars(stmt))


def results(company_id: int) -> dict[tuple[str, str], SyncResult]:
    rows = session.scalars(select(SyncResult).where(SyncResult.company_id == company_id))
    return {(r.entity, r.local_id): r for r in rows}


def check_counters(company_id: int) -> None:
    """The summary counters agree with the log rows they summarise."""
    stats = session.get(CompanyStats, company_id)
    count = session.scalar(select(func.count()).where(Log.company_id == company_id))
    errors = session.scalar(
        select(func.count()).where(Log.company_id == company_id, Log.level == Level.ERROR)
    )
    milestones = session.scalar(
        select(func.count()).where(Log.company_id == company_id, Log.type == LogType.MILESTONE)
    )
    assert (stats.logs_total, stats.logs_errors, stats.logs_milestones) == (
        count,
        errors,
        milestones,
    )
    daily = session.scalars(select(DailyStats).where(DailyStats.company_id == company_id)).all()
    assert sum(d.logs_total for d in daily) == count
    assert sum(d.logs_errors for d in daily) == errors


def check_ledger(company_id: int, host: Session, state: dict[str, Any]) -> None:
    """Every in-scope host record has exactly one terminal result; no duplicates at
    the provider; every run is terminal; nothing is left running."""
    from examples.membership import models as m

    expected = {
        ("contact", str(i))
        for i in host.scalars(select(m.Member.id).where(m.Member.org_key == "acme"))
    }
    expected |= {
        ("invoice", str(i))
        for i in host.scalars(select(m.Invoice.id).where(m.Invoice.org_key == "acme"))
    }
    expected |= {
        ("payment", str(i))
        for i in host.scalars(select(m.Payment.id).where(m.Payment.org_key == "acme"))
    }
    rows = session.scalars(select(SyncResult).where(SyncResult.company_id == company_id)).all()
    in_scope = {
        (r.entity, r.local_id): r for r in rows if not r.excluded and r.link_status == "linked"
    }
    assert {(r.entity, r.local_id) for r in rows} == expected, "one result per host record"
    assert len(rows) == len(expected)
    for key, row in in_scope.items():
        assert row.outcome in ("synced", "failed", "skipped"), (key, row.outcome)
        if row.outcome == "failed":
            assert row.catalog_code, key
        if row.outcome == "skipped":
            assert row.details and row.blocked_by, key
    names = [c["name"] for c in state["contacts"].values()]
    assert len(names) == len(set(names)), "no duplicate contact at the provider"
    numbers = [i["number"] for i in state["invoices"].values()]
    assert len(numbers) == len(set(numbers)), "no duplicate invoice at the provider"
    synced_contacts = [
        r for r in in_scope.values() if r.entity == "contact" and r.outcome == "synced"
    ]
    assert len(state["contacts"]) == len(synced_contacts)
    synced_invoices = [
        r for r in in_scope.values() if r.entity == "invoice" and r.outcome == "synced"
    ]
    assert len(state["invoices"]) == len(synced_invoices)
    synced_payments = [
        r for r in in_scope.values() if r.entity == "payment" and r.outcome == "synced"
    ]
    assert len(state["payments"]) == len(synced_payments)
    runs = session.scalars(select(Run).where(Run.company_id == company_id)).all()
    assert runs and all(r.status not in RunStatus.active() for r in runs), [
        (r.id, r.status) for r in runs
    ]
    assert session.get(Company, company_id).status != "syncing"
