"""The Xero client over real HTTP against the sandbox, with core's token source and pacer.

Every request the client sends, and every documented response, is validated
against Xero's OpenAPI documents (``spec_check`` wraps the client's session).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from flask import Flask

from sync_admin import oauth
from sync_admin.db import session
from sync_admin.engine.pacing import RedisPacer, pace_stats
from sync_admin.engine.policy import CallPolicy
from sync_admin.models import Connection, Organization
from sync_admin.providers import ClientContext, ProviderError, PushItem, Refs
from sync_admin.queue import get_redis
from sync_admin.records import (
    Contact,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentApplication,
    Reconciliation,
    WriteOff,
)
from sync_admin.services.audit import Actor
from sync_admin.tokens import ConnectionTokens
from sync_admin.vocabulary import Category, Entity

from .conftest import LiveServer

STAFF = Actor(name="admin", id=1, source="screen")


@pytest.fixture
def xero_sandbox() -> Iterator[LiveServer]:
    from sync_admin_xero import provider

    with LiveServer(provider.sandbox_app()) as server:
        yield server


@pytest.fixture
def app_config(xero_sandbox: LiveServer) -> dict[str, Any]:
    from sync_admin_xero import provider

    return {
        "SYNC_ADMIN_PROVIDERS": "xero",
        "SYNC_ADMIN_XERO_PAGE_SIZE": 10,
        **provider.sandbox_config(xero_sandbox.url),
    }


@dataclass
class Setup:
    app: Flask
    url: str
    tenant: str
    connection_id: int
    client: Any
    tokens: ConnectionTokens
    accounts: dict[str, str]  # code -> AccountID
    items: dict[str, str]  # code -> ItemID

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = requests.request(method, f"{self.url}/_sandbox{path}", timeout=10, **kwargs)
        assert answer.status_code < 400, answer.text
        return answer.json()

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "/stats")["tenants"][self.tenant]

    def policy(self) -> CallPolicy:
        """The engine's call policy: refresh once on 401, wait on 429, retry transient errors."""
        state = {"stale": ""}

        def refresh() -> None:
            self.tokens.refresh(state["stale"] or self.tokens.access_token())

        def remember() -> None:
            state["stale"] = self.tokens.access_token()

        remember()
        return CallPolicy(
            refresh=refresh,
            on_wait=lambda seconds, d: None,
            backoff=0.01,
            max_retries=3,
            max_inline_wait=5,
        )


@pytest.fixture
def xero_client(app: Flask, xero_sandbox: LiveServer, spec_check: Any) -> Iterator[Setup]:
    from sync_admin_xero import provider
    from sync_admin_xero.sandbox.consent import grant_token

    token, connections = grant_token(xero_sandbox.url)
    nz = next(c for c in connections if c["tenantName"] == "Demo Company (NZ)")
    with app.app_context():
        org = Organization(name="Acme Club", host_key="acme")
        session.add(org)
        session.commit()
        connection = oauth.store_token(
            provider, org.id, token, account_label="owner", account_id=None, actor=STAFF
        )
        session.commit()
        tokens = ConnectionTokens(connection.id)
        pacer = RedisPacer(get_redis(), "xero", nz["tenantId"], provider.limits, window_seconds=60)
        client = provider.build_client(
            ClientContext(
                provider_company_id=nz["tenantId"],
                tokens=tokens,
                pacer=pacer,
                config=app.config,
                company_name=nz["tenantName"],
                provider_connection_id=nz["id"],
            )
        )
        spec_check.attach(client.http)
        accounts = {
            a.code: a.external_id for page in client.pull(Entity.ACCOUNT, None) for a in page
        }
        items = {i.code: i.external_id for page in client.pull(Entity.ITEM, None) for i in page}
        yield Setup(
            app, xero_sandbox.url, nz["tenantId"], connection.id, client, tokens, accounts, items
        )


