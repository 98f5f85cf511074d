"""Sync efficiency against the provider sandboxes: calls per record, the limit used, speed.

Run (PostgreSQL and Redis of the bench, see bench/common.py):

    .venv/bin/python -m bench.sync_efficiency quickbooks   # bench/results/sync_quickbooks.json
    .venv/bin/python -m bench.sync_efficiency xero         # bench/results/sync_xero.json

Everything is real (see bench/sync_world.py): the sandbox on a localhost port with
the provider's published limits in a shortened window, the OAuth connect flow,
the membership host, RQ workers in child processes. Measured:

- bulk push of 10,000 records (2,000 contacts, 8,000 invoices): API calls per
  pushed record, share of the window's ceiling used, share of calls answered 429;
- an incremental sync with nothing changed, and with 1% of the records changed;
- records per second per worker with 1, 2 and 4 workers (4 companies, the
  sandbox's and the engine's pacing lifted, no added latency);
- the plugin's own time per record (cProfile of one run in process: time spent
  in the plugin package's code, not waiting on the network).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS, write_results
from bench.sync_world import World

GOALS = {
    "quickbooks": {"calls_per_record": 0.04, "unchanged_calls": "1 per company (CDC)"},
    "xero": {"calls_per_record": 0.025, "unchanged_calls": "1 per entity"},
}
# The providers' minute, shortened: short enough for a bench, long enough that the
# limit (not the worker's speed) bounds a bulk push, as it does with a real minute.
WINDOWS = {"quickbooks": 20, "xero": 30}


def _realm_stats(world: World, realm: str) -> dict[str, Any]:
    stats = world.stats()
    if world.provider == "quickbooks":
        return stats.get("realms", {}).get(realm) or stats.get(realm) or {}
    tenants = stats.get("tenants", stats)
    return tenants.get(realm, {})


def _run_one(world: World, kind: str, company_id: int, workers: int = 1) -> dict[str, Any]:
    run_ids = world.start(kind, [company_id])
    timing = world.run_workers(workers)
    (run,) = world.runs(run_ids)
    if run.status != "succeeded":
        raise RuntimeError(f"run {run.id} ended {run.status}: {run.message}")
    seconds = (run.finished_at - run.started_at).total_seconds()
    return {
        "run_id": run.id,
        "pushed": run.succeeded,
        "failed": run.failed,
        "skipped": run.skipped,
        "run_seconds": round(seconds, 2),
        "worker_wall_s": round(timing["wall_s"], 2),
    }


def _calls(world: World, realm: str) -> dict[str, Any]:
    s = _realm_stats(world, realm)
    calls = int(s.get("calls", 0))
    throttled = int(s.get("throttled", 0)) + int(s.get("throttled_concurrency", 0))
    return {"calls": calls, "throttled": throttled, "raw": s}


def bulk_push(world: World) -> dict[str, Any]:
    linked = world.companies[0]
    world.add_records(linked, members=2000, invoices=8000)
    world.reset_stats()
    out = _run_one(world, "full", linked.company_id)
    calls = _calls(world, linked.realm)
    pushed = out["pushed"]
    out.update(
        calls=calls["calls"],
        throttled=calls["throttled"],
        calls_per_record=round(calls["calls"] / pushed, 4) if pushed else None,
        share_429=round(calls["throttled"] / calls["calls"], 4) if calls["calls"] else None,
        sandbox=calls["raw"],
    )
    out["ceiling"] = _ceiling(world, calls["raw"], out["run_seconds"])
    return out


def _ceiling(world: World, raw: dict[str, Any], seconds: float) -> dict[str, Any]:
    """How much of the binding per-window limit the push used, averaged over the run."""
    if not seconds:
        return {}
    windows = seconds / world.window
    if world.provider == "quickbooks":
        limits = world.stats().get("limits", {})
        batch_limit = int(limits.get("batch_per_window", 40))
        call_limit = int(limits.get("per_window", 500))
        batches = int(raw.get("writes", 0))  # every write of the push is a batch call
        return {
            "window_seconds": world.window,
            "batch_calls": batches,
            "batch_limit_per_window": batch_limit,
            "batch_share_of_ceiling": round(batches / (windows * batch_limit), 3),
            "call_share_of_ceiling": round(int(raw.get("calls", 0)) / (windows * call_limit), 3),
        }
    limits = world.stats().get("limits", {})
    per_minute = int(limits.get("per_minute", 60))
    return {
        "window_seconds": world.window,
        "limit_per_window": per_minute,
        "share_of_ceiling": round(int(raw.get("calls", 0)) / (windows * per_minute), 3),
    }


def incremental(world: World, changed_share: float) -> dict[str, Any]:
    linked = world.companies[0]
    changed = world.touch(linked, changed_share) if changed_share else 0
    world.reset_stats()
    out = _run_one(world, "incremental", linked.company_id)
    calls = _calls(world, linked.realm)
    out.update(changed=changed, calls=calls["calls"], sandbox=calls["raw"])
    return out


def scaling(world: World, per_company: int) -> dict[str, Any]:
    """Records/s per worker: every company gets new records, one run each, N workers."""
    out: dict[str, Any] = {}
    for workers in (1, 2, 4):
        pushed = 0
        for linked in world.companies[:4]:
            world.add_records(
                linked, members=per_company // 5, invoices=per_company - per_company // 5
            )
        run_ids = world.start("incremental", [c.company_id for c in world.companies[:4]])
        world.run_workers(workers)
        runs = world.runs(run_ids)
        stuck = [r.id for r in runs if r.status in ("queued", "running")]
        if stuck:
            # Seen once with Xero: a burst worker quit while RQ's rate-limit slot of the
            # run's connection stayed held. Recorded, then the workers are run again.
            out.setdefault("stuck_after_burst", []).append({"workers": workers, "runs": stuck})
            print(f"  runs {stuck} still queued after the burst; running the workers again")
            world.run_workers(workers)
            runs = world.runs(run_ids)
        bad = [r for r in runs if r.status != "succeeded"]
        if bad:
            raise RuntimeError(f"runs ended {[(r.id, r.status, r.message) for r in bad]}")
        pushed = sum(r.succeeded for r in runs)
        seconds = (
            max(r.finished_at for r in runs) - min(r.started_at for r in runs)
        ).total_seconds()
        rate = pushed / seconds
        out[f"{workers} workers"] = {
            "pushed": pushed,
            "seconds": round(seconds, 2),
            "records_per_s": round(rate, 1),
            "records_per_s_per_worker": round(rate / workers, 1),
        }
        print(f"  {workers} workers: {rate:.0f} records/s ({rate / workers:.0f} per worker)")
    return out


def plugin_time(world: World, records: int) -> dict[str, Any]:
    """Run one push in this process under cProfile; sum the plugin package's own time."""
    import importlib

    from sync_admin.engine.runner import execute

    linked = world.companies[0]
    world.add_records(linked, members=records // 5, invoices=records - records // 5)
    (run_id,) = world.start("incremental", [linked.company_id])
    package = Path(importlib.import_module(f"sync_admin_{world.provider}").__file__).parent
    sandbox_dir = package / "sandbox"
    profile = cProfile.Profile()
    statements = {"n": 0}

    def count(*_: Any) -> None:
        statements["n"] += 1

    with world.app.app_context():
        from sqlalchemy import event

        from sync_admin.db import get_db

        event.listen(get_db().engine, "before_cursor_execute", count)
        started = time.perf_counter()
        profile.enable()
        execute(run_id)
        profile.disable()
        wall = time.perf_counter() - started
        event.remove(get_db().engine, "before_cursor_execute", count)
    (run,) = world.runs([run_id])
    stats = pstats.Stats(profile)
    own = 0.0
    areas: dict[str, float] = {}
    for (filename, _line, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        path = Path(filename)
        if package in path.parents and sandbox_dir not in path.parents:
            own += entry[2]  # tottime: the function's own time, callees excluded
        area = _area(filename, name)
        areas[area] = areas.get(area, 0.0) + entry[2]
    pushed = run.succeeded or 1
    return {
        "pushed": run.succeeded,
        "run_wall_s": round(wall, 2),
        "plugin_own_s": round(own, 3),
        "plugin_ms_per_record": round(own * 1000 / pushed, 3),
        "whole_run_ms_per_record": round(wall * 1000 / pushed, 3),
        "sync_admin_sql_statements_per_record": round(statements["n"] / pushed, 2),
        # Where the run's own thread spent its time (the sandbox serves from other threads).
        "time_by_area_s": {k: round(v, 2) for k, v in sorted(areas.items(), key=lambda kv: -kv[1])},
    }


def _area(filename: str, name: str) -> str:
    if filename.startswith("~"):
        if "socket" in name or "select" in name or "poll" in name:
            return "waiting on sockets (provider, database, Redis)"
        if "lock" in name:
            return "waiting on locks"
        return "builtins"
    for marker, area in (
        ("sync_admin_quickbooks", "plugin (quickbooks)"),
        ("sync_admin_xero", "plugin (xero)"),
        ("sync_admin/engine", "engine"),
        ("sync_admin/", "sync_admin other"),
        ("examples/membership", "host adapter"),
        ("sqlalchemy", "SQLAlchemy"),
        ("psycopg", "psycopg"),
        ("requests", "HTTP client"),
        ("urllib3", "HTTP client"),
        ("http/client", "HTTP client"),
        ("socket", "socket wait"),
        ("redis", "Redis"),
        ("json", "json"),
    ):
        if marker in filename:
            return area
    return "other"


def unpace(world: World) -> None:
    """Lift the limits on both sides: the sandbox's, and the engine's own pacer (which
    paces by the provider's published limits per window: a 1 s window makes it
    sixty times looser), so that the worker's own speed is what is measured."""
    world.config["SYNC_ADMIN_RATE_WINDOW_SECONDS"] = 1
    world.app.config["SYNC_ADMIN_RATE_WINDOW_SECONDS"] = 1
    if world.provider == "quickbooks":
        world.set_limits(per_window=10**6, batch_per_window=10**6, concurrency=100, latency=0)
    else:
        world.set_limits(per_minute=10**6, app_per_minute=10**6, concurrency=100, latency=0)


PARTS = ("bulk", "incremental", "plugin", "scaling")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("provider", choices=["quickbooks", "xero"])
    parser.add_argument("--scaling-records", type=int, default=1500)
    parser.add_argument(
        "--window", type=int, help="seconds of the limit window (default: 20 QuickBooks, 30 Xero)"
    )
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run these parts, keep the others' figures"
    )
    args = parser.parse_args(argv)
    parts = args.only or PARTS
    previous = RESULTS / f"sync_{args.provider}.json"
    data: dict[str, Any] = json.loads(previous.read_text()) if previous.exists() else {}
    for key in ("benchmark", "machine"):
        data.pop(key, None)
    data.update(provider=args.provider, goals=GOALS[args.provider])
    world = World.create(
        args.provider,
        companies=4,
        window=args.window or WINDOWS[args.provider],
        sandbox_options={},
    )
    try:
        if "bulk" in parts:
            data["bulk_push"] = bulk_push(world)
            b = data["bulk_push"]
            print(
                f"bulk push: {b['pushed']} records, {b['calls']} calls, "
                f"{b['calls_per_record']} calls/record, 429 share {b['share_429']}, "
                f"ceiling {b['ceiling']}, {b['run_seconds']} s",
                flush=True,
            )
        if "incremental" in parts:
            if "bulk" not in parts:
                world.add_records(world.companies[0], members=2000, invoices=8000)
                _run_one(world, "full", world.companies[0].company_id)
            data["incremental_unchanged"] = incremental(world, 0)
            print(f"incremental, nothing changed: {data['incremental_unchanged']['calls']} calls")
            data["incremental_1pct"] = incremental(world, 0.01)
            i = data["incremental_1pct"]
            print(f"incremental, {i['changed']} changed: {i['calls']} calls, {i['pushed']} pushed")
        unpace(world)
        if "plugin" in parts:
            data["plugin_time"] = plugin_time(world, 2000)
            print(f"plugin time: {data['plugin_time']}", flush=True)
        if "scaling" in parts:
            data["scaling"] = scaling(world, args.scaling_records)
    finally:
        world.close()
        path = write_results(f"sync_{args.provider}", data)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
