"""Tiny Books' sandbox: an OAuth server with rotating refresh tokens, a few
accounts and items, contacts whose names must be unique, invoices and payments.

Every write element carries an idempotency ``key``: a key seen before returns
the first answer, so a retried request never creates a duplicate.

Fault injection for the reliability tests (``state["faults"]``, or
``POST /_sandbox/faults`` with a JSON list): each fault matches a path suffix
and fires ``times`` times: ``status`` + ``body`` + ``headers`` (a 429 with
``Retry-After``, a 500 HTML page, an empty or truncated body), or
``commit_then_sleep`` seconds (the write is stored, the answer comes too late).
``state["busy"]`` names records whose element fails with a retryable BUSY error
that many times. ``per_window``/``window_seconds`` set the rate limit (moving
window, 429 with Retry-After beyond it); ``GET /_sandbox/stats`` counts calls.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request


def create_sandbox(
    *,
    access_ttl: int = 3600,
    grace_seconds: int = 0,
    per_window: int | None = None,
    window_seconds: float = 60.0,
    latency: float = 0.0,
    **_: Any,
) -> Flask:
    app = Flask("tiny_sandbox")
    lock = threading.Lock()
    state: dict[str, Any] = {
        "codes": {},  # code -> (redirect_uri, challenge, book)
        "access": {},  # access token -> expiry
        "refresh": {},  # refresh token -> {"replaced_at": float | None, "successor": str | None}
        "token_calls": 0,
        "contacts": {},
        "invoices": {},
        "payments": {},
        "by_key": {},
        "items": {
            "1": {"id": 1, "name": "Dues", "active": True},
            "2": {"id": 2, "name": "Old fee", "active": False},
            "3": {"id": 3, "name": "Events", "active": True},
        },
        "faults": [],
        "busy": {},
        "calls": 0,
        "throttled": 0,
        "writes": 0,
        "write_sizes": [],
        "stamps": [],
        "grace_seconds": grace_seconds,
        "hits": [],
        "per_window": per_window,
        "window_seconds": window_seconds,
        "latency": latency,
    }
    app.config["TINY_STATE"] = state

    def _issue() -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        state["access"][access] = time.time() + access_ttl
        state["refresh"][refresh] = {"replaced_at": None, "successor": None}
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": access_ttl,
            "x_refresh_token_expires_in": 86400 * 30,
        }

    @app.get("/authorize")
    def authorize() -> Any:
        if request.args.get("code_challenge_method") != "S256":
            abort(400)
        target = request.args["redirect_uri"]
        if request.args.get("decision") == "deny":
            return redirect(
                f"{target}?{urlencode({'error': 'access_denied', 'state': request.args['state']})}"
            )
        code = secrets.token_urlsafe(12)
        state["codes"][code] = (target, request.args["code_challenge"], "b1")
        return redirect(
            f"{target}?{urlencode({'code': code, 'state': request.args['state'], 'book': 'b1'})}"
        )

    @app.post("/token")
    def token() -> Any:
        with lock:
            state["token_calls"] += 1
            form = request.form
            if form.get("grant_type") == "authorization_code":
                found = state["codes"].pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if not found or found[0] != form.get("redirect_uri") or found[1] != challenge:
                    return jsonify(error="invalid_grant", error_description="bad code"), 400
                return jsonify(_issue())
            if form.get("grant_type") == "refresh_token":
                time.sleep(0.05)  # a slow token server makes refresh races visible
                old = state["refresh"].get(form.get("refresh_token", ""))
                if old is None:
                    return jsonify(error="invalid_grant", error_description="Token invalid"), 400
                replaced = old["replaced_at"]
                if replaced is not None and time.time() - replaced > state["grace_seconds"]:
                    return jsonify(error="invalid_grant", error_description="Token invalid"), 400
                issued = _issue()
                old["replaced_at"] = old["replaced_at"] or time.time()
                return jsonify(issued)
            return jsonify(error="unsupported_grant_type"), 400

    @app.post("/revoke")
    def revoke() -> Any:
        state["refresh"].pop(request.form.get("token", ""), None)
        return "", 200

    @app.get("/userinfo")
    def userinfo() -> Any:
        _check_bearer()
        return jsonify(sub="u-1", email="owner@tiny.example")

    def _check_bearer() -> None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if state["access"].get(token, 0) < time.time():
            abort(401)

    @app.before_request
    def _faults() -> Any:
        if request.path.startswith("/_sandbox") or not request.path.startswith("/books/"):
            return None
        with lock:
            state["calls"] += 1
            now = time.time()
            state["stamps"].append(now)
            limit = state["per_window"]
            if limit:
                window = state["window_seconds"]
                hits = [t for t in state["hits"] if t > now - window]
                state["hits"] = hits
                if len(hits) >= limit:
                    state["throttled"] += 1
                    wait = max(0.01, hits[0] + window - now)
                    return (
                        jsonify(code="THROTTLED", message="Too many requests"),
                        429,
                        {"Retry-After": f"{wait:.3f}"},
                    )
                hits.append(now)
            for fault in state["faults"]:
                if fault.get("times", 0) > 0 and request.path.endswith(fault["path"]):
                    if "commit_then_sleep" in fault:
                        return None  # handled after the write (see _late)
                    fault["times"] -= 1
                    if fault.get("status") == 429:
                        state["throttled"] += 1
                    return fault.get("body", ""), fault["status"], fault.get("headers", {})
        if state["latency"]:
            time.sleep(state["latency"])
        return None

    @app.after_request
    def _late(response: Any) -> Any:
        for fault in state["faults"]:
            if (
                "commit_then_sleep" in fault
                and fault.get("times", 0) > 0
                and request.path.endswith(fault["path"])
                and response.status_code == 200
            ):
                fault["times"] -= 1
                time.sleep(fault["commit_then_sleep"])
        return response

    @app.post("/_sandbox/faults")
    def set_faults() -> Any:
        state["faults"] = list(request.get_json())
        return jsonify(ok=True)

    @app.post("/_sandbox/limit")
    def set_limit() -> Any:
        body = request.get_json()
        state["per_window"] = body.get("per_window")
        state["window_seconds"] = float(body.get("window_seconds", 60))
        state["hits"] = []
        return jsonify(ok=True)

    @app.get("/_sandbox/stats")
    def stats() -> Any:
        return jsonify(
            calls=state["calls"],
            throttled=state["throttled"],
            writes=state["writes"],
            token_calls=state["token_calls"],
            contacts=len(state["contacts"]),
            invoices=len(state["invoices"]),
            payments=len(state["payments"]),
        )

    @app.get("/books/<book>/items")
    def items(book: str) -> Any:
        _check_bearer()
        return jsonify(list(state["items"].values()))

    def _write(elements: list[dict[str, Any]], make: Any) -> Any:
        answers = []
        with lock:
            state["writes"] += 1
            state["write_sizes"].append((request.path.rsplit("/", 1)[-1], len(elements)))
            for element in elements:
                if element["key"] in state["by_key"]:
                    answers.append(state["by_key"][element["key"]])
                    continue
                label = element.get("name") or element.get("number") or ""
                if state["busy"].get(label, 0) > 0:
                    state["busy"][label] -= 1
                    answers.append(
                        {"status": 503, "error": {"code": "BUSY", "message": f"{label} is busy"}}
                    )
                    continue  # not stored under the key: the element did not happen
                answer = make(element)
                state["by_key"][element["key"]] = answer
                answers.append(answer)
        return jsonify(answers)

    def _missing(what: str, ref: Any) -> dict[str, Any]:
        return {"error": {"code": "MISSING", "message": f"{what} {ref} does not exist"}}

    @app.post("/books/<book>/invoices")
    def create_invoices(book: str) -> Any:
        _check_bearer()

        def make(element: dict[str, Any]) -> dict[str, Any]:
            if str(element.get("contact")) not in state["contacts"]:
                return _missing("contact", element.get("contact"))
            for line in element.get("lines", []):
                item = state["items"].get(str(line.get("item")))
                if item is None or not item["active"]:
                    return _missing("item", line.get("item"))
            total = sum(float(line["amount"]) for line in element.get("lines", []))
            answer = {
                "id": len(state["invoices"]) + 1,
                "number": element["number"],
                "contact": element["contact"],
                "balance": total,
            }
            state["invoices"][str(answer["id"])] = answer
            return answer

        return _write(request.get_json(), make)

    @app.post("/books/<book>/payments")
    def create_payments(book: str) -> Any:
        _check_bearer()

        def make(element: dict[str, Any]) -> dict[str, Any]:
            for app_ in element.get("applications", []):
                invoice = state["invoices"].get(str(app_.get("invoice")))
                if invoice is None:
                    return _missing("invoice", app_.get("invoice"))
                if float(app_["amount"]) > invoice["balance"] + 1e-9:
                    return {
                        "error": {
                            "code": "OVERPAID",
                            "message": f"payment {app_['amount']} exceeds balance "
                            f"{invoice['balance']:.2f}",
                        }
                    }
            for app_ in element.get("applications", []):
                state["invoices"][str(app_["invoice"])]["balance"] -= float(app_["amount"])
            answer = {"id": len(state["payments"]) + 1, "amount": element["amount"]}
            state["payments"][str(answer["id"])] = answer
            return answer

        return _write(request.get_json(), make)

    @app.get("/books/<book>/accounts")
    def accounts(book: str) -> Any:
        _check_bearer()
        return jsonify(
            [{"id": 1, "name": "Sales", "code": "400"}, {"id": 2, "name": "Bank", "code": "090"}]
        )

    @app.post("/books/<book>/contacts")
    def create_contacts(book: str) -> Any:
        _check_bearer()

        def make(element: dict[str, Any]) -> dict[str, Any]:
            if any(c["name"] == element["name"] for c in state["contacts"].values()):
                return {"error": {"code": "DUP", "message": f"name '{element['name']}' is taken"}}
            answer = {"id": len(state["contacts"]) + 1, "name": element["name"]}
            state["contacts"][str(answer["id"])] = answer
            return answer

        return _write(request.get_json(), make)

    return app
