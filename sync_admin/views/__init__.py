"""Admin screens. ``MENU`` and ``HIDDEN`` are what the addon manager registers."""

from __future__ import annotations

from .integrations import IntegrationsView
from .logs import LogsView

__all__ = ["HIDDEN", "MENU"]

# (view class, menu name, Font Awesome icon), in menu order.
MENU: list[tuple[type, str, str]] = [
    (IntegrationsView, "Integrations", "fa-plug"),
    (LogsView, "Logs", "fa-list"),
]

# Views reachable by link only (detail pages, callbacks).
HIDDEN: list[type] = []
