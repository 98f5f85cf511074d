"""RQ job functions: importable top-level functions that take ids only."""

from __future__ import annotations

from typing import Any

__all__ = ["mark_needs_resync", "refresh_tokens", "run_sync", "schedule_incremental", "sweep"]


def run_sync(run_id: int) -> dict[str, Any]:
    """Execute one run (full, incremental, retry, resync or reference) of one company."""
    from .engine import execute

    return execute(run_id)


def sweep() -> dict[str, int]:
    """Re-enqueue runs whose job vanished; fail runs stuck past their timeout."""
    from .services.runs import sweep as sweep_runs

    return sweep_runs()


def schedule_incremental() -> dict[str, int]:
    """Start the periodic incremental syncs that are due."""
    from .services.periodic import schedule_incremental as due

    return due()


def refresh_tokens() -> dict[str, int]:
    """Refresh access tokens ahead of their expiry."""
    from .services.periodic import refresh_tokens as refresh

    return refresh()


def mark_needs_resync() -> dict[str, int]:
    """Mark companies due for a resync."""
    from .services.periodic import mark_needs_resync as mark

    return mark()
