"""Canonical records: the shape in which host products and providers meet.

The host adapter hands the engine these records to push and receives pulled
ones; each provider plugin translates them to and from its own API. Field
names and meanings are the same for every provider. References to other host
records are by host id (``contact_id``, ``invoice_id``); references to provider
objects go through mappings (``fee_item``, ``account``, ``tax_rate`` are host
keys that a ``Mapping`` turns into provider ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .vocabulary import Entity

__all__ = [
    "Account",
    "Contact",
    "CreditNote",
    "Currency",
    "Invoice",
    "InvoiceLine",
    "Item",
    "Payment",
    "PaymentApplication",
    "PulledRecord",
    "PushRecord",
    "Reconciliation",
    "TaxRate",
    "WriteOff",
    "record_entity",
]


@dataclass
class Contact:
    local_id: str
    name: str  # display name: QBO Customer.DisplayName, Xero Contact.Name
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    company_name: str = ""
    address_line1: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    currency: str = ""
    active: bool = True
    updated_at: datetime | None = None

    entity = Entity.CONTACT

    @property
    def label(self) -> str:
        return self.name


@dataclass
class InvoiceLine:
    fee_item: str  # host key of the fee item; a Mapping(kind=fee_item) gives the provider item
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: str = ""  # host key; Mapping(kind=tax_rate)
    account: str = ""  # host key of the income account; Mapping(kind=account)

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


def lines_total(lines: list[InvoiceLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


@dataclass
class Invoice:
    local_id: str
    number: str
    contact_id: str
    issue_date: date
    due_date: date | None
    currency: str
    lines: list[InvoiceLine] = field(default_factory=list)
    memo: str = ""
    updated_at: datetime | None = None

    entity = Entity.INVOICE

    @property
    def total(self) -> Decimal:
        return lines_total(self.lines)

    @property
    def label(self) -> str:
        return self.number


@dataclass
class PaymentApplication:
    invoice_id: str  # host id of the invoice
    amount: Decimal


@dataclass
class Payment:
    local_id: str
    reference: str  # "Payment Ref#"
    contact_id: str
    paid_on: date
    amount: Decimal
    currency: str
    applications: list[PaymentApplication] = field(default_factory=list)
    deposit_account: str = ""  # host key of the bank account; Mapping(kind=account)
    updated_at: datetime | None = None

    entity = Entity.PAYMENT

    @property
    def label(self) -> str:
        return self.reference


@dataclass
class CreditNote:
    local_id: str
    number: str  # "Credit Ref#"
    contact_id: str
    issued_on: date
    currency: str
    lines: list[InvoiceLine] = field(default_factory=list)
    applied_invoice_id: str = ""  # host id of the invoice the credit is applied to
    updated_at: datetime | None = None

    entity = Entity.CREDIT_NOTE

    @property
    def total(self) -> Decimal:
        return lines_total(self.lines)

    @property
    def label(self) -> str:
        return self.number


@dataclass
class WriteOff:
    """An unpaid balance written off as bad debt (uses the Mapping(kind=bad_debt))."""

    local_id: str
    invoice_id: str
    contact_id: str
    written_off_on: date
    amount: Decimal
    currency: str
    fee_item: str = ""  # the fee item whose income account is written off
    reason: str = ""
    updated_at: datetime | None = None

    entity = Entity.WRITE_OFF

    @property
    def label(self) -> str:
        return f"write-off {self.local_id}"


@dataclass
class Reconciliation:
    """A pushed payment matched to a bank statement line (Xero bank reconciliation)."""

    local_id: str
    payment_id: str
    bank_account: str  # host key; Mapping(kind=account)
    statement_date: date
    amount: Decimal
    updated_at: datetime | None = None

    entity = Entity.RECONCILIATION

    @property
    def label(self) -> str:
        return f"reconciliation {self.local_id}"


@dataclass
class Account:
    external_id: str
    name: str
    code: str = ""
    type: str = ""
    active: bool = True
    currency: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    entity = Entity.ACCOUNT


@dataclass
class Item:
    external_id: str
    name: str
    code: str = ""
    type: str = ""
    active: bool = True
    income_account_id: str = ""
    unit_price: Decimal | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    entity = Entity.ITEM


@dataclass
class TaxRate:
    external_id: str
    name: str
    code: str = ""
    rate: Decimal | None = None
    active: bool = True
    raw: dict[str, Any] = field(default_factory=dict)

    entity = Entity.TAX_RATE


@dataclass
class Currency:
    external_id: str  # the ISO code
    name: str
    code: str = ""
    active: bool = True
    raw: dict[str, Any] = field(default_factory=dict)

    entity = Entity.CURRENCY


PushRecord = Contact | Invoice | Payment | CreditNote | WriteOff | Reconciliation
PulledRecord = Account | Item | TaxRate | Currency


def record_entity(record: PushRecord | PulledRecord) -> Entity:
    return record.entity
