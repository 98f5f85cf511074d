"""JSON API under /api/v1/ (Flask-AppBuilder API classes). ``APIS`` is registered by the manager."""

from __future__ import annotations

from .metrics import MetricsApi
from .status import StatusApi

__all__ = ["APIS"]

APIS: list[type] = [StatusApi, MetricsApi]
