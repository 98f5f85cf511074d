"""Signals the engine and the token code send; notifications and metrics listen.

A blinker ``Namespace`` as Flask uses. The sender is the current app (or None
outside one); receivers must not raise, and a receiver that does is logged and
ignored so that a broken listener never fails a run (see ``send``).
"""

from __future__ import annotations

import logging
from typing import Any

from blinker import Namespace, Signal
from flask import current_app, has_app_context

__all__ = [
    "connection_needs_reconnect",
    "rate_limit_waited",
    "run_finished",
    "run_started",
    "send",
    "token_refresh_failed",
]

log = logging.getLogger(__name__)

_signals = Namespace()

run_started = _signals.signal("sync-admin.run-started", doc="run_id: the run began executing.")
run_finished = _signals.signal(
    "sync-admin.run-finished", doc="run_id: the run's final status is committed."
)
rate_limit_waited = _signals.signal(
    "sync-admin.rate-limit-waited",
    doc="provider, company_id, seconds: a provider asked us to wait (429 / Retry-After).",
)
token_refresh_failed = _signals.signal(
    "sync-admin.token-refresh-failed", doc="provider, connection_id: the refresh token is dead."
)
connection_needs_reconnect = _signals.signal(
    "sync-admin.connection-needs-reconnect", doc="connection_id: staff must reconnect."
)


def send(signal: Signal, **kwargs: Any) -> None:
    """Send with the current app as sender; a failing receiver is logged, not raised."""
    sender = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, **kwargs)
        except Exception:
            log.exception("receiver %r of %s failed", receiver, signal.name)