def _refs(setup: Setup, **records: str) -> Refs:
    mappings = {
        ("fee_item", "dues"): setup.items["DUES"],
        ("account", "sales"): setup.accounts["200"],
        ("account", "bank"): setup.accounts["090"],
        ("account", "savings"): setup.accounts["091"],
        ("tax_rate", "gst"): "OUTPUT2",
        ("tax_rate", "wrong"): "INPUT2",
        ("bad_debt", "default"): setup.accounts["410"],
    }
    found = {}
    for key, value in records.items():
        entity, _, local = key.partition("__")
        found[(entity, local)] = value
    return Refs(records=found, mappings=mappings)


def _item(record: Any, key: str, refs: Refs, external_id: str | None = None) -> PushItem:
    return PushItem(record=record, idempotency_key=key, refs=refs, external_id=external_id)


def _contacts(setup: Setup, *names: str) -> dict[str, str]:
    items = [
        _item(
            Contact(f"c{n}", name, email=f"{name.split()[0].lower()}@example.com"),
            f"kc{n}",
            _refs(setup),
        )
        for n, name in enumerate(names)
    ]
    outcomes = setup.client.push(Entity.CONTACT, items)
    assert all(o.ok for o in outcomes), [o.diagnosis for o in outcomes]
    return {o.local_id: o.external_id for o in outcomes}


def _invoice(number: str, contact: str = "c0", **changes: Any) -> Invoice:
    values: dict[str, Any] = {
        "local_id": f"i-{number}",
        "number": number,
        "contact_id": contact,
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 31),
        "currency": "NZD",
        "lines": [
            InvoiceLine("dues", "Annual dues", Decimal(1), Decimal("100.00"), tax_rate="gst")
        ],
    }
    values.update(changes)
    return Invoice(**values)


# --- pulls -----------------------------------------------------------------------------------


def test_pulls_reference_data_and_feeds_the_pacer(xero_client: Setup, spec_check: Any) -> None:
    client = xero_client.client
    with xero_client.app.app_context():
        rates = [r for page in client.pull(Entity.TAX_RATE, None) for r in page]
        currencies = [c for page in client.pull(Entity.CURRENCY, None) for c in page]
        later = [a for page in client.pull(Entity.ACCOUNT, datetime.now(UTC)) for a in page]
        stats = pace_stats(get_redis(), "xero", xero_client.tenant)
    assert {r.code for r in rates} >= {"OUTPUT2", "INPUT2", "NONE"}
    assert next(r for r in rates if r.code == "OUTPUT2").rate == Decimal("15.0")
    assert not next(r for r in rates if r.code == "EXEMPTOUTPUT").active
    assert [c.code for c in currencies] == ["NZD", "AUD", "USD"]
    assert "090" in xero_client.accounts and "DUES" in xero_client.items
    assert later == []  # If-Modified-Since: nothing changed since now
    assert stats["calls"] == xero_client.stats()["calls"]
    assert {"getAccounts", "getItems", "getTaxRates", "getCurrencies"} <= spec_check.operations(), (
        spec_check.failures,
        spec_check.unchecked,
        spec_check.exchanges[:3],
    )


def test_pages_contacts_and_reads_changes_since_a_cursor(xero_client: Setup) -> None:
    with xero_client.app.app_context():
        _contacts(xero_client, *[f"Member {n:02d}" for n in range(23)])
        changed, cursor = xero_client.client.changed(
            [Entity.CONTACT], datetime.now(UTC) - timedelta(minutes=5)
        )
        assert len(changed[Entity.CONTACT]) == 23
        by_request = xero_client.stats()["by_request"]
        assert by_request["GET /Contacts"] == 3  # pages of 10
        none, _ = xero_client.client.changed([Entity.CONTACT], cursor + timedelta(seconds=2))
        assert none[Entity.CONTACT] == []
        found = xero_client.client.find(Entity.CONTACT, "Member 07")
        assert [c["Name"] for c in found] == ["Member 07"]
        one = xero_client.client.get(Entity.CONTACT, found[0]["ContactID"])
        assert one["Name"] == "Member 07"
        assert (
            xero_client.client.get(Entity.CONTACT, "00000000-0000-0000-0000-000000000000") is None
        )


