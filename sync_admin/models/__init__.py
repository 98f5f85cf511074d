"""SQLAlchemy models of the plugin; every table is prefixed ``sync_``.

They derive from ``flask_appbuilder.Model`` so that they share the metadata of
the host's Flask-AppBuilder models and its Flask-SQLAlchemy ``db``.
"""

from .audit import AuditEvent
from .connection import Company, Connection
from .log import CompanyStats, DailyStats, Log
from .mapping import Mapping, ReferenceObject
from .notification import NotificationSubscription
from .organization import Organization
from .result import FailureCount, SyncResult
from .run import Run
from .types import utcnow

__all__ = [
    "AuditEvent",
    "Company",
    "CompanyStats",
    "Connection",
    "DailyStats",
    "FailureCount",
    "Log",
    "Mapping",
    "NotificationSubscription",
    "Organization",
    "ReferenceObject",
    "Run",
    "SyncResult",
    "tables",
    "utcnow",
]


def tables() -> list:
    """The plugin's own tables, in creation order."""
    from flask_appbuilder import Model

    return [t for t in Model.metadata.sorted_tables if t.name.startswith("sync_")]
