"""Words the seed data is made of: names, labels, log messages, provider errors.

Provider errors come from the installed plugins' catalogs when they are there
(``errors_for``); the built-in list below stands in for a provider whose plugin
is not installed, with messages copied from the providers' real answers.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BUILTIN_ERRORS",
    "PROVIDER_LABELS",
    "SeedError",
    "errors_for",
]

PROVIDER_LABELS = {"quickbooks": "QuickBooks", "xero": "Xero"}

ORG_WORDS = (
    "Northwind", "Harbor", "Summit", "Riverside", "Oakridge", "Lakeside", "Bluebird", "Granite",
    "Meadow", "Pioneer", "Cedar", "Silverline", "Redwood", "Evergreen", "Maple", "Horizon",
    "Juniper", "Coastal", "Ironwood", "Sunrise",
)  # fmt: skip
ORG_KINDS = (
    "Fitness", "Dental", "Academy", "Builders", "Clinic", "Studios", "Yoga", "Martial Arts",
    "Swim School", "Physio", "Dance", "Climbing", "Tennis Club", "Music School", "Pilates",
)  # fmt: skip
SITES = (
    "Downtown", "North", "South", "East", "West", "Central", "Airport", "Harbourside", "Uptown",
    "Mall", "Park", "Station", "Old Town", "Riverside", "Hills",
)  # fmt: skip
FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Mia", "Elijah", "Sofia", "Lucas",
    "Amelia", "Mateo", "Chloe", "Leo", "Grace", "Ethan", "Zoe", "Arjun", "Hana", "Tomas",
    "Aisha", "Kenji", "Priya", "Jonas", "Freya", "Diego", "Nora", "Yusuf", "Ines", "Marek",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Nguyen", "Garcia", "Brown", "Wilson", "Tanaka", "Müller", "Rossi", "Kowalski",
    "O'Brien", "Patel", "Johansson", "Dubois", "Silva", "Cohen", "Kim", "Novak", "Okafor",
    "Schmidt", "Haddad", "Fischer", "Lopez", "Moreau", "Jensen", "Walker",
)  # fmt: skip
FEE_ITEMS = (
    "Monthly membership", "Annual membership", "Joining fee", "Late fee", "Casual visit",
    "Personal training (10 pack)", "Locker hire", "Term tuition", "Uniform", "Exam fee",
    "Class pass", "Towel service",
)  # fmt: skip
ACCOUNTS = (
    "Sales", "Membership Income", "Undeposited Funds", "Accounts Receivable", "Bad Debts",
    "Merchant Fees", "Sales Tax Payable", "Discounts Given", "Refunds",
)  # fmt: skip
TAX_RATES = ("GST 10%", "VAT 20%", "VAT 5%", "Exempt", "Sales Tax 8.875%", "GST on Income 15%")

MILESTONES = (
    "Data sync started",
    "Chart of accounts imported",
    "Contacts synced",
    "Transactions synced",
)
FINISHED = "Data sync finished"
FAILED = "Data sync failed"

WARNINGS = (
    "{entity} {label}: email address missing, synced without it",
    "{entity} {label}: description truncated to the provider's length limit",
    "{entity} {label}: rounding difference of 0.01 added as an adjustment line",
    "Rate limit nearly reached, pacing requests for {seconds} s",
)
INFOS = (
    "Fetched page {page} of {entity_plural} ({count} records)",
    "No changes since the last sync for {entity_plural}",
    "Waiting {seconds} s for the provider's rate limit",
    "Access token refreshed",
    "Resuming {entity_plural} from cursor {page}",
)


@dataclass(frozen=True)
class SeedError:
    """A provider error the seed writes into logs and sync results."""

    code: str
    category: str
    title: str
    message: str
    provider_code: str | None = None


BUILTIN_ERRORS: dict[str, tuple[SeedError, ...]] = {
    "quickbooks": (
        SeedError(
            "qbo.duplicate_name",
            "duplicate",
            "Duplicate Name Exists Error",
            "The name supplied already exists. : Another customer, vendor or employee is "
            "already using this name. Please use a different name.",
            "6240",
        ),
        SeedError(
            "qbo.unmapped_fee_item",
            "missing_mapping",
            "Fee item not mapped",
            "The fee item has no QuickBooks item mapped; map it under Fee items.",
        ),
        SeedError(
            "qbo.stale_object",
            "stale_object",
            "Stale Object Error",
            "Stale Object Error : You and someone else tried to edit the same object at the "
            "same time.",
            "5010",
        ),
        SeedError(
            "qbo.invalid_reference",
            "not_found",
            "Invalid Reference Id",
            "Invalid Reference Id : Something you're trying to use has been made inactive. "
            "Check the fields with accounts, customers, items, vendors or employees.",
            "2500",
        ),
        SeedError(
            "qbo.transaction_amount",
            "validation",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: You must set a transaction amount.",
            "6000",
        ),
        SeedError(
            "qbo.token_expired",
            "auth_expired",
            "AuthenticationFailed",
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            "3200",
        ),
        SeedError(
            "qbo.throttled",
            "rate_limited",
            "ThrottleExceeded",
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "3001",
        ),
        SeedError(
            "qbo.period_closed",
            "business_rule",
            "Account Period Closed",
            "Account Period Closed, cannot update through Services API",
            "6210",
        ),
        SeedError(
            "qbo.required_param",
            "validation",
            "Required param missing",
            "Required param missing, need to supply the required value for the API: Line.Amount",
            "2020",
        ),
        SeedError(
            "qbo.service_unavailable",
            "transient_server",
            "Service Unavailable",
            "Service Unavailable: the QuickBooks service is temporarily unavailable",
        ),
    ),
    "xero": (
        SeedError(
            "xero.account_code_invalid",
            "missing_mapping",
            "Account code is not valid",
            "Account code '4000' is not a valid code for this document.",
        ),
        SeedError(
            "xero.contact_name_duplicate",
            "duplicate",
            "Contact name already assigned",
            "The contact name is already assigned to another contact. The contact name must "
            "be unique across all active contacts.",
        ),
        SeedError(
            "xero.tax_type_invalid",
            "validation",
            "Tax type not valid",
            "The TaxType code 'OUTPUT' does not exist or cannot be used for this type of "
            "transaction.",
        ),
        SeedError(
            "xero.token_expired",
            "auth_expired",
            "TokenExpired",
            "AuthenticationUnsuccessful: TokenExpired: token expired",
        ),
        SeedError(
            "xero.rate_limited",
            "rate_limited",
            "Rate limit exceeded",
            "The API rate limit for your organisation/application pairing has been exceeded. "
            "Please retry in 38 seconds",
        ),
        SeedError(
            "xero.currency_disabled",
            "validation",
            "Currency not enabled",
            "The currency EUR is not enabled for this organisation.",
        ),
        SeedError(
            "xero.period_locked",
            "business_rule",
            "Period locked",
            "The document date cannot be before the end of year lock date.",
        ),
        SeedError(
            "xero.overpayment",
            "business_rule",
            "Payment exceeds amount outstanding",
            "Payment amount exceeds the amount outstanding on this document",
        ),
        SeedError(
            "xero.not_found",
            "not_found",
            "Resource not found",
            "The resource you're looking for cannot be found",
        ),
        SeedError(
            "xero.invoice_status",
            "business_rule",
            "Invoice not of valid status for modification",
            "Invoice not of valid status for modification",
        ),
    ),
}


def errors_for(provider: str) -> tuple[SeedError, ...]:
    """The installed plugin's catalog entries, else the built-in list."""
    from .errors import ProviderLoadError
    from .providers import installed

    try:
        plugin = installed().get(provider)
    except ProviderLoadError:  # a broken plugin must not stop a seed
        plugin = None
    if plugin is None:
        return BUILTIN_ERRORS.get(provider, BUILTIN_ERRORS["quickbooks"])
    found = tuple(
        SeedError(
            entry.code,
            str(entry.category),
            entry.title,
            entry.meaning,
            entry.provider_codes[0] if entry.provider_codes else None,
        )
        for entry in plugin.catalog
    )
    return found or BUILTIN_ERRORS.get(provider, BUILTIN_ERRORS["quickbooks"])
