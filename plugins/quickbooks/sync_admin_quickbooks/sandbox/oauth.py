"""The sandbox's OAuth 2.0 server: authorize (Approve/Deny), token, revoke, userinfo.

Authorization code with ``state`` and PKCE (S256); ``realmId`` on the callback;
refresh tokens rotate on every refresh and the replaced one stays valid for the
grace period (24 h by default, as QBO), then answers ``invalid_grant``;
revoking any token of a grant revokes the grant (the app is disconnected).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, render_template_string, request

from .state import Grant, SandboxState

__all__ = ["oauth_blueprint"]

AUTHORIZE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>QuickBooks sandbox: connect {{ client_id }}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}button{font-size:1rem;margin:.5rem}</style>
</head><body>
<h1>Connect to QuickBooks (sandbox)</h1>
<p>The app <strong>{{ client_id }}</strong> asks to access your company's accounting data
({{ scope }}).</p>
<form method="post" action="">
  {% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
  <label for="realm">Company</label>
  <select id="realm" name="realm">
    {% for realm in realms %}<option value="{{ realm.id }}">{{ realm.name }}</option>{% endfor %}
  </select>
  <p><button type="submit" name="decision" value="approve" id="approve">Connect</button>
  <button type="submit" name="decision" value="deny" id="deny">Cancel</button></p>
</form></body></html>"""


def _error(error: str, description: str, status: int = 400) -> Response:
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response


def oauth_blueprint(state: SandboxState) -> Blueprint:
    bp = Blueprint("qbo_sandbox_oauth", __name__)

    @bp.get("/connect/oauth2")
    def authorize_page() -> Any:
        args = request.args
        missing = [k for k in ("client_id", "redirect_uri", "state") if not args.get(k)]
        if missing or args.get("response_type") != "code":
            return _error(
                "invalid_request", f"missing or invalid: {', '.join(missing) or 'response_type'}"
            )
        if state.clients is not None and args["client_id"] not in state.clients:
            return _error("invalid_client", "unknown client_id", 401)
        if args.get("code_challenge") and args.get("code_challenge_method", "plain") != "S256":
            return _error("invalid_request", "code_challenge_method must be S256")
        fields = {
            k: args[k]
            for k in (
                "client_id",
                "redirect_uri",
                "state",
                "scope",
                "code_challenge",
                "code_challenge_method",
            )
            if args.get(k)
        }
        realms = sorted(state.realms.values(), key=lambda r: r.id)
        return render_template_string(
            AUTHORIZE_PAGE,
            client_id=args["client_id"],
            scope=args.get("scope", ""),
            fields=fields,
            realms=realms,
        )

    @bp.post("/connect/oauth2")
    def authorize_decision() -> Any:
        form = request.form
        target = form.get("redirect_uri", "")
        if not target or not form.get("state"):
            return _error("invalid_request", "redirect_uri and state are required")
        if form.get("decision") != "approve":
            return redirect(_join(target, {"error": "access_denied", "state": form["state"]}))
        realm = form.get("realm") or next(iter(sorted(state.realms)), "")
        if state.realm(realm) is None:
            return _error("invalid_request", f"unknown realm {realm}")
        code = "AB" + secrets.token_urlsafe(24)
        with state.lock:
            state.codes[code] = {
                "client_id": form.get("client_id", ""),
                "redirect_uri": target,
                "challenge": form.get("code_challenge"),
                "realm": realm,
                "scope": form.get("scope", ""),
                "expires": state.now() + 600,
            }
        return redirect(_join(target, {"code": code, "state": form["state"], "realmId": realm}))

    @bp.post("/oauth2/v1/tokens/bearer")
    def token() -> Any:
        client_id = _client(request)
        if client_id is None:
            state.count_token_call("invalid_client")
            return _error("invalid_client", "client authentication failed", 401)
        grant_type = request.form.get("grant_type")
        with state.lock:
            state.token_calls[grant_type or "none"] = (
                state.token_calls.get(grant_type or "none", 0) + 1
            )
            if grant_type == "authorization_code":
                return _exchange(state, client_id)
            if grant_type == "refresh_token":
                return _refresh(state)
        return _error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    @bp.post("/v2/oauth2/tokens/revoke")
    def revoke() -> Any:
        if _client(request) is None:
            return _error("invalid_client", "client authentication failed", 401)
        data = request.get_json(silent=True) or {}
        token_value = data.get("token") or request.form.get("token", "")
        with state.lock:
            state.token_calls["revoke"] = state.token_calls.get("revoke", 0) + 1
            grant_id = (state.refresh.get(token_value) or {}).get("grant") or (
                state.access.get(token_value) or (None,)
            )[0]
            if grant_id and grant_id in state.grants:
                state.grants[grant_id].revoked = True
        return Response("", 200)

    @bp.get("/v1/openid_connect/userinfo")
    def userinfo() -> Any:
        token_value = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        with state.lock:
            grant, reason = state.grant_for_access(token_value)
        if grant is None:
            response = _error("invalid_token", reason, 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
            return response
        local = grant.user.split("@")[0]
        return jsonify(
            sub=hashlib.sha256(grant.user.encode()).hexdigest()[:36],
            email=grant.user,
            emailVerified=True,
            givenName=local.capitalize(),
            familyName="Sandbox",
        )

    return bp


def _join(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _client(req: Any) -> str | None:
    """The authenticated client id (client_secret_basic or client_secret_post)."""
    auth = req.authorization
    if auth is not None and auth.type == "basic":
        client_id, secret = auth.username or "", auth.password or ""
    else:
        client_id, secret = req.form.get("client_id", ""), req.form.get("client_secret", "")
    if not client_id:
        return None
    state: SandboxState = req.environ["qbo_sandbox.state"]
    if state.clients is not None and state.clients.get(client_id) != secret:
        return None
    return client_id


def _exchange(state: SandboxState, client_id: str) -> Any:
    form = request.form
    found = state.codes.pop(form.get("code", ""), None)
    if found is None or found["expires"] < state.now():
        return _error("invalid_grant", "Token invalid")
    if found["redirect_uri"] != form.get("redirect_uri") or found["client_id"] != client_id:
        return _error("invalid_grant", "redirect_uri or client_id does not match the authorization")
    if found["challenge"]:
        verifier = form.get("code_verifier", "")
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if digest != found["challenge"]:
            return _error("invalid_grant", "PKCE verification failed")
    grant = Grant(
        id=secrets.token_hex(8),
        realm=found["realm"],
        user=state.user_email,
        client_id=client_id,
        scope=found["scope"],
    )
    state.grants[grant.id] = grant
    return jsonify(state.issue(grant))


def _refresh(state: SandboxState) -> Any:
    old_value = request.form.get("refresh_token", "")
    old = state.refresh.get(old_value)
    if old is None:
        return _error("invalid_grant", "Incorrect or invalid refresh token")
    grant = state.grants.get(old["grant"])
    now = state.now()
    if grant is None or grant.revoked:
        return _error("invalid_grant", "Token invalid")
    if old["expires"] < now:
        return _error("invalid_grant", "Token expired")
    if old["replaced_at"] is not None and now - old["replaced_at"] > state.refresh_grace:
        return _error("invalid_grant", "Refresh token not found")
    issued = state.issue(grant)
    if old["replaced_at"] is None:
        old["replaced_at"] = now
    return jsonify(issued)
