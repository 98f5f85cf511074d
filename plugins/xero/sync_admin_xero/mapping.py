"""Canonical records to Xero payloads, and Xero's reference data to canonical records.

Provider ids that mappings hold for Xero: an account's ``AccountID``, an item's
``ItemID``, a tax rate's ``TaxType``, a currency's ISO code. Lines reference
items by ``ItemCode``, so the client hands in ``item_codes`` (ItemID to Code).
Only fields the specification allows in a request are sent (no read-only ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sync_admin.providers import PushItem
from sync_admin.records import (
    Account,
    Contact,
    CreditNote,
    Currency,
    Invoice,
    InvoiceLine,
    Item,
    Payment,
    Reconciliation,
    TaxRate,
    WriteOff,
)
from sync_admin.vocabulary import Entity, MappingKind

from .preflight import bad_debt_account

__all__ = [
    "COLLECTION",
    "ID_FIELD",
    "from_xero",
    "parse_ms_date",
    "to_xero",
]

# The Xero collection and id field of each pushed entity.
COLLECTION = {
    Entity.CONTACT: "Contacts",
    Entity.INVOICE: "Invoices",
    Entity.PAYMENT: "Payments",
    Entity.CREDIT_NOTE: "CreditNotes",
    Entity.WRITE_OFF: "CreditNotes",
    Entity.RECONCILIATION: "Payments",
    Entity.ACCOUNT: "Accounts",
    Entity.ITEM: "Items",
    Entity.TAX_RATE: "TaxRates",
    Entity.CURRENCY: "Currencies",
}
ID_FIELD = {
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "Payments": "PaymentID",
    "CreditNotes": "CreditNoteID",
    "Accounts": "AccountID",
    "Items": "ItemID",
    "TaxRates": "TaxType",
    "Currencies": "Code",
}


def _day(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def _money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01")))


def _line(line: InvoiceLine, item: PushItem, item_codes: Mapping[str, str]) -> dict[str, Any]:
    refs = item.refs
    out: dict[str, Any] = {
        "Description": line.description,
        "Quantity": float(line.quantity),
        "UnitAmount": _money(line.unit_price),
        "LineAmount": _money(line.amount),
    }
    item_id = refs.mapping(MappingKind.FEE_ITEM, line.fee_item) if line.fee_item else None
    if item_id:
        out["ItemCode"] = item_codes.get(item_id, item_id)
    account = refs.mapping(MappingKind.ACCOUNT, line.account) if line.account else None
    if account:
        out["AccountID"] = account
    tax = refs.mapping(MappingKind.TAX_RATE, line.tax_rate) if line.tax_rate else None
    if tax:
        out["TaxType"] = tax
    return out


def _contact_ref(item: PushItem, contact_id: str) -> dict[str, str]:
    return {"ContactID": item.refs.external(Entity.CONTACT, contact_id) or ""}


def to_xero(entity: Entity, item: PushItem, item_codes: Mapping[str, str]) -> dict[str, Any]:
    """The element sent for one record (the client adds the id of a linked record)."""
    record: Any = item.record
    if entity == Entity.CONTACT:
        return _contact(record)
    if entity == Entity.INVOICE:
        return _invoice(record, item, item_codes)
    if entity == Entity.CREDIT_NOTE:
        return _credit_note(record, item, item_codes)
    if entity == Entity.WRITE_OFF:
        return _write_off(record, item, item_codes)
    if entity == Entity.PAYMENT:
        return _payment(record, item)
    if entity == Entity.RECONCILIATION:
        return _reconciliation(record, item)
    raise ValueError(f"Xero does not take pushed {entity} records")


def _contact(record: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": record.name}
    for field, key in (
        ("first_name", "FirstName"),
        ("last_name", "LastName"),
        ("email", "EmailAddress"),
    ):
        value = getattr(record, field)
        if value:
            out[key] = value
    if record.phone:
        out["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": record.phone}]
    address = {
        "AddressLine1": record.address_line1,
        "City": record.city,
        "PostalCode": record.postal_code,
        "Country": record.country,
    }
    if any(address.values()):
        out["Addresses"] = [{"AddressType": "STREET", **{k: v for k, v in address.items() if v}}]
    if record.currency:
        out["DefaultCurrency"] = record.currency
    out["ContactStatus"] = "ACTIVE" if record.active else "ARCHIVED"
    return out


def _invoice(record: Invoice, item: PushItem, item_codes: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": _contact_ref(item, record.contact_id),
        "Date": _day(record.issue_date),
        "InvoiceNumber": record.number,
        "CurrencyCode": record.currency,
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [_line(line, item, item_codes) for line in record.lines],
    }
    if record.due_date:
        out["DueDate"] = _day(record.due_date)
    if record.memo:
        out["Reference"] = record.memo
    return out


def _credit_note(
    record: CreditNote, item: PushItem, item_codes: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "Type": "ACCRECCREDIT",
        "Contact": _contact_ref(item, record.contact_id),
        "Date": _day(record.issued_on),
        "CreditNoteNumber": record.number,
        "CurrencyCode": record.currency,
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [_line(line, item, item_codes) for line in record.lines],
    }


def _write_off(record: WriteOff, item: PushItem, item_codes: Mapping[str, str]) -> dict[str, Any]:
    """A write-off is a credit note to the bad debt account (or item), allocated to the invoice."""
    target = bad_debt_account(item.refs, record.fee_item) or ""
    line: dict[str, Any] = {
        "Description": f"Bad debt written off{': ' + record.reason if record.reason else ''}",
        "Quantity": 1.0,
        "UnitAmount": _money(record.amount),
        "LineAmount": _money(record.amount),
        "TaxType": "NONE",
    }
    if target in item_codes:
        line["ItemCode"] = item_codes[target]
    else:
        line["AccountID"] = target
    return {
        "Type": "ACCRECCREDIT",
        "Contact": _contact_ref(item, record.contact_id),
        "Date": _day(record.written_off_on),
        "CreditNoteNumber": f"WO-{record.local_id}"[:255],
        "Reference": (record.reason or "Bad debt write-off")[:255],
        "CurrencyCode": record.currency,
        "Status": "AUTHORISED",
        "LineAmountTypes": "NoTax",
        "LineItems": [line],
    }


def allocation_target(entity: Entity, item: PushItem) -> tuple[str, float] | None:
    """The invoice (external id) and amount a pushed credit note is allocated to, if any."""
    record: Any = item.record
    if entity == Entity.WRITE_OFF:
        invoice = item.refs.external(Entity.INVOICE, record.invoice_id)
        return (invoice, _money(record.amount)) if invoice else None
    if entity == Entity.CREDIT_NOTE and record.applied_invoice_id:
        invoice = item.refs.external(Entity.INVOICE, record.applied_invoice_id)
        return (invoice, _money(record.total)) if invoice else None
    return None


def _payment(record: Payment, item: PushItem) -> dict[str, Any]:
    [application] = record.applications  # preflight refuses payments over several invoices
    return {
        "Invoice": {"InvoiceID": item.refs.external(Entity.INVOICE, application.invoice_id) or ""},
        "Account": {
            "AccountID": item.refs.mapping(MappingKind.ACCOUNT, record.deposit_account) or ""
        },
        "Date": _day(record.paid_on),
        "Amount": _money(application.amount),
        "Reference": record.reference,
    }


def _reconciliation(record: Reconciliation, item: PushItem) -> dict[str, Any]:
    """The sandbox's reconcile call (see docs/providers/xero.md: no such call in Xero's API)."""
    return {
        "Status": "AUTHORISED",
        "IsReconciled": True,
        "Amount": _money(record.amount),
        "Account": {"AccountID": item.refs.mapping(MappingKind.ACCOUNT, record.bank_account) or ""},
    }


# --- pulled reference data -----------------------------------------------------------------


def parse_ms_date(value: Any) -> datetime | None:
    """``/Date(1552522535440+0000)/`` (or ISO) to an aware datetime."""
    if not value:
        return None
    text = str(value)
    if text.startswith("/Date("):
        millis = int(text[6:].split("+")[0].split("-")[0].split(")")[0])
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_xero(entity: Entity, row: dict[str, Any]) -> Any:
    if entity == Entity.ACCOUNT:
        return Account(
            external_id=str(row["AccountID"]),
            name=str(row.get("Name", "")),
            code=str(row.get("Code", "")),
            type=str(row.get("Type", "")),
            active=row.get("Status", "ACTIVE") == "ACTIVE",
            currency=str(row.get("CurrencyCode", "")),
            raw=row,
        )
    if entity == Entity.ITEM:
        sales = row.get("SalesDetails") or {}
        price = sales.get("UnitPrice")
        return Item(
            external_id=str(row["ItemID"]),
            name=str(row.get("Name") or row.get("Code", "")),
            code=str(row.get("Code", "")),
            type="inventory" if row.get("IsTrackedAsInventory") else "service",
            active=row.get("IsSold", True) is not False,
            income_account_id=str(sales.get("AccountCode", "")),
            unit_price=Decimal(str(price)) if price is not None else None,
            raw=row,
        )
    if entity == Entity.TAX_RATE:
        rate = row.get("EffectiveRate", row.get("DisplayTaxRate"))
        return TaxRate(
            external_id=str(row["TaxType"]),
            name=str(row.get("Name", "")),
            code=str(row["TaxType"]),
            rate=Decimal(str(rate)) if rate is not None else None,
            active=row.get("Status", "ACTIVE") == "ACTIVE",
            raw=row,
        )
    if entity == Entity.CURRENCY:
        return Currency(
            external_id=str(row["Code"]),
            name=str(row.get("Description", row["Code"])),
            code=str(row["Code"]),
            raw=row,
        )
    raise ValueError(f"Xero does not pull {entity} records")
