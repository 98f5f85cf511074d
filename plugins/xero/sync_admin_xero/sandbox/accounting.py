"""The sandbox's Accounting API (``/api.xro/2.0``): Xero's gate, then its endpoints.

The gate does what Xero does before any endpoint: a valid bearer token (401
problem object otherwise), an ``xero-tenant-id`` this grant is connected to
(403), the per-tenant limits (60 a minute, 5 at once, 5,000 a day) and the
app-wide limit (429 with ``Retry-After`` and ``X-Rate-Limit-Problem``), injected
faults, and the rate headers on every response. Writes honour
``Idempotency-Key`` (a repeated request gets the first answer) and
``summarizeErrors`` (false: 200 with each element's ``StatusAttributeString``;
otherwise a 400 ``ValidationException`` with the failing elements and nothing
saved).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from . import documents
from .documents import Rejected
from .faults import apply_fault, take_fault
from .identity import bearer_grant, unauthorized
from .state import Organisation, SandboxState, ms_date, new_id

__all__ = ["blueprint"]

PREFIX = "/api.xro/2.0"
blueprint = Blueprint("xero_accounting", __name__, url_prefix=PREFIX)


def _state() -> SandboxState:
    return current_app.config["XERO_SANDBOX"]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def problem(status: int, title: str, detail: str) -> Response:
    return _json(
        {
            "Type": None,
            "Title": title,
            "Status": status,
            "Detail": detail,
            "Instance": new_id(),
            "Extensions": {},
        },
        status,
    )


def not_found() -> Response:
    return Response("The resource you're looking for cannot be found", 404, mimetype="text/html")


def envelope(name: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {
        "Id": new_id(),
        "Status": "OK",
        "ProviderName": "sync-admin sandbox",
        "DateTimeUTC": ms_date(),
        name: rows,
    }
    body.update(extra)
    return body


# --- the gate ---------------------------------------------------------------------------------


@blueprint.before_request
def gate() -> Response | None:
    state = _state()
    g.xero_org = None
    with state.lock:
        grant, why = bearer_grant(state)
        if grant is None:
            return unauthorized(why)
        tenant = request.headers.get("xero-tenant-id", "")
        connected = any(
            c["tenantId"] == tenant and c["grant_id"] == grant.grant_id
            for c in state.connections.values()
        )
        org = state.org(tenant)
        if not connected or org is None:
            return problem(403, "Forbidden", "AuthenticationUnsuccessful")
        throttled = _throttle(state, org)
        if throttled is not None:
            return throttled
        org.in_flight += 1
        org.stats["max_in_flight"] = max(org.stats.get("max_in_flight", 0), org.in_flight)
        g.xero_org = org
        key = f"{request.method} {request.path.removeprefix(PREFIX)}"
        calls = org.stats.setdefault("by_request", {})
        calls[key] = calls.get(key, 0) + 1
        fault = take_fault(state, tenant, request.method, request.path)
    if state.limits.latency:
        time.sleep(state.limits.latency)
    if fault is not None:
        return apply_fault(state, fault, org, grant)
    return None


def _throttle(state: SandboxState, org: Organisation) -> Response | None:
    limits = state.limits
    now = time.time()
    _prune(state.app_calls, now - limits.window_seconds)
    _prune(org.minute_calls, now - limits.window_seconds)
    _prune(org.day_calls, now - limits.day_window_seconds)
    checks = [
        ("appminute", state.app_calls, limits.app_per_minute, limits.window_seconds),
        ("day", org.day_calls, limits.per_day, limits.day_window_seconds),
        ("minute", org.minute_calls, limits.per_minute, limits.window_seconds),
    ]
    for name, calls, ceiling, window in checks:
        if len(calls) >= ceiling:
            return _too_many(org, name, max(1, math.ceil(calls[0] + window - now)))
    if org.in_flight >= limits.concurrency:
        return _too_many(org, "concurrent", 1)
    state.app_calls.append(now)
    org.minute_calls.append(now)
    org.day_calls.append(now)
    org.stats["calls"] = org.stats.get("calls", 0) + 1
    return None


def _prune(calls: Any, horizon: float) -> None:
    while calls and calls[0] <= horizon:
        calls.popleft()


def _too_many(org: Organisation, name: str, retry_after: int) -> Response:
    org.stats["throttled"] = org.stats.get("throttled", 0) + 1
    by = org.stats.setdefault("throttled_by", {})
    by[name] = by.get(name, 0) + 1
    response = Response("", 429)
    response.headers["Retry-After"] = str(retry_after)
    response.headers["X-Rate-Limit-Problem"] = name
    return response


@blueprint.after_request
def rate_headers(response: Response) -> Response:
    state = _state()
    tenant = request.headers.get("xero-tenant-id", "")
    with state.lock:
        org = state.org(tenant)
        limits = state.limits
        now = time.time()
        _prune(state.app_calls, now - limits.window_seconds)
        response.headers["X-AppMinLimit-Remaining"] = str(
            max(0, limits.app_per_minute - len(state.app_calls))
        )
        if org is not None:
            _prune(org.minute_calls, now - limits.window_seconds)
            _prune(org.day_calls, now - limits.day_window_seconds)
            response.headers["X-MinLimit-Remaining"] = str(
                max(0, limits.per_minute - len(org.minute_calls))
            )
            response.headers["X-DayLimit-Remaining"] = str(
                max(0, limits.per_day - len(org.day_calls))
            )
    if getattr(g, "xero_truncate", False):
        data = response.get_data()
        response.set_data(data[: max(1, len(data) // 2)])
    return response


@blueprint.teardown_request
def release(_: BaseException | None) -> None:
    org = getattr(g, "xero_org", None)
    if org is not None:
        with _state().lock:
            org.in_flight = max(0, org.in_flight - 1)
        g.xero_org = None


def _org() -> Organisation:
    org = g.xero_org
    assert org is not None
    return org


# --- reading -------------------------------------------------------------------------------------


def _modified_since() -> str | None:
    """The If-Modified-Since header as an ms date string bound, or None."""
    raw = request.headers.get("If-Modified-Since")
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        from datetime import datetime

        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
    return ms_date(when)


def _ms(value: str) -> int:
    return int(value[6:].split("+")[0].split(")")[0])


def _listing(name: str, rows: list[dict[str, Any]], *, pageable: bool) -> Response:
    since = _modified_since()
    if since is not None:
        bound = _ms(since)
        rows = [r for r in rows if _ms(r["UpdatedDateUTC"]) > bound]
    ids = request.args.get("IDs")
    if ids:
        wanted = {i.strip() for i in ids.split(",")}
        key = {"Contacts": "ContactID", "Invoices": "InvoiceID"}.get(name, "")
        rows = [r for r in rows if r.get(key) in wanted]
    rows.sort(key=lambda r: _ms(r.get("UpdatedDateUTC", "/Date(0)/")))  # stable: ties keep order
    extra: dict[str, Any] = {}
    page = request.args.get("page")
    if pageable and page:
        try:
            number = max(1, int(page))
            size = min(1000, max(1, int(request.args.get("pageSize", 100))))
        except ValueError:
            return _validation_error([], "page and pageSize must be numbers")
        count = len(rows)
        rows = rows[(number - 1) * size : number * size]
        extra["pagination"] = {
            "page": number,
            "pageSize": size,
            "pageCount": max(1, math.ceil(count / size)),
            "itemCount": count,
        }
    return _json(envelope(name, copy.deepcopy(rows), **extra))


@blueprint.get("/Organisation")
def organisation() -> Response:
    org = _org()
    row = {
        "OrganisationID": org.tenant_id,
        "Name": org.name,
        "LegalName": org.name,
        "BaseCurrency": org.base_currency,
        "CountryCode": org.country,
        "ShortCode": org.short_code,
        "OrganisationType": "COMPANY",
        "Version": {"GB": "UK", "NZ": "NZ", "AU": "AU", "US": "US"}.get(org.country, "GLOBAL"),
        "OrganisationStatus": "ACTIVE",
        "IsDemoCompany": True,
    }
    return _json(envelope("Organisations", [row]))


@blueprint.get("/Accounts")
def accounts() -> Response:
    with _state().lock:
        return _listing("Accounts", list(_org().accounts.values()), pageable=False)


@blueprint.get("/Items")
def items() -> Response:
    with _state().lock:
        return _listing("Items", list(_org().items.values()), pageable=False)


@blueprint.get("/TaxRates")
def tax_rates() -> Response:
    with _state().lock:
        rows = copy.deepcopy(list(_org().tax_rates.values()))
    return _json(envelope("TaxRates", rows))


@blueprint.get("/Currencies")
def currencies() -> Response:
    with _state().lock:
        rows = copy.deepcopy(list(_org().currencies.values()))
    return _json(envelope("Currencies", rows))


@blueprint.put("/Currencies")
def add_currency() -> Response:
    body = request.get_json(silent=True)
    code = body.get("Code") if isinstance(body, dict) else None
    if not code:
        return _post_data_invalid()
    with _state().lock:
        org = _org()
        org.currencies[code] = {"Code": code, "Description": body.get("Description", code)}
        rows = [dict(org.currencies[code])]
    return _json(envelope("Currencies", rows))


@blueprint.get("/Contacts")
def contacts() -> Response:
    with _state().lock:
        rows = list(_org().contacts.values())
        if request.args.get("includeArchived", "").lower() != "true":
            rows = [r for r in rows if r["ContactStatus"] == "ACTIVE"]
        term = (request.args.get("searchTerm") or "").lower()
        if term:
            rows = [
                r
                for r in rows
                if term in r["Name"].lower() or term in (r.get("EmailAddress") or "").lower()
            ]
        return _listing("Contacts", rows, pageable=True)


@blueprint.get("/Invoices")
def invoices() -> Response:
    with _state().lock:
        rows = list(_org().invoices.values())
        numbers = request.args.get("InvoiceNumbers")
        if numbers:
            wanted = {n.strip() for n in numbers.split(",")}
            rows = [r for r in rows if r.get("InvoiceNumber") in wanted]
        term = (request.args.get("searchTerm") or "").lower()
        if term:
            rows = [r for r in rows if term in (r.get("InvoiceNumber") or "").lower()]
        return _listing("Invoices", rows, pageable=True)


@blueprint.get("/Payments")
def payments() -> Response:
    with _state().lock:
        return _listing("Payments", list(_org().payments.values()), pageable=True)


@blueprint.get("/CreditNotes")
def credit_notes() -> Response:
    with _state().lock:
        return _listing("CreditNotes", list(_org().credit_notes.values()), pageable=True)


def _one(table: str, name: str, record_id: str) -> Response:
    with _state().lock:
        found = getattr(_org(), table).get(record_id)
        if found is None:
            return not_found()
        return _json(envelope(name, [copy.deepcopy(found)]))


@blueprint.get("/Contacts/<record_id>")
def contact(record_id: str) -> Response:
    return _one("contacts", "Contacts", record_id)


@blueprint.get("/Invoices/<record_id>")
def invoice(record_id: str) -> Response:
    return _one("invoices", "Invoices", record_id)


@blueprint.get("/Payments/<record_id>")
def payment(record_id: str) -> Response:
    return _one("payments", "Payments", record_id)


@blueprint.get("/CreditNotes/<record_id>")
def credit_note(record_id: str) -> Response:
    return _one("credit_notes", "CreditNotes", record_id)


# --- writing -------------------------------------------------------------------------------------

Saver = Callable[..., dict[str, Any]]


def _post_data_invalid(message: str = "JSON for the request body could not be read") -> Response:
    return _json({"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message}, 400)


def _validation_error(elements: list[dict[str, Any]], message: str | None = None) -> Response:
    if message:
        elements = [{"ValidationErrors": [{"Message": message}]}]
    return _json(
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": elements,
        },
        400,
    )


def _idempotent(handler: Callable[[], Response]) -> Response:
    """Replay the first answer to a repeated Idempotency-Key (per organisation)."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return handler()
    org = _org()
    fingerprint = hashlib.sha256(
        request.method.encode() + request.full_path.encode() + request.get_data()
    ).hexdigest()
    with _state().lock:
        found = org.replies.get(key)
        if found is not None:
            if found[0] != fingerprint:
                return _validation_error(
                    [], "The Idempotency-Key was already used for a different request."
                )  # sandbox wording
            org.stats["replayed"] = org.stats.get("replayed", 0) + 1
            return Response(found[2], status=found[1], mimetype="application/json")
        response = handler()
        org.replies[key] = (fingerprint, response.status_code, response.get_data())
        return response


