"""Checks before any Xero call: what Xero would refuse, reported without spending a call.

Core's preflight checks the declared field limits, required fields and that
every named mapping exists; these are Xero's own rules on top: documents need
lines with descriptions and a due date, payments and reconciliations need a
bank account, amounts must be positive, and Xero refuses non-ASCII email
addresses.
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
        applications = getattr(record, "applications", None) or []
        if len(applications) != 1:
            found.append(
                problem(
                    provider,
                    "xero.validation",
                    f"A Xero payment pays exactly one invoice; this payment is applied to "
                    f"{len(applications)}. Record one payment per invoice in the host product.",
                )
            )
        found.extend(_positive(provider, getattr(record, "amount", None), "Payment amount"))
    elif entity == Entity.RECONCILIATION:
        found.extend(_bank_account(provider, getattr(record, "bank_account", ""), refs))
        found.extend(_positive(provider, getattr(record, "amount", None), "Reconciliation amount"))
    elif entity == Entity.WRITE_OFF:
        found.extend(_positive(provider, getattr(record, "amount", None), "Write-off amount"))
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
    return found


def bad_debt_account(refs: Refs, fee_item: str = "") -> str | None:
    """The Xero account mapped as bad debt: for the fee item, else the company's default."""
    return refs.mapping(MappingKind.BAD_DEBT, fee_item) or refs.mapping(
        MappingKind.BAD_DEBT, "default"
    )


def _bank_account(provider: XeroProvider, host_key: str, refs: Refs) -> list[Diagnosis]:
    # A named but unmapped account is core's missing_mapping; no account at all is Xero's.
    if host_key:
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
