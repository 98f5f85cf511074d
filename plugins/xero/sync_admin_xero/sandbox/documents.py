"""Xero's rules for the records the sandbox accepts, with Xero's own wording.

Each ``save_*`` function checks one element of a batch against the
organisation, and either stores it and returns it as Xero would echo it, or
returns the element with its ``ValidationErrors``. Messages are Xero's (see
provider_facts.md 4.2); where Xero's wording is unknown the sandbox's own is
marked "sandbox wording" and listed in docs/providers/xero.md.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .state import Organisation, index_contact, index_invoice, ms_date, new_id

__all__ = [
    "Rejected",
    "allocate_credit",
    "change_payment",
    "parse_date",
    "save_contact",
    "save_credit_note",
    "save_invoice",
    "save_payment",
]

_CENT = Decimal("0.01")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_CONTACT_LIMITS = {
    "Name": 255,
    "FirstName": 255,
    "LastName": 255,
    "EmailAddress": 255,
    "ContactNumber": 50,
    "AccountNumber": 50,
    "TaxNumber": 50,
}
_ADDRESS_LIMITS = {
    "AddressLine1": 500,
    "AddressLine2": 500,
    "City": 255,
    "Region": 255,
    "PostalCode": 50,
    "Country": 50,
    "AttentionTo": 255,
}


class Rejected(Exception):
    """An element Xero refuses: its validation messages."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" | ".join(messages))
        self.messages = list(messages)


def money(value: Any, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value if value is not None else default)).quantize(
            _CENT, rounding=ROUND_HALF_UP
        )
    except (InvalidOperation, ValueError):
        raise Rejected(f"The value {value!r} is not a valid amount.") from None


def parse_date(value: Any) -> date | None:
    """Xero accepts ``2026-01-31``, ``2026-01-31T00:00:00`` and ``/Date(ms+0000)/``."""
    if value in (None, ""):
        return None
    text = str(value)
    found = re.match(r"/Date\((-?\d+)([+-]\d{4})?\)/", text)
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, tz=UTC).date()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise Rejected(f"The date '{text}' is not in a recognised format.") from None


def _now() -> str:
    return ms_date(time.time())


def _check_lengths(element: dict[str, Any], limits: dict[str, int], errors: list[str]) -> None:
    for name, limit in limits.items():
        value = element.get(name)
        if isinstance(value, str) and len(value) > limit:
            errors.append(f"The {name} field cannot be longer than {limit} characters.")


# --- contacts ---------------------------------------------------------------------------------