def _batch(name: str, table: str, save: Saver, *, update: bool) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _post_data_invalid()
    elements = body.get(name)
    if elements is None and any(k in body for k in ("Name", "Type", "Invoice", "Contact")):
        elements = [body]  # a single element, as Xero also accepts
    if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
        return _post_data_invalid(f"The element '{name}' could not be read.")
    summarize = request.args.get("summarizeErrors", "true").lower() != "false"

    def run() -> Response:
        org = _org()
        with _state().lock:
            snapshot = copy.deepcopy(_tables(org)) if summarize else None
            answers, failed = [], []
            for element in elements:
                try:
                    saved = save(org, element, update=update)
                    saved["StatusAttributeString"] = "OK"
                    answers.append(saved)
                except Rejected as exc:
                    echoed = dict(element)
                    echoed["ValidationErrors"] = [{"Message": m} for m in exc.messages]
                    echoed["StatusAttributeString"] = "ERROR"
                    echoed[_error_flag(name)] = True
                    answers.append(echoed)
                    failed.append(echoed)
            writes = org.stats.setdefault("writes", {})
            writes[name] = writes.get(name, 0) + len(elements) - len(failed)
            if summarize and failed:
                _restore(org, snapshot)
                writes[name] -= len(elements) - len(failed)
                for echoed in failed:
                    echoed.pop("StatusAttributeString", None)
                return _validation_error(failed)
            return _json(envelope(name, copy.deepcopy(answers)))

    return _idempotent(run)