# --- pushes --------------------------------------------------------------------------------------


def test_contacts_in_one_batch_with_per_record_outcomes_and_replay(xero_client: Setup) -> None:
    with xero_client.app.app_context():
        _contacts(xero_client, "Ann Lee")
        refs = _refs(xero_client)
        items = [
            _item(Contact("c10", "Bo Chen", email="bo@example.com", phone="021 555"), "k10", refs),
            _item(Contact("c11", "Ann Lee"), "k11", refs),
            _item(Contact("c12", "Cy Diaz", email="cy at example"), "k12", refs),
        ]
        outcomes = xero_client.client.push(Entity.CONTACT, items)
        assert [o.ok for o in outcomes] == [True, False, False]
        assert outcomes[1].diagnosis.code == "xero.duplicate_contact"
        assert outcomes[1].diagnosis.facts == {"name": "Ann Lee"}
        assert outcomes[2].diagnosis.code == "xero.email_invalid"
        assert "Email address must be valid." in outcomes[2].body
        puts = xero_client.stats()["by_request"]["PUT /Contacts"]
        assert puts == 2  # one request for the three records
        # The same records with the same keys: Xero replays, nothing is created twice.
        again = xero_client.client.push(Entity.CONTACT, items)
        assert again[0].external_id == outcomes[0].external_id
        stats = xero_client.stats()
        assert stats["replayed"] == 1 and stats["records"]["contacts"] == 2
        # An update goes by POST with the ContactID.
        renamed = xero_client.client.push(
            Entity.CONTACT,
            [_item(Contact("c10", "Bo Chen-Li"), "k13", refs, external_id=outcomes[0].external_id)],
        )
        assert renamed[0].ok and renamed[0].external_id == outcomes[0].external_id
        assert (
            xero_client.client.get(Entity.CONTACT, outcomes[0].external_id)["Name"] == "Bo Chen-Li"
        )


def test_invoices_with_mappings_and_xero_refusals(xero_client: Setup) -> None:
    with xero_client.app.app_context():
        contacts = _contacts(xero_client, "Dee Ross")
        refs = _refs(xero_client, contact__c0=contacts["c0"])
        wrong_tax = [InvoiceLine("dues", "Dues", Decimal(1), Decimal(100), tax_rate="wrong")]
        bank_line = [InvoiceLine("x", "Dues", Decimal(1), Decimal(100), account="bank")]
        items = [
            _item(_invoice("INV-1"), "ki1", refs),
            _item(_invoice("INV-2", currency="EUR"), "ki2", refs),
            _item(_invoice("INV-3", lines=wrong_tax), "ki3", refs),
            _item(_invoice("INV-4", lines=bank_line), "ki4", refs),
            _item(_invoice("INV-1", local_id="i-dup"), "ki5", refs),
        ]
        outcomes = xero_client.client.push(Entity.INVOICE, items)
        assert [o.ok for o in outcomes] == [True, False, False, False, False]
        assert [o.diagnosis.code for o in outcomes[1:]] == [
            "xero.currency_not_enabled",
            "xero.tax_rate_mismatch",
            "xero.invalid_account_code",
            "xero.duplicate_invoice_number",
        ]
        assert outcomes[1].diagnosis.facts["currency"] == "EUR"
        stored = xero_client.client.get(Entity.INVOICE, outcomes[0].external_id)
        assert stored["Total"] == 115.0 and stored["LineItems"][0]["ItemCode"] == "DUES"
        # Update: POST with the InvoiceID.
        changed = _invoice("INV-1", memo="Paid at the desk")
        [updated] = xero_client.client.push(
            Entity.INVOICE, [_item(changed, "ki6", refs, external_id=outcomes[0].external_id)]
        )
        assert updated.ok
        assert xero_client.client.get(Entity.INVOICE, updated.external_id)["Reference"] == (
            "Paid at the desk"
        )


