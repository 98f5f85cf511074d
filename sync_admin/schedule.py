"""Periodic jobs, run by RQ's ``CronScheduler`` (``sync-admin scheduler``).

``PERIODIC`` lists (job function, interval seconds or config key); the jobs are
importable top-level functions that a worker runs like any other job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from rq.cron import CronScheduler

from .queue import check_redis, redis_for

__all__ = ["PERIODIC", "periodic_jobs", "run_scheduler"]

# (dotted path of the job, seconds between runs). Later modules append theirs.
PERIODIC: list[tuple[str, int | Callable[[Flask], int]]] = [
    ("sync_admin.jobs.sweep", 60),
    ("sync_admin.jobs.schedule_incremental", 60),
    ("sync_admin.jobs.refresh_tokens", 300),
    ("sync_admin.jobs.mark_needs_resync", 300),
    # Token expiry warnings and reconnect reminders (each mailed once per expiry date).
    ("sync_admin.notifications.check_connections", 3600),
]


def periodic_jobs(app: Flask) -> list[tuple[Callable[..., Any], int]]:
    from importlib import import_module

    jobs = []
    for path, interval in PERIODIC:
        module, _, name = path.rpartition(".")
        func = getattr(import_module(module), name)
        seconds = interval(app) if callable(interval) else interval
        jobs.append((func, int(seconds)))
    return jobs


def build_scheduler(app: Flask) -> CronScheduler:
    scheduler = CronScheduler(connection=redis_for(app))
    queue = app.config["SYNC_ADMIN_QUEUE"]
    for func, seconds in periodic_jobs(app):
        scheduler.register(func, queue_name=queue, interval=seconds, job_timeout=600)
    return scheduler


def run_scheduler(app: Flask) -> None:
    check_redis(app)
    build_scheduler(app).start()
