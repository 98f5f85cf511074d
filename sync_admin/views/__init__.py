"""Admin screens. ``MENU`` and ``HIDDEN`` are what the addon manager registers."""

from __future__ import annotations

from .audit import AuditView
from .catalog import CatalogView
from .company import CompanyView
from .datafeed import DataFeedView
from .failures import FailuresView
from .integrations import IntegrationsView
from .logs import LogsView
from .mappings import MappingsView
from .notifications import NotificationsView
from .results import ResultsView
from .runs import RunsView
from .support import SupportView

__all__ = ["HIDDEN", "MENU"]

# (view class, menu name, Font Awesome icon), in menu order.
MENU: list[tuple[type, str, str]] = [
    (IntegrationsView, "Integrations", "fa-plug"),
    (DataFeedView, "Data Feed", "fa-exchange"),
    (LogsView, "Logs", "fa-list"),
    (ResultsView, "Sync Results", "fa-check-square-o"),
    (FailuresView, "Failures", "fa-exclamation-triangle"),
    (MappingsView, "Mappings", "fa-link"),
    (CatalogView, "Error catalog", "fa-book"),
    (RunsView, "Runs", "fa-tasks"),
    (AuditView, "Audit trail", "fa-history"),
    (NotificationsView, "Notifications", "fa-envelope"),
    (SupportView, "Support bundles", "fa-life-ring"),
]

# Views reachable by link only (detail pages, callbacks).
HIDDEN: list[type] = [CompanyView]
