"""Admin screens. ``MENU`` and ``HIDDEN`` are what the addon manager registers."""

from __future__ import annotations

from .integrations import IntegrationsView

__all__ = ["HIDDEN", "MENU"]

# (view class, menu name, Font Awesome icon), in menu order.
MENU: list[tuple[type, str, str]] = [
    (IntegrationsView, "Integrations", "fa-plug"),
]

# Views reachable by link only (detail pages, callbacks).
HIDDEN: list[type] = []