def _paid_invoice(setup: Setup, number: str) -> tuple[Refs, str]:
    contacts = _contacts(setup, f"Payer {number}")
    refs = _refs(setup, contact__c0=contacts["c0"])
    [invoice] = setup.client.push(Entity.INVOICE, [_item(_invoice(number), f"k-{number}", refs)])
    assert invoice.ok, invoice.diagnosis
    return _refs(setup, contact__c0=contacts["c0"], invoice__inv=invoice.external_id), (
        invoice.external_id
    )


def _payment(local: str, amount: str, account: str = "bank") -> Payment:
    return Payment(
        local,
        f"PAY-{local}",
        "c0",
        date(2026, 3, 5),
        Decimal(amount),
        "NZD",
        applications=[PaymentApplication("inv", Decimal(amount))],
        deposit_account=account,
    )


def test_payments_and_bank_reconciliation(xero_client: Setup) -> None:
    with xero_client.app.app_context():
        refs, _ = _paid_invoice(xero_client, "INV-50")
        outcomes = xero_client.client.push(
            Entity.PAYMENT,
            [
                _item(_payment("p1", "500.00"), "kp1", refs),
                _item(_payment("p2", "100.00"), "kp2", refs),
            ],
        )
        assert [o.ok for o in outcomes] == [False, True]
        assert outcomes[0].diagnosis.code == "xero.amount_mismatch"
        payment_id = outcomes[1].external_id
        recon_refs = Refs(records={("payment", "p2"): payment_id}, mappings=refs.mappings)

        def reconcile(local: str, amount: str, bank: str, key: str) -> Any:
            record = Reconciliation(local, "p2", bank, date(2026, 3, 6), Decimal(amount))
            [outcome] = xero_client.client.push(
                Entity.RECONCILIATION, [_item(record, key, recon_refs)]
            )
            return outcome

        wrong_bank = reconcile("r1", "100.00", "savings", "kr1")
        assert wrong_bank.diagnosis.code == "xero.bank_account_not_mapped"
        wrong_amount = reconcile("r2", "90.00", "bank", "kr2")
        assert wrong_amount.diagnosis.code == "xero.amount_mismatch"
        done = reconcile("r3", "100.00", "bank", "kr3")
        assert done.ok and done.external_id == payment_id
        assert xero_client.client.get(Entity.PAYMENT, payment_id)["IsReconciled"] is True
        again = reconcile("r4", "100.00", "bank", "kr4")
        assert again.diagnosis.code == "xero.already_reconciled"
        assert again.diagnosis.category == Category.BUSINESS_RULE


def _live_payments(setup: Setup, invoice_id: str) -> list[tuple[str, float]]:
    rows = setup.client._call("GET", "/Payments")[1]["Payments"]
    return [
        (p["PaymentID"], p["Amount"])
        for p in rows
        if p["Invoice"]["InvoiceID"] == invoice_id and p["Status"] != "DELETED"
    ]


