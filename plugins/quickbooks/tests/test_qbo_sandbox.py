"""The QuickBooks sandbox over real HTTP: OAuth, API rules, limits, faults, control endpoints."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from .conftest import Served

REALM, REALM2 = "9130354467721571", "9130354467721572"
CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture
def sandbox(qbo: Any) -> Iterator[Served]:
    with Served(qbo.sandbox_app()) as served:
        yield served


def approve(
    served: Served, realm: str = REALM, decision: str = "approve"
) -> tuple[OAuth2Session, str]:
    """Walk the consent screen as a browser would; the callback URL it redirects to."""
    oauth = OAuth2Session(
        client_id="app-id",
        client_secret="app-secret",
        scope="com.intuit.quickbooks.accounting openid email",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )
    oauth.verifier = "v" * 64  # type: ignore[attr-defined]
    url, _ = oauth.create_authorization_url(
        served.url + "/connect/oauth2", code_verifier=oauth.verifier, state="s-123"
    )
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and 'id="approve"' in page.text and 'id="deny"' in page.text
    form = {
        k: v[0]
        for k, v in parse_qs(urlparse(url).query).items()
        if k
        in (
            "client_id",
            "redirect_uri",
            "state",
            "scope",
            "code_challenge",
            "code_challenge_method",
        )
    }
    answer = requests.post(
        served.url + "/connect/oauth2",
        data={**form, "realm": realm, "decision": decision},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    return oauth, answer.headers["Location"]


def connect(served: Served, realm: str = REALM) -> dict[str, Any]:
    oauth, callback = approve(served, realm)
    return oauth.fetch_token(
        served.url + "/oauth2/v1/tokens/bearer",
        authorization_response=callback,
        code_verifier=oauth.verifier,  # type: ignore[attr-defined]
    )


class Api:
    def __init__(self, served: Served, token: dict[str, Any], realm: str = REALM) -> None:
        self.base = f"{served.url}/v3/company/{realm}"
        self.headers = {
            "Authorization": f"Bearer {token['access_token']}",
            "Accept": "application/json",
        }

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(
            self.base + path,
            params={"minorversion": 75, **params},
            headers=self.headers,
            timeout=10,
        )

    def post(self, path: str, body: Any, **params: Any) -> requests.Response:
        return requests.post(
            self.base + path,
            params={"minorversion": 75, **params},
            json=body,
            headers=self.headers,
            timeout=10,
        )

    def query(self, text: str) -> requests.Response:
        return self.get("/query", query=text)


@pytest.fixture
def api(sandbox: Served) -> Api:
    return Api(sandbox, connect(sandbox))


def invoice(
    customer: str, number: str, item: str = "2", qty: int = 1, price: int = 150
) -> dict[str, Any]:
    return {
        "CustomerRef": {"value": customer},
        "DocNumber": number,
        "Line": [
            {
                "Amount": qty * price,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": qty, "UnitPrice": price},
            }
        ],
    }


# --- OAuth -----------------------------------------------------------------------------------


def test_deny_returns_access_denied(sandbox: Served) -> None:
    _, callback = approve(sandbox, decision="deny")
    args = parse_qs(urlparse(callback).query)
    assert args == {"error": ["access_denied"], "state": ["s-123"]}


def test_code_exchange_gives_qbo_tokens_and_the_realm(sandbox: Served, qbo: Any) -> None:
    oauth, callback = approve(sandbox, REALM2)
    assert parse_qs(urlparse(callback).query)["realmId"] == [REALM2]
    token = oauth.fetch_token(
        sandbox.url + "/oauth2/v1/tokens/bearer",
        authorization_response=callback,
        code_verifier=oauth.verifier,
    )
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600
    assert token["x_refresh_token_expires_in"] == 8726400
    again = requests.post(
        sandbox.url + "/oauth2/v1/tokens/bearer",
        auth=("app-id", "app-secret"),
        data={
            "grant_type": "authorization_code",
            "code": parse_qs(urlparse(callback).query)["code"][0],
            "redirect_uri": CALLBACK,
            "code_verifier": "v" * 64,
        },
        timeout=5,
    )
    assert (
        again.status_code == 400 and again.json()["error"] == "invalid_grant"
    )  # a code works once
    info = requests.get(
        sandbox.url + "/v1/openid_connect/userinfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    ).json()
    assert info["email"] == "owner@sandbox.example"


def test_wrong_pkce_verifier_is_refused(sandbox: Served) -> None:
    oauth, callback = approve(sandbox)
    with pytest.raises(Exception, match="invalid_grant"):
        oauth.fetch_token(
            sandbox.url + "/oauth2/v1/tokens/bearer",
            authorization_response=callback,
            code_verifier="w" * 64,
        )


def _refresh(served: Served, refresh_token: str) -> requests.Response:
    return requests.post(
        served.url + "/oauth2/v1/tokens/bearer",
        auth=("app-id", "app-secret"),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        timeout=5,
    )


def test_refresh_rotates_with_24_hour_grace_then_invalid_grant(sandbox: Served, qbo: Any) -> None:
    token = connect(sandbox)
    first = _refresh(sandbox, token["refresh_token"])
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != token["refresh_token"]
    assert _refresh(sandbox, token["refresh_token"]).status_code == 200  # within the grace
    requests.post(sandbox.url + "/_sandbox/clock", json={"advance": 86401}, timeout=5)
    late = _refresh(sandbox, token["refresh_token"])
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    assert qbo.classify(late.status_code, late.content).code == "qbo.refresh_token_invalid"
    assert _refresh(sandbox, rotated).status_code == 200  # the newest one still works


def test_revoke_disconnects_the_app(sandbox: Served, qbo: Any) -> None:
    token = connect(sandbox)
    api = Api(sandbox, token)
    assert api.get(f"/companyinfo/{REALM}").status_code == 200
    revoked = requests.post(
        sandbox.url + "/v2/oauth2/tokens/revoke",
        auth=("app-id", "app-secret"),
        json={"token": token["refresh_token"]},
        timeout=5,
    )
    assert revoked.status_code == 200
    assert _refresh(sandbox, token["refresh_token"]).json()["error"] == "invalid_grant"
    answer = api.get(f"/companyinfo/{REALM}")
    assert answer.status_code == 401
    assert qbo.classify(401, answer.content).category == "auth_expired"


def test_expired_token_gets_the_gateway_401(sandbox: Served, api: Api, qbo: Any) -> None:
    requests.post(
        sandbox.url + "/_sandbox/faults", json={"realm": REALM, "kind": "expire_token"}, timeout=5
    )
    answer = api.get("/customer/1")
    assert answer.status_code == 401
    assert answer.headers["Www-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    body = answer.json()
    assert (
        body["fault"]["error"][0]["code"] == "3200"
        and "Token expired" in body["fault"]["error"][0]["detail"]
    )
    assert qbo.classify(401, answer.content).code == "qbo.token_expired"


def test_a_token_reaches_only_its_own_realm(sandbox: Served, api: Api, qbo: Any) -> None:
    other = Api(sandbox, connect(sandbox, REALM), REALM2)
    answer = other.get(f"/companyinfo/{REALM2}")
    assert answer.status_code == 403
    assert qbo.classify(403, answer.content).code == "qbo.authorization_failed"


# --- queries -------------------------------------------------------------------------------------


def test_query_pages_with_startposition_and_maxresults(api: Api) -> None:
    total = api.query("SELECT COUNT(*) FROM Customer").json()["QueryResponse"]["totalCount"]
    assert total == 6
    seen: list[str] = []
    pages: list[tuple[int, int]] = []
    start = 1
    while True:
        page = api.query(f"SELECT * FROM Customer STARTPOSITION {start} MAXRESULTS 4").json()[
            "QueryResponse"
        ]
        if not page:
            break
        pages.append((page["startPosition"], len(page["Customer"])))
        seen += [c["Id"] for c in page["Customer"]]
        start += 4
    assert pages == [(1, 4), (5, 2)]  # MAXRESULTS obeyed, the last page holds the rest
    assert len(seen) == total == len(set(seen))
    named = api.query("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'").json()
    assert [c["Id"] for c in named["QueryResponse"]["Customer"]] == ["1"]
    items = api.query("select * from Item where Name like 'Bad%'").json()["QueryResponse"]["Item"]
    assert [i["Name"] for i in items] == ["Bad Debt"]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("SELECT * FROM Customer MAXRESULTS 1001", "Max allowed value is 1000"),
        ("SELECT * FROM Customer STARTPOSITION 0", "Min allowed value is 1"),
        ("SELECT * FROM Custmoer", "invalid context declaration: Custmoer"),
    ],
)
def test_bad_queries_get_4001(api: Api, qbo: Any, text: str, detail: str) -> None:
    answer = api.query(text)
    assert answer.status_code == 400
    assert detail in answer.json()["Fault"]["Error"][0]["Detail"]
    assert qbo.classify(400, answer.content).code == "qbo.invalid_query"


# --- QBO's business rules, and every seed-002 error the provider itself produces -----------------


def test_seed_002_errors_come_from_the_sandbox(sandbox: Served, api: Api, qbo: Any) -> None:
    def fails(answer: requests.Response, code: str) -> dict[str, str]:
        assert answer.status_code == 400, answer.text
        diagnosis = qbo.diagnose(answer.status_code, answer.content, answer.headers)
        assert diagnosis.entry.code == code, diagnosis.message
        return diagnosis.facts

    # The name supplied already exists: a vendor has the contact's name.
    facts = fails(api.post("/customer", {"DisplayName": "Hicks Hardware"}), "qbo.duplicate_name")
    assert facts["conflict_kind"] == "vendor"
    ann = api.post("/customer", {"DisplayName": "Ann Lee", "GivenName": "Ann"}).json()["Customer"][
        "Id"
    ]
    bob = api.post("/customer", {"DisplayName": "Bob Ray"}).json()["Customer"]["Id"]
    inv = api.post("/invoice", invoice(ann, "1001")).json()["Invoice"]
    # Invoice: Already exists for Customer.
    facts = fails(api.post("/invoice", invoice(bob, "1001")), "qbo.invoice_exists")
    assert facts["invoice_number"] == "1001"
    # The payment you are trying to apply belongs to another customer.
    payment = {
        "CustomerRef": {"value": bob},
        "TotalAmt": 150,
        "PaymentRefNum": "P-1",
        "Line": [{"Amount": 150, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}],
    }
    fails(api.post("/payment", payment), "qbo.payment_other_customer")
    # Invoice not found.
    payment["CustomerRef"] = {"value": ann}
    payment["Line"][0]["LinkedTxn"][0]["TxnId"] = "999999"
    fails(api.post("/payment", payment), "qbo.invoice_not_found")
    # Payment Ref#: Already exists for Customer.
    payment["Line"][0]["LinkedTxn"][0]["TxnId"] = inv["Id"]
    assert api.post("/payment", payment).status_code == 200
    facts = fails(api.post("/payment", {**payment, "Line": []}), "qbo.payment_ref_exists")
    assert facts["payment_ref"] == "P-1"
    assert api.get(f"/invoice/{inv['Id']}").json()["Invoice"]["Balance"] == 0
    # Error Adding Write-off: realm 2's Bad Debt item has no income account.
    realm2 = Api(sandbox, connect(sandbox, REALM2), REALM2)
    dana = realm2.post("/customer", {"DisplayName": "Dana Cole"}).json()["Customer"]["Id"]
    write_off = {
        "CustomerRef": {"value": dana},
        "Line": [
            {
                "Amount": 20,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "7"}},
            }
        ],
    }
    facts = fails(realm2.post("/creditmemo", write_off), "qbo.write_off_no_income_account")
    assert facts["item"] == "Bad Debt"
    assert api.post("/creditmemo", {**write_off, "CustomerRef": {"value": ann}}).status_code == 200


def test_field_rules(api: Api, qbo: Any) -> None:
    ann = api.post("/customer", {"DisplayName": "Ann Lee"}).json()["Customer"]["Id"]
    long_number = api.post("/invoice", invoice(ann, "X" * 22))
    assert qbo.diagnose(400, long_number.content).facts == {"field": "DocNumber", "limit": "21"}
    assert qbo.classify(400, long_number.content).code == "qbo.field_too_long"
    wrong_total = invoice(ann, "2002")
    wrong_total["Line"][0]["Amount"] = 149
    assert qbo.classify(400, api.post("/invoice", wrong_total).content).code == "qbo.total_mismatch"
    unmapped = api.post("/invoice", invoice(ann, "2003", item="4242"))
    assert qbo.classify(400, unmapped.content).code == "qbo.invalid_item_reference"
    no_lines = api.post("/invoice", {"CustomerRef": {"value": ann}})
    assert qbo.classify(400, no_lines.content).code == "qbo.required_field_missing"
    bad_field = api.post("/invoice", {"BadJson": True})
    assert qbo.classify(400, bad_field.content).code == "qbo.invalid_value"
    allowed = api.post("/invoice", invoice(ann, "2004"))
    assert (
        api.post("/invoice", invoice(ann, "2004"), include="allowduplicatedocnum").status_code
        == 200
    )
    assert allowed.status_code == 200


def test_sync_token_checks_and_sparse_update(sandbox: Served, api: Api, qbo: Any) -> None:
    created = api.post("/customer", {"DisplayName": "Cy Young"}).json()["Customer"]
    update = {"Id": created["Id"], "SyncToken": "0", "sparse": True, "GivenName": "Cy"}
    updated = api.post("/customer", update).json()["Customer"]
    assert (
        updated["SyncToken"] == "1"
        and updated["GivenName"] == "Cy"
        and updated["DisplayName"] == "Cy Young"
    )
    stale = api.post("/customer", update)
    assert qbo.classify(stale.status_code, stale.content).code == "qbo.stale_object"
    # A QuickBooks user edits the record: the SyncToken moves on.
    requests.post(
        f"{sandbox.url}/_sandbox/records/{REALM}/customer",
        json={"Id": created["Id"], "Notes": "x"},
        timeout=5,
    )
    assert api.get(f"/customer/{created['Id']}").json()["Customer"]["SyncToken"] == "2"


def test_get_delete_and_void(api: Api, qbo: Any) -> None:
    ann = api.post("/customer", {"DisplayName": "Ann Lee"}).json()["Customer"]["Id"]
    first = api.post("/invoice", invoice(ann, "3001")).json()["Invoice"]
    second = api.post("/invoice", invoice(ann, "3002")).json()["Invoice"]
    deleted = api.post("/invoice", {"Id": first["Id"], "SyncToken": "0"}, operation="delete").json()
    assert deleted["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": first["Id"]}
    assert qbo.classify(400, api.get(f"/invoice/{first['Id']}").content).category == "not_found"
    voided = api.post("/invoice", {"Id": second["Id"], "SyncToken": "0"}, operation="void").json()[
        "Invoice"
    ]
    assert voided["TotalAmt"] == 0 and voided["SyncToken"] == "1"
    assert qbo.classify(400, api.get("/customer/1.5").content).code == "qbo.invalid_value"


def test_a_quickbooks_user_deletes_a_transaction(sandbox: Served, api: Api, qbo: Any) -> None:
    """The control endpoint deletes as a QuickBooks user would: the app's update of the
    invoice then gets 610 and a payment naming it 2500 (seed 002's "Invoice not found")."""
    ann = api.post("/customer", {"DisplayName": "Del Person"}).json()["Customer"]["Id"]
    made = api.post("/invoice", invoice(ann, "3101")).json()["Invoice"]
    url = f"{sandbox.url}/_sandbox/records/{REALM}"
    gone = requests.delete(f"{url}/invoice/{made['Id']}", timeout=5)
    assert gone.json()["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": made["Id"]}
    update = api.post("/invoice", {**invoice(ann, "3101"), "Id": made["Id"], "SyncToken": "0"})
    assert update.status_code == 400
    assert "Another user has deleted this transaction" in update.text
    assert qbo.classify(400, update.content).code == "qbo.invalid_reference"
    paid = api.post(
        "/payment",
        {
            "CustomerRef": {"value": ann},
            "TotalAmt": 150,
            "Line": [{"Amount": 150, "LinkedTxn": [{"TxnId": made["Id"], "TxnType": "Invoice"}]}],
        },
    )
    assert f"Invoice element id {made['Id']} not found" in paid.text
    assert qbo.classify(400, paid.content).code == "qbo.invoice_not_found"
    # Names cannot be deleted in QuickBooks (only made inactive), nor unknown records.
    assert requests.delete(f"{url}/customer/{ann}", timeout=5).status_code == 400
    assert requests.delete(f"{url}/invoice/{made['Id']}", timeout=5).status_code == 400


def test_requestid_replays_instead_of_writing_twice(sandbox: Served, api: Api) -> None:
    first = api.post("/customer", {"DisplayName": "Once Only"}, requestid="req-1")
    second = api.post("/customer", {"DisplayName": "Once Only"}, requestid="req-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    found = api.query("SELECT COUNT(*) FROM Customer WHERE DisplayName = 'Once Only'").json()
    assert found["QueryResponse"]["totalCount"] == 1
    assert sandbox.app.sandbox.stats()["realms"][REALM]["replayed"] == 1


def test_batch_has_per_item_faults_and_at_most_30_items(api: Api, qbo: Any) -> None:
    answer = api.post(
        "/batch",
        {
            "BatchItemRequest": [
                {"bId": "b1", "operation": "create", "Customer": {"DisplayName": "Batch One"}},
                {"bId": "b2", "operation": "create", "Customer": {"DisplayName": "Pam Seitz"}},
                {"bId": "b3", "Query": "select count(*) from Vendor"},
            ]
        },
    )
    assert answer.status_code == 200
    items = {i["bId"]: i for i in answer.json()["BatchItemResponse"]}
    assert items["b1"]["Customer"]["DisplayName"] == "Batch One"
    assert (
        qbo.classify(200, {"Fault": items["b2"]["Fault"]}.__repr__().replace("'", '"')).code
        == "qbo.duplicate_name"
    )
    assert items["b3"]["QueryResponse"]["totalCount"] == 6
    too_many = api.post(
        "/batch",
        {
            "BatchItemRequest": [
                {"bId": str(i), "operation": "create", "Customer": {"DisplayName": f"C{i}"}}
                for i in range(31)
            ]
        },
    )
    assert too_many.status_code == 400
    assert qbo.classify(400, too_many.content).code == "qbo.unsupported_operation"


def test_cdc_returns_changes_and_deletions_within_30_days(
    sandbox: Served, api: Api, qbo: Any
) -> None:
    since = sandbox.app.sandbox.utcnow().isoformat()
    time.sleep(0.01)
    ann = api.post("/customer", {"DisplayName": "Ann Lee"}).json()["Customer"]["Id"]
    inv = api.post("/invoice", invoice(ann, "4001")).json()["Invoice"]
    api.post("/invoice", {"Id": inv["Id"], "SyncToken": "0"}, operation="delete")
    answer = api.get("/cdc", entities="Customer,Invoice,Item", changedSince=since).json()
    customers, invoices, items = answer["CDCResponse"][0]["QueryResponse"]
    assert [c["Id"] for c in customers["Customer"]] == [ann]
    assert invoices["Invoice"] == [
        {
            "domain": "QBO",
            "status": "Deleted",
            "Id": inv["Id"],
            "MetaData": invoices["Invoice"][0]["MetaData"],
        }
    ]
    assert items == {}
    old = api.get("/cdc", entities="Customer", changedSince="2020-01-01T00:00:00-07:00")
    diagnosis = qbo.diagnose(old.status_code, old.content)
    assert diagnosis.entry.code == "qbo.cdc_window_exceeded"
    assert diagnosis.facts["stale_cursor"] == "changedSince"


# --- limits and injected faults ---------------------------------------------------------------------


def test_rate_limit_per_window_answers_429_xml(sandbox: Served, api: Api, qbo: Any) -> None:
    requests.post(sandbox.url + "/_sandbox/limits", json={"window": 1, "per_window": 3}, timeout=5)
    answers = [api.get("/customer/1") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].headers["Content-Type"].startswith("application/xml")
    assert qbo.classify(429, answers[3].content).code == "qbo.rate_limited"
    time.sleep(1.05)
    assert api.get("/customer/1").status_code == 200
    stats = requests.get(sandbox.url + "/_sandbox/stats", timeout=5).json()["realms"][REALM]
    assert stats["throttled"] == 1 and stats["calls"] == 5


def test_batch_limit_per_window(sandbox: Served, api: Api) -> None:
    requests.post(
        sandbox.url + "/_sandbox/limits", json={"window": 5, "batch_per_window": 2}, timeout=5
    )
    body = {"BatchItemRequest": [{"bId": "q", "Query": "select count(*) from Item"}]}
    assert [api.post("/batch", body).status_code for _ in range(3)] == [200, 200, 429]
    assert api.get("/customer/1").status_code == 200  # plain calls still fit


def test_concurrency_limit(sandbox: Served, api: Api) -> None:
    requests.post(
        sandbox.url + "/_sandbox/limits", json={"concurrency": 2, "latency": 0.3}, timeout=5
    )
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(api.get("/customer/1").status_code))
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses).count(429) >= 1 and 200 in statuses
    assert sandbox.app.sandbox.stats()["realms"][REALM]["max_in_flight"] <= 2


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("html_503", 503, "qbo.html_response"),
        ("html_500", 500, "qbo.html_response"),
        ("empty", 200, "qbo.empty_response"),
        ("empty_500", 500, "qbo.empty_response"),
        ("truncated", 200, "qbo.truncated_response"),
        ("throttle", 429, "qbo.rate_limited"),
        ("system_error", 500, "qbo.system_failure"),
    ],
)
def test_injected_faults_hit_the_next_calls_of_one_realm(
    sandbox: Served, api: Api, qbo: Any, kind: str, status: int, code: str
) -> None:
    set_up = requests.post(
        sandbox.url + "/_sandbox/faults", json={"realm": REALM, "kind": kind, "count": 2}, timeout=5
    )
    assert set_up.status_code == 200
    for _ in range(2):
        answer = api.get("/customer/1")
        assert answer.status_code == status
        assert qbo.classify(answer.status_code, answer.content).code == code
    assert api.get("/customer/1").status_code == 200


