# ruff: noqa: F811 - fixtures imported from engine_setup
"""The engine with the Xero plugin against its sandbox on a real port: an incremental run reads
what Xero's users changed (If-Modified-Since, one listing per entity) and applies it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
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


def pull_reference(app: Flask, company: int) -> tuple[str, dict[tuple[str, str], str]]:
    """Pull the chart of accounts and the items; the tenant and (entity, code) -> Xero id."""
    with app.app_context():
        tenant = session.get(Company, company).provider_company_id
        pull = resync.resync_company(
            company, actor=STAFF, kind=RunKind.FULL, entities=["account", "item"]
        ).id
    work(app)
    with app.app_context():
        assert session.get(Run, pull).status == "succeeded"
        refs = session.scalars(select(ReferenceObject).where(ReferenceObject.company_id == company))
        return tenant, {(r.entity, r.code): r.external_id for r in refs}


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
    tenant, ids = pull_reference(app, company)
    with app.app_context():
        dues = ids["item", "DUES"]
        sales = ids["account", "200"]
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


def test_an_edited_payment_is_replaced_in_xero_not_duplicated(
    app: Flask, company: int, books: Books, host_db: Session, xero_sandbox: LiveServer
) -> None:
    """The club corrects a synced payment (amount, date, then bank account): Xero cannot edit
    a payment, so the run deletes the old one and creates the new one; the sync result
    follows the new PaymentID and the log says the payment was replaced. Once Xero's user
    reconciled it, the next correction fails with xero.already_reconciled and changes
    nothing in Xero."""
    books.fee_item("dues", "Annual dues", "100.00")
    ann = books.member("Ann", "Lee")
    invoice = books.invoice(ann, "X-1", [("dues", "100.00")])
    paid = books.payment(ann, "PAY-1", [(invoice, "40.00")], deposit_account="bank")
    books.db.commit()
    tenant, ids = pull_reference(app, company)
    with app.app_context():
        dues = ids["item", "DUES"]
        bank = ids["account", "090"]
        savings = ids["account", "091"]
        mappings.set_mapping(company, "fee_item", "dues", dues, actor=STAFF)
        mappings.set_mapping(company, "account", "bank", bank, actor=STAFF)
        mappings.set_mapping(company, "account", "savings", savings, actor=STAFF)
        full = resync.resync_company(company, actor=STAFF, kind=RunKind.FULL).id
    work(app)
    with app.app_context():
        run = session.get(Run, full)
        assert (run.status, run.flag) == ("succeeded", "blue"), run.message
        first = results(company)[("payment", str(paid.id))].external_id
        invoice_id = results(company)[("invoice", str(invoice.id))].external_id

    def live() -> list[tuple[str, float, str]]:
        state = xero_sandbox.server.app.config["XERO_SANDBOX"]
        with state.lock:
            rows = [dict(p) for p in state.org(tenant).payments.values()]
        return [
            (p["PaymentID"], p["Amount"], p["Account"]["Code"])
            for p in rows
            if p["Invoice"]["InvoiceID"] == invoice_id and p["Status"] != "DELETED"
        ]

    def sync() -> Run:
        with app.app_context():
            run_id = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
        work(app)
        with app.app_context():
            return session.get(Run, run_id)

    assert live() == [(first, 40.0, "090")]
    books.touch(
        paid,
        amount=Decimal("60.00"),
        applications=[{"invoice_id": invoice.id, "amount": "60.00"}],
        paid_on=date(2026, 11, 20),
    )
    books.db.commit()
    run = sync()
    assert (run.status, run.flag) == ("succeeded", "blue"), run.message
    assert len(live()) == 1, "one payment in Xero, not the old one beside the new one"
    with app.app_context():
        row = results(company)[("payment", str(paid.id))]
        assert row.outcome == "synced" and row.external_id not in (None, first)
        second = row.external_id
        story = messages(company)
        assert any("PAY-1 replaced in Xero" in m and first in m and second in m for m in story), (
            story[-6:]
        )
    assert live() == [(second, 60.0, "090")]
    # Xero's user reconciles it; the club then moves it to the savings account.
    control(
        xero_sandbox,
        "POST",
        f"/tenants/{tenant}/records/payments/{second}",
        json={"IsReconciled": True},
    )
    books.touch(paid, deposit_account="savings")
    books.db.commit()
    run = sync()
    with app.app_context():
        row = results(company)[("payment", str(paid.id))]
        assert (row.outcome, row.catalog_code, row.external_id) == (
            "failed",
            "xero.already_reconciled",
            second,
        )
        check_counters(company)
    assert live() == [(second, 60.0, "090")]


def test_a_crash_between_delete_and_create_is_finished_by_the_next_run(
    app: Flask,
    company: int,
    books: Books,
    host_db: Session,
    xero_sandbox: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The work-horse dies right after Xero deleted the old payment, before the new one is
    created (simulated by an exception raised in place of the create call: a kill at that
    exact point cannot be timed). The ledger kept the record pending with its key, so the
    next run replays the delete and creates the payment once."""
    from sync_admin_xero.client import XeroClient

    books.fee_item("dues", "Annual dues", "100.00")
    ann = books.member("Ann", "Lee")
    invoice = books.invoice(ann, "X-1", [("dues", "100.00")])
    paid = books.payment(ann, "PAY-1", [(invoice, "40.00")], deposit_account="bank")
    books.db.commit()
    tenant, ids = pull_reference(app, company)
    with app.app_context():
        dues = ids["item", "DUES"]
        bank = ids["account", "090"]
        mappings.set_mapping(company, "fee_item", "dues", dues, actor=STAFF)
        mappings.set_mapping(company, "account", "bank", bank, actor=STAFF)
        resync.resync_company(company, actor=STAFF, kind=RunKind.FULL)
    work(app)
    with app.app_context():
        first = results(company)[("payment", str(paid.id))].external_id
        invoice_id = results(company)[("invoice", str(invoice.id))].external_id
    books.touch(
        paid, amount=Decimal("70.00"), applications=[{"invoice_id": invoice.id, "amount": "70.00"}]
    )
    books.db.commit()

    real_call = XeroClient._call

    def dies_before_create(self: XeroClient, method: str, path: str, **kwargs: Any) -> Any:
        if (method, path) == ("PUT", "/Payments"):
            raise RuntimeError("work-horse killed")
        return real_call(self, method, path, **kwargs)

    monkeypatch.setattr(XeroClient, "_call", dies_before_create)
    with app.app_context():
        crashed = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    monkeypatch.setattr(XeroClient, "_call", real_call)
    with app.app_context():
        assert session.get(Run, crashed).status == "failed"
        row = results(company)[("payment", str(paid.id))]
        assert (row.outcome, row.external_id) == ("pending", first)
        key = row.idempotency_key

    def live() -> list[tuple[str, float]]:
        state = xero_sandbox.server.app.config["XERO_SANDBOX"]
        with state.lock:
            rows = [dict(p) for p in state.org(tenant).payments.values()]
        return [
            (p["PaymentID"], p["Amount"])
            for p in rows
            if p["Invoice"]["InvoiceID"] == invoice_id and p["Status"] != "DELETED"
        ]

    assert live() == [], "the old payment was deleted, the new one not created yet"
    with app.app_context():
        again = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    with app.app_context():
        run = session.get(Run, again)
        assert (run.status, run.flag) == ("succeeded", "blue"), run.message
        row = results(company)[("payment", str(paid.id))]
        assert row.outcome == "synced" and row.idempotency_key == key
        assert live() == [(row.external_id, 70.0)]
        assert any("PAY-1 replaced in Xero" in m for m in messages(company))
    replayed = control(xero_sandbox, "GET", "/stats")["tenants"][tenant]["replayed"]
    assert replayed >= 1, "the delete was replayed under the stored key"
