"""The Xero provider object, its catalog, and classification of every body shape."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
import yaml

from sync_admin import providers
from sync_admin.providers import Refs
from sync_admin.records import (
    Contact,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentApplication,
    Reconciliation,
)
from sync_admin.vocabulary import Action, Category, Entity

from .conftest import REFERENCE

# What each validation message in Xero's OpenAPI examples means (provider_facts.md 4.2).
SPEC_MESSAGES = {
    "Please enter a unique Name.": "xero.duplicate_name",
    "The Contact must contain at least 1 of the following elements to identify the contact: "
    "Name, ContactID, ContactNumber": "xero.contact_required",
    "The contact name Buzz Lightyear is already assigned to another contact. The contact name "
    "must be unique across all active contacts.": "xero.duplicate_contact",
    "You\u2019ve reached the limit of 100 contact groups.": "xero.contact_limit",
    "An existing Credit Note with the specified CreditNoteID could not be found": (
        "xero.record_not_found"
    ),
    "Invoice # must be unique.": "xero.duplicate_invoice_number",
    "Price List Item with Code ''abc'' already exists": "xero.duplicate_name",
    "The SourceLineItemID and SourceTransactionID do not match": "xero.line_items_invalid",
    "The ContactID and the TargetTransaction ContactID do not match": "xero.line_items_invalid",
    "The total debits (100.00) must equal total credits (-10.00)": "xero.total_mismatch",
    "The document with the supplied id was not found for this endpoint.": "xero.record_not_found",
    "Payment amount exceeds the amount outstanding on this document": "xero.amount_mismatch",
    "Payment service could not be found": "xero.record_not_found",
    "Order number must be unique": "xero.duplicate_name",
    "A valid user should be identified using the UserID.": "xero.user_permission",
    "Account code ''476'' has been removed as it does not match a recognised account.": (
        "xero.invalid_account_code"
    ),
}


@pytest.fixture(scope="module")
def xero() -> Any:
    return providers.installed()["xero"]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load((REFERENCE / "xero_accounting.yaml").read_text())


def _examples(spec: dict[str, Any]) -> list[tuple[str, int, Any]]:
    """Every response example of every operation: (operation, status, body)."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                for media in (response.get("content") or {}).values():
                    example = media.get("example")
                    if isinstance(example, str):
                        try:
                            example = json.loads(example)
                        except ValueError:
                            continue
                    if example is not None:
                        found.append((f"{method.upper()} {path}", int(status), example))
    return found


def _elements_with_errors(node: Any) -> list[dict[str, Any]]:
    """Top-level elements of a collection that carry validation errors or warnings."""
    out = []
    if isinstance(node, dict):
        for value in node.values():
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and _messages(item):
                        out.append(item)
    return out


def _messages(node: Any) -> list[str]:
    from sync_admin_xero.errors import validation_messages

    return validation_messages(node)