def test_an_edited_payment_is_replaced_never_duplicated(xero_client: Setup) -> None:
    """Xero cannot edit a payment: a changed amount, date or bank account deletes the old
    payment and creates the new one; an unchanged one makes no call; a reconciled one fails
    with xero.already_reconciled and stays as it was."""
    with xero_client.app.app_context():
        refs, invoice_id = _paid_invoice(xero_client, "INV-60")
        [first] = xero_client.client.push(
            Entity.PAYMENT, [_item(_payment("p1", "40.00"), "k1", refs)]
        )
        assert first.ok and first.sent
        old = first.external_id
        edited = replace(_payment("p1", "60.00"), paid_on=date(2026, 3, 7))
        item = replace(_item(edited, "k2", refs, external_id=old), sent=first.sent)
        [second] = xero_client.client.push(Entity.PAYMENT, [item])
        assert second.ok and second.replaced == old and second.external_id != old
        assert _live_payments(xero_client, invoice_id) == [(second.external_id, 60.0)]
        assert xero_client.client.get(Entity.PAYMENT, old)["Status"] == "DELETED"
        # Nothing Xero receives changed (the host's own currency field, say): no call.
        calls = xero_client.client.calls
        same = replace(edited, currency="XXX")
        item = replace(_item(same, "k3", refs, external_id=second.external_id), sent=second.sent)
        [third] = xero_client.client.push(Entity.PAYMENT, [item])
        assert third.ok and third.external_id == second.external_id and third.replaced is None
        assert xero_client.client.calls == calls
        # A ledger row from before the digest was kept: Xero's copy is read and compared.
        item = _item(edited, "k4", refs, external_id=second.external_id)
        [legacy] = xero_client.client.push(Entity.PAYMENT, [item])
        assert legacy.ok and legacy.external_id == second.external_id and legacy.sent
        assert xero_client.client.calls == calls + 1
        # Reconciled in Xero: nothing deleted, nothing created.
        xero_client.control(
            "POST",
            f"/tenants/{xero_client.tenant}/records/payments/{second.external_id}",
            json={"IsReconciled": True},
        )
        moved = replace(edited, deposit_account="savings")
        item = replace(_item(moved, "k5", refs, external_id=second.external_id), sent=second.sent)
        [refused] = xero_client.client.push(Entity.PAYMENT, [item])
        assert not refused.ok and refused.diagnosis.code == "xero.already_reconciled"
        assert refused.replaced is None
        assert _live_payments(xero_client, invoice_id) == [(second.external_id, 60.0)]


@pytest.mark.parametrize("kind", ["server_error", "truncated"])
def test_a_replacement_cut_short_finishes_on_retry_without_a_duplicate(
    xero_client: Setup, kind: str
) -> None:
    """The delete went through, then the create failed before (server_error) or after
    (truncated answer) Xero did it: the retry, with the same idempotency key from the
    ledger, finishes the replacement with exactly one live payment."""
    with xero_client.app.app_context():
        refs, invoice_id = _paid_invoice(xero_client, f"INV-7{len(kind)}")
        [first] = xero_client.client.push(
            Entity.PAYMENT, [_item(_payment("p1", "40.00"), "k1", refs)]
        )
        item = replace(
            _item(_payment("p1", "55.00"), "k2", refs, external_id=first.external_id),
            sent=first.sent,
        )
        xero_client.control(
            "POST", "/faults", json={"kind": kind, "method": "PUT", "path": "/Payments"}
        )
        with pytest.raises(ProviderError):
            xero_client.client.push(Entity.PAYMENT, [item])
        assert xero_client.client.get(Entity.PAYMENT, first.external_id)["Status"] == "DELETED"
        [done] = xero_client.client.push(Entity.PAYMENT, [item])
        assert done.ok and done.replaced == first.external_id
        assert _live_payments(xero_client, invoice_id) == [(done.external_id, 55.0)]


def test_credit_notes_and_write_offs_are_allocated(xero_client: Setup) -> None:
    with xero_client.app.app_context():
        refs, invoice_id = _paid_invoice(xero_client, "INV-60")
        credit = CreditNote(
            "cn1",
            "CN-1",
            "c0",
            date(2026, 3, 10),
            "NZD",
            [InvoiceLine("dues", "Refund", Decimal(1), Decimal("15.00"), account="sales")],
            applied_invoice_id="inv",
        )
        [credited] = xero_client.client.push(Entity.CREDIT_NOTE, [_item(credit, "kcn1", refs)])
        assert credited.ok, credited.diagnosis
        write_off = WriteOff(
            "w1", "inv", "c0", date(2026, 4, 1), Decimal("60.00"), "NZD", reason="Member left"
        )
        [written] = xero_client.client.push(Entity.WRITE_OFF, [_item(write_off, "kw1", refs)])
        assert written.ok, written.diagnosis
        invoice = xero_client.client.get(Entity.INVOICE, invoice_id)
        assert invoice["AmountDue"] == 40.0 and invoice["AmountCredited"] == 75.0
        note = xero_client.client.get(Entity.WRITE_OFF, written.external_id)
        assert note["LineItems"][0]["AccountCode"] == "410"  # the mapped bad debt account
        # Writing off more than is still due: refused, and that credit note is voided.
        too_much = WriteOff("w2", "inv", "c0", date(2026, 4, 2), Decimal("50.00"), "NZD")
        [refused] = xero_client.client.push(Entity.WRITE_OFF, [_item(too_much, "kw2", refs)])
        assert not refused.ok and refused.diagnosis.code == "xero.amount_mismatch"
        notes = xero_client.client.find(Entity.WRITE_OFF, "WO-w2")
        assert [n["Status"] for n in notes] == ["VOIDED"]
        assert xero_client.client.get(Entity.INVOICE, invoice_id)["AmountDue"] == 40.0


