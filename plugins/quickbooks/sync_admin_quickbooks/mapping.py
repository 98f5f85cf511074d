"""Canonical records (``sync_admin.records``) to QuickBooks payloads, and back.

Host references become QBO ids through ``Refs``: ``refs.external(entity, id)``
for records already synced (the customer of an invoice, the invoice a payment
applies to), ``refs.mapping(kind, host key)`` for mapped reference data (the
item of a fee item, the deposit account, the tax code, the Bad Debt item).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sync_admin.providers import Refs
from sync_admin.records import (
    Account,
    Contact,
    CreditNote,
    Invoice,
    InvoiceLine,
    Item,
    Payment,
    TaxRate,
    WriteOff,
)
from sync_admin.vocabulary import Entity, MappingKind

from .preflight import bad_debt_item

__all__ = ["QBO_ENTITY", "from_qbo", "to_qbo"]

# The QBO entity each canonical entity is stored as.
QBO_ENTITY = {
    Entity.ACCOUNT: "Account",
    Entity.ITEM: "Item",
    Entity.TAX_RATE: "TaxCode",
    Entity.CONTACT: "Customer",
    Entity.INVOICE: "Invoice",
    Entity.PAYMENT: "Payment",
    Entity.CREDIT_NOTE: "CreditMemo",
    Entity.WRITE_OFF: "CreditMemo",
}


def _money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01")))


def _ref(value: str | None) -> dict[str, str] | None:
    return {"value": str(value)} if value else None


def _currency(code: str) -> dict[str, str] | None:
    return {"value": code.upper()} if code else None


def _clean(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v not in (None, "", [], {})}


def _lines(lines: list[InvoiceLine], refs: Refs) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        detail = _clean(
            {
                "ItemRef": _ref(refs.mapping(MappingKind.FEE_ITEM, line.fee_item)),
                "Qty": float(line.quantity),
                "UnitPrice": float(line.unit_price),
                "TaxCodeRef": _ref(refs.mapping(MappingKind.TAX_RATE, line.tax_rate))
                if line.tax_rate
                else None,
            }
        )
        out.append(
            _clean(
                {
                    "Amount": _money(line.amount),
                    "Description": line.description,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": detail,
                }
            )
        )
    return out


def to_qbo(record: Any, refs: Refs) -> dict[str, Any]:
    """The QBO payload (create form) of a canonical record."""
    if isinstance(record, Contact):
        address = _clean(
            {
                "Line1": record.address_line1,
                "City": record.city,
                "PostalCode": record.postal_code,
                "Country": record.country,
            }
        )
        return _clean(
            {
                "DisplayName": record.name,
                "GivenName": record.first_name,
                "FamilyName": record.last_name,
                "CompanyName": record.company_name,
                "PrimaryEmailAddr": {"Address": record.email} if record.email else None,
                "PrimaryPhone": {"FreeFormNumber": record.phone} if record.phone else None,
                "BillAddr": address,
                "CurrencyRef": _currency(record.currency),
                "Active": record.active,
            }
        )
    if isinstance(record, Invoice):
        return _clean(
            {
                "DocNumber": record.number,
                "CustomerRef": _ref(refs.external(Entity.CONTACT, record.contact_id)),
                "TxnDate": record.issue_date.isoformat(),
                "DueDate": record.due_date.isoformat() if record.due_date else None,
                "CurrencyRef": _currency(record.currency),
                "CustomerMemo": {"value": record.memo} if record.memo else None,
                "Line": _lines(record.lines, refs),
            }
        )
    if isinstance(record, Payment):
        lines = [
            {
                "Amount": _money(app.amount),
                "LinkedTxn": [
                    {"TxnId": refs.external(Entity.INVOICE, app.invoice_id), "TxnType": "Invoice"}
                ],
            }
            for app in record.applications
        ]
        return _clean(
            {
                "CustomerRef": _ref(refs.external(Entity.CONTACT, record.contact_id)),
                "TotalAmt": _money(record.amount),
                "TxnDate": record.paid_on.isoformat(),
                "PaymentRefNum": record.reference,
                "CurrencyRef": _currency(record.currency),
                "DepositToAccountRef": _ref(
                    refs.mapping(MappingKind.ACCOUNT, record.deposit_account)
                )
                if record.deposit_account
                else None,
                "Line": lines,
            }
        )
    if isinstance(record, CreditNote):
        invoice = (
            refs.external(Entity.INVOICE, record.applied_invoice_id)
            if record.applied_invoice_id
            else None
        )
        return _clean(
            {
                "DocNumber": record.number,
                "CustomerRef": _ref(refs.external(Entity.CONTACT, record.contact_id)),
                "TxnDate": record.issued_on.isoformat(),
                "CurrencyRef": _currency(record.currency),
                "PrivateNote": f"Credit for invoice {invoice}" if invoice else None,
                "Line": _lines(record.lines, refs),
            }
        )
    if isinstance(record, WriteOff):
        invoice = refs.external(Entity.INVOICE, record.invoice_id)
        description = f"Write-off of invoice {invoice}"
        if record.reason:
            description += f": {record.reason}"
        return _clean(
            {
                "DocNumber": f"WO-{record.local_id}"[:21],
                "CustomerRef": _ref(refs.external(Entity.CONTACT, record.contact_id)),
                "TxnDate": record.written_off_on.isoformat(),
                "CurrencyRef": _currency(record.currency),
                "PrivateNote": description[:4000],
                "Line": [
                    {
                        "Amount": _money(record.amount),
                        "Description": description[:4000],
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": _clean(
                            {
                                "ItemRef": _ref(bad_debt_item(refs, record)),
                                "Qty": 1,
                                "UnitPrice": _money(record.amount),
                            }
                        ),
                    }
                ],
            }
        )
    raise TypeError(f"QuickBooks cannot push {type(record).__name__} records")


def from_qbo(entity: Entity, data: dict[str, Any]) -> Any:
    """A pulled QBO object as a canonical reference record."""
    active = bool(data.get("Active", True))
    if entity == Entity.ACCOUNT:
        return Account(
            external_id=str(data["Id"]),
            name=str(data.get("Name", "")),
            code=str(data.get("AcctNum") or ""),
            type=str(data.get("AccountType") or ""),
            active=active,
            currency=str((data.get("CurrencyRef") or {}).get("value") or ""),
            raw=data,
        )
    if entity == Entity.ITEM:
        price = data.get("UnitPrice")
        return Item(
            external_id=str(data["Id"]),
            name=str(data.get("Name", "")),
            code=str(data.get("Sku") or ""),
            type=str(data.get("Type") or ""),
            active=active,
            income_account_id=str((data.get("IncomeAccountRef") or {}).get("value") or ""),
            unit_price=Decimal(str(price)) if price is not None else None,
            raw=data,
        )
    if entity == Entity.TAX_RATE:
        return TaxRate(
            external_id=str(data["Id"]),
            name=str(data.get("Description") or data.get("Name", "")),
            code=str(data.get("Name") or ""),
            active=active,
            raw=data,
        )
    raise TypeError(f"QuickBooks does not pull {entity}")
