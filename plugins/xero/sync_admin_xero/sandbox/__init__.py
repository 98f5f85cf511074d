"""A local, faithful imitation of Xero: identity server, Accounting API, controls.

``create_sandbox(**options)`` returns a Flask (WSGI) app serving, on one origin:
Xero's consent page and identity endpoints (``/identity/connect/authorize``,
``/connect/token``, ``/connect/revocation``, ``/connect/userinfo``), the
connections API (``/connections``), the Accounting API (``/api.xro/2.0``) and
the sandbox's own controls (``/_sandbox/``, see control.py). Point the plugin at
it with ``provider.sandbox_config(url)``. docs/providers/xero.md lists where it
knowingly differs from Xero.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import accounting, control, identity
from .state import Limits, SandboxState

__all__ = ["DEFAULT_CLIENT", "DEFAULT_ORGANISATIONS", "DEFAULT_USER", "create_sandbox"]

DEFAULT_CLIENT = ("sync-admin-sandbox", "sync-admin-sandbox-secret")
DEFAULT_USER = {
    "sub": "5c2b6c8e-7f1c-4d2a-9b5e-3a1f0e9d8c7b",
    "xero_userid": "2f7e1c3a-9d4b-4b8e-8a6f-1c2d3e4f5a6b",
    "email": "owner@demo-company.example",
    "given_name": "Pat",
    "family_name": "Owner",
    "preferred_username": "owner@demo-company.example",
}
DEFAULT_ORGANISATIONS: list[dict[str, Any]] = [
    {
        "name": "Demo Company (UK)",
        "base_currency": "GBP",
        "currencies": ("GBP", "USD"),
        "country": "GB",
    },
    {
        "name": "Demo Company (NZ)",
        "base_currency": "NZD",
        "currencies": ("NZD", "AUD", "USD"),
        "country": "NZ",
    },
]


def create_sandbox(
    *,
    client_id: str = DEFAULT_CLIENT[0],
    client_secret: str = DEFAULT_CLIENT[1],
    organisations: list[dict[str, Any]] | None = None,
    user: dict[str, str] | None = None,
    access_ttl: int = 1800,
    refresh_grace: float = 1800.0,
    limits: dict[str, Any] | None = None,
    **_: Any,
) -> Flask:
    """The sandbox app. ``limits`` takes the fields of ``state.Limits`` (window_seconds, ...)."""
    app = Flask("xero_sandbox")
    state = SandboxState(
        limits=Limits(**(limits or {})),
        clients={client_id: {"secret": client_secret}},
        user=dict(user or DEFAULT_USER),
        access_ttl=access_ttl,
        refresh_grace=refresh_grace,
    )
    seed = [
        dict(o) for o in (organisations if organisations is not None else DEFAULT_ORGANISATIONS)
    ]
    app.config["XERO_SANDBOX"] = state
    app.config["XERO_SANDBOX_SEED"] = seed
    control.reset(state, seed)
    app.register_blueprint(identity.blueprint)
    app.register_blueprint(accounting.blueprint)
    app.register_blueprint(control.blueprint)
    return app