# --- whole-request failures and what the engine does with them ------------------------------------


def test_rate_limit_is_raised_with_retry_after_and_waited_out(xero_client: Setup) -> None:
    xero_client.control("DELETE", "/stats")  # the fixture's own calls leave the window
    xero_client.control("POST", "/limits", json={"window_seconds": 1.0, "per_minute": 2})
    with xero_client.app.app_context():
        client = xero_client.client
        client.get(Entity.CONTACT, "00000000-0000-0000-0000-000000000001")
        client.get(Entity.CONTACT, "00000000-0000-0000-0000-000000000002")
        with pytest.raises(ProviderError) as raised:
            client.get(Entity.CONTACT, "00000000-0000-0000-0000-000000000003")
        d = raised.value.diagnosis
        assert (d.code, d.retry_after) == ("xero.rate_limit_minute", 1.0)
        waited = xero_client.policy().call(
            lambda: client.get(Entity.CONTACT, "00000000-0000-0000-0000-000000000004")
        )
        assert waited is None
        assert pace_stats(get_redis(), "xero", xero_client.tenant)["throttled"] >= 1


def test_expired_token_is_refreshed_once_under_the_lock(xero_client: Setup) -> None:
    xero_client.control("POST", "/faults", json={"kind": "expired_token", "path": "/Contacts"})
    with xero_client.app.app_context():
        before = xero_client.control("GET", "/stats")["token_calls"]
        version = session.get(Connection, xero_client.connection_id).token_version
        session.remove()
        with pytest.raises(ProviderError) as raised:
            xero_client.client.find(Entity.CONTACT, "x")
        assert raised.value.diagnosis.category == Category.AUTH_EXPIRED
        # The token really expired at Xero: the next call gets 401, the policy refreshes once.
        found = xero_client.policy().call(lambda: xero_client.client.find(Entity.CONTACT, "x"))
        assert found == []
        assert xero_client.control("GET", "/stats")["token_calls"] == before + 1
        assert session.get(Connection, xero_client.connection_id).token_version == version + 1


def test_truncated_answer_is_retried_without_duplicates(
    xero_client: Setup, spec_check: Any
) -> None:
    xero_client.control("POST", "/faults", json={"kind": "truncated", "path": "/Contacts"})
    with xero_client.app.app_context():
        items = [_item(Contact("c1", "Truncated Tom"), "kt1", _refs(xero_client))]
        with pytest.raises(ProviderError) as raised:
            xero_client.client.push(Entity.CONTACT, items)
        assert raised.value.diagnosis.code == "xero.truncated_response"
        [outcome] = xero_client.policy().call(
            lambda: xero_client.client.push(Entity.CONTACT, items)
        )
        assert outcome.ok
        stats = xero_client.stats()
        assert stats["records"]["contacts"] == 1 and stats["replayed"] == 1
    assert spec_check.malformed == ["200 PUT /api.xro/2.0/Contacts"]


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("revoked_connection", "xero.connection_removed"),
        ("maintenance", "xero.maintenance"),
        ("organisation_offline", "xero.organisation_offline"),
        ("html_500", "xero.html_error_page"),
    ],
)
def test_whole_request_failures_raise_classified(xero_client: Setup, kind: str, code: str) -> None:
    xero_client.control("POST", "/faults", json={"kind": kind})
    with xero_client.app.app_context(), pytest.raises(ProviderError) as raised:
        list(xero_client.client.pull(Entity.CURRENCY, None))
    assert raised.value.diagnosis.code == code


