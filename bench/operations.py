"""Operations: "Retry All Errors" on 10,000 failures, and a worker's memory in a big sync.

Run:

    .venv/bin/python -m bench.operations            # writes bench/results/operations.json

The memory figure is the peak resident size of a real ``sync-admin worker`` (or
its forked work-horse, whichever is larger) during a full QuickBooks sync of
100,000 records through the sandbox (``bench/sync_world.py``; limits lifted),
beside the same for 10,000 records.

Retry All runs against its own database (``SYNC_ADMIN_BENCH_OPS_DATABASE_URL``,
default ``postgresql://postgres@127.0.0.1/sync_admin_bench_ops``, rebuilt on
every run) and the bench Redis: 1,000 seeded companies, then 10,000 failed sync
results, either spread over all of them (one retry run each) or all in one
company (one run). The time is ``services.records.retry_all`` from the call to
its return, after which every run's job is checked to be on the RQ queue.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, delete, select, text, update

from bench.common import REDIS_URL, RESULTS, bench_app, summarize, timed, write_results

OPS_DATABASE_URL = os.environ.get(
    "SYNC_ADMIN_BENCH_OPS_DATABASE_URL", "postgresql://postgres@127.0.0.1/sync_admin_bench_ops"
)
MEMORY_DATABASE_URL = os.environ.get(
    "SYNC_ADMIN_BENCH_MEMORY_DATABASE_URL",
    "postgresql://postgres@127.0.0.1/sync_admin_bench_memory",
)
FAILURES = 10_000


def _fresh_database(url: str) -> None:
    """Drop and create the operations database (it is the bench's own)."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _failures(company_ids: list[int], count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        company_id = company_ids[i % len(company_ids)]
        rows.append(
            {
                "company_id": company_id,
                "entity": "invoice",
                "direction": "push",
                "local_id": f"retry-{i}",
                "label": f"INV-R{i:06d}",
                "link_status": "linked",
                "outcome": "failed",
                "catalog_code": "qbo.stale_object",
                "category": "stale_object",
                "details": "Stale Object Error : You and someone else tried to edit the same object",
                "facts": {},
                "excluded": False,
                "attempts": 1,
                "last_attempt_at": now - timedelta(minutes=i % 600),
                "created_at": now - timedelta(days=1),
                "updated_at": now,
            }
        )
    return rows


def retry_all_errors(repeats: int) -> dict[str, Any]:
    from rq.job import Job

    from sync_admin.db import session
    from sync_admin.models import Company, Run, SyncResult
    from sync_admin.queue import get_queue
    from sync_admin.seed import seed
    from sync_admin.services.audit import Actor
    from sync_admin.services.records import retry_all

    _fresh_database(OPS_DATABASE_URL)
    app = bench_app(SQLALCHEMY_DATABASE_URI=OPS_DATABASE_URL, SYNC_ADMIN_REDIS_URL=REDIS_URL)
    actor = Actor(name="bench", id=None, source="screen")
    out: dict[str, Any] = {"failures": FAILURES}
    with app.app_context():
        report = seed(session, companies=1000, logs=20_000, results=0, random_seed=11)
        # No company may be busy: every one of them gets its retry run.
        session.execute(
            update(Run).where(Run.status.in_(("queued", "running"))).values(status="succeeded")
        )
        session.execute(update(Company).values(status="synced"))
        session.commit()
        ids = report.company_ids
        for label, scope in (("spread over 1,000 companies", ids), ("one company", ids[:1])):
            session.execute(delete(SyncResult))
            session.commit()
            session.execute(SyncResult.__table__.insert(), _failures(scope, FAILURES))
            session.commit()
            samples: list[float] = []
            queued: list[int] = []
            deferred: list[int] = []
            for _ in range(repeats):
                session.execute(delete(Run).where(Run.kind == "retry", Run.status == "queued"))
                session.commit()
                queue = get_queue()
                queue.empty()
                elapsed, started = timed(lambda: retry_all(actor=actor))
                job_ids = set(queue.get_job_ids())
                runs = session.scalars(
                    select(Run).where(Run.id.in_([r.id for r in started.runs]))
                ).all()
                # Runs beyond a connection's concurrency wait in RQ's rate limiter (their
                # jobs exist, queued or deferred, outside the queue's list until a slot frees).
                waiting = {
                    r.job_id
                    for r in runs
                    if r.job_id not in job_ids
                    and r.job_id
                    and Job.fetch(r.job_id, connection=queue.connection).get_status()
                    in ("queued", "deferred", "scheduled", "rate_limited")
                }
                missing = [r.id for r in runs if r.job_id not in job_ids | waiting]
                if missing or len(runs) != len(scope):
                    raise RuntimeError(
                        f"{label}: {len(runs)} runs for {len(scope)} companies, "
                        f"{len(missing)} without a job ({started.skipped[:3]})"
                    )
                queued.append(len(job_ids))
                deferred.append(len(waiting))
                samples.append(elapsed)
            row = {
                **summarize(samples),
                "runs_per_click": len(scope),
                "jobs_queued": statistics.median(queued),
                "jobs_waiting_for_a_connection_slot": statistics.median(deferred),
                "goal_ms": 2000,
            }
            row["met"] = row["p95_ms"] < 2000
            out[label] = row
            print(
                f"retry all, {FAILURES} failures {label}: p50 {row['p50_ms']:.0f} ms "
                f"p95 {row['p95_ms']:.0f} ms, {len(scope)} jobs queued (goal < 2000 ms)",
                flush=True,
            )
        get_queue().empty()
    return out


def worker_memory(records: int) -> dict[str, Any]:
    """Peak RSS of a real RQ worker (and its work-horse) in a full sync of ``records``,
    beside the same for a tenth of them: flat memory means the two peaks are close."""
    from bench.sync_world import World

    out: dict[str, Any] = {"records": records}
    for label, count in (("tenth", records // 10), ("full", records)):
        # A 1 s window: the engine's pacer (published limits per window) lets the worker
        # run at its own speed, as does the sandbox with its limits lifted.
        world = World.create(
            "quickbooks",
            companies=1,
            window=1,
            sandbox_options={},
            database_url=MEMORY_DATABASE_URL,
            queue="sync-admin-memory",
        )
        try:
            world.set_limits(per_window=10**7, batch_per_window=10**7, concurrency=100, latency=0)
            linked = world.companies[0]
            world.add_records(linked, members=count // 5, invoices=count - count // 5)
            (run_id,) = world.start("full", [linked.company_id])
            timing = world.run_workers(1, sample_memory=True)
            (run,) = world.runs([run_id])
            if run.status != "succeeded":
                raise RuntimeError(f"run {run.id} ended {run.status}: {run.message}")
            out[label] = {
                "records": count,
                "pushed": run.succeeded,
                "peak_rss_mb": timing["peak_rss_mb"],
                "wall_s": round(timing["wall_s"], 1),
            }
            print(f"worker memory, {count} records: {out[label]}", flush=True)
        finally:
            world.close()
    out["peak_rss_mb"] = out["full"]["peak_rss_mb"]
    out["growth_mb_tenth_to_full"] = round(
        out["full"]["peak_rss_mb"] - out["tenth"]["peak_rss_mb"], 1
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--only", choices=["retry", "memory"], help="run one part, keep the other's last figures"
    )
    args = parser.parse_args(argv)
    fresh: dict[str, Any] = {}
    if args.only in (None, "retry"):
        fresh["retry_all"] = retry_all_errors(args.repeats)
    if args.only in (None, "memory"):
        fresh["memory"] = worker_memory(args.records)
    # Read the other part's figures only now: the two parts may run at the same time.
    previous = RESULTS / "operations.json"
    data = json.loads(previous.read_text()) if previous.exists() else {}
    data.pop("benchmark", None)
    data.pop("machine", None)
    data.update(fresh)
    path = write_results("operations", data)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
