# ruff: noqa: F811 - fixtures imported from engine_setup
"""Nothing lost: the engine against faults, on a real Redis with real RQ workers
and Tiny Books' sandbox on a real port. Every test ends with the ledger check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
from conftest import ROOT, TINY, TOKEN_KEY
from engine_setup import (
    STAFF,
    Linked,
    books,  # noqa: F401 - fixture
    check_counters,
    check_ledger,
    engine_config,
    host_db,  # noqa: F401 - fixture
    linked,  # noqa: F401 - fixture
    messages,
    results,
)
from flask import Flask
from rq.scheduler import RQScheduler
from sqlalchemy import select
from sqlalchemy.orm import Session

from examples.membership.data import Books
from sync_admin import signals
from sync_admin.db import session
from sync_admin.models import Company, Connection, Run, SyncResult
from sync_admin.queue import redis_for
from sync_admin.services import mappings, resync
from sync_admin.services.runs import sweep
from sync_admin.vocabulary import RunKind
from sync_admin.worker import make_worker


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return engine_config(
        request, SYNC_ADMIN_MAX_INLINE_WAIT_SECONDS=1.0, SYNC_ADMIN_TINY_TIMEOUT=1.0
    )


def _members(books: Books, count: int, with_invoices: bool = True) -> None:
    books.fee_item("dues", "Annual dues", "120.00")
    for i in range(count):
        member = books.member("Member", f"{i:04d}")
        if with_invoices and i % 3 == 0:
            invoice = books.invoice(member, f"INV-{i:04d}", [("dues", "120.00")])
            if i % 6 == 0:
                books.payment(member, f"PAY-{i:04d}", [(invoice, "120.00")])
    books.db.commit()


def _start(app: Flask, linked: Linked, kind: RunKind = RunKind.FULL) -> int:
    with app.app_context():
        mappings.set_mapping(linked.company, "fee_item", "dues", "1", actor=STAFF)
        return resync.resync_company(linked.company, actor=STAFF, kind=kind).id


def _work(app: Flask) -> None:
    make_worker(app, simple=True).work(burst=True)


def _run(app: Flask, run_id: int) -> Run:
    with app.app_context():
        run = session.get(Run, run_id)
        session.expunge(run)
        return run


def _ledger(app: Flask, linked: Linked, host_db: Session) -> None:
    with app.app_context():
        check_ledger(linked.company, host_db, linked.state)
        check_counters(linked.company)


def _all_synced(app: Flask, linked: Linked) -> None:
    with app.app_context():
        bad = [(k, r.outcome, r.catalog_code) for k, r in results(linked.company).items()
               if r.outcome != "synced"]  # fmt: skip
        assert not bad


def test_a_timeout_after_the_sandbox_committed_reuses_the_idempotency_key(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 12)
    linked.state["faults"] = [{"path": "/contacts", "commit_then_sleep": 2.0, "times": 1}]
    run_id = _start(app, linked)
    _work(app)
    assert _run(app, run_id).status == "succeeded"
    assert linked.state["write_sizes"][:2] == [("contacts", 10), ("contacts", 10)], (
        "the timed-out batch was sent again"
    )
    assert len(linked.state["contacts"]) == 12, "the second send created nothing new"
    _all_synced(app, linked)
    _ledger(app, linked, host_db)


def test_three_of_thirty_failing_items_are_the_only_ones_retried(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 30, with_invoices=False)
    linked.state["busy"] = {"Member 0003": 1, "Member 0014": 2, "Member 0027": 1}
    run_id = _start(app, linked)
    _work(app)
    sizes = [n for path, n in linked.state["write_sizes"] if path == "contacts"]
    assert sizes == [10, 1, 10, 1, 1, 10, 1]
    run = _run(app, run_id)
    assert (run.succeeded, run.failed, run.flag) == (30, 0, "blue")
    _ledger(app, linked, host_db)


def test_every_malformed_body_is_retried_without_a_duplicate(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 10)
    linked.state["faults"] = [
        {"path": "/contacts", "status": 200, "body": "<html><body>Proxy error</body></html>",
         "times": 1},
        {"path": "/contacts", "status": 200, "body": "", "times": 1},
        {"path": "/contacts", "status": 200, "body": '[{"id": 1, "na', "times": 1},
        {"path": "/invoices", "status": 500, "body": "<!DOCTYPE html><h1>500</h1>", "times": 2},
        {"path": "/payments", "status": 503, "body": "", "times": 1},
        {"path": "/accounts", "status": 502, "body": "<html>bad gateway</html>", "times": 1},
    ]  # fmt: skip
    run_id = _start(app, linked)
    _work(app)
    assert all(f["times"] == 0 for f in linked.state["faults"]), "every fault fired"
    run = _run(app, run_id)
    assert (run.status, run.failed, run.flag) == ("succeeded", 0, "blue")
    _all_synced(app, linked)
    _ledger(app, linked, host_db)


def test_a_sandbox_answering_429_only_delays_the_run(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 20)
    waits: list[float] = []
    signals.rate_limit_waited.connect(lambda s, **kw: waits.append(kw["seconds"]), weak=False)
    linked.state["faults"] = [
        {"path": "/contacts", "status": 429, "headers": {"Retry-After": "0.05"},
         "body": '{"code": "THROTTLED"}', "times": 6},
        {"path": "/invoices", "status": 429, "headers": {"Retry-After": "2"},
         "body": "", "times": 1},
    ]  # fmt: skip
    try:
        run_id = _start(app, linked)
        _work(app)
        run = _run(app, run_id)
        assert run.status == "queued" and run.not_before is not None, "re-scheduled, not failed"
        scheduler = RQScheduler([app.config["SYNC_ADMIN_QUEUE"]], connection=redis_for(app))
        scheduler.acquire_locks()
        deadline = time.time() + 30
        while _run(app, run_id).status in ("queued", "running") and time.time() < deadline:
            time.sleep(0.3)
            scheduler.enqueue_scheduled_jobs()
            _work(app)
        scheduler.release_locks()
    finally:
        signals.rate_limit_waited.receivers.clear()
    run = _run(app, run_id)
    assert (run.status, run.failed, run.attempts) == ("succeeded", 0, 2)
    assert waits.count(0.05) == 6 and 2.0 in waits
    with app.app_context():
        assert any("asked to wait 2 s" in m for m in messages(linked.company))
    _all_synced(app, linked)
    _ledger(app, linked, host_db)


def test_a_dead_refresh_token_stops_the_run_and_asks_for_a_reconnect(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 3)
    linked.state["access"].clear()  # every access token expired...
    linked.state["refresh"].clear()  # ...and the grant was revoked
    seen: list[str] = []
    signals.connection_needs_reconnect.connect(lambda s, **kw: seen.append("reconnect"), weak=False)
    try:
        run_id = _start(app, linked)
        _work(app)
    finally:
        signals.connection_needs_reconnect.receivers.clear()
    run = _run(app, run_id)
    assert (run.status, run.flag) == ("failed", "red")
    assert seen == ["reconnect"]
    with app.app_context():
        assert session.get(Connection, linked.connection).status == "needs_reconnect"
        assert session.get(Company, linked.company).status == "needs_resync"
        assert messages(linked.company, "milestone")[-1].startswith(
            "Data sync stopped: Tiny Books refused the refresh token"
        )
        assert session.scalars(select(SyncResult)).first() is None, "nothing was attempted"
        check_counters(linked.company)


def test_a_token_answer_lost_after_rotation_is_recovered_in_the_grace_period(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 6)
    linked.state["grace_seconds"] = 30
    with app.app_context():
        row = session.get(Connection, linked.connection)
        token = app.extensions["sync_admin"].cipher.decrypt(row.token_ciphertext)
    # The sandbox rotates the refresh token, but its answer never reaches us.
    lost = requests.post(
        f"{linked.sandbox.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        timeout=5,
    )
    assert lost.status_code == 200
    linked.state["access"].clear()  # and our access token expires
    run_id = _start(app, linked)
    _work(app)
    assert _run(app, run_id).status == "succeeded"
    with app.app_context():
        assert session.get(Connection, linked.connection).status == "connected"
    _all_synced(app, linked)
    _ledger(app, linked, host_db)


def test_redis_restarted_without_persistence_loses_no_run(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 8)
    run_id = _start(app, linked)
    redis_for(app).flushdb()  # the restart (of our own Redis db): every queued job is gone
    _work(app)
    assert _run(app, run_id).status == "queued", "nothing ran: the job vanished"
    with app.app_context():
        assert sweep() == {"requeued": 1, "timed_out": 0, "slots_freed": 0}
    _work(app)
    assert _run(app, run_id).status == "succeeded"
    _all_synced(app, linked)
    _ledger(app, linked, host_db)


def _worker_env(app: Flask, linked: Linked) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_ADMIN_")}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SYNC_ADMIN_REDIS_URL=app.config["SYNC_ADMIN_REDIS_URL"],
        SECRET_KEY="worker-test-secret-key-long-enough-0123456789",
        SYNC_ADMIN_TOKEN_KEYS=TOKEN_KEY,
        SYNC_ADMIN_PROVIDERS="tiny",
        SYNC_ADMIN_TINY_BASE_URL=linked.sandbox.url,
        SYNC_ADMIN_HOST_ADAPTER="examples.membership:adapter",
        SYNC_ADMIN_RETRY_BACKOFF_SECONDS="0.01",
        SYNC_ADMIN_WRITE_BATCH="7",
        PYTHONPATH=f"{ROOT}:{ROOT / 'tests'}:{TINY}",
    )
    return env


def _sync_admin() -> str:
    return str(Path(sys.executable).parent / "sync-admin")


def test_sigkill_of_worker_and_work_horse_mid_batch_loses_and_duplicates_nothing(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    _members(books, 60)
    linked.state["latency"] = 0.15
    run_id = _start(app, linked)
    env = _worker_env(app, linked)
    worker = subprocess.Popen([_sync_admin(), "worker"], env=env, cwd=ROOT)
    try:
        deadline = time.time() + 60
        while linked.state["writes"] < 3 and time.time() < deadline:
            time.sleep(0.05)
        assert linked.state["writes"] >= 3, "the run got going"
        family = psutil.Process(worker.pid).children(recursive=True)
        assert family, "the forking worker runs the job in a work-horse"
        for proc in [*family, psutil.Process(worker.pid)]:
            os.kill(proc.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _run(app, run_id).status == "running", "the row still says running"
    linked.state["latency"] = 0.0
    with app.app_context():
        assert sweep(stale_after=timedelta(0)) == {"requeued": 1, "timed_out": 0, "slots_freed": 0}
    done = subprocess.run(
        [_sync_admin(), "worker", "--burst"], env=env, cwd=ROOT, timeout=180,
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    run = _run(app, run_id)
    assert (run.status, run.attempts) == ("succeeded", 2)
    _all_synced(app, linked)
    _ledger(app, linked, host_db)


def test_a_bulk_push_uses_the_ceiling_with_almost_no_429(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    """Pacing under Tiny's published limit (30 calls a "minute"), the minute shortened to
    10 s: while a backlog lasts, every full window carries at least 90% of the limit."""
    window, limit = 10, 30
    _members(books, int(os.environ.get("PACE_MEMBERS", "900")), with_invoices=False)
    app.config.update(SYNC_ADMIN_RATE_WINDOW_SECONDS=window, SYNC_ADMIN_WRITE_BATCH=200)
    linked.state.update(per_window=limit, window_seconds=float(window), hits=[], stamps=[])
    run_id = _start(app, linked)
    _work(app)
    assert _run(app, run_id).status == "succeeded"
    calls, throttled = linked.state["calls"], linked.state["throttled"]
    stamps = linked.state["stamps"]
    full = int((stamps[-1] - stamps[0]) // window)  # windows the backlog filled
    assert full >= 2
    used = sum(1 for t in stamps if t < stamps[0] + full * window) / (full * limit)
    print(f"calls={calls} throttled={throttled} windows={full} ceiling use={used:.1%}")
    assert throttled / calls < 0.005
    assert used >= 0.9
    _ledger(app, linked, host_db)


def test_a_rate_limit_slot_held_by_a_vanished_job_does_not_keep_a_run_queued(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    """The worker running a job was killed and Redis lost the job, but RQ's rate-limit
    registry of the connection still counts it, beside the slot of an earlier killed run:
    both of the connection's slots (Tiny allows 2) are held by jobs that no longer exist.
    The re-enqueued job waits in RQ's rate_limited set, so workers see an empty queue and
    the run stayed queued; the sweeper frees the slots of jobs no active run owns."""
    from rq.job import Job
    from rq.rate_limit import RateLimitRegistry

    from sync_admin.queue import get_queue

    _members(books, 8)
    run_id = _start(app, linked)
    connection = redis_for(app)
    registry = RateLimitRegistry(f"sync-admin:connection:{linked.connection}", connection)
    with app.app_context():
        job_id = session.get(Run, run_id).job_id
        queue = get_queue()
        # Another worker cleaned the registries a moment ago: RQ's own clean-up (which frees
        # such slots) runs again only when its lock expires, 10 minutes later.
        assert queue.acquire_maintenance_lock()
        queue_key = queue.key
    assert registry.get_allowed_job_ids() == [job_id]
    connection.lrem(queue_key, 0, job_id)  # a worker took it, then was killed...
    connection.delete(Job.key_for(job_id))  # ...and the job's key is gone
    connection.zadd(registry.allowed_key, {"sync-run-0-1": time.time()})  # an older victim
    _work(app)
    assert _run(app, run_id).status == "queued"
    with app.app_context():
        assert sweep() == {"requeued": 1, "timed_out": 0, "slots_freed": 2}
    _work(app)
    run = _run(app, run_id)
    assert (run.status, run.attempts) == ("succeeded", 2), run.message
    assert registry.get_allowed_job_ids() == [], "the finished job gave its slot back"
    with app.app_context():
        assert sweep() == {"requeued": 0, "timed_out": 0, "slots_freed": 0}
    _all_synced(app, linked)
    _ledger(app, linked, host_db)
