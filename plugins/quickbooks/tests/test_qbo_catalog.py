"""The QuickBooks catalog: every recorded Fault, every body shape, every seed-002 error."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from typing import Any

import pytest

from sync_admin.vocabulary import Action, Category

from .conftest import REFERENCE, cassette

FAULTS = REFERENCE / "faults"


@pytest.mark.parametrize(
    ("name", "status", "code", "category"),
    [
        ("fault.xml", 400, "qbo.field_too_long", Category.VALIDATION),
        ("generic_error.xml", 500, "qbo.system_failure", Category.TRANSIENT_SERVER),
        ("customer_duplicate_error.xml", 400, "qbo.duplicate_name", Category.DUPLICATE),
        ("query_validation_error.xml", 400, "qbo.invalid_query", Category.VALIDATION),
        ("throttle_exceeded_error.xml", 403, "qbo.rate_limited", Category.RATE_LIMITED),
        ("too_many_requests_error.xml", 429, "qbo.rate_limited", Category.RATE_LIMITED),
        ("tax_service_error_dup.json", 400, "qbo.duplicate_name", Category.DUPLICATE),
        ("no_detail.xml", 401, "qbo.token_expired", Category.AUTH_EXPIRED),
        ("batch_response.xml", 200, "qbo.field_too_long", Category.VALIDATION),
    ],
)
def test_every_fault_fixture_classifies(
    qbo: Any, name: str, status: int, code: str, category: Category
) -> None:
    body = (FAULTS / name).read_bytes()
    diagnosis = qbo.diagnose(status, body)
    assert diagnosis.entry.code == code, diagnosis.message
    assert diagnosis.category == category
    assert diagnosis.message  # staff see what QuickBooks said


@pytest.mark.parametrize(
    ("name", "index", "code"),
    [
        ("error/400", 1, "qbo.invalid_query"),
        ("error/400_json", 0, "qbo.invalid_value"),
        ("error/401", 0, "qbo.token_expired"),
        ("error/500", 0, "qbo.unsupported_operation"),
        ("error/500", 1, "qbo.invalid_value"),
        ("error/validation", 0, "qbo.duplicate_name"),
        ("attachment/error_estimate", 0, "qbo.business_validation"),
        ("batch/basic", 0, "qbo.invalid_reference"),
    ],
)
def test_every_recorded_fault_classifies(qbo: Any, name: str, index: int, code: str) -> None:
    response = cassette(name)[index]["response"]
    headers = {k: v[0] for k, v in response["headers"].items()}
    diagnosis = qbo.diagnose(response["status"]["code"], response["body"]["string"], headers)
    assert diagnosis.entry.code == code, diagnosis.message


def test_gateway_401_reads_the_lower_case_envelope(qbo: Any) -> None:
    response = cassette("error/401")[0]["response"]
    diagnosis = qbo.diagnose(401, response["body"]["string"])
    assert diagnosis.provider_code == "3200"
    assert "Token expired" in diagnosis.message
    assert diagnosis.entry.retryable and diagnosis.entry.max_retries == 1


def test_batch_items_classify_one_by_one(qbo: Any) -> None:
    answer = json.loads(cassette("batch/basic")[0]["response"]["body"]["string"])
    codes = {}
    for item in answer["BatchItemResponse"]:
        if "Fault" in item:
            codes[item["bId"]] = qbo.diagnose(200, json.dumps(item)).entry.code
    assert codes == {"bid2": "qbo.invalid_reference", "bid3": "qbo.stale_object"}


THROTTLE_JSON = {
    "Fault": {
        "Error": [
            {
                "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                "Detail": "The request limit was reached.  Try again later",
                "code": "3001",
            }
        ],
        "type": "SERVICE",
    }
}


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (
            503,
            b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>",
            "qbo.html_response",
        ),
        (500, "<html><body><h1>Internal error</h1></body></html>", "qbo.html_response"),
        (200, b"", "qbo.empty_response"),
        (500, None, "qbo.empty_response"),
        (200, b'{"QueryResponse":{"Customer":[{"Id":"1","Disp', "qbo.truncated_response"),
        (200, "<?xml version='1.0'?><IntuitResponse><Fault", "qbo.truncated_response"),
        (503, b"Service Unavailable", "qbo.plain_text_response"),
        (429, b"", "qbo.too_many_requests"),
        (429, json.dumps(THROTTLE_JSON), "qbo.rate_limited"),
        (401, b"", "qbo.unauthorized"),
        (404, b"", "qbo.not_found"),
        (
            400,
            b'{"error":"invalid_grant","error_description":"Token invalid"}',
            "qbo.refresh_token_invalid",
        ),
        (401, b'{"error":"invalid_client"}', "qbo.client_invalid"),
        (
            200,
            json.dumps(
                {
                    "Fault": {
                        "Error": [{"Message": "Stale Object Error", "Detail": "x", "code": "5010"}]
                    }
                }
            ),
            "qbo.stale_object",
        ),
        (400, "caf\xe9 Fault".encode("latin-1"), "qbo.plain_text_response"),
        (418, b"I'm a teapot", "quickbooks.unknown"),
    ],
)
def test_every_body_shape_classifies(qbo: Any, status: int, body: Any, code: str) -> None:
    assert qbo.classify(status, body).code == code


def test_classify_never_raises(qbo: Any) -> None:
    rng = random.Random(3)
    shapes: list[Any] = [
        None,
        b"\xff\xfe\x00",
        '{"Fault": null}',
        '{"Fault": {"Error": "nope"}}',
        '{"Fault": {"Error": [1, null, {"code": 6240}]}}',
        '{"fault": {"error": {"code": "3200"}}}',
        "[1, 2",
        "<Fault><Error code='6240'><Message/></Error></Fault>",
        '{"BatchItemResponse": [null, {"Fault": 3}]}',
        json.dumps(["a", {"b": None}]),
        b"\x00" * 50,
    ]
    shapes += [os.urandom(rng.randint(0, 300)) for _ in range(300)]
    for status in (0, 200, 400, 401, 403, 404, 429, 500, 503):
        for body in shapes:
            entry = qbo.classify(status, body, {"Retry-After": "later"})
            assert entry.category in Category


def test_retry_after_is_honoured(qbo: Any) -> None:
    diagnosis = qbo.diagnose(429, json.dumps(THROTTLE_JSON), {"Retry-After": "12"})
    assert diagnosis.retry_after == 12.0


def test_catalog_covers_every_documented_fault_code(qbo: Any) -> None:
    documented = [
        "100",
        "110",
        "120",
        "130",
        "140",
        "150",
        "500",
        "600",
        "610",
        "620",
        "630",
        "700",
        "800",
        "900",
        "1000",
        "1010",
        "1020",
        "1040",
        "1050",
        "2010",
        "2020",
        "2030",
        "2050",
        "2080",
        "2170",
        "2500",
        "3001",
        "3100",
        "3200",
        "4000",
        "4001",
        "5000",
        "5010",
        "5020",
        "5030",
        "6000",
        "6010",
        "6020",
        "6030",
        "6060",
        "6070",
        "6080",
        "6090",
        "6100",
        "6110",
        "6140",
        "6190",
        "6210",
        "6240",
        "6540",
        "10000",
        "10100",
    ]
    for code in documented:
        body = json.dumps({"Fault": {"Error": [{"Message": "m", "Detail": "d", "code": code}]}})
        entry = qbo.classify(400, body)
        assert code in entry.provider_codes, f"fault {code} fell to {entry.code}"


def test_every_entry_tells_staff_what_to_do(qbo: Any) -> None:
    categories = {entry.category for entry in qbo.catalog}
    for entry in qbo.catalog:
        assert entry.code.startswith("qbo.")
        assert entry.title and entry.meaning and entry.fix
        assert all(
            step.endswith(".") or step.endswith(",") or step.endswith("or") for step in entry.fix
        )
        assert entry.action is None or entry.action in Action
    # seed 003's categories that apply to QBO all have entries
    assert {
        Category.AUTH_EXPIRED,
        Category.AUTH_REVOKED,
        Category.DUPLICATE,
        Category.NOT_FOUND,
        Category.RATE_LIMITED,
        Category.VALIDATION,
        Category.MISSING_MAPPING,
        Category.STALE_OBJECT,
        Category.TRANSIENT_SERVER,
        Category.MALFORMED_RESPONSE,
        Category.PERMISSION,
        Category.BUSINESS_RULE,
    } <= categories
    assert qbo.catalog.get("qbo.empty_response").max_retries == 10  # seed 002: 10 attempts
    assert qbo.catalog.get("qbo.total_mismatch").title == "Total mismatch"  # seed 003


SEED_002 = [
    # (status, body or message, entry, facts)
    (
        400,
        {
            "code": "6240",
            "Message": "Duplicate Name Exists Error",
            "Detail": "The name supplied already exists. : Another vendor is already using this name. Please use a different name.",
        },
        "qbo.duplicate_name",
        {"conflict_kind": "vendor"},
    ),
    (
        400,
        {
            "code": "6000",
            "Message": "A business validation error has occurred while processing your request",
            "Detail": "Business Validation Error: The payment you are trying to apply to the invoice either does not exist or it belongs to another customer.",
        },
        "qbo.payment_other_customer",
        {},
    ),
    (
        400,
        {
            "code": "6140",
            "Message": "Duplicate Document Number Error",
            "Detail": "Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=P-77 is assigned to TxnType=Payment with TxnId=12",
        },
        "qbo.payment_ref_exists",
        {"payment_ref": "P-77", "txn_id": "12"},
    ),
    (
        400,
        {
            "code": "6140",
            "Message": "Duplicate Document Number Error",
            "Detail": "Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=1043 is assigned to TxnType=Invoice with TxnId=266",
        },
        "qbo.invoice_exists",
        {"invoice_number": "1043", "txn_id": "266"},
    ),
    (
        400,
        {
            "code": "2500",
            "Message": "Invalid Reference Id",
            "Detail": "Invalid Reference Id : Invoice element id 999 not found",
        },
        "qbo.invoice_not_found",
        {"txn_id": "999"},
    ),
    (
        400,
        {
            "code": "6000",
            "Message": "A business validation error has occurred while processing your request",
            "Detail": "Business Validation Error: There is no income account associated with the item Bad Debt.",
        },
        "qbo.write_off_no_income_account",
        {"item": "Bad Debt"},
    ),
    (
        400,
        "No fee item mapped for line item: Invoice #1001, fee item 'Annual Dues', price 150.00, quantity 2",
        "qbo.fee_item_not_mapped",
        {"invoice_number": "1001", "fee_item": "Annual Dues", "amount": "150.00", "quantity": "2"},
    ),
    (
        0,
        "No tax rate mapped: tax rate 'vat20'",
        "qbo.tax_code_not_mapped",
        {"tax_rate": "vat20"},
    ),
    (
        400,
        "Payment Ref#: P-9 Could not find applied invoice Ref#: 1001",
        "qbo.payment_invoice_not_synced",
        {"payment_ref": "P-9", "invoice_number": "1001"},
    ),
    (
        400,
        "Credit Ref#: CN-3 Could not find applied invoice Ref#: 1001",
        "qbo.credit_invoice_not_synced",
        {"credit_ref": "CN-3", "invoice_number": "1001"},
    ),
]


@pytest.mark.parametrize(("status", "body", "code", "facts"), SEED_002)
def test_seed_002_errors_classify_with_their_facts(
    qbo: Any, status: int, body: Any, code: str, facts: dict
) -> None:
    if isinstance(body, dict):
        body = json.dumps({"Fault": {"Error": [body], "type": "ValidationFault"}})
    diagnosis = qbo.diagnose(status, body)
    assert diagnosis.entry.code == code, diagnosis.message
    assert facts.items() <= diagnosis.facts.items(), diagnosis.facts


def test_external_ids_link_into_the_qbo_web_app(qbo: Any) -> None:
    assert (
        qbo.external_url("invoice", "266", "123")
        == "https://app.qbo.intuit.com/app/invoice?txnId=266"
    )
    assert (
        qbo.external_url("contact", "58", "123")
        == "https://app.qbo.intuit.com/app/customerdetail?nameId=58"
    )
    assert qbo.external_url("payment", "a b", "123").endswith("recvpayment?txnId=a%20b")
    assert qbo.external_url("reconciliation", "1", "123") is None
    assert qbo.external_url("nonsense", "1", "123") is None


def test_importing_the_plugin_does_not_import_its_client_or_sandbox() -> None:
    code = (
        "import sys, sync_admin_quickbooks as q; "
        "print(sorted(m for m in sys.modules if m.startswith('sync_admin_quickbooks')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout
    assert "sync_admin_quickbooks.client" not in loaded
    assert "sync_admin_quickbooks.sandbox" not in loaded


def test_the_registry_validates_the_plugin(qbo: Any) -> None:
    assert qbo.problems() == []
    assert [s.entity.value for s in qbo.entities][:3] == ["account", "item", "tax_rate"]
    assert qbo.limits.per_minute == 500 and qbo.limits.concurrency == 10
    assert qbo.limits.batch_per_minute == 40
    assert all(s.batch_size == 30 for s in qbo.push_entities())


def test_webhook_signature_and_both_payload_formats(qbo: Any) -> None:
    import base64
    import hashlib
    import hmac

    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": "4620816365",
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "Customer",
                                "id": "1",
                                "operation": "Create",
                                "lastUpdated": "2015-10-05T14:42:19-0700",
                            }
                        ]
                    },
                }
            ]
        }
    ).encode()
    signature = base64.b64encode(hmac.new(b"verifier", body, hashlib.sha256).digest()).decode()
    assert qbo.verify_webhook({"intuit-signature": signature}, body, "verifier")
    assert not qbo.verify_webhook({"intuit-signature": signature}, body + b" ", "verifier")
    [event] = qbo.parse_webhook(body)
    assert (event.provider_company_id, event.entity, event.external_id, event.operation) == (
        "4620816365",
        "Customer",
        "1",
        "Create",
    )
    cloud = json.dumps(
        [
            {
                "specversion": "1.0",
                "id": "e1",
                "type": "qbo.customer.created.v1",
                "time": "2025-09-10T21:31:25Z",
                "intuitentityid": "58",
                "intuitaccountid": "310687",
            }
        ]
    ).encode()
    [event] = qbo.parse_webhook(cloud)
    assert (event.provider_company_id, event.entity, event.external_id, event.operation) == (
        "310687",
        "customer",
        "58",
        "created",
    )
    assert qbo.parse_webhook(b"not json") == []