def test_importing_the_plugin_imports_neither_client_nor_sandbox() -> None:
    code = (
        "import sys, sync_admin_xero;"
        "assert sync_admin_xero.provider.name == 'xero';"
        "bad = [m for m in ('sync_admin_xero.client', 'sync_admin_xero.sandbox', 'requests')"
        " if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_provider_is_registered_and_valid(xero: Any) -> None:
    assert xero.label == "Xero"
    assert xero.problems() == []
    assert xero.choose_companies
    assert xero.limits.per_minute == 60 and xero.limits.concurrency == 5
    assert xero.limits.per_day == 5000 and xero.limits.app_per_minute == 10000
    assert xero.tokens.access.total_seconds() == 1800
    assert xero.tokens.refresh_grace.total_seconds() == 1800
    spec = xero.oauth({})
    assert spec.authorize_url == "https://login.xero.com/identity/connect/authorize"
    assert spec.token_url == "https://identity.xero.com/connect/token"
    assert "offline_access" in spec.scopes and spec.pkce
    pointed = xero.oauth(xero.sandbox_config("http://127.0.0.1:1"))
    assert pointed.token_url == "http://127.0.0.1:1/connect/token"
    contact = xero.entity(Entity.CONTACT)
    assert contact.field_limits["name"] == 255 and contact.field_limits["phone"] == 50
    assert [s.entity for s in xero.pull_entities()] == [
        Entity.ACCOUNT,
        Entity.ITEM,
        Entity.TAX_RATE,
        Entity.CURRENCY,
    ]


def test_every_validation_message_in_the_spec_classifies_to_its_entry(
    xero: Any, spec: dict[str, Any]
) -> None:
    seen: dict[str, str] = {}
    checked = 0
    for operation, status, body in _examples(spec):
        if isinstance(body, dict) and body.get("Type") == "ValidationException":
            # A whole 400 answer: the entry of its (first) message.
            messages = _messages(body["Elements"])
            assert messages, operation
            expected = SPEC_MESSAGES.get(messages[0])
            assert expected, f"{operation}: no expected entry for {messages[0]!r}"
            diagnosis = xero.diagnose(status, json.dumps(body, default=str))
            assert diagnosis.entry.code == expected, (operation, messages[0])
            seen[messages[0]] = expected
            checked += 1
        for element in _elements_with_errors(body) if status == 200 else []:
            # summarizeErrors=false: one element with its own errors, as the client reads it.
            message = _messages(element)[0]
            expected = SPEC_MESSAGES.get(message)
            assert expected, f"{operation}: no expected entry for {message!r}"
            wrapped = {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [element],
            }
            assert xero.classify(400, json.dumps(wrapped, default=str)).code == expected, (
                operation,
                message,
            )
            seen[message] = expected
            checked += 1
    assert checked >= 25
    # Every message of the table was met in the spec, and every entry is a real one.
    assert set(SPEC_MESSAGES) - set(seen) <= {
        "Account code ''476'' has been removed as it does not match a recognised account."
    }
    assert all(code in xero.catalog for code in SPEC_MESSAGES.values())


def test_spec_warning_about_a_removed_account_code_is_an_account_mapping_problem(
    xero: Any,
) -> None:
    body = {
        "ManualJournals": [
            {
                "Narration": "Foo bar",
                "Warnings": [
                    {
                        "Message": "Account code '476' has been removed as it does not match a "
                        "recognised account."
                    }
                ],
            }
        ]
    }
    diagnosis = xero.diagnose(200, json.dumps(body, default=str))
    assert diagnosis.entry.code == "xero.invalid_account_code"
    assert diagnosis.facts["account_code"] == "476"
    assert diagnosis.entry.action == Action.MAP_ACCOUNT


PROBLEM_401 = {
    "Type": None,
    "Title": "Unauthorized",
    "Status": 401,
    "Detail": "TokenExpired: token expired at 01/20/2025 15:00:00",
    "Instance": "8a7e3b1c-0000-4c1e-9f00-2d5b0b7a1f11",
    "Extensions": {},
}


@pytest.mark.parametrize(
    ("status", "body", "headers", "code", "category"),
    [
        (401, json.dumps(PROBLEM_401), {}, "xero.token_expired", Category.AUTH_EXPIRED),
        (401, "Invalid token", {}, "xero.token_expired", Category.AUTH_EXPIRED),
        (
            401,
            '{"Title":"Unauthorized","Status":401,"Detail":"AuthenticationUnsuccessful"}',
            {},
            "xero.authentication_failed",
            Category.AUTH_EXPIRED,
        ),
        (
            401,
            '{"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful"}',
            {},
            "xero.scope_missing",
            Category.PERMISSION,
        ),
        (
            403,
            '{"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful",'
            '"Instance":"1c9b","Extensions":{}}',
            {},
            "xero.connection_removed",
            Category.AUTH_REVOKED,
        ),
        (400, '{"error":"invalid_grant"}', {}, "xero.refresh_rejected", Category.AUTH_REVOKED),
        (
            400,
            "error=invalid_grant&error_description=refresh+token+expired",
            {},
            "xero.refresh_rejected",
            Category.AUTH_REVOKED,
        ),
        (401, '{"error":"invalid_client"}', {}, "xero.client_rejected", Category.PERMISSION),
        (
            401,
            "oauth_problem=token_expired&oauth_problem_advice=The%20access%20token%20has%20expired",
            {},
            "xero.token_expired",
            Category.AUTH_EXPIRED,
        ),
        (
            401,
            "oauth_problem=signature_invalid&oauth_problem_advice=Failed%20to%20validate",
            {},
            "xero.oauth_problem",
            Category.AUTH_EXPIRED,
        ),
        (
            503,
            "oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait",
            {},
            "xero.rate_limit_legacy",
            Category.RATE_LIMITED,
        ),
        (
            429,
            "",
            {"Retry-After": "37", "X-Rate-Limit-Problem": "minute"},
            "xero.rate_limit_minute",
            Category.RATE_LIMITED,
        ),
        (
            429,
            "",
            {"Retry-After": "5000", "X-Rate-Limit-Problem": "day"},
            "xero.rate_limit_day",
            Category.RATE_LIMITED,
        ),
        (
            429,
            "",
            {"Retry-After": "3", "X-Rate-Limit-Problem": "appminute"},
            "xero.rate_limit_app",
            Category.RATE_LIMITED,
        ),
        (
            429,
            "",
            {"Retry-After": "1", "X-Rate-Limit-Problem": "concurrent"},
            "xero.rate_limit_concurrent",
            Category.RATE_LIMITED,
        ),
        (429, "", {"Retry-After": "2"}, "xero.rate_limited", Category.RATE_LIMITED),
        (
            404,
            "The resource you're looking for cannot be found",
            {"Content-Type": "text/html"},
            "xero.record_not_found",
            Category.NOT_FOUND,
        ),
        (
            503,
            "The Xero API is currently offline for maintenance",
            {},
            "xero.maintenance",
            Category.TRANSIENT_SERVER,
        ),
        (
            503,
            "The Xero API is temporarily unavailable",
            {},
            "xero.maintenance",
            Category.TRANSIENT_SERVER,
        ),
        (
            503,
            "The Organisation is offline",
            {},
            "xero.organisation_offline",
            Category.TRANSIENT_SERVER,
        ),
        (
            500,
            '{"Title":"An error occurred","Detail":"An error occurred in Xero. Check the API '
            'Status page http://status.developer.xero.com for current service status.",'
            '"Status":500,"Instance":"5b1f"}',
            {},
            "xero.server_error",
            Category.TRANSIENT_SERVER,
        ),
        (
            500,
            "<!DOCTYPE html><html><head><title>Xero | Error 500</title></head>"
            "<body><h1>Something went wrong</h1></body></html>",
            {"Content-Type": "text/html"},
            "xero.html_error_page",
            Category.MALFORMED_RESPONSE,
        ),
        (
            200,
            '{"Id":"1","Status":"OK","Invoices":[{"InvoiceID":"a',
            {},
            "xero.truncated_response",
            Category.MALFORMED_RESPONSE,
        ),
        (502, b"", {}, "xero.empty_response", Category.MALFORMED_RESPONSE),
        (
            400,
            '{"ErrorNumber":14,"Type":"PostDataInvalidException","Message":"JSON for the '
            'request body could not be read: Unexpected character"}',
            {},
            "xero.post_data_invalid",
            Category.VALIDATION,
        ),
        (
            501,
            '{"ErrorNumber":20,"Type":"ApiMethodNotImplementedException","Message":"The Api '
            'Method called is not implemented"}',
            {},
            "xero.not_implemented",
            Category.VALIDATION,
        ),
        (
            400,
            '<ApiException xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ErrorNumber>10'
            "</ErrorNumber><Type>ValidationException</Type><Message>A validation exception "
            'occurred</Message><Elements><DataContractBase xsi:type="Invoice"><ValidationErrors>'
            "<ValidationError><Message>Email address must be valid.</Message></ValidationError>"
            "</ValidationErrors></DataContractBase></Elements></ApiException>",
            {"Content-Type": "text/xml"},
            "xero.email_invalid",
            Category.VALIDATION,
        ),
        (
            400,
            '{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception '
            'occurred","Elements":[{"ValidationErrors":[{"Message":"Something new Xero says"}]}]}',
            {},
            "xero.validation",
            Category.VALIDATION,
        ),
        (418, "I'm a teapot", {}, "xero.unknown", Category.UNKNOWN),
    ],
)
def test_every_body_shape_classifies(
    xero: Any,
    status: int,
    body: str | bytes,
    headers: dict[str, str],
    code: str,
    category: Category,
) -> None:
    entry = xero.classify(status, body, headers)
    assert (entry.code, entry.category) == (code, category)


def _validation(message: str) -> str:
    return json.dumps(
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [{"ValidationErrors": [{"Message": message}]}],
        }
    )


