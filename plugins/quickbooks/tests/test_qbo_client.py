"""The QuickBooks client against the sandbox over real HTTP: every entity, every seed-002 error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from sync_admin.providers import ClientContext, ProviderError, PushItem, Refs
from sync_admin.records import (
    Contact,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentApplication,
    WriteOff,
)
from sync_admin.vocabulary import Entity

from .conftest import Served
from .test_qbo_sandbox import REALM, REALM2, connect


class SandboxTokens:
    """A TokenSource over the sandbox's real token endpoint (core's is DB-backed)."""

    def __init__(self, served: Served, token: dict[str, Any]) -> None:
        self.served = served
        self.token = token
        self.refreshes = 0

    def access_token(self) -> str:
        return str(self.token["access_token"])

    def refresh(self, stale_access_token: str) -> str:
        session = OAuth2Session("app-id", "app-secret", token=self.token)
        self.token = session.refresh_token(
            self.served.url + "/oauth2/v1/tokens/bearer", refresh_token=self.token["refresh_token"]
        )
        self.refreshes += 1
        return str(self.token["access_token"])


class CountingPacer:
    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.statuses: list[int] = []

    def acquire(self, kind: str = "call") -> None:
        self.kinds.append(kind)

    def observe(self, status: int, headers: Any) -> None:
        self.statuses.append(status)


@pytest.fixture
def sandbox(qbo: Any) -> Iterator[Served]:
    with Served(qbo.sandbox_app()) as served:
        yield served


def make_client(qbo: Any, served: Served, realm: str = REALM) -> Any:
    context = ClientContext(
        provider_company_id=realm,
        tokens=SandboxTokens(served, connect(served, realm)),
        pacer=CountingPacer(),
        config={"SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL": served.url},
    )
    return qbo.build_client(context)


@pytest.fixture
def client(qbo: Any, sandbox: Served) -> Any:
    return make_client(qbo, sandbox)


_keys = iter(range(10**6))


def item(record: Any, refs: Refs | None = None, **kw: Any) -> PushItem:
    return PushItem(record=record, idempotency_key=f"key-{next(_keys)}", refs=refs or Refs(), **kw)


def contact(local_id: str, name: str, **kw: Any) -> Contact:
    return Contact(local_id=local_id, name=name, **kw)


def fee_refs(contacts: dict[str, str], invoices: dict[str, str] | None = None) -> Refs:
    records = {("contact", k): v for k, v in contacts.items()}
    records.update({("invoice", k): v for k, v in (invoices or {}).items()})
    return Refs(
        records=records,
        mappings={
            ("fee_item", "dues"): "2",
            ("fee_item", "ticket"): "3",
            ("account", "bank"): "35",
            ("bad_debt", "default"): "7",
            ("tax_rate", "exempt"): "NON",
        },
    )


def an_invoice(local_id: str, number: str, contact_id: str, qty: str = "2") -> Invoice:
    return Invoice(
        local_id=local_id,
        number=number,
        contact_id=contact_id,
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        currency="USD",
        lines=[
            InvoiceLine("dues", "Annual dues", Decimal(qty), Decimal("150.00"), tax_rate="exempt"),
            InvoiceLine("ticket", "Gala ticket", Decimal("1"), Decimal("45.00")),
        ],
        memo="Thank you",
    )


def test_push_contacts_in_one_batch_with_per_item_faults(client: Any, qbo: Any) -> None:
    outcomes = client.push(
        Entity.CONTACT,
        [
            item(
                contact("c1", "Ann Lee", first_name="Ann", last_name="Lee", email="ann@example.com")
            ),
            item(contact("c2", "Pam Seitz")),  # a vendor's name
            item(contact("c3", "Bob Ray", phone="555-0100", city="Boston")),
        ],
    )
    assert [o.local_id for o in outcomes] == ["c1", "c2", "c3"]
    assert outcomes[0].ok and outcomes[0].external_id and outcomes[0].external_version == "0"
    assert not outcomes[1].ok and outcomes[1].diagnosis.entry.code == "qbo.duplicate_name"
    assert outcomes[1].diagnosis.facts["conflict_kind"] == "vendor"
    assert "already using this name" in outcomes[1].body
    assert outcomes[2].ok
    assert client.context.pacer.kinds == ["batch"]  # three records, one request
    saved = client.get(Entity.CONTACT, outcomes[0].external_id)
    assert saved["PrimaryEmailAddr"]["Address"] == "ann@example.com"
    assert [c["DisplayName"] for c in client.find(Entity.CONTACT, "Bob")] == ["Bob Ray"]
    assert client.get(Entity.CONTACT, "424242") is None


def test_retried_writes_are_replayed_not_duplicated(client: Any, sandbox: Served) -> None:
    single = item(contact("c1", "Once Only"))
    first = client.push(Entity.CONTACT, [single])[0]
    again = client.push(Entity.CONTACT, [single])[0]
    assert first.ok and again.ok and first.external_id == again.external_id
    pair = [item(contact("c2", "Twice A")), item(contact("c3", "Twice B"))]
    ids = [o.external_id for o in client.push(Entity.CONTACT, pair)]
    assert [o.external_id for o in client.push(Entity.CONTACT, pair)] == ids
    assert sandbox.app.sandbox.stats()["realms"][REALM]["replayed"] == 2
    assert len(client.find(Entity.CONTACT, "Twice")) == 2


def test_update_uses_sync_token_and_reports_stale_objects(client: Any, sandbox: Served) -> None:
    created = client.push(Entity.CONTACT, [item(contact("c1", "Cy Young"))])[0]
    renamed = client.push(
        Entity.CONTACT,
        [item(contact("c1", "Cy Young Jr"), external_id=created.external_id, external_version="0")],
    )[0]
    assert renamed.ok and renamed.external_version == "1"
    requests.post(
        f"{sandbox.url}/_sandbox/records/{REALM}/customer",
        json={"Id": created.external_id, "Notes": "edited in QuickBooks"},
        timeout=5,
    )
    stale = client.push(
        Entity.CONTACT,
        [
            item(
                contact("c1", "Cy Young III"), external_id=created.external_id, external_version="1"
            )
        ],
    )[0]
    assert not stale.ok and stale.diagnosis.entry.code == "qbo.stale_object"
    fresh = client.push(
        Entity.CONTACT,
        [
            item(
                contact("c1", "Cy Young III"),
                external_id=created.external_id,
                external_version=None,
            )
        ],
    )[0]
    assert fresh.ok and fresh.external_version == "3"


def test_invoices_payments_credits_and_write_offs(client: Any, qbo: Any) -> None:
    ann, bob = (
        o.external_id
        for o in client.push(
            Entity.CONTACT, [item(contact("c1", "Ann Lee")), item(contact("c2", "Bob Ray"))]
        )
    )
    refs = fee_refs({"c1": ann, "c2": bob})
    [inv] = client.push(Entity.INVOICE, [item(an_invoice("i1", "1001", "c1"), refs)])
    assert inv.ok
    saved = client.get(Entity.INVOICE, inv.external_id)
    assert saved["TotalAmt"] == 345.0 and saved["CustomerRef"]["value"] == ann
    assert saved["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == "2"
    refs = fee_refs({"c1": ann, "c2": bob}, {"i1": inv.external_id})
    payment = Payment(
        local_id="p1",
        reference="P-1",
        contact_id="c1",
        paid_on=date(2026, 11, 5),
        amount=Decimal("300.00"),
        currency="USD",
        deposit_account="bank",
        applications=[PaymentApplication("i1", Decimal("300.00"))],
    )
    credit = CreditNote(
        local_id="cn1",
        number="CN-1",
        contact_id="c1",
        issued_on=date(2026, 11, 6),
        currency="USD",
        lines=[InvoiceLine("ticket", "Refund", Decimal("1"), Decimal("45.00"))],
        applied_invoice_id="i1",
    )
    write_off = WriteOff(
        local_id="w1",
        invoice_id="i1",
        contact_id="c1",
        written_off_on=date(2026, 11, 7),
        amount=Decimal("45.00"),
        currency="USD",
        reason="uncollectable",
    )
    assert client.push(Entity.PAYMENT, [item(payment, refs)])[0].ok
    assert client.get(Entity.INVOICE, inv.external_id)["Balance"] == 45.0
    assert client.push(Entity.CREDIT_NOTE, [item(credit, refs)])[0].ok
    [wo] = client.push(Entity.WRITE_OFF, [item(write_off, refs)])
    assert wo.ok
    booked = client.get(Entity.WRITE_OFF, wo.external_id)
    assert booked["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {"value": "7", "name": "Bad Debt"}
    assert client.find(Entity.INVOICE, "1001")[0]["Id"] == inv.external_id
    assert client.find(Entity.PAYMENT, "P-1")[0]["TotalAmt"] == 300.0


def test_every_seed_002_error_through_the_client(qbo: Any, sandbox: Served) -> None:
    client = make_client(qbo, sandbox)
    ann, bob = (
        o.external_id
        for o in client.push(
            Entity.CONTACT, [item(contact("c1", "Ann Lee")), item(contact("c2", "Bob Ray"))]
        )
    )
    refs = fee_refs({"c1": ann, "c2": bob})
    [inv] = client.push(Entity.INVOICE, [item(an_invoice("i1", "1001", "c1"), refs)])
    codes = {}
    [dup_invoice] = client.push(Entity.INVOICE, [item(an_invoice("i2", "1001", "c2"), refs)])
    codes["invoice_exists"] = dup_invoice.diagnosis.entry.code
    refs = fee_refs({"c1": ann, "c2": bob}, {"i1": inv.external_id, "gone": "999999"})

    def pay(reference: str, contact_id: str, invoice_id: str) -> Any:
        record = Payment(
            local_id=reference,
            reference=reference,
            contact_id=contact_id,
            paid_on=date(2026, 11, 5),
            amount=Decimal("10"),
            currency="USD",
            applications=[PaymentApplication(invoice_id, Decimal("10"))],
        )
        return client.push(Entity.PAYMENT, [item(record, refs)])[0]

    codes["other_customer"] = pay("P-1", "c2", "i1").diagnosis.entry.code
    codes["invoice_not_found"] = pay("P-2", "c1", "gone").diagnosis.entry.code
    assert pay("P-3", "c1", "i1").ok
    codes["payment_ref_exists"] = pay("P-3", "c1", "i1").diagnosis.entry.code
    realm2 = make_client(qbo, sandbox, REALM2)
    [dana] = realm2.push(Entity.CONTACT, [item(contact("c9", "Dana Cole"))])
    write_off = WriteOff(
        local_id="w1",
        invoice_id="i1",
        contact_id="c9",
        written_off_on=date(2026, 11, 7),
        amount=Decimal("5"),
        currency="USD",
    )
    refs2 = Refs(
        records={("contact", "c9"): dana.external_id, ("invoice", "i1"): "1"},
        mappings={("bad_debt", "default"): "7"},
    )
    codes["write_off"] = realm2.push(Entity.WRITE_OFF, [item(write_off, refs2)])[
        0
    ].diagnosis.entry.code
    assert codes == {
        "invoice_exists": "qbo.invoice_exists",
        "other_customer": "qbo.payment_other_customer",
        "invoice_not_found": "qbo.invoice_not_found",
        "payment_ref_exists": "qbo.payment_ref_exists",
        "write_off": "qbo.write_off_no_income_account",
    }
    for code in codes.values():
        entry = qbo.catalog.get(code)
        assert entry.fix and entry.action is not None


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("html_503", "qbo.html_response"),
        ("empty", "qbo.empty_response"),
        ("truncated", "qbo.truncated_response"),
        ("throttle", "qbo.rate_limited"),
    ],
)
def test_transport_faults_raise_classified_errors(
    client: Any, sandbox: Served, kind: str, code: str
) -> None:
    requests.post(sandbox.url + "/_sandbox/faults", json={"realm": REALM, "kind": kind}, timeout=5)
    with pytest.raises(ProviderError) as raised:
        client.push(Entity.CONTACT, [item(contact("c1", "Ann Lee"))])
    assert raised.value.diagnosis.entry.code == code
    assert raised.value.diagnosis.entry.retryable


def test_expired_token_raises_auth_expired_and_a_refresh_fixes_it(
    client: Any, sandbox: Served
) -> None:
    requests.post(
        sandbox.url + "/_sandbox/faults", json={"realm": REALM, "kind": "expire_token"}, timeout=5
    )
    with pytest.raises(ProviderError) as raised:
        client.get(Entity.CONTACT, "1")
    assert raised.value.diagnosis.category == "auth_expired"
    client.context.tokens.refresh(client.context.tokens.access_token())
    assert client.get(Entity.CONTACT, "1")["DisplayName"] == "Amy's Bird Sanctuary"


def test_pull_reference_data_in_pages(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync_admin_quickbooks import client as client_module

    monkeypatch.setattr(client_module, "PAGE_SIZE", 3)
    pages = list(client.pull(Entity.ACCOUNT, None))
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    names = {a.name for page in pages for a in page}
    assert {"Checking", "Undeposited Funds", "Bad Debts"} <= names
    items = [i for page in client.pull(Entity.ITEM, None) for i in page]
    bad_debt = next(i for i in items if i.name == "Bad Debt")
    assert bad_debt.external_id == "7" and bad_debt.income_account_id == "87"
    taxes = [t for page in client.pull(Entity.TAX_RATE, None) for t in page]
    assert {t.code for t in taxes} == {"TAX", "NON", "California"}


def test_incremental_pull_uses_cdc_and_old_cursors_fall_back(client: Any, sandbox: Served) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    assert list(client.pull(Entity.ITEM, since)) == []  # nothing changed
    requests.post(
        f"{sandbox.url}/_sandbox/records/{REALM}/item",
        json={"Id": "3", "Name": "Event Ticket 2027"},
        timeout=5,
    )
    requests.post(
        f"{sandbox.url}/_sandbox/records/{REALM}/item",
        json={"Name": "Parking", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
        timeout=5,
    )
    [page] = list(client.pull(Entity.ITEM, since))
    assert sorted(i.name for i in page) == ["Event Ticket 2027", "Parking"]
    old = datetime.now(UTC) - timedelta(days=45)
    full = [i for page in client.pull(Entity.ITEM, old) for i in page]
    assert len(full) == 9  # past the CDC window: a full pull
    changes, cursor = client.changed([Entity.ITEM, Entity.ACCOUNT], since)
    assert len(changes[Entity.ITEM]) == 2 and changes[Entity.ACCOUNT] == []
    assert cursor > since
    with pytest.raises(ProviderError) as raised:
        client.changed([Entity.ITEM], old)
    assert raised.value.diagnosis.facts["stale_cursor"] == "changedSince"


def test_more_changes_than_one_cdc_answer_fall_back_to_a_full_pull(
    client: Any, sandbox: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync_admin_quickbooks import client as client_module
    from sync_admin_quickbooks.sandbox import api as sandbox_api

    monkeypatch.setattr(sandbox_api, "MAX_CDC_OBJECTS", 2)
    monkeypatch.setattr(client_module, "CDC_MAX_OBJECTS", 2)
    since = datetime.now(UTC) - timedelta(minutes=5)
    for name in ("Parking", "Coffee", "Locker"):
        requests.post(
            f"{sandbox.url}/_sandbox/records/{REALM}/item",
            json={"Name": name, "Type": "Service", "IncomeAccountRef": {"value": "1"}},
            timeout=5,
        )
    pulled = [i.name for page in client.pull(Entity.ITEM, since) for i in page]
    assert {"Parking", "Coffee", "Locker", "Bad Debt"} <= set(pulled)  # everything, not 2