def _error_flag(name: str) -> str:
    return "HasValidationErrors" if name in ("Contacts", "Payments") else "HasErrors"


def _tables(org: Organisation) -> dict[str, Any]:
    return {
        "contacts": org.contacts,
        "invoices": org.invoices,
        "payments": org.payments,
        "credit_notes": org.credit_notes,
        "counters": (org.invoice_counter, org.credit_counter),
    }


def _restore(org: Organisation, snapshot: dict[str, Any] | None) -> None:
    if snapshot is None:
        return
    org.contacts = snapshot["contacts"]
    org.invoices = snapshot["invoices"]
    org.payments = snapshot["payments"]
    org.credit_notes = snapshot["credit_notes"]
    org.invoice_counter, org.credit_counter = snapshot["counters"]
    org.reindex()


@blueprint.put("/Contacts")
def create_contacts() -> Response:
    return _batch("Contacts", "contacts", documents.save_contact, update=False)


@blueprint.post("/Contacts")
def upsert_contacts() -> Response:
    return _batch("Contacts", "contacts", documents.save_contact, update=True)


@blueprint.post("/Contacts/<record_id>")
def update_contact(record_id: str) -> Response:
    return _single("Contacts", record_id, "ContactID", documents.save_contact)


@blueprint.put("/Invoices")
def create_invoices() -> Response:
    return _batch("Invoices", "invoices", documents.save_invoice, update=False)


