"""QuickBooks rules checked before any call, beyond what core checks.

Core's preflight (``sync_admin.engine.preflight``) already reports missing or
inactive mappings (fee item, account, tax rate, Bad Debt item), fields over the
``EntitySpec`` limits, missing required fields, and records whose invoice or
contact never synced. Only rules that need QBO knowledge live here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sync_admin.records import Contact, CreditNote, Invoice, Payment, WriteOff
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
    if isinstance(record, Contact) and ":" in record.name:
        found.append(
            provider.diagnosis(
                "qbo.invalid_value",
                f"Invalid character: QuickBooks display names cannot contain ':' "
                f"(DisplayName '{record.name}') [element=DisplayName]",
            )
        )
    if isinstance(record, Invoice | CreditNote):
        for line in record.lines:
            if line.quantity < 0 or line.unit_price < 0:
                found.append(
                    provider.diagnosis(
                        "qbo.invalid_value",
                        f"Line of {record.number} has a negative amount ({line.quantity} x "
                        f"{line.unit_price}); QuickBooks needs a credit memo for credits "
                        "[element=Line.Amount]",
                    )
                )
                break
    if isinstance(record, Payment) and record.applications:
        applied = sum((a.amount for a in record.applications), type(record.amount)(0))
        if applied > record.amount:
            found.append(
                provider.diagnosis(
                    "qbo.total_mismatch",
                    f"Payment Ref#: {record.reference} applies {applied} to invoices but "
                    f"is for {record.amount}. Supplied value: {applied}",
                )
            )
    return found
