"""The Xero sandbox over real HTTP: identity server, Xero's rules, limits, faults, controls.

Every Accounting and connections exchange here goes through ``spec_check``: the
requests and the documented responses validate against Xero's OpenAPI documents.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from sync_admin import providers

from .conftest import LiveServer, SandboxAPI

CLIENT = ("sync-admin-sandbox", "sync-admin-sandbox-secret")


@pytest.fixture(scope="module")
def xero() -> Any:
    return providers.installed()["xero"]


def _pkce() -> tuple[str, str]:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def _authorize_fields(challenge: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT[0],
        "redirect_uri": "http://127.0.0.1/cb",
        "scope": "openid offline_access accounting.transactions",
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


# --- identity ------------------------------------------------------------------------------------


def test_consent_page_offers_organisations_allow_and_deny(xero_sandbox: LiveServer) -> None:
    _, challenge = _pkce()
    page = requests.get(
        f"{xero_sandbox.url}/identity/connect/authorize",
        params=_authorize_fields(challenge),
        timeout=10,
    )
    assert page.status_code == 200
    assert "Demo Company (NZ)" in page.text and "Demo Company (UK)" in page.text
    assert 'value="allow"' in page.text and 'value="deny"' in page.text
    denied = requests.post(
        f"{xero_sandbox.url}/identity/connect/authorize",
        data={**_authorize_fields(challenge), "decision": "deny"},
        allow_redirects=False,
        timeout=10,
    )
    query = parse_qs(urlparse(denied.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["s1"]}
    no_pkce = requests.get(
        f"{xero_sandbox.url}/identity/connect/authorize",
        params={**_authorize_fields(challenge), "code_challenge_method": "plain"},
        timeout=10,
    )
    assert no_pkce.status_code == 400 and "PKCE" in no_pkce.text
    no_offline = requests.get(
        f"{xero_sandbox.url}/identity/connect/authorize",
        params={**_authorize_fields(challenge), "scope": "openid accounting.transactions"},
        timeout=10,
    )
    assert no_offline.status_code == 400 and "offline_access" in no_offline.text


def test_code_exchange_checks_pkce_and_is_single_use(
    xero_sandbox: LiveServer, spec_check: Any
) -> None:
    verifier, challenge = _pkce()
    url = xero_sandbox.url

    def code() -> str:
        answer = requests.post(
            f"{url}/identity/connect/authorize",
            data={**_authorize_fields(challenge), "decision": "allow", "tenant": []},
            allow_redirects=False,
            timeout=10,
        )
        return parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]

    http = spec_check.attach(requests.Session())
    form = {"grant_type": "authorization_code", "redirect_uri": "http://127.0.0.1/cb"}
    wrong = http.post(
        f"{url}/connect/token",
        data={**form, "code": code(), "code_verifier": "x" * 50},
        auth=CLIENT,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    first = code()
    good = http.post(
        f"{url}/connect/token", data={**form, "code": first, "code_verifier": verifier}, auth=CLIENT
    )
    assert good.status_code == 200
    body = good.json()
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer" and body["refresh_token"]
    again = http.post(
        f"{url}/connect/token", data={**form, "code": first, "code_verifier": verifier}, auth=CLIENT
    )
    assert again.json() == {"error": "invalid_grant"}
    bad_client = http.post(
        f"{url}/connect/token",
        data={**form, "code": code(), "code_verifier": verifier},
        auth=(CLIENT[0], "wrong"),
    )
    assert bad_client.json()["error"] == "invalid_client"
    # No organisation ticked: the grant reaches none (seed 000's "No companies appear").
    connections = http.get(
        f"{url}/connections", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert connections.status_code == 200 and connections.json() == []


def test_refresh_tokens_rotate_with_a_grace_period(spec_check: Any) -> None:
    from sync_admin_xero import provider
    from sync_admin_xero.sandbox.consent import grant_token

    with LiveServer(provider.sandbox_app(refresh_grace=0.5)) as server:
        token, _ = grant_token(server.url)
        http = spec_check.attach(requests.Session())

        def refresh(value: str) -> requests.Response:
            return http.post(
                f"{server.url}/connect/token",
                data={"grant_type": "refresh_token", "refresh_token": value},
                auth=CLIENT,
            )

        first = refresh(token["refresh_token"])
        assert first.status_code == 200
        rotated = first.json()["refresh_token"]
        assert rotated != token["refresh_token"]
        # The old token still works within the grace period (a lost response can be retried).
        assert refresh(token["refresh_token"]).status_code == 200
        time.sleep(0.7)
        late = refresh(token["refresh_token"])
        assert (late.status_code, late.json()) == (400, {"error": "invalid_grant"})
        assert refresh(rotated).status_code == 200


def test_revocation_ends_the_grant_and_its_connections(xero_api: SandboxAPI) -> None:
    assert xero_api.call("GET", "/Organisation").status_code == 200
    revoked = requests.post(
        f"{xero_api.url}/connect/revocation",
        data={"token": xero_api.token["refresh_token"]},
        auth=CLIENT,
        timeout=10,
    )
    assert revoked.status_code == 200
    after = xero_api.call("GET", "/Organisation")
    assert after.status_code == 401
    assert xero_api.control("GET", "/stats")["connections"] == 0
    refresh = requests.post(
        f"{xero_api.url}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": xero_api.token["refresh_token"]},
        auth=CLIENT,
        timeout=10,
    )
    assert refresh.json() == {"error": "invalid_grant"}


def test_connections_list_and_delete(xero_api: SandboxAPI, xero: Any) -> None:
    bearer = {"Authorization": f"Bearer {xero_api.token['access_token']}"}
    listed = xero_api.http.get(f"{xero_api.url}/connections", headers=bearer).json()
    assert {c["tenantName"] for c in listed} == {"Demo Company (NZ)", "Demo Company (UK)"}
    nz = next(c for c in listed if c["tenantName"] == "Demo Company (NZ)")
    gone = xero_api.http.delete(f"{xero_api.url}/connections/{nz['id']}", headers=bearer)
    assert gone.status_code == 204
    again = xero_api.http.delete(f"{xero_api.url}/connections/{nz['id']}", headers=bearer)
    assert again.status_code == 404
    # The app is disconnected from that organisation: Xero answers 403 (seed 004).
    refused = xero_api.call("GET", "/Contacts", tenant=nz["tenantId"])
    assert refused.status_code == 403
    assert xero.classify(403, refused.content).code == "xero.connection_removed"
    wrong_tenant = xero_api.call("GET", "/Contacts", tenant="00000000-0000-0000-0000-000000000000")
    assert wrong_tenant.status_code == 403


def test_a_xero_user_disconnects_one_organisation(xero_api: SandboxAPI, xero: Any) -> None:
    """The control endpoint removes the app from one organisation as Xero's Connected apps
    page does: 403 for it, the grant's other organisation still answers (seed 004)."""
    nz, uk = xero_api.tenants
    assert xero_api.control("POST", f"/tenants/{nz}/disconnect") == {"removed": 1}
    refused = xero_api.call("GET", "/Contacts", tenant=nz)
    assert refused.status_code == 403
    assert xero.classify(403, refused.content).code == "xero.connection_removed"
    assert xero_api.call("GET", "/Contacts", tenant=uk).status_code == 200
    bearer = {"Authorization": f"Bearer {xero_api.token['access_token']}"}
    listed = xero_api.http.get(f"{xero_api.url}/connections", headers=bearer).json()
    assert [c["tenantId"] for c in listed] == [uk]


