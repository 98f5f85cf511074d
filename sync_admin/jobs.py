"""RQ job functions: importable top-level functions that take ids only."""

from __future__ import annotations

from typing import Any

__all__ = ["run_sync", "sweep"]


def run_sync(run_id: int) -> dict[str, Any]:
    """Execute one run (full, incremental, retry or resync) of one company."""
    from .engine import execute

    return execute(run_id)


def sweep() -> dict[str, int]:
    """Re-enqueue runs whose job vanished; fail runs stuck past their timeout."""
    from .services.runs import sweep as sweep_runs

    return sweep_runs()
