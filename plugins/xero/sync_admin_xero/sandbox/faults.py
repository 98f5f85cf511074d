"""Injected faults: Xero's bad days, produced on demand.

A fault is queued with ``POST /_sandbox/faults`` for one tenant (or ``*``),
optionally only for a method and a path fragment, for ``count`` requests. Kinds:

- ``html_500``: an HTML "Xero | Error 500" page;
- ``server_error``: the JSON 500 problem object;
- ``maintenance``: plain-text 503 "The Xero API is currently offline for maintenance";
- ``organisation_offline``: plain-text 503 "The Organisation is offline";
- ``expired_token``: the access token expires now; 401 TokenExpired problem object;
- ``revoked_connection``: the app is disconnected from the organisation (its
  connection disappears, as when a user removes it in Xero); 403 from then on;
- ``revoked_grant``: the whole grant is revoked; 401 now, ``invalid_grant`` on refresh;
- ``truncated``: the request is served, then the body is cut in half;
- ``rate_limit``: a 429 with ``X-Rate-Limit-Problem: minute`` and ``Retry-After: 1``;
- ``not_found``: the plain-text 404.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response, g, request

from .identity import revoke_grant, unauthorized
from .state import Grant, Organisation, SandboxState, new_id

__all__ = ["KINDS", "apply_fault", "take_fault"]

KINDS = (
    "html_500",
    "server_error",
    "maintenance",
    "organisation_offline",
    "expired_token",
    "revoked_connection",
    "revoked_grant",
    "truncated",
    "rate_limit",
    "not_found",
)

_HTML_500 = (
    "<!DOCTYPE html><html><head><title>Xero | Error 500</title></head><body>"
    "<h1>Sorry, something went wrong</h1><p>Our team has been notified.</p></body></html>"
)


def take_fault(state: SandboxState, tenant: str, method: str, path: str) -> dict[str, Any] | None:
    """The first queued fault that fits this request, used up by one (call under the lock)."""
    for fault in state.faults:
        if fault["tenant"] not in ("*", tenant):
            continue
        if fault.get("method") and fault["method"].upper() != method.upper():
            continue
        if fault.get("path") and fault["path"] not in path:
            continue
        fault["count"] -= 1
        if fault["count"] <= 0:
            state.faults.remove(fault)
        return dict(fault)
    return None


def apply_fault(
    state: SandboxState, fault: dict[str, Any], org: Organisation, grant: Grant
) -> Response | None:
    kind = fault["kind"]
    faults = org.stats.setdefault("faults", {})
    faults[kind] = faults.get(kind, 0) + 1
    if kind == "html_500":
        return Response(_HTML_500, 500, mimetype="text/html")
    if kind == "server_error":
        import json

        body = {
            "Title": "An error occurred",
            "Detail": "An error occurred in Xero. Check the API Status page "
            "http://status.developer.xero.com for current service status.",
            "Status": 500,
            "Instance": new_id(),
        }
        return Response(json.dumps(body), 500, mimetype="application/json")
    if kind == "maintenance":
        return Response(
            "The Xero API is currently offline for maintenance", 503, mimetype="text/plain"
        )
    if kind == "organisation_offline":
        return Response("The Organisation is offline", 503, mimetype="text/plain")
    if kind == "not_found":
        return Response(
            "The resource you're looking for cannot be found", 404, mimetype="text/html"
        )
    if kind == "rate_limit":
        response = Response("", 429)
        response.headers["Retry-After"] = "1"
        response.headers["X-Rate-Limit-Problem"] = "minute"
        return response
    if kind == "expired_token":
        token = request.headers.get("Authorization", "")[7:].strip()
        with state.lock:
            found = state.access_tokens.get(token)
            if found is not None:
                found["expires"] = time.time() - 1
        stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime())
        return unauthorized(f"TokenExpired: token expired at {stamp}")
    if kind == "revoked_connection":
        from .accounting import problem

        with state.lock:
            for key in [
                k
                for k, c in state.connections.items()
                if c["tenantId"] == org.tenant_id and c["grant_id"] == grant.grant_id
            ]:
                del state.connections[key]
        return problem(403, "Forbidden", "AuthenticationUnsuccessful")
    if kind == "revoked_grant":
        with state.lock:
            revoke_grant(state, grant.grant_id)
        return unauthorized("AuthenticationUnsuccessful")
    if kind == "truncated":
        g.xero_truncate = True
        return None
    return None
