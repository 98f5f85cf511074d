"""RQ workers that run sync jobs inside the Flask app.

RQ's own ``Worker`` forks a work-horse per job; the horse drops the database
connections it inherited (they belong to the parent) and runs the job inside a
fresh app context. ``SimpleWorker`` runs jobs in-process (tests, debugging).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import Queue, SimpleWorker, Worker

from .queue import check_redis, redis_for

__all__ = ["AppSimpleWorker", "AppWorker", "run_worker"]


class _AppMixin:
    app: Flask

    def perform_job(self, job: Any, queue: Queue, execution: Any) -> bool:
        with self.app.app_context():
            try:
                return super().perform_job(job, queue, execution)  # type: ignore[misc]
            finally:
                self.app.extensions["sqlalchemy"].session.remove()


class AppWorker(_AppMixin, Worker):
    def main_work_horse(self, job: Any, queue: Queue) -> None:
        with self.app.app_context():
            for engine in self.app.extensions["sqlalchemy"].engines.values():
                engine.dispose(close=False)
        super().main_work_horse(job, queue)


class AppSimpleWorker(_AppMixin, SimpleWorker):
    pass


def make_worker(
    app: Flask, *, simple: bool = False, name: str | None = None, queues: list[str] | None = None
) -> Worker:
    connection = redis_for(app)
    names = queues or [app.config["SYNC_ADMIN_QUEUE"]]
    cls = AppSimpleWorker if simple else AppWorker
    worker = cls([Queue(n, connection=connection) for n in names], connection=connection, name=name)
    worker.app = app
    return worker


def run_worker(
    app: Flask, *, burst: bool = False, simple: bool = False, name: str | None = None
) -> bool:
    check_redis(app)
    worker = make_worker(app, simple=simple, name=name)
    return worker.work(burst=burst, with_scheduler=True)
