"""The sandbox's identity server: consent page, tokens, revocation, userinfo, /connections.

Like Xero's: authorization code with PKCE (S256); a consent page with an
organisation picker and Allow / Deny; access tokens for 30 minutes; refresh
tokens that rotate, the old one usable for 30 minutes more (then
``invalid_grant``); revocation ends the grant and all its connections;
``GET /connections`` lists the organisations of the grant and
``DELETE /connections/{id}`` disconnects one.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .state import Grant, SandboxState, new_id

__all__ = ["bearer_grant", "blueprint"]

blueprint = Blueprint("xero_identity", __name__, template_folder="templates")


def _state() -> SandboxState:
    return current_app.config["XERO_SANDBOX"]


def _error(error: str, status: int = 400, description: str | None = None) -> Response:
    body: dict[str, str] = {"error": error}
    if description:
        body["error_description"] = description
    response = jsonify(body)
    response.status_code = status
    return response


def _client(state: SandboxState) -> tuple[str, str]:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return auth.username or "", auth.password or ""
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


# --- consent -------------------------------------------------------------------------------


@blueprint.route("/identity/connect/authorize", methods=["GET", "POST"])
def authorize() -> Any:
    state = _state()
    args = request.values
    problems = []
    if args.get("response_type") != "code":
        problems.append("response_type must be code")
    if args.get("client_id") not in state.clients:
        problems.append("unknown client_id")
    if not args.get("redirect_uri"):
        problems.append("redirect_uri is missing")
    if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
        problems.append("PKCE with code_challenge_method=S256 is required")
    scopes = set((args.get("scope") or "").split())
    if "offline_access" not in scopes:
        problems.append("scope must include offline_access to get a refresh token")
    if problems:
        return render_template("xero_authorize_error.html", problems=problems), 400
    with state.lock:
        organisations = [
            state.organisations[t] for t in state.user_tenants if t in state.organisations
        ]
    if request.method == "GET":
        return render_template(
            "xero_authorize.html",
            user=state.user,
            organisations=organisations,
            scopes=sorted(scopes),
            fields={k: v for k, v in request.args.items()},
        )
    target = args["redirect_uri"]
    if args.get("decision") != "allow":
        query = {"error": "access_denied", "state": args.get("state", "")}
        return _redirect(target, query)
    chosen = [t for t in request.form.getlist("tenant") if t in state.user_tenants]
    with state.lock:
        grant = Grant(
            grant_id=new_id(),
            client_id=args["client_id"],
            user=dict(state.user),
            scope=" ".join(sorted(scopes)),
            auth_event_id=new_id(),
        )
        state.grants[grant.grant_id] = grant
        now = time.time()
        for tenant in chosen:
            connection_id = new_id()
            state.connections[connection_id] = {
                "id": connection_id,
                "tenantId": tenant,
                "grant_id": grant.grant_id,
                "authEventId": grant.auth_event_id,
                "created": now,
                "updated": now,
            }
        code = secrets.token_urlsafe(24)
        state.codes[code] = {
            "grant_id": grant.grant_id,
            "client_id": args["client_id"],
            "redirect_uri": target,
            "challenge": args["code_challenge"],
            "expires": now + 300,
        }
    return _redirect(target, {"code": code, "scope": grant.scope, "state": args.get("state", "")})


def _redirect(target: str, query: dict[str, str]) -> Response:
    separator = "&" if "?" in target else "?"
    response = Response(status=302)
    response.headers["Location"] = f"{target}{separator}{urlencode(query)}"
    return response


# --- tokens -----------------------------------------------------------------------------------


@blueprint.post("/connect/token")
def token() -> Response:
    state = _state()
    client_id, secret = _client(state)
    with state.lock:
        state.token_calls += 1
        client = state.clients.get(client_id)
        if client is None or not secrets.compare_digest(client["secret"], secret):
            return _error("invalid_client")
        grant_type = request.form.get("grant_type")
        if grant_type == "authorization_code":
            return _exchange_code(state, client_id)
        if grant_type == "refresh_token":
            return _refresh(state, client_id)
        return _error("unsupported_grant_type")


def _exchange_code(state: SandboxState, client_id: str) -> Response:
    found = state.codes.pop(request.form.get("code", ""), None)
    if found is None or found["expires"] < time.time() or found["client_id"] != client_id:
        return _error("invalid_grant")
    if found["redirect_uri"] != request.form.get("redirect_uri"):
        return _error("invalid_grant", description="redirect_uri does not match")
    verifier = request.form.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    if challenge.decode() != found["challenge"]:
        return _error("invalid_grant", description="code_verifier does not match")
    return jsonify(_issue(state, state.grants[found["grant_id"]]))


def _refresh(state: SandboxState, client_id: str) -> Response:
    old = state.refresh_tokens.get(request.form.get("refresh_token", ""))
    if old is None:
        return _error("invalid_grant")
    grant = state.grants.get(old["grant_id"])
    if grant is None or grant.revoked or grant.client_id != client_id:
        return _error("invalid_grant")
    replaced = old["replaced_at"]
    if replaced is not None and time.time() - replaced > state.refresh_grace:
        return _error("invalid_grant")
    issued = _issue(state, grant)
    old["replaced_at"] = replaced or time.time()
    return jsonify(issued)


def _issue(state: SandboxState, grant: Grant) -> dict[str, Any]:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = time.time()
    state.access_tokens[access] = {"grant_id": grant.grant_id, "expires": now + state.access_ttl}
    state.refresh_tokens[refresh] = {"grant_id": grant.grant_id, "replaced_at": None}
    return {
        "id_token": _id_token(grant),
        "access_token": access,
        "expires_in": state.access_ttl,
        "token_type": "Bearer",
        "refresh_token": refresh,
        "scope": grant.scope,
    }


def _id_token(grant: Grant) -> str:
    """An unsigned JWT-shaped token with the user's claims (the sandbox signs nothing)."""

    def part(value: dict[str, Any]) -> str:
        import json

        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"sub": grant.user.get("sub"), "email": grant.user.get("email"), "iss": "sandbox"}
    return f"{part({'alg': 'none'})}.{part(claims)}."