# Seed 004's problems (and seed 003's that apply to Xero), as Xero words them.
SEED_PROBLEMS = [
    ("token expired 401 / Invalid token", 401, json.dumps(PROBLEM_401), "xero.token_expired"),
    (
        "connection disconnected / app revoked",
        403,
        '{"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful"}',
        "xero.connection_removed",
    ),
    ("refresh after revocation", 400, '{"error":"invalid_grant"}', "xero.refresh_rejected"),
    (
        "duplicate contact",
        400,
        _validation(
            "The contact name Ann Lee is already assigned to another contact. The contact name "
            "must be unique across all active contacts."
        ),
        "xero.duplicate_contact",
    ),
    (
        "required fields missing",
        400,
        _validation("Contact Name cannot be empty."),
        "xero.contact_required",
    ),
    ("email invalid", 400, _validation("Email address must be valid."), "xero.email_invalid"),
    (
        "contact limit reached",
        400,
        _validation("You have reached the limit of 1000 contacts for this organisation's plan."),
        "xero.contact_limit",
    ),
    (
        "invalid account code",
        400,
        _validation("Account code '999' is not a valid code for this document."),
        "xero.invalid_account_code",
    ),
    (
        "tax rate mismatch",
        400,
        _validation(
            "The TaxType code OUTPUT9 does not exist or cannot be used for this type of transaction."
        ),
        "xero.tax_rate_mismatch",
    ),
    (
        "currency not enabled",
        400,
        _validation("Organisation is not subscribed to currency EUR"),
        "xero.currency_not_enabled",
    ),
    (
        "bank account not mapped",
        400,
        _validation("Account type is invalid for making a payment to/from"),
        "xero.bank_account_not_mapped",
    ),
    (
        "transaction already reconciled",
        400,
        _validation("This payment has already been reconciled and cannot be changed."),
        "xero.already_reconciled",
    ),
    (
        "transaction already reconciled (document with a reconciled payment)",
        400,
        json.dumps(
            {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [
                    {
                        "ValidationErrors": [
                            {"Message": "Invoice not of valid status for modification"},
                            {
                                "Message": "This document cannot be edited as it has a "
                                "reconciled payment or credit note allocated to it."
                            },
                        ]
                    }
                ],
            }
        ),
        "xero.already_reconciled",
    ),
    (
        "paid document (no reconciliation)",
        400,
        _validation("Invoice not of valid status for modification"),
        "xero.invalid_status",
    ),
    (
        "amount mismatch (payment)",
        400,
        _validation("Payment amount exceeds the amount outstanding on this document"),
        "xero.amount_mismatch",
    ),
    (
        "amount mismatch (reconciliation)",
        400,
        _validation("The reconciliation amount 50.00 does not match the payment amount 60.00."),
        "xero.amount_mismatch",
    ),
    (
        "record not found",
        404,
        "The resource you're looking for cannot be found",
        "xero.record_not_found",
    ),
    (
        "rate limit exceeded",
        429,
        "",
        "xero.rate_limited",
    ),
    (
        "total mismatch",
        400,
        _validation("The document total 110.00 does not match the sum of the lines 100.00."),
        "xero.total_mismatch",
    ),
]


