"""QuickBooks checks made before any call (the seed-002 "host checks").

Core checks field lengths and required fields from the ``EntitySpec``s; these
are the rules that need QBO knowledge: every invoice line needs a mapped fee
item, a payment or credit needs its invoice synced, a write-off needs the Bad
Debt item. The messages follow seed 002's wording so staff recognise them, and
carry the facts (invoice number, price, quantity, fee item) the UI groups by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sync_admin.records import CreditNote, Invoice, Payment, WriteOff
from sync_admin.vocabulary import Entity, MappingKind

if TYPE_CHECKING:
    from sync_admin.providers import Diagnosis, Refs

__all__ = ["bad_debt_item", "check"]

DEFAULT_KEY = "default"


def bad_debt_item(refs: Refs, write_off: WriteOff) -> str | None:
    """The Bad Debt item for a write-off: mapped for its fee item, else the default one."""
    return refs.mapping(MappingKind.BAD_DEBT, write_off.fee_item or DEFAULT_KEY) or refs.mapping(
        MappingKind.BAD_DEBT, DEFAULT_KEY
    )


def check(provider: Any, entity: Entity, record: Any, refs: Refs) -> list[Diagnosis]:
    found: list[Diagnosis] = []
    if isinstance(record, Invoice | CreditNote):
        number = record.number
        for line in record.lines:
            if not refs.mapping(MappingKind.FEE_ITEM, line.fee_item):
                label = "Invoice" if isinstance(record, Invoice) else "Credit"
                found.append(
                    provider.diagnosis(
                        "qbo.fee_item_not_mapped",
                        f"No fee item mapped for line item: {label} #{number}, "
                        f"fee item '{line.fee_item}', price {line.unit_price}, "
                        f"quantity {line.quantity}",
                    )
                )
    if isinstance(record, Payment):
        for application in record.applications:
            if not refs.external(Entity.INVOICE, application.invoice_id):
                found.append(
                    provider.diagnosis(
                        "qbo.payment_invoice_not_synced",
                        f"Payment Ref#: {record.reference} Could not find applied invoice "
                        f"Ref#: {application.invoice_id}",
                    )
                )
        if record.deposit_account and not refs.mapping(MappingKind.ACCOUNT, record.deposit_account):
            found.append(
                provider.diagnosis(
                    "qbo.account_not_mapped",
                    f"No account mapped for deposit account '{record.deposit_account}' "
                    f"(Payment Ref#: {record.reference})",
                )
            )
    if (
        isinstance(record, CreditNote)
        and record.applied_invoice_id
        and not refs.external(Entity.INVOICE, record.applied_invoice_id)
    ):
        found.append(
            provider.diagnosis(
                "qbo.credit_invoice_not_synced",
                f"Credit Ref#: {record.number} Could not find applied invoice "
                f"Ref#: {record.applied_invoice_id}",
            )
        )
    if isinstance(record, WriteOff):
        if not bad_debt_item(refs, record):
            found.append(
                provider.diagnosis(
                    "qbo.bad_debt_not_mapped",
                    f"No Bad Debt item mapped for the write-off of invoice {record.invoice_id}",
                )
            )
        if not refs.external(Entity.INVOICE, record.invoice_id):
            found.append(
                provider.diagnosis(
                    "qbo.invoice_not_found",
                    f"Invoice not found: the write-off is for invoice {record.invoice_id}, "
                    "which is not in QuickBooks",
                )
            )
    return found
