# ruff: noqa: F811 - fixtures imported from engine_setup
"""The scheduler's periodic jobs: syncs that are due, tokens refreshed ahead of
expiry, companies marked needs_resync; run as RQ jobs by a real worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from engine_setup import (
    Linked,
    books,  # noqa: F401 - fixture
    engine_config,
    host_db,  # noqa: F401 - fixture
    linked,  # noqa: F401 - fixture
)
from flask import Flask
from rq.job import Job
from sqlalchemy import select

from examples.membership.data import Books
from sync_admin.db import session
from sync_admin.models import Company, Connection, Run, utcnow
from sync_admin.queue import get_queue, redis_for
from sync_admin.schedule import build_scheduler
from sync_admin.worker import make_worker


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return engine_config(request, SYNC_ADMIN_SYNC_INTERVAL_MINUTES=30)


def _job(app: Flask, name: str) -> Any:
    with app.app_context():
        job = get_queue().enqueue(f"sync_admin.jobs.{name}")
    make_worker(app, simple=True).work(burst=True)
    return Job.fetch(job.id, connection=redis_for(app)).return_value()


def test_due_companies_get_a_full_then_an_incremental_run(
    app: Flask, linked: Linked, books: Books
) -> None:
    books.member("Ann", "Lee")
    books.db.commit()
    assert _job(app, "schedule_incremental")["started"] == 1
    with app.app_context():
        runs = session.scalars(select(Run).order_by(Run.id)).all()
        assert [(r.kind, r.trigger, r.status) for r in runs] == [("full", "schedule", "succeeded")]
    assert _job(app, "schedule_incremental")["started"] == 0, "synced just now: not due"
    with app.app_context():
        company = session.get(Company, linked.company)
        company.last_synced_at = utcnow() - timedelta(minutes=31)
        session.commit()
    assert _job(app, "schedule_incremental")["started"] == 1
    with app.app_context():
        last = session.scalars(select(Run).order_by(Run.id.desc())).first()
        assert (last.kind, last.trigger, last.status) == ("incremental", "schedule", "succeeded")


def test_tokens_are_refreshed_ahead_of_expiry(app: Flask, linked: Linked) -> None:
    assert _job(app, "refresh_tokens") == {"refreshed": 0, "failed": 0}
    calls = linked.state["token_calls"]
    with app.app_context():
        connection = session.get(Connection, linked.connection)
        version = connection.token_version
        connection.access_expires_at = utcnow() + timedelta(minutes=5)
        session.commit()
    assert _job(app, "refresh_tokens") == {"refreshed": 1, "failed": 0}
    assert linked.state["token_calls"] == calls + 1
    with app.app_context():
        connection = session.get(Connection, linked.connection)
        assert connection.token_version == version + 1
        assert connection.access_expires_at > utcnow() + timedelta(minutes=30)


def test_companies_are_marked_needs_resync_when_due(app: Flask, linked: Linked) -> None:
    with app.app_context():
        company = session.get(Company, linked.company)
        company.status = "synced"
        company.last_successful_sync_at = utcnow() - timedelta(minutes=5)
        session.commit()
    assert _job(app, "mark_needs_resync") == {"marked": 0}
    with app.app_context():
        session.get(Company, linked.company).mapping_changed_at = utcnow()
        session.commit()
    assert _job(app, "mark_needs_resync") == {"marked": 1}
    with app.app_context():
        assert session.get(Company, linked.company).status == "needs_resync"


def test_the_scheduler_registers_every_periodic_job(app: Flask) -> None:
    names = {job.func_name for job in build_scheduler(app).get_jobs()}
    assert names >= {
        "sync_admin.jobs.sweep",
        "sync_admin.jobs.schedule_incremental",
        "sync_admin.jobs.refresh_tokens",
        "sync_admin.jobs.mark_needs_resync",
    }
