# ruff: noqa: F811 - fixtures imported from engine_setup
"""The engine with the Xero plugin against its sandbox on a real port: an incremental run reads
what Xero's users changed (If-Modified-Since, one listing per entity) and applies it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conftest import LiveServer
from engine_setup import (
    ENGINE_CONFIG,
    STAFF,
    books,  # noqa: F401 - fixture
    check_counters,
    host_db,  # noqa: F401 - fixture
    messages,
    results,
)
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from examples.membership.data import Books
from sync_admin.db import session
from sync_admin.demo import connect
from sync_admin.models import Company, Organization, ReferenceObject, Run
from sync_admin.services import mappings, resync
from sync_admin.vocabulary import RunKind
from sync_admin.worker import make_worker

NZ = "Demo Company (NZ)"


@pytest.fixture
def xero_sandbox() -> Iterator[LiveServer]:
    from sync_admin_xero import provider

    with LiveServer(provider.sandbox_app()) as server:
        yield server


@pytest.fixture
def app_config(xero_sandbox: LiveServer) -> dict[str, Any]:
    from sync_admin_xero import provider

    return {
        **ENGINE_CONFIG,
        "SYNC_ADMIN_PROVIDERS": "xero",
        **provider.sandbox_config(xero_sandbox.url),
    }


@pytest.fixture
def company(app: Flask, xero_sandbox: LiveServer) -> int:
    """Connected through Xero's consent page; the NZ organisation linked to 'acme'."""
    from sync_admin_xero import provider

    with app.app_context():
        organization = Organization(name="Acme Club", host_key="acme")
        session.add(organization)
        session.commit()
        [company_id] = connect(app, organization.id, provider, NZ)
        linked = session.get(Company, company_id)
        linked.host_company_key = "acme"
        session.commit()
        return company_id


def work(app: Flask) -> None:
    make_worker(app, simple=True).work(burst=True)


def control(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    answer = requests.request(method, f"{server.url}/_sandbox{path}", timeout=10, **kwargs)
    assert answer.status_code < 400, answer.text
    return answer.json()


def test_incremental_runs_apply_what_xero_users_changed(
    app: Flask, company: int, books: Books, host_db: Session, xero_sandbox: LiveServer
) -> None:
    books.fee_item("dues", "Annual dues", "100.00")
    ann = books.member("Ann", "Lee")
    bob = books.member("Bob", "Stone")
    kept = books.invoice(ann, "X-1", [("dues", "100.00")])
    voided = books.invoice(bob, "X-2", [("dues", "100.00")])
    books.db.commit()
    with app.app_context():
        tenant = session.get(Company, company).provider_company_id
        pull = resync.resync_company(
            company, actor=STAFF, kind=RunKind.FULL, entities=["account", "item"]
        ).id
    work(app)
    with app.app_context():
        assert session.get(Run, pull).status == "succeeded"
        refs = session.scalars(
            select(ReferenceObject).where(ReferenceObject.company_id == company)
        ).all()
        dues = next(r.external_id for r in refs if r.entity == "item" and r.code == "DUES")
        sales = next(r.external_id for r in refs if r.entity == "account" and r.code == "200")
        mappings.set_mapping(company, "fee_item", "dues", dues, actor=STAFF)
        full = resync.resync_company(company, actor=STAFF, kind=RunKind.FULL).id
    work(app)
    with app.app_context():
        run = session.get(Run, full)
        assert (run.status, run.flag) == ("succeeded", "blue"), run.message
        got = results(company)
        bob_id = got[("contact", str(bob.id))].external_id
        voided_id = got[("invoice", str(voided.id))].external_id
        assert got[("contact", str(bob.id))].external_version, "the push kept UpdatedDateUTC"

    # Xero's users: the sales account renamed, the dues item no longer sold, Bob's contact
    # edited, invoice X-2 voided.
    control(
        xero_sandbox,
        "POST",
        f"/tenants/{tenant}/records/accounts/{sales}",
        json={"Name": "Membership sales"},
    )
    control(
        xero_sandbox,
        "POST",
        f"/tenants/{tenant}/records/items/{dues}",
        json={"IsSold": False},
    )
    control(
        xero_sandbox,
        "POST",
        f"/tenants/{tenant}/records/contacts/{bob_id}",
        json={"EmailAddress": "bob@example.org"},
    )
    control(
        xero_sandbox,
        "POST",
        f"/tenants/{tenant}/records/invoices/{voided_id}",
        json={"Status": "VOIDED"},
    )
    control(xero_sandbox, "DELETE", "/stats")
    with app.app_context():
        second = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    with app.app_context():
        run = session.get(Run, second)
        assert (run.status, run.flag) == ("succeeded", "red"), run.message
        story = messages(company)
        assert any("account 'Sales' renamed to 'Membership sales'" in m for m in story), story[-8:]
        assert any("item 'Annual membership dues' made inactive" in m for m in story), story
        assert "1 contact changed in Xero since the last sync: Bob Stone" in story
        got = results(company)
        gone = got[("invoice", str(voided.id))]
        assert (gone.outcome, gone.catalog_code, gone.external_id) == (
            "failed",
            "sync_admin.deleted_in_provider",
            None,
        )
        assert gone.facts["provider_status"] == "voided"
        assert got[("invoice", str(kept.id))].outcome == "synced"
        check_counters(company)
    by_request = control(xero_sandbox, "GET", "/stats")["tenants"][tenant]["by_request"]
    # One If-Modified-Since listing per tracked entity; tax rates and currencies not due.
    assert by_request == {
        "GET /Accounts": 1,
        "GET /Items": 1,
        "GET /Contacts": 1,
        "GET /Invoices": 1,
        "GET /Payments": 1,
        "GET /CreditNotes": 1,
    }, by_request
