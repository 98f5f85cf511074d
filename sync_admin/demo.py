"""What ``sync-admin demo`` does after the database is ready and before serving.

Each step is a function ``step(app, env)`` run inside the app context; ``env``
is the environment of the demo's child processes (it names the shared Redis).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

__all__ = ["STEPS", "run_steps"]

STEPS: list[Callable[[Flask, dict[str, Any]], None]] = []


def run_steps(app: Flask, env: dict[str, Any]) -> None:
    for step in STEPS:
        step(app, env)
