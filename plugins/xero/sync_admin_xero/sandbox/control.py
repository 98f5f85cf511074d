"""``/_sandbox/``: controls for tests, the demo and benches (not part of Xero).

- ``POST /_sandbox/reset``: back to the seed organisations; clears grants, faults, counters.
- ``GET /_sandbox/organisations`` / ``POST /_sandbox/organisations``: list, or add one
  (``{"name", "base_currency", "currencies", "contact_limit", "tenant_id"}``).
- ``POST /_sandbox/user``: which organisations the signed-in Xero user has (``{"tenants": [...]}``).
- ``POST /_sandbox/tenants/<tenant>/settings``: ``contact_limit``, ``lock_date``, ``currencies``.
- ``POST /_sandbox/tenants/<tenant>/disconnect``: a Xero user removes the app from the
  organisation (Settings, Connected apps): its connections end, so the API answers 403
  for it, while the grant's other organisations keep working.
- ``POST /_sandbox/tenants/<tenant>/records/<table>/<id>``: change a stored record as a Xero
  user would by hand (``{"IsReconciled": true}``, ``{"Status": "ARCHIVED"}``, ...).
- ``GET|POST|DELETE /_sandbox/faults``: list, queue (``{"kind", "tenant", "count", "method",
  "path"}``), clear injected faults (kinds in faults.py).
- ``GET|POST /_sandbox/limits``: the limits and the window length (benches use seconds).
- ``GET /_sandbox/stats``: calls per tenant (by request, throttled, faults, writes,
  most in flight at once, replays), token calls, live grants and connections.
- ``POST /_sandbox/tokens/expire``: every access token expires now.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .faults import KINDS
from .state import Limits, SandboxState, seed_organisation

__all__ = ["blueprint", "reset"]

blueprint = Blueprint("xero_control", __name__, url_prefix="/_sandbox")

_TABLES = ("contacts", "invoices", "payments", "credit_notes", "accounts", "items", "tax_rates")


def _state() -> SandboxState:
    return current_app.config["XERO_SANDBOX"]


def _bad(message: str) -> tuple[Response, int]:
    return jsonify(error=message), 400


def reset(state: SandboxState, organisations: list[dict[str, Any]]) -> None:
    with state.lock:
        state.organisations.clear()
        for spec in organisations:
            org = seed_organisation(**spec)
            state.organisations[org.tenant_id] = org
        state.user_tenants = list(state.organisations)
        state.grants.clear()
        state.codes.clear()
        state.access_tokens.clear()
        state.refresh_tokens.clear()
        state.connections.clear()
        state.faults.clear()
        state.app_calls.clear()
        state.token_calls = 0


@blueprint.post("/reset")
def reset_view() -> Any:
    state = _state()
    reset(state, current_app.config["XERO_SANDBOX_SEED"])
    return jsonify(organisations=_organisations(state))


def _organisations(state: SandboxState) -> list[dict[str, Any]]:
    return [
        {"tenant_id": o.tenant_id, "name": o.name, "base_currency": o.base_currency}
        for o in state.organisations.values()
    ]


@blueprint.get("/organisations")
def organisations() -> Any:
    state = _state()
    with state.lock:
        return jsonify(organisations=_organisations(state))


@blueprint.post("/organisations")
def add_organisation() -> Any:
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not body.get("name"):
        return _bad("name is required")
    allowed = {"name", "base_currency", "currencies", "contact_limit", "tenant_id", "country"}
    unknown = set(body) - allowed
    if unknown:
        return _bad(f"unknown fields: {', '.join(sorted(unknown))}")
    if "currencies" in body:
        body["currencies"] = tuple(body["currencies"])
    org = seed_organisation(**body)
    state = _state()
    with state.lock:
        state.organisations[org.tenant_id] = org
        state.user_tenants.append(org.tenant_id)
    return jsonify(tenant_id=org.tenant_id, name=org.name), 201


@blueprint.post("/user")
def user() -> Any:
    body = request.get_json(silent=True) or {}
    tenants = body.get("tenants")
    state = _state()
    with state.lock:
        if not isinstance(tenants, list) or any(t not in state.organisations for t in tenants):
            return _bad("tenants must list known tenant ids")
        state.user_tenants = list(tenants)
    return jsonify(tenants=tenants)


@blueprint.post("/tenants/<tenant>/settings")
def settings(tenant: str) -> Any:
    state = _state()
    body = request.get_json(silent=True) or {}
    with state.lock:
        org = state.org(tenant)
        if org is None:
            return _bad(f"unknown tenant {tenant}")
        if "contact_limit" in body:
            org.contact_limit = body["contact_limit"]
        if "lock_date" in body:
            org.lock_date = date.fromisoformat(body["lock_date"]) if body["lock_date"] else None
        if "currencies" in body:
            org.currencies = {
                c: org.currencies.get(c, {"Code": c, "Description": c}) for c in body["currencies"]
            }
    return jsonify(ok=True)


@blueprint.post("/tenants/<tenant>/disconnect")
def disconnect(tenant: str) -> Any:
    state = _state()
    with state.lock:
        if state.org(tenant) is None:
            return _bad(f"unknown tenant {tenant}")
        removed = [k for k, c in state.connections.items() if c["tenantId"] == tenant]
        for key in removed:
            del state.connections[key]
    return jsonify(removed=len(removed))


@blueprint.post("/tenants/<tenant>/records/<table>/<record_id>")
def change_record(tenant: str, table: str, record_id: str) -> Any:
    state = _state()
    body = request.get_json(silent=True)
    if table not in _TABLES or not isinstance(body, dict):
        return _bad(f"table must be one of {', '.join(_TABLES)} and the body an object")
    with state.lock:
        org = state.org(tenant)
        rows = getattr(org, table, None) if org else None
        if rows is None or record_id not in rows:
            return _bad(f"no {table} record {record_id} in tenant {tenant}")
        rows[record_id].update(body)
        if "UpdatedDateUTC" not in body and "UpdatedDateUTC" in rows[record_id]:
            from .state import ms_date

            rows[record_id]["UpdatedDateUTC"] = ms_date()
        org.reindex()  # type: ignore[union-attr]
        return jsonify(rows[record_id])


@blueprint.route("/faults", methods=["GET", "POST", "DELETE"])
def faults() -> Any:
    state = _state()
    if request.method == "GET":
        with state.lock:
            return jsonify(faults=list(state.faults))
    if request.method == "DELETE":
        with state.lock:
            state.faults.clear()
        return jsonify(faults=[])
    body = request.get_json(silent=True) or {}
    if body.get("kind") not in KINDS:
        return _bad(f"kind must be one of {', '.join(KINDS)}")
    fault = {
        "kind": body["kind"],
        "tenant": body.get("tenant", "*"),
        "count": int(body.get("count", 1)),
        "method": body.get("method"),
        "path": body.get("path"),
    }
    with state.lock:
        state.faults.append(fault)
    return jsonify(fault=fault), 201


@blueprint.route("/limits", methods=["GET", "POST"])
def limits() -> Any:
    state = _state()
    if request.method == "POST":
        body = request.get_json(silent=True) or {}
        allowed = set(Limits.__dataclass_fields__)
        unknown = set(body) - allowed
        if unknown:
            return _bad(f"unknown limits: {', '.join(sorted(unknown))}")
        with state.lock:
            for key, value in body.items():
                setattr(state.limits, key, type(getattr(state.limits, key))(value))
    with state.lock:
        return jsonify(vars(state.limits))


@blueprint.get("/stats")
def stats() -> Any:
    state = _state()
    with state.lock:
        tenants = {
            tenant: {
                "name": org.name,
                "calls": org.stats.get("calls", 0),
                "throttled": org.stats.get("throttled", 0),
                "throttled_by": dict(org.stats.get("throttled_by", {})),
                "by_request": dict(org.stats.get("by_request", {})),
                "faults": dict(org.stats.get("faults", {})),
                "writes": dict(org.stats.get("writes", {})),
                "replayed": org.stats.get("replayed", 0),
                "max_in_flight": org.stats.get("max_in_flight", 0),
                "records": {t: len(getattr(org, t)) for t in _TABLES},
            }
            for tenant, org in state.organisations.items()
        }
        return jsonify(
            tenants=tenants,
            limits=vars(state.limits),
            token_calls=state.token_calls,
            grants=sum(1 for g in state.grants.values() if not g.revoked),
            connections=len(state.connections),
        )


@blueprint.delete("/stats")
def clear_stats() -> Any:
    state = _state()
    with state.lock:
        for org in state.organisations.values():
            org.stats.clear()
            org.minute_calls.clear()
            org.day_calls.clear()
        state.app_calls.clear()
        state.token_calls = 0
    return jsonify(ok=True)


@blueprint.post("/tokens/expire")
def expire_tokens() -> Any:
    state = _state()
    with state.lock:
        for token in state.access_tokens.values():
            token["expires"] = min(token["expires"], time.time() - 1)
    return jsonify(ok=True)
