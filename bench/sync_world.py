"""A real sync set-up for the benchmarks: nothing mocked.

A provider's sandbox serves on a localhost port (real HTTP, its real limits, a
shortened window); organizations connect through the sandbox's consent page and
``sync_admin.oauth``; the membership demo host (``examples.membership``) holds
the records in its own tables; runs are started by ``services.resync`` and
executed by real RQ workers (``sync-admin worker --burst`` child processes).
Everything lives in the bench's own database ``sync_admin_bench_sync``
(``SYNC_ADMIN_BENCH_SYNC_DATABASE_URL``), rebuilt by ``World.create``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from flask import Flask
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from bench.common import REDIS_URL, ROOT, TOKEN_KEY, bench_app, bench_config

SYNC_DATABASE_URL = os.environ.get(
    "SYNC_ADMIN_BENCH_SYNC_DATABASE_URL", "postgresql://postgres@127.0.0.1/sync_admin_bench_sync"
)
REDIRECT = "http://127.0.0.1/sync-admin/integrations/{provider}/callback"
FEE_ITEM = "dues"


class Served:
    """A WSGI app on a real 127.0.0.1 port, served from a thread."""

    def __init__(self, app: Any) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


@dataclass
class Linked:
    organization_id: int
    company_id: int
    realm: str
    host_key: str


@dataclass
class World:
    provider: str
    sandbox: Served
    app: Flask
    config: dict[str, Any]
    window: int
    companies: list[Linked] = field(default_factory=list)
    database_url: str = SYNC_DATABASE_URL

    # --- set-up ----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        provider: str,
        companies: int,
        window: int,
        sandbox_options: dict[str, Any],
        database_url: str = SYNC_DATABASE_URL,
        queue: str = "sync-admin",
    ) -> World:
        from sync_admin import providers

        plugin = providers.installed()[provider]
        if provider == "quickbooks":
            sandbox_options = {"realms": companies, "window": window, **sandbox_options}
        else:
            sandbox_options = {
                "organisations": [
                    {"name": f"Club {i + 1}", "base_currency": "USD", "currencies": ["USD"]}
                    for i in range(companies)
                ],
                "limits": {"window_seconds": window},
                **sandbox_options,
            }
        sandbox = Served(plugin.sandbox_app(**sandbox_options))
        cached = _engines.pop(database_url, None)
        if cached is not None:  # its pooled connections die with the dropped database
            cached.dispose()
        fresh_database(database_url)
        # No queue or RQ rate-limit keys of an earlier world (whose connection ids
        # repeat) may leak into this one; other worlds' queues are left alone.
        import redis

        r = redis.Redis.from_url(REDIS_URL)
        stale = [*r.scan_iter("rq:rl:*"), *r.scan_iter(f"rq:queue:{queue}*")]
        if stale:
            r.delete(*stale)
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SYNC_ADMIN_QUEUE": queue,
            "SYNC_ADMIN_PROVIDERS": provider,
            "SYNC_ADMIN_HOST_ADAPTER": "examples.membership:adapter",
            "SYNC_ADMIN_RATE_WINDOW_SECONDS": window,
            **_provider_urls(plugin, sandbox.url),
        }
        app = bench_app(**config)
        world = cls(provider, sandbox, app, config, window)
        world.database_url = database_url
        with app.app_context():
            from examples.membership import create_tables
            from sync_admin.db import get_db

            create_tables(get_db().engine)
            _engines["current"] = get_db().engine.url.render_as_string(hide_password=False)
            realms = world.realms()
            if len(realms) < companies:
                raise RuntimeError(
                    f"the sandbox has {len(realms)} organisations, {companies} needed"
                )
            for realm in realms[:companies]:
                world.companies.append(world._connect(realm))
        world.map_dues()
        return world

    def realms(self) -> list[str]:
        if self.provider == "quickbooks":
            answer = requests.get(f"{self.sandbox.url}/_sandbox/realms", timeout=10).json()
            return [str(r["id"]) for r in answer]
        answer = requests.get(f"{self.sandbox.url}/_sandbox/organisations", timeout=10).json()
        return [o["tenant_id"] for o in answer["organisations"]]

    def _connect(self, realm: str) -> Linked:
        """Organization, connection through the consent page, company linked to a host org."""
        from sync_admin import oauth
        from sync_admin.db import session
        from sync_admin.models import Company, Organization
        from sync_admin.services.audit import Actor

        host_key = f"club-{realm[-6:]}"
        staff = Actor(name="bench", source="screen")
        organization = Organization(name=f"Club {realm[-6:]}", host_key=host_key)
        session.add(organization)
        session.commit()
        redirect = REDIRECT.format(provider=self.provider)
        with self.app.test_request_context():
            url = oauth.begin(self.provider, organization.id, redirect)
            args = self._consent(url, realm)
            result = oauth.complete(self.provider, args, staff)
            if result.linked:
                company = result.linked[0]
            else:  # providers where staff pick the organisations (Xero)
                chosen = [c for c in result.companies if c.provider_company_id == realm]
                company = oauth.link_companies(result.connection.id, chosen, staff)[0]
        company = session.get(Company, company.id)
        company.host_company_key = host_key
        session.commit()
        db = Session(_host_engine())
        try:
            from examples.membership.data import Books

            books = Books(db, host_key, f"Club {realm[-6:]}")
            books.fee_item(FEE_ITEM, "Annual dues", "150.00")
            db.commit()
        finally:
            db.close()
        return Linked(organization.id, company.id, realm, host_key)

    def map_dues(self) -> None:
        """Pull each company's reference data (a run of its own), then map the host's
        dues fee item to the provider's dues item, as staff do on the mappings screen."""
        from sync_admin.db import session
        from sync_admin.models import ReferenceObject
        from sync_admin.services.audit import Actor
        from sync_admin.services.mappings import set_mapping

        run_ids = self.start("full", entities=["account", "item", "tax_rate", "currency"])
        self.run_workers(2)
        for run in self.runs(run_ids):
            if run.status != "succeeded":
                raise RuntimeError(f"reference pull {run.id} ended {run.status}: {run.message}")
        with self.app.app_context():
            for linked in self.companies:
                items = session.scalars(
                    select(ReferenceObject).where(
                        ReferenceObject.company_id == linked.company_id,
                        ReferenceObject.entity == "item",
                    )
                ).all()
                dues = next(
                    i for i in items if "dues" in (i.name or "").lower() or i.code == "DUES"
                )
                set_mapping(
                    linked.company_id,
                    "fee_item",
                    FEE_ITEM,
                    dues.external_id,
                    actor=Actor(name="bench", source="screen"),
                )

    def _consent(self, url: str, realm: str) -> dict[str, str]:
        fields = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        if self.provider == "quickbooks":
            answer = requests.post(
                f"{self.sandbox.url}/connect/oauth2",
                data={**fields, "realm": realm, "decision": "approve"},
                allow_redirects=False,
                timeout=10,
            )
        else:
            answer = requests.post(
                url.split("?", 1)[0],
                data={**fields, "decision": "allow", "tenant": [realm]},
                allow_redirects=False,
                timeout=10,
            )
        location = answer.headers["Location"]
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    # --- host records -------------------------------------------------------------------

    def add_records(self, linked: Linked, members: int, invoices: int) -> int:
        """Members, then invoices to them (one dues line each), in the host's tables."""
        from examples.membership import models as m

        db = Session(_host_engine())
        # Changed "now", after any cursor an earlier run stored, like real new records.
        start = datetime.now(UTC)
        first = db.scalar(select(func.count()).select_from(m.Member)) or 0
        try:
            for offset in range(0, members, 5000):
                db.execute(
                    insert(m.Member),
                    [
                        {
                            "org_key": linked.host_key,
                            "first_name": "Member",
                            "last_name": f"{first + i:07d}",
                            "email": f"member{first + i}@example.org",
                            "company_name": "",
                            "currency": "",
                            "updated_at": start + timedelta(microseconds=i),
                        }
                        for i in range(offset, min(members, offset + 5000))
                    ],
                )
            ids = list(
                db.scalars(
                    select(m.Member.id)
                    .where(m.Member.org_key == linked.host_key)
                    .order_by(m.Member.id.desc())
                    .limit(members)
                )
            )
            first_invoice = db.scalar(select(func.count()).select_from(m.Invoice)) or 0
            for offset in range(0, invoices, 5000):
                db.execute(
                    insert(m.Invoice),
                    [
                        {
                            "org_key": linked.host_key,
                            "number": f"B{first_invoice + i:07d}",
                            "member_id": ids[i % len(ids)],
                            "issued_on": date(2026, 11, 1),
                            "due_on": date(2026, 12, 1),
                            "currency": "USD",
                            "memo": "",
                            "lines": [
                                {
                                    "fee_item": FEE_ITEM,
                                    "description": "Annual dues",
                                    "quantity": 1,
                                    "unit_price": "150.00",
                                }
                            ],
                            "updated_at": start + timedelta(microseconds=members + i),
                        }
                        for i in range(offset, min(invoices, offset + 5000))
                    ],
                )
            db.commit()
        finally:
            db.close()
        return members + invoices

    def touch(self, linked: Linked, share: float) -> int:
        """Change ``share`` of the host's members and invoices, as the product would."""
        from examples.membership import models as m

        db = Session(_host_engine())
        changed = 0
        try:
            for model in (m.Member, m.Invoice):
                ids = list(
                    db.scalars(
                        select(model.id).where(model.org_key == linked.host_key).order_by(model.id)
                    )
                )
                step = max(1, round(1 / share))
                chosen = ids[::step]
                now = datetime.now(UTC)
                for chunk in _chunks(chosen, 1000):
                    if model is m.Member:
                        db.execute(
                            model.__table__.update()
                            .where(model.id.in_(chunk))
                            .values(email=model.email + ".changed", updated_at=now)
                        )
                    else:
                        db.execute(
                            model.__table__.update()
                            .where(model.id.in_(chunk))
                            .values(memo="changed", updated_at=now)
                        )
                changed += len(chosen)
            db.commit()
        finally:
            db.close()
        return changed

    # --- running --------------------------------------------------------------------------

    def start(
        self, kind: str, company_ids: list[int] | None = None, entities: list[str] | None = None
    ) -> list[int]:
        from sync_admin.services.audit import Actor
        from sync_admin.services.resync import resync_company

        with self.app.app_context():
            ids = company_ids or [c.company_id for c in self.companies]
            return [
                resync_company(
                    cid, actor=Actor(name="bench", source="screen"), kind=kind, entities=entities
                ).id
                for cid in ids
            ]

    def worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_ADMIN_")}
        config = bench_config(**self.config)
        env.update(
            DATABASE_URL=self.database_url,
            SECRET_KEY=config["SECRET_KEY"],
            SYNC_ADMIN_TOKEN_KEYS=TOKEN_KEY,
            SYNC_ADMIN_REDIS_URL=REDIS_URL,
            PYTHONPATH=str(ROOT),
        )
        for key, value in self.config.items():
            if key.startswith("SYNC_ADMIN_"):
                env[key] = str(value)
        return env

    def run_workers(self, count: int, sample_memory: bool = False) -> dict[str, Any]:
        """Start ``count`` burst workers, wait for them, return wall time and peak memory."""
        exe = str(Path(sys.executable).parent / "sync-admin")
        env = self.worker_env()
        started = time.perf_counter()
        procs = [
            subprocess.Popen([exe, "worker", "--burst"], env=env, cwd=ROOT) for _ in range(count)
        ]
        peak = 0
        while any(p.poll() is None for p in procs):
            if sample_memory:
                peak = max(peak, max((_tree_rss(p.pid) for p in procs), default=0))
            time.sleep(0.05)
        wall = time.perf_counter() - started
        codes = [p.returncode for p in procs]
        if any(codes):
            raise RuntimeError(f"worker exit codes {codes}")
        return {"wall_s": wall, "peak_rss_mb": round(peak / 1024 / 1024, 1)}

    def runs(self, run_ids: list[int]) -> list[Any]:
        from sync_admin.db import session
        from sync_admin.models import Run

        with self.app.app_context():
            rows = session.scalars(select(Run).where(Run.id.in_(run_ids))).all()
            session.expunge_all()
            return list(rows)

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.sandbox.url}/_sandbox/stats", timeout=10).json()

    def reset_stats(self) -> None:
        if self.provider == "quickbooks":
            requests.post(f"{self.sandbox.url}/_sandbox/stats/reset", timeout=10)
        else:
            requests.delete(f"{self.sandbox.url}/_sandbox/stats", timeout=10)

    def set_limits(self, **limits: Any) -> None:
        requests.post(f"{self.sandbox.url}/_sandbox/limits", json=limits, timeout=10)

    def close(self) -> None:
        self.sandbox.close()


def _provider_urls(plugin: Any, url: str) -> dict[str, Any]:
    if hasattr(plugin, "sandbox_config"):
        return dict(plugin.sandbox_config(url))
    return {
        f"SYNC_ADMIN_{plugin.name.upper()}_SANDBOX_URL": url,
        f"SYNC_ADMIN_{plugin.name.upper()}_CLIENT_ID": "bench-app",
        f"SYNC_ADMIN_{plugin.name.upper()}_CLIENT_SECRET": "bench-secret",
    }


_engines: dict[str, Any] = {}


def _host_engine() -> Any:
    """The host product's tables live in the world's database (the last one created)."""
    url = _engines.get("current", SYNC_DATABASE_URL)
    if url not in _engines:
        _engines[url] = create_engine(url)
    return _engines[url]


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _tree_rss(pid: int) -> int:
    """Resident bytes of the largest process of a worker's tree (the worker or its
    forked work-horse; summing them would count the pages they share twice)."""
    largest = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as fh:
                rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                largest = max(largest, rss)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return largest
