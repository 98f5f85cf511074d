"""Checks before any Xero call: what Xero would refuse, reported without spending a call.

Core's preflight checks the declared field limits and required fields; these
are Xero's own rules on top: documents need lines with descriptions and a due
date, every line needs a mapped item or account, payments and reconciliations
need a mapped bank account, amounts must be positive, and Xero refuses
non-ASCII email addresses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sync_admin.providers import Diagnosis, Refs
from sync_admin.records import CreditNote, Invoice, InvoiceLine
from sync_admin.vocabulary import Entity, MappingKind

if TYPE_CHECKING:
    from .provider import XeroProvider

__all__ = ["bad_debt_account", "preflight", "problem"]


def problem(provider: XeroProvider, code: str, message: str, **facts: str) -> Diagnosis:
    """A diagnosis found before any call (status 0: nothing was sent)."""
    entry = provider.catalog.get(code)  # type: ignore[union-attr]
    return Diagnosis(entry=entry, status=0, message=message, facts=facts, body_kind="preflight")


def preflight(provider: XeroProvider, entity: Entity, record: Any, refs: Any) -> list[Diagnosis]:
    refs = refs if isinstance(refs, Refs) else Refs()
    found: list[Diagnosis] = []
    if entity == Entity.CONTACT:
        email = getattr(record, "email", "") or ""
        if email and not email.isascii():
            found.append(
                problem(
                    provider,
                    "xero.email_invalid",
                    f"Email address must be valid. Xero refuses non-ASCII characters in {email!r}.",
                )
            )
        if not (getattr(record, "name", "") or "").strip():
            found.append(
                problem(provider, "xero.contact_required", "Contact Name cannot be empty.")
            )
    elif entity in (Entity.INVOICE, Entity.CREDIT_NOTE):
        found.extend(_document(provider, entity, record, refs))
    elif entity == Entity.PAYMENT:
        found.extend(_bank_account(provider, getattr(record, "deposit_account", ""), refs))
        found.extend(_positive(provider, getattr(record, "amount", None), "Payment amount"))
    elif entity == Entity.RECONCILIATION:
        found.extend(_bank_account(provider, getattr(record, "bank_account", ""), refs))
        found.extend(_positive(provider, getattr(record, "amount", None), "Reconciliation amount"))
    elif entity == Entity.WRITE_OFF:
        found.extend(_positive(provider, getattr(record, "amount", None), "Write-off amount"))
        if bad_debt_account(refs) is None:
            found.append(
                problem(
                    provider,
                    "xero.invalid_account_code",
                    "Account must be valid. No bad debt account is mapped for write-offs.",
                )
            )
    return found


def _document(
    provider: XeroProvider, entity: Entity, record: Invoice | CreditNote, refs: Refs
) -> list[Diagnosis]:
    found: list[Diagnosis] = []
    lines: list[InvoiceLine] = list(getattr(record, "lines", []) or [])
    if not lines:
        found.append(
            problem(provider, "xero.line_items_invalid", "One or more line items must be specified")
        )
    if entity == Entity.INVOICE and getattr(record, "due_date", None) is None:
        found.append(
            problem(
                provider, "xero.line_items_invalid", "The document DueDate field must be specified"
            )
        )
    for number, line in enumerate(lines, 1):
        if not (line.description or "").strip():
            found.append(
                problem(
                    provider,
                    "xero.line_items_invalid",
                    f"Line {number}: Description must be at least 1 character.",
                )
            )
        item = refs.mapping(MappingKind.FEE_ITEM, line.fee_item) if line.fee_item else None
        account = refs.mapping(MappingKind.ACCOUNT, line.account) if line.account else None
        if line.account and account is None:
            found.append(
                problem(
                    provider,
                    "xero.invalid_account_code",
                    f"Account must be valid. Account '{line.account}' is not mapped to a Xero account.",
                    account_code=line.account,
                )
            )
        elif item is None and account is None:
            found.append(
                problem(
                    provider,
                    "xero.invalid_account_code",
                    f"Account must be valid. Fee item '{line.fee_item}' is not mapped to a Xero "
                    "item, and the line names no account.",
                    fee_item=line.fee_item,
                )
            )
        if line.tax_rate and refs.mapping(MappingKind.TAX_RATE, line.tax_rate) is None:
            found.append(
                problem(
                    provider,
                    "xero.tax_rate_mismatch",
                    f"Tax rate must be valid. Tax rate '{line.tax_rate}' is not mapped to a Xero "
                    "TaxType code.",
                    tax_type=line.tax_rate,
                )
            )
    return found


def bad_debt_account(refs: Refs) -> str | None:
    """The Xero account mapped as bad debt (any host key: there is one per company)."""
    for (kind, _), value in sorted(refs.mappings.items()):
        if kind == MappingKind.BAD_DEBT.value and value:
            return value
    return None


def _bank_account(provider: XeroProvider, host_key: str, refs: Refs) -> list[Diagnosis]:
    if host_key and refs.mapping(MappingKind.ACCOUNT, host_key):
        return []
    label = host_key or "(none)"
    return [
        problem(
            provider,
            "xero.bank_account_not_mapped",
            f"The bank account '{label}' is not mapped to a Xero bank account.",
            bank_account=label,
        )
    ]


def _positive(provider: XeroProvider, amount: Any, what: str) -> list[Diagnosis]:
    try:
        value = Decimal(str(amount))
    except (ArithmeticError, ValueError):
        value = Decimal(0)
    if value > 0:
        return []
    return [problem(provider, "xero.validation", f"{what} must be greater than zero.")]