def test_every_write_carries_an_idempotency_key_and_the_tenant(xero_client: Setup) -> None:
    sent: list[requests.PreparedRequest] = []
    xero_client.client.http.hooks["response"].append(
        lambda response, *a, **k: sent.append(response.request)
    )
    with xero_client.app.app_context():
        refs, _ = _paid_invoice(xero_client, "INV-70")
        xero_client.client.push(Entity.PAYMENT, [_item(_payment("p9", "10.00"), "kp9", refs)])
    writes = [r for r in sent if r.method in ("PUT", "POST")]
    assert writes and all(len(r.headers["Idempotency-Key"]) <= 128 for r in writes)
    assert all(r.headers["xero-tenant-id"] == xero_client.tenant for r in sent)
    assert all("summarizeErrors=false" in (r.url or "") for r in writes)
    body = json.loads(writes[-1].body)
    assert body["Payments"][0]["Account"]["AccountID"] == xero_client.accounts["090"]


# --- the app-wide limit ---------------------------------------------------------------------------


def _tenant_clients(app: Flask, url: str, limits: Any, window: int) -> list[Any]:
    """Clients of two organisations on one grant, each with the engine's pacer."""
    from sync_admin_xero import provider
    from sync_admin_xero.sandbox.consent import grant_token

    token, connections = grant_token(url)
    org = Organization(name=f"Club {len(connections)}", host_key=f"club-{datetime.now(UTC)}")
    session.add(org)
    session.commit()
    connection = oauth.store_token(
        provider, org.id, token, account_label="owner", account_id=None, actor=STAFF
    )
    session.commit()
    tokens = ConnectionTokens(connection.id)
    return [
        provider.build_client(
            ClientContext(
                provider_company_id=c["tenantId"],
                tokens=tokens,
                pacer=RedisPacer(get_redis(), "xero", c["tenantId"], limits, window_seconds=window),
                config=app.config,
                company_name=c["tenantName"],
                provider_connection_id=c["id"],
            )
        )
        for c in connections[:2]
    ]


def test_the_app_wide_limit_is_paced_across_organisations(
    app: Flask, xero_sandbox: LiveServer
) -> None:
    """Xero's app limit counts every organisation's calls together. With a small app limit
    (6 calls in a 2 s window) in the sandbox and the provider's limits, two organisations'
    clients share one window: 15 calls meet no 429 and take at least two windows, while
    pacing each organisation alone is answered 429."""
    from sync_admin.providers import RateLimits

    window = 2
    requests.post(
        f"{xero_sandbox.url}/_sandbox/limits",
        json={"window_seconds": window, "app_per_minute": 6},
        timeout=5,
    ).raise_for_status()
    paced = RateLimits(per_minute=60, concurrency=5, app_per_minute=6)
    with app.app_context():
        clients = _tenant_clients(app, xero_sandbox.url, paced, window)
        assert len({c.context.provider_company_id for c in clients}) == 2
        started = time.monotonic()
        for n in range(15):
            list(clients[n % 2].pull(Entity.CURRENCY, None))
        elapsed = time.monotonic() - started
        tenants = requests.get(f"{xero_sandbox.url}/_sandbox/stats", timeout=5).json()["tenants"]
        assert sum(t["throttled"] for t in tenants.values()) == 0, tenants
        assert elapsed >= 2 * window, elapsed  # 5 calls a window (97% of 6), 15 calls
        time.sleep(window)
        alone = RateLimits(per_minute=60, concurrency=5)  # each organisation on its own
        clients = _tenant_clients(app, xero_sandbox.url, alone, window)
        with pytest.raises(ProviderError) as raised:
            for n in range(15):
                list(clients[n % 2].pull(Entity.CURRENCY, None))
        assert raised.value.diagnosis.category == Category.RATE_LIMITED
