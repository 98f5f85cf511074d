"""The sandbox's accounting API under ``/v3/company/<realmId>/``.

Bearer tokens are checked like QBO's gateway does (401 with the lower-case
envelope and ``Www-Authenticate``; 403 for another company's realm). Limits are
counted per realm before any work: over 500 calls in the window, over 10 in
flight, or over 40 batches in the window answers HTTP 429 with the XML 3001
fault. Injected faults answer next; then a POST with a ``requestid`` already
seen replays the stored answer instead of writing again.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, request

from . import query as qbo_query
from . import rules
from .faults import QboFault, fault_body, gateway_body, qbo_time, throttle_xml
from .state import Realm, SandboxState

__all__ = ["api_blueprint"]

JSON_OK = "application/json;charset=utf-8"
JSON_ERROR = "application/json"
CDC_WINDOW = timedelta(days=30)
CDC_ENTITIES = ("Customer", "Vendor", "Employee", "Account", "Item", *rules.TXN_ENTITIES)
MAX_CDC_OBJECTS = 1000

HTML_500 = (
    "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
    "<h1>Internal Server Error</h1><p>We're sorry, something went wrong.</p></body></html>"
)
HTML_503 = (
    "<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head>"
    "<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr>"
    "<center>nginx</center></body></html>"
)


def _response(status: int, body: str, content_type: str) -> Response:
    response = Response(body, status=status, content_type=content_type)
    response.headers["Intuit-Tid"] = "1-" + secrets.token_hex(12)
    response.headers["Qbo-Version"] = "1944.190"
    response.headers["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    return response


def api_blueprint(state: SandboxState) -> Blueprint:
    bp = Blueprint("qbo_sandbox_api", __name__)

    @bp.route("/v3/company/<realm_id>/<path:rest>", methods=["GET", "POST"])
    def api(realm_id: str, rest: str) -> Response:
        now = state.utcnow()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        with state.lock:
            grant, reason = state.grant_for_access(token)
        if grant is None:
            body = gateway_body(
                "3200",
                "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                reason,
                "AUTHENTICATION",
                now,
            )
            response = _response(401, body, JSON_ERROR)
            response.headers["Www-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
            return response
        realm = state.realm(realm_id)
        if realm is None or grant.realm != realm.id:
            body = gateway_body(
                "3100",
                "message=AuthorizationFailed; errorCode=003100; statusCode=403",
                None,
                "AUTHORIZATION",
                now,
            )
            return _response(403, body, JSON_ERROR)
        batch = rest.strip("/").lower() == "batch"
        if state.admit(realm, batch=batch) is not None:
            return _response(429, throttle_xml(now), "application/xml")
        try:
            return _serve(state, realm, rest, now)
        finally:
            state.release(realm)

    return bp


def _serve(state: SandboxState, realm: Realm, rest: str, now: datetime) -> Response:
    fault = state.next_fault(realm)
    if fault in ("html_500", "html_503"):
        realm.count("injected")
        return _response(
            500 if fault == "html_500" else 503,
            HTML_500 if fault == "html_500" else HTML_503,
            "text/html",
        )
    if fault == "empty":
        realm.count("injected")
        return _response(200, "", JSON_OK)
    if fault == "empty_500":
        realm.count("injected")
        return _response(500, "", JSON_ERROR)
    if fault == "throttle":
        realm.count("injected")
        return _response(429, throttle_xml(now), "application/xml")
    if fault == "system_error":
        realm.count("injected")
        error = QboFault(
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing or saving your data.",
            fault_type="SystemFault",
            status=500,
        )
        return _response(500, fault_body(error, now), JSON_ERROR)
    if state.latency:
        time.sleep(state.latency)  # outside the lock: lets calls overlap like real ones
    parts = [p for p in rest.split("/") if p]
    if request.method == "GET" and len(parts) == 3 and parts[2] == "pdf":
        return _pdf(realm, parts[0], parts[1], rest)
    requestid = request.args.get("requestid", "")
    writing = request.method == "POST"
    if writing and requestid:
        with state.lock:
            replay = realm.replies.get(requestid)
        if replay is not None:
            realm.count("replayed")
            status, body, content_type = replay
            return _response(status, body, content_type)
    try:
        with state.lock:
            status, payload = _dispatch(state, realm, rest)
        body = json.dumps({**payload, "time": qbo_time(now)})
        content_type = JSON_OK
    except QboFault as error:
        status, content_type = error.status, JSON_ERROR
        body = fault_body(error, now)
        if error.code == "2030":  # recorded without "time"
            body = json.dumps({"Fault": error.fault()})
    if writing and requestid and status < 500:
        with state.lock:
            realm.replies[requestid] = (status, body, content_type)
    realm.count("writes" if writing else "reads")
    if fault == "truncated":
        realm.count("injected")
        body = body[: max(1, len(body) // 2)]
    return _response(status, body, content_type)


def _pdf(realm: Realm, entity_part: str, record_id: str, rest: str) -> Response:
    """A transaction as PDF (a one-page document naming it)."""
    entity = rules.entity_name(entity_part)
    now = datetime.now(UTC)
    if entity not in rules.SALES_ENTITIES:
        fault = _unsupported(realm, rest)
        return _response(fault.status, fault_body(fault, now), JSON_ERROR)
    record = realm.table(entity).get(record_id)
    if record is None:
        fault = QboFault(
            "610",
            "Object Not Found",
            "Object Not Found : Another user has deleted this transaction.",
        )
        return _response(fault.status, fault_body(fault, now), JSON_ERROR)
    text = f"{entity} {record.get('DocNumber', record_id)} total {record.get('TotalAmt', 0)}"
    content = (
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
        f"% {text}\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return _response(200, content, "application/pdf")


def _unsupported(realm: Realm, rest: str) -> QboFault:
    path = f"/v3/company/{realm.id}/{rest}"
    return QboFault(
        "500",
        "Unsupported Operation",
        f"Operation Could not find resource for relative : {path} of full path: "
        f"https://sandbox.qbo.local/qbo50{path} is not supported.",
    )


def _dispatch(state: SandboxState, realm: Realm, rest: str) -> tuple[int, dict[str, Any]]:
    parts = [p for p in rest.split("/") if p]
    head = parts[0].lower() if parts else ""
    if head == "query":
        text = request.args.get("query") or request.get_data(as_text=True)
        parsed = qbo_query.parse(text, rules.ENTITIES)
        records = list(realm.table(parsed.entity).values())
        return 200, {"QueryResponse": qbo_query.run(parsed, copy.deepcopy(records))}
    if head == "cdc" and len(parts) == 1:
        return 200, _cdc(state, realm)
    if head == "batch" and len(parts) == 1 and request.method == "POST":
        return 200, _batch(state, realm)
    entity = rules.entity_name(head)
    if entity is None:
        raise _unsupported(realm, rest)
    if request.method == "GET":
        if len(parts) != 2:
            raise _unsupported(realm, rest)
        record_id = parts[1]
        if entity != "CompanyInfo" and not record_id.isdigit():
            raise QboFault(
                "2030",
                "Invalid ID",
                f"Id should be a valid number. Supplied value:{record_id}",
                element="Id",
            )
        found = realm.table(entity).get(record_id)
        if found is None:
            raise QboFault(
                "610",
                "Object Not Found",
                "Object Not Found : Something you're trying to use has been made inactive. Check "
                "the fields with accounts, customers, items, vendors or employees.",
            )
        return 200, {entity: copy.deepcopy(found)}
    if len(parts) != 1:
        raise _unsupported(realm, rest)
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise QboFault(
            "2010",
            "Request has invalid or unsupported property",
            "Property Name:Unexpected character in the request body specified is unsupported or invalid",
        ) from None
    operation = request.args.get("operation", "").lower()
    include = request.args.get("include", "")
    if operation == "delete":
        return 200, {entity: rules.delete(state, realm, entity, body)}
    return 200, {
        entity: rules.write(state, realm, entity, body, operation=operation, include=include)
    }


def _batch(state: SandboxState, realm: Realm) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        body = None
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise QboFault(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter BatchItemRequest is missing in the request",
        )
    if len(items) > state.limits.batch_size:
        raise QboFault(
            "1040",
            "Batch size exceeds allowed limit",
            f"Number of items in the batch request ({len(items)}) exceeds the maximum "
            f"of {state.limits.batch_size}",
        )
    answers: list[dict[str, Any]] = []
    for item in items:
        bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
        try:
            answers.append({**_batch_item(state, realm, item), "bId": bid})
        except QboFault as error:
            answers.append({"Fault": error.fault(in_list=True), "bId": bid})
    realm.count("batch_items", len(items))
    return {"BatchItemResponse": answers}


def _batch_item(state: SandboxState, realm: Realm, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise QboFault(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter bId is missing in the request",
        )
    if "Query" in item:
        parsed = qbo_query.parse(str(item["Query"]), rules.ENTITIES)
        return {
            "QueryResponse": qbo_query.run(
                parsed, copy.deepcopy(list(realm.table(parsed.entity).values()))
            )
        }
    names = [k for k in item if k not in ("bId", "operation", "optionsData")]
    entity = rules.entity_name(names[0]) if len(names) == 1 else None
    if entity is None:
        raise QboFault(
            "2010",
            "Request has invalid or unsupported property",
            f"Property Name:{', '.join(names) or '(none)'} specified is unsupported or invalid",
        )
    operation = str(item.get("operation", "create")).lower()
    options = str(item.get("optionsData") or "")
    if operation == "delete":
        return {entity: rules.delete(state, realm, entity, item[names[0]])}
    if operation == "update" and options.lower() == "void":
        operation = "void"
    elif operation == "create" and isinstance(item[names[0]], dict) and item[names[0]].get("Id"):
        raise QboFault(
            "2010",
            "Request has invalid or unsupported property",
            "Property Name:Id is read-only on create specified is unsupported or invalid",
        )
    return {
        entity: rules.write(
            state, realm, entity, item[names[0]], operation=operation, include=options
        )
    }


def _cdc(state: SandboxState, realm: Realm) -> dict[str, Any]:
    names = [n.strip() for n in request.args.get("entities", "").split(",") if n.strip()]
    since_text = request.args.get("changedSince", "")
    if not names:
        raise QboFault(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter entities is missing in the request",
            element="entities",
        )
    try:
        since = datetime.fromisoformat(since_text.replace("Z", "+00:00"))
    except ValueError:
        raise QboFault(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter changedSince is missing or not a date",
            element="changedSince",
        ) from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=state.utcnow().tzinfo)
    if state.utcnow() - since > CDC_WINDOW:
        raise QboFault(
            "4001",
            "Invalid query",
            "QueryValidationError: changedSince must be within the last 30 days",
            element="changedSince",
        )
    cutoff = since.timestamp()
    responses: list[dict[str, Any]] = []
    total = 0
    for name in names:
        entity = rules.entity_name(name)
        if entity not in CDC_ENTITIES:
            raise QboFault(
                "4001", "Invalid query", f"QueryValidationError: CDC is not supported for {name}"
            )
        table = realm.table(entity)
        rows: list[dict[str, Any]] = []
        for (changed_entity, record_id), when in sorted(
            realm.changed.items(), key=lambda kv: kv[1]
        ):
            if changed_entity != entity or when < cutoff or total >= MAX_CDC_OBJECTS:
                continue
            if record_id in table:
                rows.append(copy.deepcopy(table[record_id]))
            elif record_id in realm.deleted.get(entity, {}):
                stamp = qbo_time(datetime.fromtimestamp(when, tz=since.tzinfo), millis=False)
                rows.append(
                    {
                        "domain": "QBO",
                        "status": "Deleted",
                        "Id": record_id,
                        "MetaData": {"LastUpdatedTime": stamp},
                    }
                )
            else:
                continue
            total += 1
        responses.append(
            {entity: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {}
        )
    return {"CDCResponse": [{"QueryResponse": responses}]}