@pytest.mark.parametrize(("name", "status", "body", "code"), SEED_PROBLEMS)
def test_seed_problems_have_an_entry_with_a_fix(
    xero: Any, name: str, status: int, body: str, code: str
) -> None:
    entry = xero.classify(status, body)
    assert entry.code == code, name
    assert entry.fix and all(step.strip() for step in entry.fix)
    assert entry.category != Category.UNKNOWN


def test_every_entry_has_a_fix_and_a_known_category(xero: Any) -> None:
    for entry in xero.catalog:
        assert entry.code.startswith("xero."), entry.code
        assert entry.title and entry.meaning and entry.fix, entry.code
        assert entry.category in Category
        if entry.category == Category.RATE_LIMITED:
            assert entry.retryable and entry.action == Action.WAIT
        if entry.category in (Category.AUTH_REVOKED,):
            assert entry.action == Action.RECONNECT


def test_facts_come_out_of_the_message(xero: Any) -> None:
    diagnosis = xero.diagnose(
        400,
        _validation(
            "The contact name Buzz Lightyear is already assigned to another contact. The contact "
            "name must be unique across all active contacts."
        ),
    )
    assert diagnosis.facts == {"name": "Buzz Lightyear"}
    assert diagnosis.provider_code == "10"
    expired = xero.diagnose(401, json.dumps(PROBLEM_401))
    assert expired.facts["expired_at"] == "01/20/2025 15:00:00"
    limited = xero.diagnose(429, b"", {"Retry-After": "37", "X-Rate-Limit-Problem": "minute"})
    assert limited.retry_after == 37.0


