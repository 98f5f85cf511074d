"""Staff notifications: sync error episodes, reconnect needed, token expiry ahead.

The engine's signals (``sync_admin.signals``) trigger the first two; the
periodic job ``check_connections`` the third. ``connect_signals`` wires the
receivers (and the metrics counters) once per process; receivers never raise.
"""

from __future__ import annotations

from typing import Any

from .connections import check_connections as _check_connections
from .connections import notify_reconnect_needed
from .episodes import notify_run_finished
from .mail import send_mail
from .subscribers import EVENTS, recipients

__all__ = [
    "EVENTS",
    "check_connections",
    "connect_signals",
    "notify_reconnect_needed",
    "notify_run_finished",
    "recipients",
    "send_mail",
]


def check_connections() -> dict[str, Any]:
    """RQ job (schedule.PERIODIC): token expiry warnings and reconnect reminders."""
    return _check_connections()


def connect_signals() -> None:
    """Subscribe notifications, metrics and webhook follow-ups to the engine's signals.

    Idempotent (blinker keeps one connection per receiver)."""
    from .. import metrics, signals
    from ..services import webhooks
    from .connections import on_connection_needs_reconnect
    from .episodes import on_run_finished

    signals.run_finished.connect(on_run_finished)
    signals.run_finished.connect(webhooks.on_run_finished)
    signals.run_finished.connect(metrics.on_run_finished)
    signals.connection_needs_reconnect.connect(on_connection_needs_reconnect)
    signals.rate_limit_waited.connect(metrics.on_rate_limit_waited)
    signals.token_refresh_failed.connect(metrics.on_token_refresh_failed)
