"""Content-Security-Policy for the plugin's pages: scripts only from our origin
with a per-request nonce, never inline, so provider text that slipped past
escaping still could not run.

FAB's templates already print ``nonce="{{ csp_nonce() }}"`` on their script
tags when a ``csp_nonce`` global exists (Flask-Talisman defines one); we define
it when the host has not. Only ``/sync-admin/`` pages get our header, so the
host's own FAB pages keep whatever policy the host chose.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

__all__ = ["init_csp", "nonce"]

PREFIX = "/sync-admin/"


def nonce() -> str:
    value = g.get("_sync_admin_nonce")
    if value is None:
        value = g._sync_admin_nonce = secrets.token_urlsafe(16)
    return value


def init_csp(app: Flask) -> None:
    if "csp_nonce" in app.jinja_env.globals:
        return  # the host runs its own CSP (Talisman): leave it in charge
    app.jinja_env.globals["csp_nonce"] = nonce

    @app.after_request
    def _content_security_policy(response: Response) -> Response:
        if not request.path.startswith(PREFIX) or response.mimetype != "text/html":
            return response
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce()}'; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; "
            "object-src 'none'; "
            "base-uri 'self'; "
            "frame-ancestors 'none'"
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