def test_revoke_app_fault_and_bad_control_input(sandbox: Served, api: Api) -> None:
    requests.post(
        sandbox.url + "/_sandbox/faults", json={"realm": REALM, "kind": "revoke_app"}, timeout=5
    )
    assert api.get("/customer/1").status_code == 401
    bad = requests.post(
        sandbox.url + "/_sandbox/faults", json={"realm": REALM, "kind": "gremlins"}, timeout=5
    )
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
    assert (
        requests.post(
            sandbox.url + "/_sandbox/faults", json={"realm": "nope"}, timeout=5
        ).status_code
        == 400
    )


def test_reset_reseeds_and_stats_count_per_realm(sandbox: Served, api: Api) -> None:
    api.post("/customer", {"DisplayName": "Temp"})
    reset = requests.post(sandbox.url + "/_sandbox/reset", json={"realms": 5}, timeout=5).json()
    assert len(reset["realms"]) == 5
    realms = requests.get(sandbox.url + "/_sandbox/realms", timeout=5).json()
    assert len(realms) == 5
    stats = requests.get(sandbox.url + "/_sandbox/stats", timeout=5).json()
    assert stats["realms"][REALM]["records"]["Customer"] == 6
    assert api.get("/customer/1").status_code == 401  # grants are gone after a reset