@blueprint.post("/Invoices")
def upsert_invoices() -> Response:
    return _batch("Invoices", "invoices", documents.save_invoice, update=True)


@blueprint.post("/Invoices/<record_id>")
def update_invoice(record_id: str) -> Response:
    return _single("Invoices", record_id, "InvoiceID", documents.save_invoice)


@blueprint.put("/CreditNotes")
def create_credit_notes() -> Response:
    return _batch("CreditNotes", "credit_notes", documents.save_credit_note, update=False)


@blueprint.post("/CreditNotes")
def upsert_credit_notes() -> Response:
    return _batch("CreditNotes", "credit_notes", documents.save_credit_note, update=True)


@blueprint.post("/CreditNotes/<record_id>")
def update_credit_note(record_id: str) -> Response:
    return _single("CreditNotes", record_id, "CreditNoteID", documents.save_credit_note)


@blueprint.put("/Payments")
def create_payments() -> Response:
    return _batch("Payments", "payments", documents.save_payment, update=False)


@blueprint.post("/Payments")
def create_payment() -> Response:
    return _batch("Payments", "payments", documents.save_payment, update=False)


def _single(name: str, record_id: str, id_key: str, save: Saver) -> Response:
    """POST /{Collection}/{id}: the body's elements all update that one record."""
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get(name), list):
        for element in body[name]:
            if isinstance(element, dict):
                element[id_key] = record_id  # get_json returns this same cached object
    return _batch(name, name.lower(), save, update=True)


@blueprint.post("/Payments/<record_id>")
def change_payment(record_id: str) -> Response:
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("Payments"), list) and body["Payments"]:
        body = body["Payments"][0]  # the shape of Xero's own example
    if not isinstance(body, dict):
        return _post_data_invalid()

    def run() -> Response:
        with _state().lock:
            try:
                changed = documents.change_payment(_org(), record_id, body)
            except Rejected as exc:
                return _validation_error(
                    [
                        {
                            "PaymentID": record_id,
                            "ValidationErrors": [{"Message": m} for m in exc.messages],
                        }
                    ]
                )
            return _json(envelope("Payments", [changed]))

    return _idempotent(run)


@blueprint.put("/CreditNotes/<record_id>/Allocations")
def allocate(record_id: str) -> Response:
    body = request.get_json(silent=True)
    elements = body.get("Allocations") if isinstance(body, dict) else None
    if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
        return _post_data_invalid()
    summarize = request.args.get("summarizeErrors", "true").lower() != "false"

    def run() -> Response:
        org = _org()
        with _state().lock:
            snapshot = copy.deepcopy(_tables(org)) if summarize else None
            answers, failed = [], []
            for element in elements:
                try:
                    saved = documents.allocate_credit(org, record_id, element)
                    saved["StatusAttributeString"] = "OK"
                    answers.append(saved)
                except Rejected as exc:
                    echoed = dict(element)
                    echoed["ValidationErrors"] = [{"Message": m} for m in exc.messages]
                    echoed["StatusAttributeString"] = "ERROR"
                    answers.append(echoed)
                    failed.append(echoed)
            if summarize and failed:
                _restore(org, snapshot)
                for echoed in failed:
                    echoed.pop("StatusAttributeString", None)
                return _validation_error(failed)
            return _json(envelope("Allocations", copy.deepcopy(answers)))

    return _idempotent(run)
