"""Tiny Books' sandbox: an OAuth server with rotating refresh tokens, a few
accounts, and contacts whose names must be unique."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request


def create_sandbox(*, access_ttl: int = 3600, grace_seconds: int = 0, **_: Any) -> Flask:
    app = Flask("tiny_sandbox")
    lock = threading.Lock()
    state: dict[str, Any] = {
        "codes": {},  # code -> (redirect_uri, challenge, book)
        "access": {},  # access token -> expiry
        "refresh": {},  # refresh token -> {"replaced_at": float | None, "successor": str | None}
        "token_calls": 0,
        "contacts": {},
        "by_key": {},
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
                if replaced is not None and time.time() - replaced > grace_seconds:
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

    @app.get("/books/<book>/accounts")
    def accounts(book: str) -> Any:
        _check_bearer()
        return jsonify(
            [{"id": 1, "name": "Sales", "code": "400"}, {"id": 2, "name": "Bank", "code": "090"}]
        )

    @app.post("/books/<book>/contacts")
    def create_contacts(book: str) -> Any:
        _check_bearer()
        answers = []
        with lock:
            for element in request.get_json():
                if element["key"] in state["by_key"]:
                    answers.append(state["by_key"][element["key"]])
                    continue
                if any(c["name"] == element["name"] for c in state["contacts"].values()):
                    answer = {
                        "error": {"code": "DUP", "message": f"name '{element['name']}' is taken"}
                    }
                else:
                    answer = {"id": len(state["contacts"]) + 1, "name": element["name"]}
                    state["contacts"][str(answer["id"])] = answer
                state["by_key"][element["key"]] = answer
                answers.append(answer)
        return jsonify(answers)

    return app