def test_uniqueness_follows_renames_deletes_and_direct_loads(sandbox: Served, api: Api) -> None:
    first = api.post("/customer", {"DisplayName": "Old Name"}).json()["Customer"]
    api.post(
        "/customer",
        {"Id": first["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "New Name"},
    )
    assert api.post("/customer", {"DisplayName": "Old Name"}).status_code == 200  # freed
    assert api.post("/customer", {"DisplayName": "new name"}).status_code == 400  # taken, any case
    ann = api.post("/customer", {"DisplayName": "Ann Lee"}).json()["Customer"]["Id"]
    made = api.post("/invoice", invoice(ann, "D-1")).json()["Invoice"]
    api.post("/invoice", {"Id": made["Id"], "SyncToken": "0"}, operation="delete")
    assert api.post("/invoice", invoice(ann, "D-1")).status_code == 200  # the number is free again
    realm = sandbox.app.sandbox.realm(REALM)
    with sandbox.app.sandbox.lock:  # a record loaded behind the rules' back (as the harness does)
        realm.table("Employee")["999"] = {
            "Id": "999",
            "SyncToken": "0",
            "DisplayName": "Loaded Directly",
        }
    assert api.post("/customer", {"DisplayName": "Loaded Directly"}).status_code == 400


def test_external_id_links_open_the_record_in_the_sandbox(
    sandbox: Served, api: Api, qbo: Any
) -> None:
    from flask import Flask

    made = api.post("/customer", {"DisplayName": "<script>alert(1)</script> & Co"}).json()[
        "Customer"
    ]
    host = Flask("host")
    host.config["SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL"] = sandbox.url
    with host.app_context():
        link = qbo.external_url("contact", made["Id"], REALM)
    assert link == f"{sandbox.url}/app/customerdetail?nameId={made['Id']}&realmId={REALM}"
    page = requests.get(link, timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page.text
    assert "<script>" not in page.text
    assert (
        requests.get(f"{sandbox.url}/app/invoice?txnId=999&realmId={REALM}", timeout=5).status_code
        == 404
    )
    host.config["SYNC_ADMIN_QUICKBOOKS_WEB_APP_URL"] = "https://app.sandbox.qbo.intuit.com"
    with host.app_context():  # an explicit web app wins over the local sandbox
        assert (
            qbo.external_url("invoice", "7", REALM)
            == "https://app.sandbox.qbo.intuit.com/app/invoice?txnId=7"
        )
