"""What every benchmark shares: the bench app, a logged-in client, timing, the report.

The benchmarks run against their own PostgreSQL database and Redis database,
never the tests' (the test fixtures drop the schema they are given):
``SYNC_ADMIN_BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1/sync_admin_bench``)
and ``SYNC_ADMIN_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/7``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE_URL = os.environ.get(
    "SYNC_ADMIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/sync_admin_bench"
)
REDIS_URL = os.environ.get("SYNC_ADMIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
TOKEN_KEY = "3q0bPxcUNo4_-GeomVo6a1s9AV2SqbDbvRTgY4wTSD8="
USER = "bench"
PASSWORD = "bench-password-not-secret"


def bench_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "SYNC_ADMIN_REDIS_URL": REDIS_URL,
        "SYNC_ADMIN_TOKEN_KEYS": [TOKEN_KEY],
        "WTF_CSRF_ENABLED": True,
        "FAB_UPDATE_PERMS": False,
    }
    config.update(overrides)
    return config


def bench_app(register: Callable[[Any], None] | None = None, **overrides: Any) -> Flask:
    """The standalone admin on the bench database, plus views ``register`` adds.

    Runs ``sync-admin init`` work (tables, migrations, roles) and makes the
    bench user (roles Admin and SyncAdmin) when missing.
    """
    from sync_admin import create_app
    from sync_admin.setup import init_database

    app = create_app(bench_config(**overrides))
    with app.app_context():
        if register is not None:
            register(app.appbuilder)
        init_database()
        sm = app.appbuilder.sm
        if sm.find_user(username=USER) is None:
            roles = [sm.find_role("Admin"), sm.find_role("SyncAdmin")]
            sm.add_user(USER, "Bench", "User", "bench@example.com", roles, PASSWORD)
    return app


def logged_in_client(app: Flask) -> FlaskClient:
    """A test client that logged in through the real login form (with its CSRF token)."""
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    if not found:
        raise RuntimeError("the login page has no CSRF token")
    response = client.post(
        "/login/",
        data={"username": USER, "password": PASSWORD, "csrf_token": found.group(1)},
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {response.status_code}")
    return client


def summarize(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(q[94], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "min_ms": round(ordered[0], 2),
        "max_ms": round(ordered[-1], 2),
    }


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = func()
    return (time.perf_counter() - started) * 1000, value


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        info["cpu"] = model
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        info["memory_gb"] = round(mem_kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    with contextlib.suppress(OSError, ValueError):
        # Other processes compete for the same cores: the load says how much.
        info["load_average_1_5_15"] = [
            float(x) for x in Path("/proc/loadavg").read_text().split()[:3]
        ]
    with contextlib.suppress(OSError):
        info["git"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        ).stdout.strip()
    return info


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {"benchmark": name, "machine": machine(), **data}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