@blueprint.post("/connect/revocation")
def revocation() -> Response:
    state = _state()
    client_id, secret = _client(state)
    with state.lock:
        client = state.clients.get(client_id)
        if client is None or not secrets.compare_digest(client["secret"], secret):
            return _error("invalid_client")
        found = state.refresh_tokens.get(request.form.get("token", ""))
        if found is not None:
            revoke_grant(state, found["grant_id"])
    return Response(status=200)


def revoke_grant(state: SandboxState, grant_id: str) -> None:
    """The grant ends: its tokens stop working and its connections disappear."""
    grant = state.grants.get(grant_id)
    if grant is not None:
        grant.revoked = True
    for key in [k for k, v in state.connections.items() if v["grant_id"] == grant_id]:
        del state.connections[key]


# --- bearer-protected identity endpoints ---------------------------------------------------------


def bearer_grant(state: SandboxState) -> tuple[Grant | None, str]:
    """The grant behind the request's bearer token, or why there is none."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None, "AuthenticationUnsuccessful"
    found = state.access_tokens.get(header[7:].strip())
    if found is None:
        return None, "AuthenticationUnsuccessful"
    grant = state.grants.get(found["grant_id"])
    if grant is None or grant.revoked:
        return None, "AuthenticationUnsuccessful"
    if found["expires"] < time.time():
        stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(found["expires"]))
        return None, f"TokenExpired: token expired at {stamp}"
    return grant, ""


def unauthorized(detail: str) -> Response:
    response = jsonify(
        {
            "Type": None,
            "Title": "Unauthorized",
            "Status": 401,
            "Detail": detail,
            "Instance": new_id(),
            "Extensions": {},
        }
    )
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@blueprint.get("/connect/userinfo")
def userinfo() -> Response:
    state = _state()
    with state.lock:
        grant, why = bearer_grant(state)
    if grant is None:
        return unauthorized(why)
    return jsonify(grant.user)


@blueprint.get("/connections")
def connections() -> Response:
    state = _state()
    with state.lock:
        grant, why = bearer_grant(state)
        if grant is None:
            return unauthorized(why)
        event = request.args.get("authEventId")
        rows = [
            _connection_json(state, c)
            for c in state.connections.values()
            if c["grant_id"] == grant.grant_id and (not event or c["authEventId"] == event)
        ]
    return jsonify(rows)


@blueprint.delete("/connections/<connection_id>")
def delete_connection(connection_id: str) -> Response:
    state = _state()
    with state.lock:
        grant, why = bearer_grant(state)
        if grant is None:
            return unauthorized(why)
        found = state.connections.get(connection_id)
        if found is None or found["grant_id"] != grant.grant_id:
            return Response("The resource you're looking for cannot be found", 404)
        del state.connections[connection_id]
    return Response(status=204)


def _connection_json(state: SandboxState, row: dict[str, Any]) -> dict[str, Any]:
    org = state.organisations[row["tenantId"]]
    return {
        "id": row["id"],
        "authEventId": row["authEventId"],
        "tenantId": row["tenantId"],
        "tenantType": "ORGANISATION",
        "tenantName": org.name,
        "createdDateUtc": _iso(row["created"]),
        "updatedDateUtc": _iso(row["updated"]),
    }


def _iso(stamp: float) -> str:
    """Xero writes these without an offset, which breaks the spec's own ``date-time``
    format; the sandbox adds ``Z`` (docs/providers/xero.md lists this difference)."""
    micro = int((stamp % 1) * 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + f".{micro:06d}0Z"
