"""The sandbox's memory: organisations with their records, grants, tokens, counters.

Everything lives in one ``SandboxState`` guarded by one lock; the WSGI server
serves requests from threads. Ids are deterministic for the seed organisations
(uuid5 of their names) so tests and benches can address them without asking.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "Grant",
    "Limits",
    "Organisation",
    "SandboxState",
    "index_contact",
    "index_invoice",
    "ms_date",
    "new_id",
    "seed_organisation",
    "stable_id",
]

_NS = uuid.UUID("6f1c2a8e-4d4b-4b7e-9a55-0b7c6d1e2f30")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def new_id() -> str:
    return str(uuid.uuid4())


def ms_date(value: datetime | date | float | None = None) -> str:
    """Xero's JSON date: ``/Date(1552522535440+0000)/``."""
    if value is None:
        value = time.time()
    if isinstance(value, datetime):
        stamp = value.replace(tzinfo=value.tzinfo or UTC).timestamp()
    elif isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    else:
        stamp = float(value)
    return f"/Date({int(stamp * 1000)}+0000)/"


@dataclass
class Limits:
    """Xero's published limits; the window is configurable so that benches run in seconds."""

    window_seconds: float = 60.0
    per_minute: int = 60
    day_window_seconds: float = 86400.0
    per_day: int = 5000
    concurrency: int = 5
    app_per_minute: int = 10000
    latency: float = 0.0  # seconds added to every accounting call (makes concurrency visible)


@dataclass
class Organisation:
    tenant_id: str
    name: str
    base_currency: str
    country: str
    short_code: str
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tax_rates: dict[str, dict[str, Any]] = field(default_factory=dict)
    currencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    credit_notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    contact_limit: int | None = None
    lock_date: date | None = None
    # Idempotency-Key -> (request fingerprint, status, body)
    replies: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)
    minute_calls: deque[float] = field(default_factory=deque)
    day_calls: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    invoice_counter: int = 0
    credit_counter: int = 0
    # Indexes for Xero's uniqueness rules (a bench pushes thousands of records).
    contact_names: dict[str, dict[str, Any]] = field(default_factory=dict)  # active, lower name
    contact_numbers: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoice_numbers: dict[str, dict[str, Any]] = field(default_factory=dict)  # live ACCREC
    credit_numbers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def reindex(self) -> None:
        """Rebuild the indexes from the records (after a rollback or a change by hand)."""
        self.contact_names.clear()
        self.contact_numbers.clear()
        self.invoice_numbers.clear()
        self.credit_numbers.clear()
        for contact in self.contacts.values():
            index_contact(self, contact)
        for invoice in self.invoices.values():
            index_invoice(self, invoice)
        for credit in self.credit_notes.values():
            if credit.get("CreditNoteNumber"):
                self.credit_numbers[credit["CreditNoteNumber"]] = credit

    def account_by_code(self, code: str) -> dict[str, Any] | None:
        for account in self.accounts.values():
            if account.get("Code") == code:
                return account
        return None

    def item_by_code(self, code: str) -> dict[str, Any] | None:
        for item in self.items.values():
            if item.get("Code") == code:
                return item
        return None


def index_contact(org: Organisation, contact: dict[str, Any], *, remove: bool = False) -> None:
    name = str(contact.get("Name") or "").strip().lower()
    number = contact.get("ContactNumber")
    if remove:
        if org.contact_names.get(name) is contact:
            del org.contact_names[name]
        if number and org.contact_numbers.get(number) is contact:
            del org.contact_numbers[number]
        return
    if name and contact.get("ContactStatus") == "ACTIVE":
        org.contact_names[name] = contact
    if number:
        org.contact_numbers[number] = contact


def index_invoice(org: Organisation, invoice: dict[str, Any], *, remove: bool = False) -> None:
    number = invoice.get("InvoiceNumber")
    if not number or invoice.get("Type") != "ACCREC":
        return
    if remove:
        if org.invoice_numbers.get(number) is invoice:
            del org.invoice_numbers[number]
    elif invoice.get("Status") not in ("DELETED", "VOIDED"):
        org.invoice_numbers[number] = invoice


@dataclass
class Grant:
    """One consent: a user, a client, the organisations chosen, the live tokens."""

    grant_id: str
    client_id: str
    user: dict[str, str]
    scope: str
    auth_event_id: str
    revoked: bool = False


@dataclass
class SandboxState:
    limits: Limits = field(default_factory=Limits)
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    user: dict[str, str] = field(default_factory=dict)
    user_tenants: list[str] = field(default_factory=list)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    # connection id -> {id, tenantId, grant_id, authEventId, created, updated}
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[dict[str, Any]] = field(default_factory=list)
    app_calls: deque[float] = field(default_factory=deque)
    token_calls: int = 0
    access_ttl: int = 1800
    refresh_grace: float = 1800.0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def org(self, tenant_id: str) -> Organisation | None:
        return self.organisations.get(tenant_id)


# --- seed data ----------------------------------------------------------------------------