def test_classify_never_raises(xero: Any) -> None:
    rng = random.Random(4)
    bodies: list[Any] = [
        None,
        b"",
        b"\xff\xfe\x00",
        "<html><body>",
        '{"Elements": 5, "ErrorNumber": "x", "Type": ["a"]}',
        '{"Title": {"a": 1}, "Detail": ["x"]}',
        '{"error": 12}',
        '[{"ValidationErrors": "nope"}]',
        "<ApiException><ErrorNumber>10",
        "<?xml version='1.0'?><ApiException><Type/></ApiException>",
        "a=b&c",
        "=",
        "null",
        "123",
    ]
    bodies += [os.urandom(rng.randint(0, 300)) for _ in range(200)]
    for status in (200, 400, 401, 403, 404, 429, 500, 503):
        for body in bodies:
            entry = xero.classify(status, body, {"Retry-After": "soon", "X-Rate-Limit-Problem": ""})
            assert entry.category in Category


def test_external_urls_point_into_xero(xero: Any) -> None:
    url = xero.external_url(Entity.INVOICE, "abc-123", "tenant-1")
    assert url == "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=abc-123"
    assert xero.external_url("contact", "c-1", "t").endswith("/Contacts/View/c-1")
    assert xero.external_url("nonsense", "x", "t") is None


def test_preflight_reports_what_xero_would_refuse(xero: Any) -> None:
    from datetime import date

    refs = Refs(mappings={("fee_item", "dues"): "item-1", ("account", "bank"): "acct-bank"})
    good = Invoice(
        "i1",
        "INV-1",
        "c1",
        date(2026, 1, 1),
        date(2026, 1, 31),
        "NZD",
        [InvoiceLine("dues", "Annual dues", Decimal(1), Decimal("100.00"))],
    )
    assert xero.preflight(Entity.INVOICE, good, refs) == []
    bad = Invoice(
        "i2",
        "INV-2",
        "c1",
        date(2026, 1, 1),
        None,
        "NZD",
        [InvoiceLine("unmapped", "", Decimal(1), Decimal(5), tax_rate="gst")],
    )
    codes = [d.code for d in xero.preflight(Entity.INVOICE, bad, refs)]
    assert codes == [
        "xero.line_items_invalid",  # due date
        "xero.line_items_invalid",  # description
    ]
    payment = Payment(
        "p1",
        "PAY-1",
        "c1",
        date(2026, 2, 1),
        Decimal("10.00"),
        "NZD",
        applications=[PaymentApplication("i1", Decimal("10.00"))],
    )
    [missing] = xero.preflight(Entity.PAYMENT, payment, refs)
    assert missing.code == "xero.bank_account_not_mapped" and missing.status == 0
    payment.deposit_account = "bank"
    assert xero.preflight(Entity.PAYMENT, payment, refs) == []
    payment.applications = []
    [unapplied] = xero.preflight(Entity.PAYMENT, payment, refs)
    assert unapplied.code == "xero.validation" and "exactly one invoice" in unapplied.message
    recon = Reconciliation("r1", "p1", "", date(2026, 2, 2), Decimal("10.00"))
    assert [d.code for d in xero.preflight(Entity.RECONCILIATION, recon, refs)] == [
        "xero.bank_account_not_mapped"
    ]
    contact = Contact("c9", "Zo\u00eb", email="zo\u00eb@example.com")
    assert [d.code for d in xero.preflight(Entity.CONTACT, contact, refs)] == ["xero.email_invalid"]


def test_webhook_events_are_read_and_signatures_checked(xero: Any) -> None:
    body = json.dumps(
        {
            "events": [
                {
                    "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/717f2bfc",
                    "resourceId": "717f2bfc",
                    "eventDateUtc": "2017-06-21T01:15:39.902",
                    "eventType": "UPDATE",
                    "eventCategory": "CONTACT",
                    "tenantId": "c2cc9b6e",
                    "tenantType": "ORGANISATION",
                },
                {"eventCategory": "SUBSCRIPTION", "tenantId": "x", "resourceId": "y"},
            ],
            "lastEventSequence": 1,
            "firstEventSequence": 1,
            "entropy": "S0m3r4Nd0mt3xt",
        }
    ).encode()
    [event] = xero.parse_webhook(body)
    assert (event.entity, event.external_id, event.provider_company_id, event.operation) == (
        "contact",
        "717f2bfc",
        "c2cc9b6e",
        "update",
    )
    import base64
    import hashlib
    import hmac

    signature = base64.b64encode(hmac.new(b"key", body, hashlib.sha256).digest()).decode()
    assert xero.verify_webhook({"x-xero-signature": signature}, body, "key")
    assert not xero.verify_webhook({"x-xero-signature": signature}, body + b" ", "key")
    assert xero.parse_webhook(b"not json") == []