# --- Xero's rules ------------------------------------------------------------------------------


def _accounts(api: SandboxAPI) -> dict[str, dict[str, Any]]:
    return {a["Code"]: a for a in api.call("GET", "/Accounts").json()["Accounts"]}


def _contact(api: SandboxAPI, name: str) -> str:
    answer = api.call(
        "PUT", "/Contacts", params={"summarizeErrors": "false"}, json={"Contacts": [{"Name": name}]}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["Contacts"][0]["ContactID"]


def _invoice(api: SandboxAPI, contact_id: str, number: str, **changes: Any) -> dict[str, Any]:
    element = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-03-01",
        "DueDate": "2026-03-31",
        "Status": "AUTHORISED",
        "InvoiceNumber": number,
        "CurrencyCode": "NZD",
        "LineItems": [
            {
                "Description": "Annual dues",
                "Quantity": 1,
                "UnitAmount": 100,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
            }
        ],
    }
    element.update(changes)
    answer = api.call(
        "PUT", "/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [element]}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["Invoices"][0]


def _messages(element: dict[str, Any]) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors", [])]


def test_contact_names_are_unique_among_active_contacts(xero_api: SandboxAPI, xero: Any) -> None:
    first = _contact(xero_api, "Ann Lee")
    answer = xero_api.call(
        "PUT",
        "/Contacts",
        params={"summarizeErrors": "false"},
        json={"Contacts": [{"Name": "ann lee"}, {"Name": "Bo", "EmailAddress": "not-an-email"}]},
    ).json()["Contacts"]
    assert [c["StatusAttributeString"] for c in answer] == ["ERROR", "ERROR"]
    assert "already assigned to another contact" in _messages(answer[0])[0]
    assert _messages(answer[1]) == ["Email address must be valid."]
    # Archived contacts do not count: the name is free again.
    xero_api.control(
        "POST",
        f"/tenants/{xero_api.tenant}/records/contacts/{first}",
        json={"ContactStatus": "ARCHIVED"},
    )
    assert _contact(xero_api, "Ann Lee") != first
    # The whole-batch form: 400 ValidationException, nothing saved.
    refused = xero_api.call("PUT", "/Contacts", json={"Contacts": [{"Name": "Cy"}, {"Name": ""}]})
    assert refused.status_code == 400
    body = refused.json()
    assert body["Type"] == "ValidationException" and len(body["Elements"]) == 1
    assert xero.classify(400, refused.content).code == "xero.contact_required"
    names = [c["Name"] for c in xero_api.call("GET", "/Contacts").json()["Contacts"]]
    assert "Cy" not in names


def test_contact_limit_of_the_plan(xero_api: SandboxAPI, xero: Any) -> None:
    xero_api.control("POST", f"/tenants/{xero_api.tenant}/settings", json={"contact_limit": 1})
    _contact(xero_api, "Only One")
    refused = xero_api.call("PUT", "/Contacts", json={"Contacts": [{"Name": "One Too Many"}]})
    assert refused.status_code == 400
    assert xero.classify(400, refused.content).code == "xero.contact_limit"


def test_invoice_rules_accounts_tax_currency_numbers(
    xero_api: SandboxAPI, xero: Any, spec_check: Any
) -> None:
    contact = _contact(xero_api, "Dee")
    good = _invoice(xero_api, contact, "INV-100")
    assert good["StatusAttributeString"] == "OK"
    assert (good["SubTotal"], good["TotalTax"], good["Total"], good["AmountDue"]) == (
        100.0,
        15.0,
        115.0,
        115.0,
    )
    cases = [
        ({"InvoiceNumber": "INV-100"}, "xero.duplicate_invoice_number"),
        ({"CurrencyCode": "EUR"}, "xero.currency_not_enabled"),
        (
            {
                "LineItems": [
                    {"Description": "x", "Quantity": 1, "UnitAmount": 5, "AccountCode": "090"}
                ]
            },
            "xero.invalid_account_code",
        ),
        (
            {
                "LineItems": [
                    {"Description": "x", "Quantity": 1, "UnitAmount": 5, "AccountCode": "299"}
                ]
            },
            "xero.invalid_account_code",
        ),
        (
            {
                "LineItems": [
                    {
                        "Description": "x",
                        "Quantity": 1,
                        "UnitAmount": 5,
                        "AccountCode": "200",
                        "TaxType": "INPUT2",
                    }
                ]
            },
            "xero.tax_rate_mismatch",
        ),
        (
            {
                "LineItems": [
                    {"Description": "x", "Quantity": 1, "UnitAmount": 5, "ItemCode": "NOPE"}
                ]
            },
            "xero.invalid_item_code",
        ),
        ({"LineItems": []}, "xero.line_items_invalid"),
        (
            {
                "LineItems": [
                    {
                        "Description": "x",
                        "Quantity": 2,
                        "UnitAmount": 5,
                        "LineAmount": 11,
                        "AccountCode": "200",
                    }
                ]
            },
            "xero.total_mismatch",
        ),
    ]
    for number, (change, code) in enumerate(cases):
        element = _invoice(xero_api, contact, f"INV-2{number}", **change)
        assert element["StatusAttributeString"] == "ERROR", change
        wrapped = {"ErrorNumber": 10, "Type": "ValidationException", "Elements": [element]}
        import json

        assert xero.classify(400, json.dumps(wrapped)).code == code, (change, _messages(element))
    # An item line takes its account, price and tax from the item.
    item = _invoice(
        xero_api,
        contact,
        "INV-300",
        LineItems=[{"ItemCode": "DUES", "Quantity": 2}],
    )
    assert item["LineItems"][0]["AccountCode"] == "200" and item["Total"] == 230.0
    # The answers above were checked against the spec, not only the requests.
    assert spec_check.checked_responses() >= 10
    assert {"createContacts", "createInvoices"} <= spec_check.operations()


def test_payments_cannot_exceed_what_is_due_and_reconciled_ones_do_not_change(
    xero_api: SandboxAPI, xero: Any
) -> None:
    contact = _contact(xero_api, "Eve")
    invoice = _invoice(xero_api, contact, "INV-400")
    accounts = _accounts(xero_api)
    bank = accounts["090"]["AccountID"]

    def pay(amount: float, account: str = bank) -> dict[str, Any]:
        answer = xero_api.call(
            "PUT",
            "/Payments",
            params={"summarizeErrors": "false"},
            json={
                "Payments": [
                    {
                        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                        "Account": {"AccountID": account},
                        "Date": "2026-03-05",
                        "Amount": amount,
                    }
                ]
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["Payments"][0]

    assert "amount exceeds the amount outstanding" in _messages(pay(500))[0]
    assert _messages(pay(10, accounts["200"]["AccountID"])) == [
        "Account type is invalid for making a payment to/from"
    ]
    paid = pay(115)
    assert paid["StatusAttributeString"] == "OK" and paid["IsReconciled"] is False
    status = xero_api.call("GET", f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert (status["Status"], status["AmountDue"], status["AmountPaid"]) == ("PAID", 0.0, 115.0)
    # Reconciled by hand in Xero: the payment and its invoice can no longer change.
    xero_api.control(
        "POST",
        f"/tenants/{xero_api.tenant}/records/payments/{paid['PaymentID']}",
        json={"IsReconciled": True},
    )
    delete = xero_api.call("POST", f"/Payments/{paid['PaymentID']}", json={"Status": "DELETED"})
    assert delete.status_code == 400
    assert xero.classify(400, delete.content).code == "xero.already_reconciled"
    edit = xero_api.call(
        "POST",
        f"/Invoices/{invoice['InvoiceID']}",
        params={"summarizeErrors": "false"},
        json={"Invoices": [{"Reference": "changed"}]},
    ).json()["Invoices"][0]
    assert _messages(edit)[0] == "Invoice not of valid status for modification"
    import json

    # Xero adds why (provider_facts: "...as it has a reconciled payment or credit note
    # allocated to it"), so staff see seed 004's "Transaction already reconciled".
    wrapped = json.dumps({"ErrorNumber": 10, "Type": "ValidationException", "Elements": [edit]})
    assert xero.classify(400, wrapped).code == "xero.already_reconciled"
    again = xero_api.call(
        "POST",
        f"/Payments/{paid['PaymentID']}",
        json={"Status": "AUTHORISED", "IsReconciled": True},
    )
    assert xero.classify(400, again.content).code == "xero.already_reconciled"


def test_a_payment_cannot_be_edited_only_deleted(xero_api: SandboxAPI, xero: Any) -> None:
    """Xero has no payment update: PUT and POST /Payments create, so an element carrying the
    PaymentID of an existing payment is refused (never a second payment), and
    POST /Payments/{id} only deletes."""
    contact = _contact(xero_api, "Flo")
    invoice = _invoice(xero_api, contact, "INV-410")
    bank = _accounts(xero_api)["090"]["AccountID"]
    element = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"AccountID": bank},
        "Date": "2026-03-05",
        "Amount": 40.0,
    }
    created = xero_api.call(
        "PUT", "/Payments", params={"summarizeErrors": "false"}, json={"Payments": [element]}
    ).json()["Payments"][0]
    payment_id = created["PaymentID"]
    for method in ("POST", "PUT"):
        again = xero_api.call(
            method,
            "/Payments",
            params={"summarizeErrors": "false"},
            json={"Payments": [{**element, "PaymentID": payment_id, "Amount": 60.0}]},
        )
        assert again.status_code == 200, again.text
        [answer] = again.json()["Payments"]
        assert answer["StatusAttributeString"] == "ERROR"
        assert "cannot be edited" in _messages(answer)[0]
        summarized = xero_api.call(
            method, "/Payments", json={"Payments": [{**element, "PaymentID": payment_id}]}
        )
        assert summarized.status_code == 400
        assert summarized.json()["Type"] == "ValidationException"
    edit = xero_api.call("POST", f"/Payments/{payment_id}", json={"Status": "AUTHORISED"})
    assert edit.status_code == 400
    listed = xero_api.call("GET", "/Payments").json()["Payments"]
    mine = [p for p in listed if p["Invoice"]["InvoiceID"] == invoice["InvoiceID"]]
    assert [(p["PaymentID"], p["Amount"]) for p in mine] == [(payment_id, 40.0)]
    status = xero_api.call("GET", f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert status["AmountPaid"] == 40.0
    deleted = xero_api.call("POST", f"/Payments/{payment_id}", json={"Status": "DELETED"})
    assert deleted.status_code == 200 and deleted.json()["Payments"][0]["Status"] == "DELETED"
    status = xero_api.call("GET", f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert status["AmountPaid"] == 0.0


def test_reconciling_checks_bank_account_and_amount(xero_api: SandboxAPI, xero: Any) -> None:
    contact = _contact(xero_api, "Fay")
    invoice = _invoice(xero_api, contact, "INV-500")
    accounts = _accounts(xero_api)
    paid = xero_api.call(
        "PUT",
        "/Payments",
        json={
            "Payments": [
                {
                    "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                    "Account": {"AccountID": accounts["090"]["AccountID"]},
                    "Date": "2026-03-05",
                    "Amount": 50,
                }
            ]
        },
    ).json()["Payments"][0]
    path = f"/Payments/{paid['PaymentID']}"
    wrong_bank = xero_api.call(
        "POST",
        path,
        json={
            "Status": "AUTHORISED",
            "IsReconciled": True,
            "Account": {"AccountID": accounts["091"]["AccountID"]},
        },
    )
    assert xero.classify(400, wrong_bank.content).code == "xero.bank_account_not_mapped"
    wrong_amount = xero_api.call(
        "POST", path, json={"Status": "AUTHORISED", "IsReconciled": True, "Amount": 60}
    )
    assert xero.classify(400, wrong_amount.content).code == "xero.amount_mismatch"
    done = xero_api.call(
        "POST",
        path,
        json={
            "Status": "AUTHORISED",
            "IsReconciled": True,
            "Amount": 50,
            "Account": {"AccountID": accounts["090"]["AccountID"]},
        },
    )
    assert done.status_code == 200 and done.json()["Payments"][0]["IsReconciled"] is True


def test_credit_notes_and_allocations(xero_api: SandboxAPI, xero: Any) -> None:
    contact = _contact(xero_api, "Gil")
    invoice = _invoice(xero_api, contact, "INV-600")
    created = xero_api.call(
        "PUT",
        "/CreditNotes",
        params={"summarizeErrors": "false"},
        json={
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": contact},
                    "Date": "2026-03-10",
                    "Status": "AUTHORISED",
                    "CreditNoteNumber": "CN-9",
                    "CurrencyCode": "NZD",
                    "LineItems": [
                        {
                            "Description": "Bad debt",
                            "Quantity": 1,
                            "UnitAmount": 20,
                            "AccountCode": "410",
                            "TaxType": "NONE",
                        }
                    ],
                }
            ]
        },
    ).json()["CreditNotes"][0]
    assert created["StatusAttributeString"] == "OK" and created["Total"] == 20.0
    path = f"/CreditNotes/{created['CreditNoteID']}/Allocations"
    too_much = xero_api.call(
        "PUT",
        path,
        json={
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 25, "Date": "2026-03-10"}
            ]
        },
    )
    assert xero.classify(400, too_much.content).code == "xero.amount_mismatch"
    done = xero_api.call(
        "PUT",
        path,
        json={
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 20, "Date": "2026-03-10"}
            ]
        },
    )
    assert done.status_code == 200, done.text
    after = xero_api.call("GET", f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert after["AmountDue"] == 95.0 and after["AmountCredited"] == 20.0


def test_idempotency_key_replays_the_first_answer(xero_api: SandboxAPI) -> None:
    body = {"Contacts": [{"Name": "Hal"}]}
    key = {"Idempotency-Key": "contact-hal-1"}
    first = xero_api.call("PUT", "/Contacts", json=body, headers=key)
    second = xero_api.call("PUT", "/Contacts", json=body, headers=key)
    assert first.json()["Contacts"][0]["ContactID"] == second.json()["Contacts"][0]["ContactID"]
    assert len(xero_api.call("GET", "/Contacts").json()["Contacts"]) == 1
    other = xero_api.call("PUT", "/Contacts", json={"Contacts": [{"Name": "Ida"}]}, headers=key)
    assert other.status_code == 400
    stats = xero_api.control("GET", "/stats")["tenants"][xero_api.tenant]
    assert stats["replayed"] == 1 and stats["writes"]["Contacts"] == 1


def test_paging_and_if_modified_since(xero_api: SandboxAPI) -> None:
    xero_api.call(
        "PUT", "/Contacts", json={"Contacts": [{"Name": f"Person {i:02d}"} for i in range(25)]}
    )
    page = xero_api.call("GET", "/Contacts", params={"page": 2, "pageSize": 10}).json()
    assert page["pagination"] == {"page": 2, "pageSize": 10, "pageCount": 3, "itemCount": 25}
    assert len(page["Contacts"]) == 10
    time.sleep(1.1)
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    time.sleep(1.1)
    xero_api.call("PUT", "/Contacts", json={"Contacts": [{"Name": "Late Comer"}]})
    changed = xero_api.call("GET", "/Contacts", headers={"If-Modified-Since": since}).json()
    assert [c["Name"] for c in changed["Contacts"]] == ["Late Comer"]
    accounts = xero_api.call("GET", "/Accounts", headers={"If-Modified-Since": since}).json()
    assert accounts["Accounts"] == []


# --- limits ---------------------------------------------------------------------------------------


def test_per_tenant_minute_and_day_limits_with_headers(xero_api: SandboxAPI, xero: Any) -> None:
    xero_api.control("POST", "/limits", json={"window_seconds": 1.0, "per_minute": 3, "per_day": 5})
    answers = [xero_api.call("GET", "/Currencies") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-MinLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert all("X-DayLimit-Remaining" in a.headers for a in answers)
    limited = answers[3]
    assert limited.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(limited.headers["Retry-After"]) <= 1
    assert (
        xero.diagnose(429, limited.content, limited.headers).entry.code == "xero.rate_limit_minute"
    )
    # The other organisation has its own allowance.
    assert xero_api.call("GET", "/Currencies", tenant=xero_api.tenants[1]).status_code == 200
    time.sleep(1.05)
    more = [xero_api.call("GET", "/Currencies") for _ in range(3)]
    assert [a.status_code for a in more] == [200, 200, 429]
    assert more[2].headers["X-Rate-Limit-Problem"] == "day"
    assert xero.classify(429, more[2].content, more[2].headers).code == "xero.rate_limit_day"
    stats = xero_api.control("GET", "/stats")["tenants"][xero_api.tenant]
    assert stats["calls"] == 5 and stats["throttled_by"] == {"minute": 1, "day": 1}


def test_app_wide_limit(xero_api: SandboxAPI, xero: Any) -> None:
    xero_api.control("POST", "/limits", json={"window_seconds": 5.0, "app_per_minute": 2})
    answers = [xero_api.call("GET", "/Currencies", tenant=t) for t in xero_api.tenants * 2]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert answers[2].headers["X-Rate-Limit-Problem"] == "appminute"
    assert answers[0].headers["X-AppMinLimit-Remaining"] == "1"
    assert xero.classify(429, b"", answers[2].headers).code == "xero.rate_limit_app"


def test_five_calls_at_once_per_tenant(xero_api: SandboxAPI) -> None:
    xero_api.control("POST", "/limits", json={"latency": 0.4})
    statuses: list[int] = []

    def one() -> None:
        response = requests.get(
            f"{xero_api.url}/api.xro/2.0/Currencies", headers=xero_api.headers(), timeout=10
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.headers["X-Rate-Limit-Problem"] == "concurrent"

    threads = [threading.Thread(target=one) for _ in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 5 and statuses.count(429) == 2
    stats = xero_api.control("GET", "/stats")["tenants"][xero_api.tenant]
    assert stats["max_in_flight"] == 5


# --- faults: each seed-004 problem on demand --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("html_500", 500, "xero.html_error_page"),
        ("server_error", 500, "xero.server_error"),
        ("maintenance", 503, "xero.maintenance"),
        ("organisation_offline", 503, "xero.organisation_offline"),
        ("expired_token", 401, "xero.token_expired"),
        ("revoked_connection", 403, "xero.connection_removed"),
        ("revoked_grant", 401, "xero.authentication_failed"),
        ("rate_limit", 429, "xero.rate_limit_minute"),
        ("not_found", 404, "xero.record_not_found"),
        ("truncated", 200, "xero.truncated_response"),
    ],
)
def test_faults_produce_xero_answers_that_classify(
    xero_api: SandboxAPI, xero: Any, kind: str, status: int, code: str
) -> None:
    xero_api.control(
        "POST", "/faults", json={"kind": kind, "tenant": xero_api.tenant, "path": "/Contacts"}
    )
    untouched = xero_api.call("GET", "/Currencies")
    assert untouched.status_code == 200  # the fault waits for its path
    answer = requests.get(
        f"{xero_api.url}/api.xro/2.0/Contacts", headers=xero_api.headers(), timeout=10
    )
    assert answer.status_code == status
    assert "X-MinLimit-Remaining" in answer.headers
    assert xero.classify(answer.status_code, answer.content, answer.headers).code == code
    follow = requests.get(
        f"{xero_api.url}/api.xro/2.0/Contacts", headers=xero_api.headers(), timeout=10
    )
    if kind in ("revoked_connection",):
        assert follow.status_code == 403
    elif kind in ("expired_token", "revoked_grant"):
        assert follow.status_code == 401
    else:
        assert follow.status_code == 200  # one request only


def test_controls_reject_bad_input(xero_sandbox: LiveServer) -> None:
    url = f"{xero_sandbox.url}/_sandbox"
    assert requests.post(f"{url}/faults", json={"kind": "nope"}, timeout=10).status_code == 400
    assert requests.post(f"{url}/limits", json={"speed": 1}, timeout=10).status_code == 400
    assert requests.post(f"{url}/user", json={"tenants": ["x"]}, timeout=10).status_code == 400
    assert (
        requests.post(f"{url}/tenants/x/records/contacts/y", json={}, timeout=10).status_code == 400
    )
    added = requests.post(
        f"{url}/organisations",
        json={"name": "Third Org", "base_currency": "USD", "currencies": ["USD"]},
        timeout=10,
    )
    assert added.status_code == 201
    names = [
        o["name"] for o in requests.get(f"{url}/organisations", timeout=10).json()["organisations"]
    ]
    assert "Third Org" in names
    reset = requests.post(f"{url}/reset", timeout=10).json()
    assert [o["name"] for o in reset["organisations"]] == ["Demo Company (UK)", "Demo Company (NZ)"]
