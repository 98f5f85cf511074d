"""JSON API under /api/v1/ (Flask-AppBuilder API classes). ``APIS`` is registered by the manager."""

from __future__ import annotations

from .actions import SyncActionsApi
from .metrics import MetricsApi
from .reads import SyncReadsApi
from .status import StatusApi

__all__ = ["APIS"]

APIS: list[type] = [StatusApi, SyncReadsApi, SyncActionsApi, MetricsApi]