_ACCOUNTS = [
    # code, name, type, class, bank account type, tax type, payments enabled
    ("090", "Business Bank Account", "BANK", "ASSET", "BANK", "NONE", False),
    ("091", "Business Savings Account", "BANK", "ASSET", "BANK", "NONE", False),
    ("200", "Sales", "REVENUE", "REVENUE", "", "OUTPUT2", False),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "", "OUTPUT2", False),
    ("270", "Interest Income", "REVENUE", "REVENUE", "", "NONE", False),
    ("299", "Old Membership Income", "REVENUE", "REVENUE", "", "OUTPUT2", False),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "", "INPUT2", False),
    ("410", "Bad Debts", "EXPENSE", "EXPENSE", "", "NONE", False),
    ("429", "General Expenses", "EXPENSE", "EXPENSE", "", "INPUT2", False),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "", "NONE", False),
    ("820", "GST / VAT", "CURRLIAB", "LIABILITY", "", "NONE", False),
    ("877", "Clearing Account", "CURRLIAB", "LIABILITY", "", "NONE", True),
]

_TAX_RATES = {
    # country: (tax type, name, rate, can apply to revenue)
    "NZ": [
        ("OUTPUT2", "15% GST on Income", Decimal("15"), True),
        ("INPUT2", "15% GST on Expenses", Decimal("15"), False),
        ("NONE", "No GST", Decimal("0"), True),
        ("ZERORATEDOUTPUT", "Zero Rated", Decimal("0"), True),
        ("EXEMPTOUTPUT", "GST Exempt (retired)", Decimal("0"), True),
    ],
    "GB": [
        ("OUTPUT2", "20% (VAT on Income)", Decimal("20"), True),
        ("INPUT2", "20% (VAT on Expenses)", Decimal("20"), False),
        ("NONE", "No VAT", Decimal("0"), True),
        ("ZERORATEDOUTPUT", "Zero Rated Income", Decimal("0"), True),
        ("EXEMPTOUTPUT", "Exempt Income (retired)", Decimal("0"), True),
    ],
}

_ITEMS = [
    # code, name, price, sales account, tax type
    ("DUES", "Annual membership dues", Decimal("100.00"), "200", "OUTPUT2"),
    ("EVENT", "Event ticket", Decimal("25.00"), "260", "OUTPUT2"),
    ("LATEFEE", "Late payment fee", Decimal("10.00"), "260", "NONE"),
]

_CURRENCY_NAMES = {
    "NZD": "New Zealand Dollar",
    "AUD": "Australian Dollar",
    "USD": "United States Dollar",
    "GBP": "British Pound",
    "EUR": "Euro",
}


def seed_organisation(
    name: str,
    *,
    base_currency: str = "NZD",
    currencies: tuple[str, ...] = ("NZD", "AUD", "USD"),
    country: str = "NZ",
    tenant_id: str | None = None,
    contact_limit: int | None = None,
) -> Organisation:
    """A Demo-Company-like organisation: chart of accounts, tax rates, currencies, items."""
    tenant = tenant_id or stable_id("tenant", name)
    stamp = ms_date(datetime(2026, 1, 1, tzinfo=UTC))
    org = Organisation(
        tenant_id=tenant,
        name=name,
        base_currency=base_currency,
        country=country,
        short_code="!" + tenant[:5],
        contact_limit=contact_limit,
    )
    for code, label, kind, klass, bank_type, tax, payments in _ACCOUNTS:
        account_id = stable_id(tenant, "account", code)
        account: dict[str, Any] = {
            "AccountID": account_id,
            "Code": code,
            "Name": label,
            "Type": kind,
            "Class": klass,
            "Status": "ARCHIVED" if code == "299" else "ACTIVE",
            "TaxType": tax,
            "EnablePaymentsToAccount": payments,
            "ShowInExpenseClaims": False,
            "UpdatedDateUTC": stamp,
        }
        if bank_type:
            account["BankAccountType"] = bank_type
            account["BankAccountNumber"] = f"12-3456-{code}0000-00"
            account["CurrencyCode"] = base_currency
        org.accounts[account_id] = account
    for tax_type, label, rate, revenue in _TAX_RATES.get(country, _TAX_RATES["NZ"]):
        org.tax_rates[tax_type] = {
            "Name": label,
            "TaxType": tax_type,
            "Status": "DELETED" if tax_type == "EXEMPTOUTPUT" else "ACTIVE",
            "CanApplyToRevenue": revenue,
            "CanApplyToExpenses": not revenue or tax_type == "NONE",
            "CanApplyToAssets": True,
            "CanApplyToEquity": True,
            "CanApplyToLiabilities": True,
            "DisplayTaxRate": float(rate),
            "EffectiveRate": float(rate),
            "TaxComponents": [
                {"Name": "GST", "Rate": float(rate), "IsCompound": False, "IsNonRecoverable": False}
            ],
        }
    for code in currencies:
        org.currencies[code] = {"Code": code, "Description": _CURRENCY_NAMES.get(code, code)}
    for code, label, price, account, tax in _ITEMS:
        item_id = stable_id(tenant, "item", code)
        org.items[item_id] = {
            "ItemID": item_id,
            "Code": code,
            "Name": label,
            "Description": label,
            "IsSold": True,
            "IsPurchased": False,
            "IsTrackedAsInventory": False,
            "SalesDetails": {"UnitPrice": float(price), "AccountCode": account, "TaxType": tax},
            "UpdatedDateUTC": stamp,
        }
    return org
