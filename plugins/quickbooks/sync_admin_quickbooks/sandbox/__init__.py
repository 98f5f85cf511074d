"""A local, faithful imitation of QuickBooks Online: OAuth server, API and control endpoints.

``create_sandbox(**options)`` returns a Flask (WSGI) app; serve it on localhost
in a thread (tests: ``werkzeug.serving.make_server``). Its state is shared by
all threads and reachable two ways:

- in Python, ``app.sandbox`` (a ``SandboxState``): ``reset()``, ``inject()``,
  ``stats()``, ``limits``...;
- over HTTP, the ``/_sandbox/`` endpoints documented in docs/providers/quickbooks.md.

Options: ``realms`` (a count or a list of ids), ``window`` (seconds of the rate
window, 60 as QBO), ``per_window`` (500), ``concurrency`` (10),
``batch_per_window`` (40), ``access_ttl`` (3600), ``refresh_grace`` (86400),
``clients`` ({client_id: secret}; None accepts any), ``latency`` (seconds per
API call), ``user_email``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from . import rules
from .api import api_blueprint
from .oauth import oauth_blueprint
from .seed import seed
from .state import FAULT_KINDS, Limits, SandboxState
from .webapp import webapp_blueprint

__all__ = ["FAULT_KINDS", "SandboxState", "create_sandbox"]


def create_sandbox(
    *,
    realms: Any = None,
    window: float = 60.0,
    per_window: int = 500,
    concurrency: int = 10,
    batch_per_window: int = 40,
    access_ttl: int = 3600,
    refresh_grace: int = 86400,
    clients: dict[str, str] | None = None,
    latency: float = 0.0,
    user_email: str = "owner@sandbox.example",
    **_: Any,
) -> Flask:
    state = SandboxState(
        limits=Limits(
            per_window=per_window,
            concurrency=concurrency,
            batch_per_window=batch_per_window,
            window=window,
        ),
        access_ttl=access_ttl,
        refresh_grace=refresh_grace,
        clients=clients,
        user_email=user_email,
    )
    state.latency = latency
    seed(state, realms)
    app = Flask("qbo_sandbox")
    app.sandbox = state  # type: ignore[attr-defined]
    app.register_blueprint(oauth_blueprint(state))
    app.register_blueprint(api_blueprint(state))
    app.register_blueprint(webapp_blueprint(state))
    _control(app, state, realms)

    inner = app.wsgi_app

    def with_state(environ: dict[str, Any], start_response: Any) -> Any:
        environ["qbo_sandbox.state"] = state
        return inner(environ, start_response)

    app.wsgi_app = with_state  # type: ignore[method-assign]
    return app


def _control(app: Flask, state: SandboxState, default_realms: Any) -> None:
    """``/_sandbox/``: reset and seed, faults per realm, call stats, limits, records, clock."""

    def bad(message: str) -> Any:
        response = jsonify(error=message)
        response.status_code = 400
        return response

    @app.get("/_sandbox/stats")
    def stats() -> Any:
        return jsonify(state.stats())

    @app.post("/_sandbox/stats/reset")
    def reset_stats() -> Any:
        state.reset_stats()
        return jsonify(state.stats())

    @app.get("/_sandbox/realms")
    def realms() -> Any:
        return jsonify([{"id": r.id, "name": r.name} for r in state.realms.values()])

    @app.post("/_sandbox/reset")
    def reset() -> Any:
        data = request.get_json(silent=True) or {}
        ids = seed(state, data.get("realms", default_realms))
        with state.lock:
            state.grants.clear()
            state.access.clear()
            state.refresh.clear()
            state.codes.clear()
            state.token_calls.clear()
            state.clock_offset = 0.0
        return jsonify(realms=ids)

    @app.post("/_sandbox/faults")
    def faults() -> Any:
        data = request.get_json(silent=True) or {}
        realm, kind = str(data.get("realm", "")), str(data.get("kind", ""))
        if state.realm(realm) is None:
            return bad(f"unknown realm {realm!r}")
        try:
            count = int(data.get("count", 1))
            state.inject(realm, kind, count)
        except (TypeError, ValueError) as exc:
            return bad(str(exc))
        return jsonify(realm=realm, pending=list(state.realms[realm].faults))

    @app.post("/_sandbox/limits")
    def limits() -> Any:
        data = request.get_json(silent=True) or {}
        with state.lock:
            for key in ("window", "per_window", "concurrency", "batch_per_window", "batch_size"):
                if key in data:
                    try:
                        setattr(state.limits, key, type(getattr(state.limits, key))(data[key]))
                    except (TypeError, ValueError):
                        return bad(f"{key} must be a number")
            if "latency" in data:
                state.latency = float(data["latency"])
        return jsonify(state.limits.__dict__)

    @app.post("/_sandbox/clock")
    def clock() -> Any:
        data = request.get_json(silent=True) or {}
        with state.lock:
            state.clock_offset += float(data.get("advance", 0))
        return jsonify(offset=state.clock_offset)

    @app.post("/_sandbox/records/<realm_id>/<entity_name>")
    def records(realm_id: str, entity_name: str) -> Any:
        """A change made by a QuickBooks user: create, or sparse-update (bumps SyncToken)."""
        realm = state.realm(realm_id)
        entity = rules.entity_name(entity_name)
        if realm is None or entity is None:
            return bad("unknown realm or entity")
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return bad("a JSON object is required")
        with state.lock:
            if data.get("Id"):
                current = realm.table(entity).get(str(data["Id"]))
                if current is None:
                    return bad(f"{entity} {data['Id']} does not exist")
                data = {**data, "SyncToken": current["SyncToken"], "sparse": True}
            try:
                record = rules.write(state, realm, entity, data)
            except rules.QboFault as fault:
                return bad(f"{fault.code} {fault.detail}")
        return jsonify({entity: record})

    @app.delete("/_sandbox/records/<realm_id>/<entity_name>/<record_id>")
    def delete_record(realm_id: str, entity_name: str, record_id: str) -> Any:
        """A QuickBooks user deletes a transaction: later reads and updates of it answer
        610 Object Not Found, payments naming it 2500, and CDC lists it as Deleted."""
        realm = state.realm(realm_id)
        entity = rules.entity_name(entity_name)
        if realm is None or entity is None:
            return bad("unknown realm or entity")
        with state.lock:
            current = realm.table(entity).get(record_id)
            if current is None:
                return bad(f"{entity} {record_id} does not exist")
            try:
                deleted = rules.delete(
                    state, realm, entity, {"Id": record_id, "SyncToken": current["SyncToken"]}
                )
            except rules.QboFault as fault:
                return bad(f"{fault.code} {fault.detail}")
        return jsonify({entity: deleted})