def save_contact(org: Organisation, element: dict[str, Any], *, update: bool) -> dict[str, Any]:
    errors: list[str] = []
    existing = None
    contact_id = element.get("ContactID")
    if contact_id:
        existing = org.contacts.get(contact_id)
        if existing is None:
            raise Rejected("The contact with the specified ContactID could not be found.")
    elif update and element.get("Name"):
        # POST without an id updates the active contact of that name, as Xero does.
        existing = _active_contact_named(org, element["Name"])
    name = element.get("Name", existing["Name"] if existing else "")
    if not str(name or "").strip():
        errors.append("Contact Name cannot be empty.")
    _check_lengths(element, _CONTACT_LIMITS, errors)
    for address in element.get("Addresses") or []:
        _check_lengths(address, _ADDRESS_LIMITS, errors)
    for phone in element.get("Phones") or []:
        _check_lengths(
            phone, {"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20}, errors
        )
    if name:
        other = _active_contact_named(org, name)
        if other is not None and other is not existing:
            errors.append(
                f"The contact name {name} is already assigned to another contact. The contact "
                "name must be unique across all active contacts."
            )
    number = element.get("ContactNumber")
    if number:
        other = org.contact_numbers.get(number)
        if other is not None and other is not existing:
            errors.append(f"The contact number {number} is already assigned to another contact.")
    email = element.get("EmailAddress")
    if email and (not email.isascii() or not _EMAIL.match(email)):
        errors.append("Email address must be valid.")
    if (
        existing is None
        and org.contact_limit is not None
        and len(org.contact_names) >= org.contact_limit
    ):
        # sandbox wording: Xero's exact message for a plan's contact limit is unconfirmed.
        errors.append(
            f"You have reached the limit of {org.contact_limit} contacts for this "
            "organisation's plan."
        )
    if errors:
        raise Rejected(*errors)
    if existing is not None:
        index_contact(org, existing, remove=True)
    stored = (
        existing if existing is not None else {"ContactID": new_id(), "ContactStatus": "ACTIVE"}
    )
    for key in (
        "Name",
        "FirstName",
        "LastName",
        "EmailAddress",
        "ContactNumber",
        "AccountNumber",
        "TaxNumber",
        "DefaultCurrency",
        "Addresses",
        "Phones",
        "IsCustomer",
        "IsSupplier",
    ):
        if key in element:
            stored[key] = element[key]
    if element.get("ContactStatus") in ("ACTIVE", "ARCHIVED"):
        stored["ContactStatus"] = element["ContactStatus"]
    stored.setdefault("IsCustomer", True)
    stored.setdefault("IsSupplier", False)
    stored.setdefault("Addresses", [])
    stored.setdefault("Phones", [])
    stored["UpdatedDateUTC"] = _now()
    stored["HasValidationErrors"] = False
    org.contacts[stored["ContactID"]] = stored
    index_contact(org, stored)
    return dict(stored)


def _active_contact_named(org: Organisation, name: str) -> dict[str, Any] | None:
    return org.contact_names.get(str(name).strip().lower())


def _document_contact(org: Organisation, given: Any) -> dict[str, Any]:
    if not isinstance(given, dict) or not (
        given.get("ContactID") or given.get("Name") or given.get("ContactNumber")
    ):
        raise Rejected(
            "The Contact must contain at least 1 of the following elements to identify the "
            "contact: Name, ContactID, ContactNumber"
        )
    contact = None
    if given.get("ContactID"):
        contact = org.contacts.get(given["ContactID"])
        if contact is None:
            raise Rejected("The contact with the specified ContactID could not be found.")
    elif given.get("ContactNumber"):
        contact = org.contact_numbers.get(given["ContactNumber"])
    if contact is None and given.get("Name"):
        contact = _active_contact_named(org, given["Name"])
        if contact is None:  # Xero creates a contact named on a document
            contact = save_contact(org, {"Name": given["Name"]}, update=False)
            contact = org.contacts[contact["ContactID"]]
    if contact is None:
        raise Rejected("The contact with the specified ContactNumber could not be found.")
    if contact["ContactStatus"] == "ARCHIVED":
        raise Rejected("Unable to assign an Archived contact.")
    return contact


# --- invoices and credit notes -------------------------------------------------------------------


def _lines(
    org: Organisation, element: dict[str, Any], kind: str, status: str, errors: list[str]
) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
    lines_in = element.get("LineItems") or []
    if not lines_in and status in ("AUTHORISED", "SUBMITTED"):
        errors.append("One or more line items must be specified")
    inclusive = str(element.get("LineAmountTypes", "Exclusive")).lower() == "inclusive"
    out, subtotal, total_tax = [], Decimal("0.00"), Decimal("0.00")
    for given in lines_in:
        line = dict(given)
        item = None
        if given.get("ItemCode"):
            item = org.item_by_code(given["ItemCode"])
            if item is None:
                errors.append(
                    f"Item code '{given['ItemCode']}' is not valid for this organisation."
                )
                continue
        sales = (item or {}).get("SalesDetails") or {}
        description = given.get("Description") or (item or {}).get("Description") or ""
        if not description.strip() and not item:
            errors.append("Description must be at least 1 character long on every line item.")
        account = _line_account(org, given, sales, kind, status, errors)
        tax_type = given.get("TaxType") or sales.get("TaxType") or (account or {}).get("TaxType")
        rate = Decimal("0")
        if tax_type:
            tax = org.tax_rates.get(tax_type)
            revenue = kind in ("ACCREC", "ACCRECCREDIT")
            if (
                tax is None
                or tax["Status"] != "ACTIVE"
                or (revenue and not tax["CanApplyToRevenue"])
            ):
                errors.append(
                    f"The TaxType code {tax_type} does not exist or cannot be used for this type "
                    "of transaction."
                )
            else:
                rate = Decimal(str(tax["EffectiveRate"]))
        quantity = Decimal(str(given.get("Quantity", 1)))
        unit = money(given.get("UnitAmount", sales.get("UnitPrice", 0)))
        amount = (quantity * unit).quantize(_CENT, rounding=ROUND_HALF_UP)
        if "LineAmount" in given and money(given["LineAmount"]) != amount:
            errors.append(
                f"Line total {money(given['LineAmount'])} does not match the quantity x unit "
                f"amount {amount}."  # sandbox wording
            )
        if inclusive:
            tax_amount = (amount - amount / (1 + rate / 100)).quantize(_CENT, ROUND_HALF_UP)
            net = amount - tax_amount
        else:
            tax_amount = (amount * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
            net = amount
        line.update(
            {
                "LineItemID": given.get("LineItemID") or new_id(),
                "Description": description,
                "Quantity": float(quantity),
                "UnitAmount": float(unit),
                "LineAmount": float(amount),
                "TaxAmount": float(tax_amount),
            }
        )
        if tax_type:
            line["TaxType"] = tax_type
        if account:
            line["AccountCode"] = account["Code"]
            line["AccountID"] = account["AccountID"]
        out.append(line)
        subtotal += net
        total_tax += tax_amount
    return out, subtotal, total_tax


def _line_account(
    org: Organisation,
    given: dict[str, Any],
    sales: dict[str, Any],
    kind: str,
    status: str,
    errors: list[str],
) -> dict[str, Any] | None:
    account = None
    code = given.get("AccountCode") or sales.get("AccountCode")
    if given.get("AccountID"):
        account = org.accounts.get(given["AccountID"])
        if account is None:
            errors.append("Account could not be found")
            return None
        code = account["Code"]
    elif code:
        account = org.account_by_code(code)
        if account is None:
            errors.append(f"Account code '{code}' is not a valid code for this document.")
            return None
    if account is None:
        if status in ("AUTHORISED", "SUBMITTED"):
            errors.append("Account must be valid.")
        return None
    if account["Status"] != "ACTIVE":
        errors.append(
            f"Account code '{code}' has been archived or has been deleted. Each line item must "
            "reference a valid account."
        )
        return None
    if kind in ("ACCREC", "ACCRECCREDIT") and (
        account["Type"] == "BANK" or account["Code"] in ("610", "820")
    ):
        errors.append(f"Account code '{code}' is not a valid code for this document.")
        return None
    return account


def _currency(org: Organisation, element: dict[str, Any], errors: list[str]) -> str:
    code = element.get("CurrencyCode") or org.base_currency
    if code not in org.currencies:
        errors.append(f"Organisation is not subscribed to currency {code}")
    return code


def _lock_date(org: Organisation, when: date, errors: list[str]) -> None:
    if org.lock_date and when <= org.lock_date:
        errors.append(
            "The document date cannot be before the end of year lock date, currently set at "
            + org.lock_date.strftime("%d-%b-%Y")
        )


def save_invoice(org: Organisation, element: dict[str, Any], *, update: bool) -> dict[str, Any]:
    errors: list[str] = []
    existing = None
    if element.get("InvoiceID"):
        existing = org.invoices.get(element["InvoiceID"])
        if existing is None:
            raise Rejected("An existing invoice with the specified ID could not be found")
        if (
            existing["Status"] in ("PAID", "VOIDED", "DELETED")
            or existing["AmountPaid"]
            or existing.get("AmountCredited")
        ):
            messages = ["Invoice not of valid status for modification"]
            if any(p.get("IsReconciled") for p in _payments_of(org, existing["InvoiceID"])):
                messages.append(
                    "This document cannot be edited as it has a reconciled payment or credit "
                    "note allocated to it."
                )
            raise Rejected(*messages)
    merged = {**(existing or {}), **element}
    kind = merged.get("Type")
    if kind not in ("ACCREC", "ACCPAY"):
        raise Rejected("Invoice Type must be ACCREC or ACCPAY.")
    contact = _document_contact(org, merged.get("Contact"))
    status = merged.get("Status") or "DRAFT"
    issued = parse_date(merged.get("Date")) or datetime.now(UTC).date()
    due = parse_date(merged.get("DueDate"))
    if due is None and kind == "ACCREC" and status in ("AUTHORISED", "SUBMITTED"):
        errors.append("The document DueDate field must be specified")
    _lock_date(org, issued, errors)
    currency = _currency(org, merged, errors)
    lines, subtotal, tax = _lines(org, merged, kind, status, errors)
    number = merged.get("InvoiceNumber")
    if kind == "ACCREC":
        other = org.invoice_numbers.get(number) if number else None
        if other is not None and other is not existing:
            errors.append("Invoice # must be unique.")
        if len(str(number or "")) > 255:
            errors.append("The InvoiceNumber field cannot be longer than 255 characters.")
    if errors:
        raise Rejected(*errors)
    if kind == "ACCREC" and not number:
        org.invoice_counter += 1
        number = f"INV-{org.invoice_counter:04d}"
    total = subtotal + tax
    if existing is not None:
        index_invoice(org, existing, remove=True)
    stored = existing if existing is not None else {"InvoiceID": new_id(), "AmountPaid": 0.0}
    stored.update(
        {
            "Type": kind,
            "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
            "Date": ms_date(issued),
            "DueDate": ms_date(due) if due else None,
            "Status": status,
            "LineAmountTypes": merged.get("LineAmountTypes", "Exclusive"),
            "LineItems": lines,
            "SubTotal": float(subtotal),
            "TotalTax": float(tax),
            "Total": float(total),
            "CurrencyCode": currency,
            "CurrencyRate": 1.0,
            "InvoiceNumber": number or "",
            "Reference": merged.get("Reference", ""),
            "AmountCredited": stored.get("AmountCredited", 0.0),
            "UpdatedDateUTC": _now(),
            "HasErrors": False,
        }
    )
    if stored["DueDate"] is None:
        stored.pop("DueDate")
    stored["AmountDue"] = float(
        total - money(stored["AmountPaid"]) - money(stored["AmountCredited"])
    )
    org.invoices[stored["InvoiceID"]] = stored
    index_invoice(org, stored)
    return dict(stored)


def save_credit_note(org: Organisation, element: dict[str, Any], *, update: bool) -> dict[str, Any]:
    errors: list[str] = []
    existing = None
    if element.get("CreditNoteID"):
        existing = org.credit_notes.get(element["CreditNoteID"])
        if existing is None:
            raise Rejected(
                "An existing Credit Note with the specified CreditNoteID could not be found"
            )
        if existing.get("Allocations"):
            raise Rejected("Credit Note not of valid status for modification")
    merged = {**(existing or {}), **element}
    kind = merged.get("Type")
    if kind not in ("ACCRECCREDIT", "ACCPAYCREDIT"):
        raise Rejected("Credit Note Type must be ACCRECCREDIT or ACCPAYCREDIT.")
    contact = _document_contact(org, merged.get("Contact"))
    status = merged.get("Status") or "DRAFT"
    issued = parse_date(merged.get("Date")) or datetime.now(UTC).date()
    _lock_date(org, issued, errors)
    currency = _currency(org, merged, errors)
    lines, subtotal, tax = _lines(org, merged, kind, status, errors)
    number = merged.get("CreditNoteNumber")
    other = org.credit_numbers.get(number) if number else None
    if other is not None and other is not existing:
        errors.append("Credit Note number must be unique.")  # sandbox wording
    if errors:
        raise Rejected(*errors)
    if not number:
        org.credit_counter += 1
        number = f"CN-{org.credit_counter:04d}"
    total = subtotal + tax
    stored = existing if existing is not None else {"CreditNoteID": new_id(), "Allocations": []}
    stored.update(
        {
            "Type": kind,
            "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
            "Date": ms_date(issued),
            "Status": status,
            "LineAmountTypes": merged.get("LineAmountTypes", "Exclusive"),
            "LineItems": lines,
            "SubTotal": float(subtotal),
            "TotalTax": float(tax),
            "Total": float(total),
            "CurrencyCode": currency,
            "CurrencyRate": 1.0,
            "CreditNoteNumber": number,
            "Reference": merged.get("Reference", ""),
            "RemainingCredit": float(total),
            "UpdatedDateUTC": _now(),
            "HasErrors": False,
        }
    )
    org.credit_notes[stored["CreditNoteID"]] = stored
    org.credit_numbers[number] = stored
    return dict(stored)


def allocate_credit(org: Organisation, credit_id: str, element: dict[str, Any]) -> dict[str, Any]:
    credit = org.credit_notes.get(credit_id)
    if credit is None:
        raise Rejected("An existing Credit Note with the specified CreditNoteID could not be found")
    invoice = _invoice_ref(org, element.get("Invoice"))
    if credit["Status"] != "AUTHORISED" or invoice["Status"] != "AUTHORISED":
        raise Rejected(
            "Allocations can only be made against Authorised documents"
        )  # sandbox wording
    amount = money(element.get("Amount"))
    errors = []
    if amount <= 0:
        errors.append("Allocation amount must be greater than zero.")
    if amount > money(invoice["AmountDue"]):
        errors.append("Allocation amount exceeds the amount outstanding on this document")
    if amount > money(credit["RemainingCredit"]):
        errors.append("Allocation amount exceeds the remaining credit on this credit note")
    if credit["CurrencyCode"] != invoice["CurrencyCode"]:
        errors.append("The credit note and the invoice must be in the same currency.")
    if errors:
        raise Rejected(*errors)
    when = parse_date(element.get("Date")) or datetime.now(UTC).date()
    allocation = {
        "AllocationID": new_id(),
        "Amount": float(amount),
        "Date": ms_date(when),
        "Invoice": {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice["InvoiceNumber"]},
        "CreditNote": {"CreditNoteID": credit_id, "CreditNoteNumber": credit["CreditNoteNumber"]},
    }
    credit["Allocations"].append(allocation)
    credit["RemainingCredit"] = float(money(credit["RemainingCredit"]) - amount)
    if credit["RemainingCredit"] == 0:
        credit["Status"] = "PAID"
    invoice["AmountCredited"] = float(money(invoice.get("AmountCredited")) + amount)
    _settle(invoice, -amount, when)
    credit["UpdatedDateUTC"] = _now()
    return allocation


# --- payments ---------------------------------------------------------------------------------


def _invoice_ref(org: Organisation, given: Any) -> dict[str, Any]:
    invoice = None
    if isinstance(given, dict) and given.get("InvoiceID"):
        invoice = org.invoices.get(given["InvoiceID"])
    elif isinstance(given, dict) and given.get("InvoiceNumber"):
        invoice = next(
            (i for i in org.invoices.values() if i.get("InvoiceNumber") == given["InvoiceNumber"]),
            None,
        )
    if invoice is None:
        raise Rejected("An existing invoice with the specified ID could not be found")
    return invoice


def _payments_of(org: Organisation, invoice_id: str) -> list[dict[str, Any]]:
    return [
        p
        for p in org.payments.values()
        if p["Invoice"]["InvoiceID"] == invoice_id and p["Status"] == "AUTHORISED"
    ]


def _payment_account(org: Organisation, given: Any) -> dict[str, Any]:
    account = None
    if isinstance(given, dict) and given.get("AccountID"):
        account = org.accounts.get(given["AccountID"])
        if account is None:
            raise Rejected("Account could not be found")
    elif isinstance(given, dict) and given.get("Code"):
        account = org.account_by_code(given["Code"])
        if account is None:
            raise Rejected(f"Account code '{given['Code']}' is not a valid code for this document.")
    if account is None:
        raise Rejected("Account must be valid.")
    if account["Status"] != "ACTIVE":
        raise Rejected(
            f"Account code '{account['Code']}' has been archived or has been deleted. Each line "
            "item must reference a valid account."
        )
    if account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise Rejected("Account type is invalid for making a payment to/from")
    return account


def _settle(invoice: dict[str, Any], change: Decimal, when: date) -> None:
    """Apply a payment or credit (``change`` negative) to what is due on an invoice."""
    due = money(invoice["AmountDue"]) + change
    invoice["AmountDue"] = float(due)
    if due == 0:
        invoice["Status"] = "PAID"
        invoice["FullyPaidOnDate"] = ms_date(when)
    elif invoice["Status"] == "PAID":
        invoice["Status"] = "AUTHORISED"
        invoice.pop("FullyPaidOnDate", None)
    invoice["UpdatedDateUTC"] = _now()


def save_payment(org: Organisation, element: dict[str, Any], *, update: bool) -> dict[str, Any]:
    """PUT or POST /Payments: both only create. Xero cannot edit a payment, so an element
    naming an existing PaymentID is refused instead of becoming a second payment."""
    existing = org.payments.get(str(element.get("PaymentID") or ""))
    if existing is not None:
        raise Rejected(
            f"Payment {existing['PaymentID']} already exists and a payment cannot be edited: "
            "delete it (Status DELETED) and create a new one."  # sandbox wording
        )
    invoice = _invoice_ref(org, element.get("Invoice"))
    account = _payment_account(org, element.get("Account"))
    errors: list[str] = []
    if invoice["Status"] not in ("AUTHORISED", "PAID"):
        errors.append("Payments can only be made against Authorised documents")
    amount = money(element.get("Amount"))
    if amount <= 0:
        errors.append("Payment amount must be greater than zero.")
    elif amount > money(invoice["AmountDue"]):
        errors.append("Payment amount exceeds the amount outstanding on this document")
    when = parse_date(element.get("Date")) or datetime.now(UTC).date()
    _lock_date(org, when, errors)
    if errors:
        raise Rejected(*errors)
    payment = {
        "PaymentID": new_id(),
        "Date": ms_date(when),
        "Amount": float(amount),
        "BankAmount": float(amount),
        "CurrencyRate": 1.0,
        "Reference": element.get("Reference", ""),
        "IsReconciled": bool(element.get("IsReconciled", False)),
        "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
        "UpdatedDateUTC": _now(),
        "HasAccount": True,
        "Account": {
            "AccountID": account["AccountID"],
            "Code": account["Code"],
            "Name": account["Name"],
        },
        "Invoice": {
            "InvoiceID": invoice["InvoiceID"],
            "InvoiceNumber": invoice["InvoiceNumber"],
            "Type": invoice["Type"],
            "Contact": dict(invoice["Contact"]),
            "CurrencyCode": invoice["CurrencyCode"],
        },
        "HasValidationErrors": False,
    }
    invoice["AmountPaid"] = float(money(invoice["AmountPaid"]) + amount)
    _settle(invoice, -amount, when)
    org.payments[payment["PaymentID"]] = payment
    return dict(payment)


def change_payment(org: Organisation, payment_id: str, element: dict[str, Any]) -> dict[str, Any]:
    """POST /Payments/{id}: delete (Status DELETED), or, in the sandbox, reconcile.

    Reconciling (``IsReconciled: true`` with the bank account and amount of the
    statement line) is a sandbox extension: Xero reconciles in its web app.
    """
    payment = org.payments.get(payment_id)
    if payment is None or payment["Status"] == "DELETED":
        raise Rejected("The document with the supplied id was not found for this endpoint.")
    if element.get("Status") == "DELETED":
        if payment["IsReconciled"]:
            raise Rejected("This payment has been reconciled and cannot be deleted.")
        payment["Status"] = "DELETED"
        invoice = org.invoices[payment["Invoice"]["InvoiceID"]]
        amount = money(payment["Amount"])
        invoice["AmountPaid"] = float(money(invoice["AmountPaid"]) - amount)
        _settle(invoice, amount, datetime.now(UTC).date())
        payment["UpdatedDateUTC"] = _now()
        return dict(payment)
    if element.get("IsReconciled"):
        if payment["IsReconciled"]:
            raise Rejected("This payment has already been reconciled.")
        errors = []
        account = element.get("Account") or {}
        wanted = account.get("AccountID") or account.get("Code")
        if wanted and wanted not in (payment["Account"]["AccountID"], payment["Account"]["Code"]):
            mapped = org.accounts.get(wanted, {}).get("Code", wanted)
            errors.append(
                f"The payment was made to bank account '{payment['Account']['Code']}', not the "
                f"mapped bank account '{mapped}'."  # sandbox wording
            )
        if "Amount" in element and money(element["Amount"]) != money(payment["Amount"]):
            errors.append(
                f"The reconciliation amount {money(element['Amount'])} does not match the payment "
                f"amount {money(payment['Amount'])}."  # sandbox wording
            )
        if errors:
            raise Rejected(*errors)
        payment["IsReconciled"] = True
        payment["UpdatedDateUTC"] = _now()
        return dict(payment)
    raise Rejected("Only the Status (DELETED) of a payment can be changed.")
