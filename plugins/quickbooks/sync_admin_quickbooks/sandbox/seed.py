"""Seed companies (realms) shaped like Intuit's sample sandbox company.

Every realm has a chart of accounts, items (fee items and a Bad Debt item),
tax codes, customers from the recorded sample company, and vendors whose names
collide with customer names a host product is likely to push (seed 002: "most
commonly seen when a contact has the same name as a Vendor"). The second realm's
Bad Debt item has no income account, which reproduces seed 002's "Error Adding
Write-off".
"""

from __future__ import annotations

from typing import Any

from .state import Realm, SandboxState

__all__ = ["COLLIDING_VENDORS", "DEFAULT_REALMS", "seed"]

DEFAULT_REALMS = (
    ("9130354467721571", "Sandbox Company US 1"),
    ("9130354467721572", "Sandbox Company US 2 (Bad Debt without income account)"),
    ("9130354467721573", "Sandbox Company US 3"),
)

# Vendor names a host product's members commonly have: pushing a customer with one of
# these names gets fault 6240 (DisplayName is unique across customers, vendors, employees).
COLLIDING_VENDORS = ("Pam Seitz", "Hicks Hardware", "Lee Advertising", "Ellis Equipment Rental")

ACCOUNTS = [
    # (Id, Name, AccountType, AccountSubType, Classification)
    ("1", "Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("4", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("35", "Checking", "Bank", "Checking", "Asset"),
    ("36", "Savings", "Bank", "Savings", "Asset"),
    ("79", "Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("84", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("85", "Membership Dues", "Income", "ServiceFeeIncome", "Revenue"),
    ("86", "Event Revenue", "Income", "ServiceFeeIncome", "Revenue"),
    ("87", "Bad Debts", "Expense", "BadDebts", "Expense"),
    ("88", "Sponsorship Income", "Income", "NonProfitIncome", "Revenue"),
]

ITEMS = [
    # (Id, Name, Type, income account id or None, unit price)
    ("1", "Services", "Service", "1", 0),
    ("2", "Annual Dues", "Service", "85", 150),
    ("3", "Event Ticket", "Service", "86", 45),
    ("4", "Design", "Service", "1", 75),
    ("5", "Sponsorship", "Service", "88", 500),
    ("6", "Late Fee", "Service", "1", 25),
    ("7", "Bad Debt", "Service", "87", 0),
    ("8", "Old Merchandise", "NonInventory", "79", 10),
]

CUSTOMERS = [
    ("1", "Amy's Bird Sanctuary", "Amy", "Lauterbach", "Birds@Intuit.com"),
    ("2", "Bill's Windsurf Shop", "Bill", "Lucchini", "Surf@Intuit.com"),
    ("3", "Cool Cars", "Grace", "Pariente", "Cool_Cars@intuit.com"),
    ("4", "Diego Rodriguez", "Diego", "Rodriguez", "Diego@Rodriguez.com"),
    ("5", "Dukes Basketball Camp", "Peter", "Dukes", "Dukes_bball@intuit.com"),
    ("6", "Dylan Sollfrank", "Dylan", "Sollfrank", ""),
]

# Ids as in Intuit's sample company.
VENDORS = [
    ("30", "Books by Bessie"),
    ("31", "Brosnahan Insurance Agency"),
    ("47", "Pam Seitz"),
    ("41", "Hicks Hardware"),
    ("42", "Lee Advertising"),
    ("38", "Ellis Equipment Rental"),
]

EMPLOYEES = [("54", "John Johnson", "John", "Johnson"), ("55", "Emily Platt", "Emily", "Platt")]

TAX_CODES = [
    ("TAX", "TAX", "Taxable", True),
    ("NON", "NON", "Non-Taxable", False),
    ("2", "California", "California sales tax 8%", True),
]

STAMP = "2015-10-01T16:48:43-07:00"


def _meta() -> dict[str, str]:
    return {"CreateTime": STAMP, "LastUpdatedTime": STAMP}


def _base(record_id: str) -> dict[str, Any]:
    return {
        "domain": "QBO",
        "sparse": False,
        "Id": record_id,
        "SyncToken": "0",
        "MetaData": _meta(),
    }


def seed(state: SandboxState, realms: Any = None) -> list[str]:
    """Replace every realm by freshly seeded ones; returns their ids.

    ``realms`` is a number of realms, or a list of ids (or (id, name) pairs).
    """
    wanted: list[tuple[str, str]]
    if realms is None:
        wanted = list(DEFAULT_REALMS)
    elif isinstance(realms, int):
        wanted = [
            DEFAULT_REALMS[i]
            if i < len(DEFAULT_REALMS)
            else (str(9130354467722000 + i), f"Sandbox Company {i + 1}")
            for i in range(realms)
        ]
    else:
        wanted = [
            (str(r[0]), str(r[1]))
            if isinstance(r, list | tuple)
            else (str(r), f"Sandbox Company {r}")
            for r in realms
        ]
    with state.lock:
        state.realms.clear()
        for index, (realm_id, name) in enumerate(wanted):
            state.add_realm(_realm(realm_id, name, bad_debt_income=index != 1))
    return [r for r, _ in wanted]


def _realm(realm_id: str, name: str, *, bad_debt_income: bool) -> Realm:
    realm = Realm(id=realm_id, name=name)
    accounts = realm.table("Account")
    for account_id, account_name, kind, sub, classification in ACCOUNTS:
        accounts[account_id] = {
            **_base(account_id),
            "Name": account_name,
            "SubAccount": False,
            "FullyQualifiedName": account_name,
            "Active": True,
            "Classification": classification,
            "AccountType": kind,
            "AccountSubType": sub,
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        }
    items = realm.table("Item")
    for item_id, item_name, kind, income, price in ITEMS:
        record = {
            **_base(item_id),
            "Name": item_name,
            "FullyQualifiedName": item_name,
            "Active": True,
            "Taxable": False,
            "UnitPrice": price,
            "Type": kind,
            "PurchaseCost": 0,
            "TrackQtyOnHand": False,
        }
        if income and (item_name != "Bad Debt" or bad_debt_income):
            record["IncomeAccountRef"] = {"value": income, "name": _account_name(income)}
        items[item_id] = record
    customers = realm.table("Customer")
    for customer_id, display, given, family, email in CUSTOMERS:
        customer = {
            **_base(customer_id),
            "Taxable": False,
            "Job": False,
            "BillWithParent": False,
            "Balance": 0,
            "BalanceWithJobs": 0,
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "PreferredDeliveryMethod": "Print",
            "GivenName": given,
            "FamilyName": family,
            "FullyQualifiedName": display,
            "CompanyName": display,
            "DisplayName": display,
            "PrintOnCheckName": display,
            "Active": True,
        }
        if email:
            customer["PrimaryEmailAddr"] = {"Address": email}
        customers[customer_id] = customer
    vendors = realm.table("Vendor")
    for vendor_id, display in VENDORS:
        vendors[vendor_id] = {
            **_base(vendor_id),
            "Balance": 0,
            "Vendor1099": False,
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "DisplayName": display,
            "PrintOnCheckName": display,
            "Active": True,
        }
    employees = realm.table("Employee")
    for employee_id, display, given, family in EMPLOYEES:
        employees[employee_id] = {
            **_base(employee_id),
            "BillableTime": False,
            "GivenName": given,
            "FamilyName": family,
            "DisplayName": display,
            "PrintOnCheckName": display,
            "Active": True,
        }
    codes = realm.table("TaxCode")
    for code_id, code_name, description, taxable in TAX_CODES:
        codes[code_id] = {
            **_base(code_id),
            "Name": code_name,
            "Description": description,
            "Active": True,
            "Hidden": False,
            "Taxable": taxable,
            "TaxGroup": code_id == "2",
        }
    realm.table("CompanyInfo")[realm_id] = {
        **_base("1"),
        "CompanyName": name,
        "LegalName": name,
        "Country": "US",
        "Currency": "USD",
        "Email": {"Address": "noreply@quickbooks.com"},
        "SupportedLanguages": "en",
        "NameValue": [],
    }
    for entity in ("Invoice", "Payment", "CreditMemo", "SalesReceipt", "Estimate"):
        realm.table(entity)
    return realm


def _account_name(account_id: str) -> str:
    return next(a[1] for a in ACCOUNTS if a[0] == account_id)
