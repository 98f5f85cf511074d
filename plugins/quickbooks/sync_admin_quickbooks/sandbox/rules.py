"""QBO's write rules: create, update, delete and void with QuickBooks' own faults.

DisplayName unique across customers, vendors and employees (6240); DocNumber at
most 21 characters (2050) and unique per transaction type unless
``include=allowduplicatedocnum`` (6140); a payment applies only to invoices of
its own customer; SyncToken checks (5010); field lengths; references that must
exist and be active (2500/610); line amounts (6070); a sales line's item needs
an income account (seed 002's write-off error). One sandbox strictness beyond
QBO: a payment's PaymentRefNum is unique per customer (seed 002's "Payment
Ref#: Already exists for Customer"), answered as fault 6140.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from . import indexes
from .faults import QboFault, qbo_time
from .state import Realm, SandboxState

__all__ = ["ENTITIES", "NAME_ENTITIES", "TXN_ENTITIES", "delete", "entity_name", "write"]

NAME_ENTITIES = ("Customer", "Vendor", "Employee")
TXN_ENTITIES = ("Invoice", "Payment", "CreditMemo", "SalesReceipt", "Estimate")
SALES_ENTITIES = ("Invoice", "CreditMemo", "SalesReceipt", "Estimate")
READ_ONLY = ("TaxCode", "CompanyInfo")
ENTITIES = (*NAME_ENTITIES, "Account", "Item", *TXN_ENTITIES, *READ_ONLY)
_BY_LOWER = {e.lower(): e for e in ENTITIES}

_COMMON = {"Id", "SyncToken", "domain", "sparse", "MetaData", "status"}
_TXN = {
    "DocNumber",
    "TxnDate",
    "CurrencyRef",
    "ExchangeRate",
    "PrivateNote",
    "LinkedTxn",
    "Line",
    "TxnTaxDetail",
    "CustomerRef",
    "CustomerMemo",
    "BillAddr",
    "ShipAddr",
    "ShipFromAddr",
    "SalesTermRef",
    "DueDate",
    "TotalAmt",
    "ApplyTaxAfterDiscount",
    "PrintStatus",
    "EmailStatus",
    "BillEmail",
    "BillEmailCc",
    "BillEmailBcc",
    "Balance",
    "HomeBalance",
    "HomeTotalAmt",
    "DepositToAccountRef",
    "AllowIPNPayment",
    "AllowOnlinePayment",
    "AllowOnlineCreditCardPayment",
    "AllowOnlineACHPayment",
    "DeliveryInfo",
    "ClassRef",
    "DepartmentRef",
    "ShipDate",
    "TrackingNum",
    "ShipMethodRef",
    "GlobalTaxCalculation",
    "TxnSource",
    "AutoDocNumber",
    "CustomField",
    "PaymentMethodRef",
    "PaymentRefNum",
    "RemainingCredit",
    "TxnStatus",
    "ExpirationDate",
    "AcceptedBy",
    "AcceptedDate",
    "ProjectRef",
    "TaxExemptionRef",
    "ARAccountRef",
    "UnappliedAmt",
    "ProcessPayment",
    "CreditCardPayment",
    "PONumber",
}
_NAME = {
    "Title",
    "GivenName",
    "MiddleName",
    "FamilyName",
    "Suffix",
    "DisplayName",
    "FullyQualifiedName",
    "CompanyName",
    "PrintOnCheckName",
    "Active",
    "PrimaryPhone",
    "AlternatePhone",
    "Mobile",
    "Fax",
    "PrimaryEmailAddr",
    "WebAddr",
    "BillAddr",
    "ShipAddr",
    "OtherAddr",
    "Notes",
    "Taxable",
    "Balance",
    "BalanceWithJobs",
    "CurrencyRef",
    "PreferredDeliveryMethod",
    "Job",
    "BillWithParent",
    "ParentRef",
    "Level",
    "DefaultTaxCodeRef",
    "SalesTermRef",
    "PaymentMethodRef",
    "OpenBalanceDate",
    "ResaleNum",
    "Vendor1099",
    "AcctNum",
    "TaxIdentifier",
    "TermRef",
    "BillRate",
    "CostRate",
    "EmployeeNumber",
    "SSN",
    "PrimaryAddr",
    "BillableTime",
    "HiredDate",
    "ReleasedDate",
    "BirthDate",
    "Gender",
    "Organization",
    "V4IDPseudonym",
    "GSTIN",
    "BusinessNumber",
}
ALLOWED = {
    **{e: _COMMON | _TXN for e in TXN_ENTITIES},
    **{e: _COMMON | _NAME for e in NAME_ENTITIES},
}

# Field length limits (Finance.xsd, IntuitBaseTypes.xsd; name fields as third parties report).
NAME_LIMITS = {
    "DisplayName": 500,
    "GivenName": 100,
    "MiddleName": 100,
    "FamilyName": 100,
    "Title": 16,
    "Suffix": 16,
    "CompanyName": 100,
    "Notes": 2000,
    "PrintOnCheckName": 110,
}
DOC_NUMBER_MAX = 21
PAYMENT_REF_MAX = 21


def entity_name(path_part: str) -> str | None:
    return _BY_LOWER.get(path_part.lower())


def write(
    state: SandboxState,
    realm: Realm,
    entity: str,
    body: Any,
    *,
    operation: str = "",
    include: str = "",
) -> dict[str, Any]:
    """Create, update (``Id`` present) or void a record; returns the stored record."""
    if not isinstance(body, dict):
        raise QboFault(
            "2010",
            "Request has invalid or unsupported property",
            f"Property Name:Can not deserialize the request body as {entity} "
            "specified is unsupported or invalid",
        )
    if entity in READ_ONLY:
        raise QboFault(
            "500", "Unsupported Operation", f"Operation create is not supported for {entity}"
        )
    _check_properties(entity, body)
    table = realm.table(entity)
    if operation == "void":
        return _void(state, realm, entity, body)
    if body.get("Id"):
        current = table.get(str(body["Id"]))
        if current is None:
            raise QboFault(
                "610",
                "Object Not Found",
                "Object Not Found : Another user has deleted this transaction.",
            )
        _check_sync_token(current, body)
        # Sparse or full, the recorded answers keep the fields the request left out.
        merged = {**copy.deepcopy(current), **copy.deepcopy(body)}
        record = _validate(state, realm, entity, merged, include=include, existing=current)
        record["SyncToken"] = str(int(current["SyncToken"]) + 1)
        record["MetaData"] = {
            **current["MetaData"],
            "LastUpdatedTime": qbo_time(state.utcnow(), millis=False),
        }
    else:
        record = _validate(
            state, realm, entity, copy.deepcopy(body), include=include, existing=None
        )
        record["Id"] = realm.new_id()
        record["SyncToken"] = "0"
        stamp = qbo_time(state.utcnow(), millis=False)
        record["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    record["domain"] = "QBO"
    record["sparse"] = False
    _apply_side_effects(state, realm, entity, record)
    previous = table.get(record["Id"])
    table[record["Id"]] = record
    indexes.remember(realm, entity, previous, record)
    state.touch(realm, entity, record["Id"])
    return copy.deepcopy(record)


def delete(state: SandboxState, realm: Realm, entity: str, body: Any) -> dict[str, Any]:
    if entity not in TXN_ENTITIES:
        raise QboFault(
            "500",
            "Unsupported Operation",
            f"Operation delete is not supported for {entity}; make it inactive instead",
        )
    if not isinstance(body, dict) or not body.get("Id"):
        raise QboFault(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter Id is missing in the request",
            element="Id",
        )
    table = realm.table(entity)
    current = table.get(str(body["Id"]))
    if current is None:
        raise QboFault(
            "610",
            "Object Not Found",
            "Object Not Found : Another user has deleted this transaction.",
        )
    _check_sync_token(current, body)
    del table[current["Id"]]
    indexes.forget(realm, entity, current)
    realm.deleted.setdefault(entity, {})[current["Id"]] = state.now()
    state.touch(realm, entity, current["Id"])
    return {"domain": "QBO", "status": "Deleted", "Id": current["Id"]}


# --- checks ------------------------------------------------------------------------------


def _check_properties(entity: str, body: dict[str, Any]) -> None:
    allowed = ALLOWED.get(entity)
    if allowed is None:
        return
    for key in body:
        if key not in allowed:
            raise QboFault(
                "2010",
                "Request has invalid or unsupported property",
                f'Property Name:Unrecognized field "{key}" (class com.intuit.schema.finance.v3.'
                f"{entity}), not marked as ignorable specified is unsupported or invalid",
            )


def _check_sync_token(current: dict[str, Any], body: dict[str, Any]) -> None:
    if "SyncToken" not in body or body.get("SyncToken") in (None, ""):
        raise QboFault(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter SyncToken is missing in the request",
            element="SyncToken",
        )
    if str(body["SyncToken"]) != str(current["SyncToken"]):
        raise QboFault(
            "5010",
            "Stale Object Error",
            "Stale Object Error : You and Sandbox User were working on this at the same time. "
            "Sandbox User finished before you did, so your work was not saved.",
        )


def _length(record: dict[str, Any], name: str, limit: int, value: Any = None) -> None:
    text = record.get(name) if value is None else value
    if isinstance(text, str) and len(text) > limit:
        raise QboFault(
            "2050",
            "Length exceeds limit",
            f"String length is either shorter or longer than supported by specification. "
            f"Min:0 Max:{limit} supplied:{len(text)}",
            element=name,
        )


def _required(name: str) -> QboFault:
    return QboFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        element=name,
    )


def _ref(realm: Realm, entity: str, ref: Any, element: str) -> dict[str, Any]:
    if not isinstance(ref, dict) or not ref.get("value"):
        raise _required(element)
    found = realm.table(entity).get(str(ref["value"]))
    if found is None:
        raise QboFault(
            "2500",
            "Invalid Reference Id",
            f"Invalid Reference Id : {entity} element id {ref['value']} not found",
            element=element,
        )
    if found.get("Active") is False:
        raise QboFault(
            "610",
            "Object Not Found",
            "Object Not Found : Something you're trying to use has been made inactive. Check the "
            "fields with accounts, customers, items, vendors or employees.",
            element=element,
        )
    return found


def _money(value: Any, element: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise QboFault(
            "2080", "Illegal number format", f"{element} should be a number", element=element
        ) from None


# --- per entity ---------------------------------------------------------------------------


def _validate(
    state: SandboxState,
    realm: Realm,
    entity: str,
    record: dict[str, Any],
    *,
    include: str,
    existing: dict[str, Any] | None,
) -> dict[str, Any]:
    if entity in NAME_ENTITIES:
        return _name_entity(realm, entity, record, existing)
    if entity in SALES_ENTITIES:
        return _sales(state, realm, entity, record, include, existing)
    if entity == "Payment":
        return _payment(realm, record, existing)
    if entity in ("Account", "Item"):
        if not record.get("Name"):
            raise _required("Name")
        _length(record, "Name", 100)
        record.setdefault("Active", True)
        record.setdefault("FullyQualifiedName", record["Name"])
        return record
    return record


def _name_entity(
    realm: Realm, entity: str, record: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    parts = [record.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
    if not record.get("DisplayName"):
        record["DisplayName"] = " ".join(p for p in parts if p) or record.get("CompanyName") or ""
    if not record["DisplayName"]:
        raise QboFault(
            "6080",
            "No Name Provided",
            "Title, GivenName, MiddleName, FamilyName, DisplayName, Suffix - one of these must be "
            "non-empty",
        )
    for name, limit in NAME_LIMITS.items():
        _length(record, name, limit)
    email = (record.get("PrimaryEmailAddr") or {}).get("Address")
    _length(record, "PrimaryEmailAddr.Address", 100, email or "")
    phone = (record.get("PrimaryPhone") or {}).get("FreeFormNumber")
    _length(record, "PrimaryPhone.FreeFormNumber", 21, phone or "")
    taken = indexes.conflict(realm, "name", entity, record, existing["Id"] if existing else None)
    if taken is not None:
        raise QboFault(
            "6240",
            "Duplicate Name Exists Error",
            f"The name supplied already exists. : Another {taken[0].lower()} is "
            f"already using this name. Please use a different name.",
        )
    record.setdefault("Active", True)
    record.setdefault("PrintOnCheckName", record["DisplayName"])
    if entity == "Customer":
        record["FullyQualifiedName"] = record["DisplayName"]
        if existing is None and "2" in realm.table("TaxCode"):
            record.setdefault("Taxable", True)  # the company charges sales tax by default
            record.setdefault("DefaultTaxCodeRef", {"value": "2"})
        for key, value in (
            ("Taxable", False),
            ("Job", False),
            ("BillWithParent", False),
            ("Balance", 0),
            ("BalanceWithJobs", 0),
            ("PreferredDeliveryMethod", "Print"),
        ):
            record.setdefault(key, value)
        record.setdefault("CurrencyRef", {"value": realm.currency, "name": "United States Dollar"})
    if entity == "Vendor":
        record.setdefault("Balance", 0)
        record.setdefault("Vendor1099", False)
        record.setdefault("CurrencyRef", {"value": realm.currency, "name": "United States Dollar"})
    return record


def _customer(realm: Realm, record: dict[str, Any]) -> dict[str, Any]:
    customer = _ref(realm, "Customer", record.get("CustomerRef"), "CustomerRef")
    record["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    return customer


def _sales(
    state: SandboxState,
    realm: Realm,
    entity: str,
    record: dict[str, Any],
    include: str,
    existing: dict[str, Any] | None,
) -> dict[str, Any]:
    if entity != "SalesReceipt" or record.get("CustomerRef"):
        _customer(realm, record)
    lines = record.get("Line")
    if not isinstance(lines, list) or not lines:
        raise _required("Line")
    doc = record.get("DocNumber")
    if doc:
        _length(record, "DocNumber", DOC_NUMBER_MAX)
        taken = None
        if "allowduplicatedocnum" not in include.lower():
            taken = indexes.conflict(
                realm, "doc", entity, record, existing["Id"] if existing else None
            )
        if taken is not None:
            raise QboFault(
                "6140",
                "Duplicate Document Number Error",
                "Duplicate Document Number Error : You must specify a different number. "
                f"This number has already been used. DocNumber={doc} is assigned to "
                f"TxnType={entity} with TxnId={taken[1]['Id']}",
            )
    else:
        record["DocNumber"] = str(1000 + len(realm.table(entity)) + 1)
    total = Decimal("0")
    out_lines: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not isinstance(line, dict):
            raise _required("Line.DetailType")
        kind = line.get("DetailType")
        if kind in ("SubTotalLineDetail",):
            continue
        if kind not in ("SalesItemLineDetail", "DescriptionOnly", "DiscountLineDetail"):
            raise _required("Line.DetailType")
        amount = _money(line.get("Amount", 0), "Line.Amount")
        if kind == "SalesItemLineDetail":
            detail = line.get("SalesItemLineDetail") or {}
            item = _ref(realm, "Item", detail.get("ItemRef"), "Line.SalesItemLineDetail.ItemRef")
            detail["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
            if entity != "Estimate" and not item.get("IncomeAccountRef"):
                raise QboFault(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    f"Business Validation Error: There is no income account associated with the "
                    f"item {item['Name']}.",
                )
            if "UnitPrice" in detail and "Qty" in detail:
                expected = _money(detail["UnitPrice"], "UnitPrice") * _money(detail["Qty"], "Qty")
                if abs(expected.quantize(Decimal("0.01")) - amount) > Decimal("0.005"):
                    raise QboFault(
                        "6070",
                        "Amount calculation incorrect in the request",
                        f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                        element="Line.Amount",
                    )
            detail.setdefault("TaxCodeRef", {"value": "NON"})
            line["SalesItemLineDetail"] = detail
            total += amount
        elif kind == "DiscountLineDetail":
            total -= amount
        out_lines.append({"Id": str(number), "LineNum": number, **line})
    out_lines.append(
        {"Amount": float(total), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
    )
    record["Line"] = out_lines
    txn_date = record.get("TxnDate") or state.utcnow().date().isoformat()
    record["TxnDate"] = txn_date
    record.setdefault("CurrencyRef", {"value": realm.currency, "name": "United States Dollar"})
    if entity in ("Invoice", "Estimate"):
        record.setdefault("LinkedTxn", [])
    record.setdefault("TxnTaxDetail", {"TotalTax": 0})
    record["TotalAmt"] = float(total)
    for key, value in (
        ("ApplyTaxAfterDiscount", False),
        ("PrintStatus", "NotSet"),
        ("EmailStatus", "NotSet"),
    ):
        record.setdefault(key, value)
    if entity == "Invoice":
        for key in (
            "AllowIPNPayment",
            "AllowOnlinePayment",
            "AllowOnlineCreditCardPayment",
            "AllowOnlineACHPayment",
        ):
            record.setdefault(key, False)
        customer = realm.table("Customer").get(record["CustomerRef"]["value"], {})
        for key in ("BillAddr", "ShipAddr"):
            if key in customer and key not in record:
                record[key] = copy.deepcopy(customer[key])
        if not record.get("DueDate"):
            try:
                record["DueDate"] = (date.fromisoformat(txn_date) + timedelta(days=30)).isoformat()
            except ValueError:
                raise QboFault(
                    "2080",
                    "Illegal date format",
                    f"TxnDate {txn_date} is not a date",
                    element="TxnDate",
                ) from None
        paid = (
            Decimal(str(existing.get("TotalAmt", 0))) - Decimal(str(existing.get("Balance", 0)))
            if existing
            else Decimal("0")
        )
        record["Balance"] = float(total - paid)
    if entity == "CreditMemo":
        record["RemainingCredit"] = float(total)
        record["Balance"] = float(total)
    if entity == "SalesReceipt":
        record["Balance"] = 0
        record.setdefault("DepositToAccountRef", {"value": "4", "name": "Undeposited Funds"})
    return record


def _payment(
    realm: Realm, record: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    customer = _customer(realm, record)
    if record.get("TotalAmt") in (None, ""):
        raise _required("TotalAmt")
    total = _money(record["TotalAmt"], "TotalAmt")
    ref = record.get("PaymentRefNum")
    if ref:
        _length(record, "PaymentRefNum", PAYMENT_REF_MAX)
        taken = indexes.conflict(
            realm, "payment_ref", "Payment", record, existing["Id"] if existing else None
        )
        if taken is not None:
            raise QboFault(
                "6140",
                "Duplicate Document Number Error",
                "Duplicate Document Number Error : You must specify a different number. This "
                f"number has already been used. DocNumber={ref} is assigned to TxnType=Payment "
                f"with TxnId={taken[1]['Id']}",
            )
    if record.get("DepositToAccountRef"):
        account = _ref(realm, "Account", record["DepositToAccountRef"], "DepositToAccountRef")
        record["DepositToAccountRef"] = {"value": account["Id"], "name": account["Name"]}
    else:
        record["DepositToAccountRef"] = {"value": "4", "name": "Undeposited Funds"}
    applied = Decimal("0")
    for line in record.get("Line") or []:
        amount = _money(line.get("Amount", 0), "Line.Amount")
        for linked in line.get("LinkedTxn") or []:
            if linked.get("TxnType") != "Invoice":
                continue
            invoice = realm.table("Invoice").get(str(linked.get("TxnId")))
            if invoice is None:
                raise QboFault(
                    "2500",
                    "Invalid Reference Id",
                    f"Invalid Reference Id : Invoice element id {linked.get('TxnId')} not found",
                    element="Line.LinkedTxn.TxnId",
                )
            if invoice["CustomerRef"]["value"] != customer["Id"]:
                raise QboFault(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    "Business Validation Error: The payment you are trying to apply to the invoice "
                    "either does not exist or it belongs to another customer. "
                    f"Invoice Id={invoice['Id']}",
                )
        applied += amount
    if applied > total:
        raise QboFault(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: The amount applied to invoices is more than the payment "
            f"amount. Supplied value:{applied}",
        )
    record["UnappliedAmt"] = float(total - applied)
    record["TotalAmt"] = float(total)
    record.setdefault("CurrencyRef", {"value": realm.currency, "name": "United States Dollar"})
    record.setdefault("Line", [])
    record.setdefault("ProcessPayment", False)
    return record


def _apply_side_effects(
    state: SandboxState, realm: Realm, entity: str, record: dict[str, Any]
) -> None:
    """A new payment lowers the balance of the invoices it applies to."""
    if entity != "Payment" or record.get("SyncToken") != "0":
        return
    for line in record.get("Line") or []:
        amount = Decimal(str(line.get("Amount", 0)))
        for linked in line.get("LinkedTxn") or []:
            invoice = realm.table("Invoice").get(str(linked.get("TxnId")))
            if invoice is None or linked.get("TxnType") != "Invoice":
                continue
            invoice["Balance"] = float(Decimal(str(invoice.get("Balance", 0))) - amount)
            invoice.setdefault("LinkedTxn", []).append(
                {"TxnId": record["Id"], "TxnType": "Payment"}
            )
            invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
            invoice["MetaData"]["LastUpdatedTime"] = qbo_time(state.utcnow(), millis=False)
            state.touch(realm, "Invoice", invoice["Id"])
    if not record.get("TxnDate"):
        record["TxnDate"] = state.utcnow().date().isoformat()


def _void(state: SandboxState, realm: Realm, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    if entity not in ("Invoice", "Payment", "SalesReceipt"):
        raise QboFault(
            "500", "Unsupported Operation", f"Operation void is not supported for {entity}"
        )
    current = realm.table(entity).get(str(body.get("Id", "")))
    if current is None:
        raise QboFault(
            "610",
            "Object Not Found",
            "Object Not Found : Another user has deleted this transaction.",
        )
    _check_sync_token(current, body)
    current["SyncToken"] = str(int(current["SyncToken"]) + 1)
    current["PrivateNote"] = "Voided"
    current["TotalAmt"] = 0
    current["Balance"] = 0
    for line in current.get("Line") or []:
        line["Amount"] = 0
    current["MetaData"]["LastUpdatedTime"] = qbo_time(state.utcnow(), millis=False)
    state.touch(realm, entity, current["Id"])
    return copy.deepcopy(current)
