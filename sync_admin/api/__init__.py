"""JSON API under /api/v1/ (Flask-AppBuilder API classes). ``APIS`` is registered by the manager."""

from __future__ import annotations

__all__ = ["APIS"]

APIS: list[type] = []
