"""Seed data: realistic spread, and counters that equal the rows they summarise."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from sync_admin import seed as seed_module
from sync_admin.db import get_db
from sync_admin.models import (
    Company,
    CompanyStats,
    Connection,
    DailyStats,
    Log,
    Organization,
    Run,
    SyncResult,
)
from sync_admin.seed import seed
from sync_admin.seed_words import errors_for


def _seed(app: Flask, **kwargs: object) -> seed_module.SeedReport:
    with app.app_context():
        return seed(get_db().session, **kwargs)


def test_counters_equal_the_rows(app: Flask) -> None:
    report = _seed(app, companies=12, logs=6000, results=900, random_seed=7)
    assert (report.companies, report.logs, report.results) == (12, 6000, 900)
    with app.app_context():
        s = get_db().session
        assert s.scalar(select(func.count()).select_from(Log)) == 6000
        assert s.scalar(select(func.count()).select_from(SyncResult)) == 900
        assert s.scalar(select(func.count()).select_from(Company)) == 12
        assert s.scalar(select(func.count()).select_from(Run)) == report.runs

        logs = s.execute(
            select(Log.company_id, Log.created_at, Log.level, Log.type, Log.entity, Log.run_id)
        ).all()
        total, errors, warnings, milestones = Counter(), Counter(), Counter(), Counter()
        last: dict[int, object] = {}
        daily: Counter[tuple[int, object, str]] = Counter()
        per_run: Counter[tuple[int, str]] = Counter()
        for company_id, created, level, kind, entity, run_id in logs:
            total[company_id] += 1
            errors[company_id] += level == "error"
            warnings[company_id] += level == "warning"
            milestones[company_id] += kind == "milestone"
            last[company_id] = max(last.get(company_id, created), created)
            day = created.date()
            daily[(company_id, day, "logs")] += 1
            daily[(company_id, day, "errors")] += level == "error"
            if kind == "event" and entity is not None:
                if level == "error":
                    daily[(company_id, day, "failed")] += 1
                    per_run[(run_id, "failed")] += 1
                elif level in ("success", "warning"):
                    daily[(company_id, day, "synced")] += 1
                    per_run[(run_id, "succeeded")] += 1

        stats = {row.company_id: row for row in s.scalars(select(CompanyStats))}
        assert set(stats) == set(report.company_ids)
        for company_id, row in stats.items():
            assert row.logs_total == total[company_id]
            assert row.logs_errors == errors[company_id]
            assert row.logs_warnings == warnings[company_id]
            assert row.logs_milestones == milestones[company_id]
            assert row.last_activity_at == last.get(company_id)
        days = s.scalars(select(DailyStats)).all()
        assert sum(d.logs_total for d in days) == 6000
        for d in days:
            assert d.logs_total == daily[(d.company_id, d.day, "logs")]
            assert d.logs_errors == daily[(d.company_id, d.day, "errors")]
            assert d.records_synced == daily[(d.company_id, d.day, "synced")]
            assert d.records_failed == daily[(d.company_id, d.day, "failed")]
        for run in s.scalars(select(Run)):
            assert run.succeeded == per_run[(run.id, "succeeded")]
            assert run.failed == per_run[(run.id, "failed")]
            assert run.total == run.succeeded + run.failed


def test_spread_looks_like_production(app: Flask) -> None:
    report = _seed(app, companies=40, logs=20_000, random_seed=3)
    with app.app_context():
        s = get_db().session
        assert set(s.scalars(select(Log.provider).distinct())) == {"quickbooks", "xero"}
        assert set(s.scalars(select(Log.level).distinct())) == {
            "success",
            "info",
            "warning",
            "error",
        }
        assert set(s.scalars(select(Log.type).distinct())) == {"milestone", "event"}
        assert {"invoice", "payment", "contact", "account"} <= set(
            s.scalars(select(Log.entity).distinct())
        )
        assert {"synced", "needs_resync", "syncing"} == set(
            s.scalars(select(Company.status).distinct())
        )
        oldest, newest = s.execute(select(func.min(Log.created_at), func.max(Log.created_at))).one()
        assert newest - oldest > timedelta(days=600)
        # A few big companies, many small ones: the screens must cope with both.
        sizes = sorted(s.scalars(select(CompanyStats.logs_total)), reverse=True)
        assert sizes[0] > 8 * sizes[-1]
        # Error lines carry a catalog code and the provider's text.
        codes = {c for p in ("quickbooks", "xero") for c in (e.code for e in errors_for(p))}
        error_codes = set(
            s.scalars(select(Log.catalog_code).where(Log.level == "error", Log.type == "event"))
        )
        assert error_codes and error_codes <= codes
        assert s.scalar(select(func.count()).where(Log.level == "error", Log.body.is_(None))) == 0
        # Milestones tell the story of a run.
        messages = set(s.scalars(select(Log.message).where(Log.type == "milestone")))
        assert {"Data sync started", "Contacts synced", "Data sync finished"} <= messages
        # A syncing company has exactly one active run; no other company has one.
        active = Counter(
            s.scalars(select(Run.company_id).where(Run.status.in_(("queued", "running"))))
        )
        syncing = set(s.scalars(select(Company.id).where(Company.status == "syncing")))
        assert set(active) == syncing and set(active.values()) <= {1}
        # Tokens are ciphertext the app can read.
        cipher = app.extensions["sync_admin"].cipher
        for connection in s.scalars(select(Connection)):
            assert "seed-access" not in connection.token_ciphertext
            assert cipher.decrypt(connection.token_ciphertext)["access_token"].startswith(
                "seed-access-"
            )
        outcomes = Counter(s.scalars(select(SyncResult.outcome)))
        assert set(outcomes) == {"synced", "failed", "skipped", "pending"}
        assert outcomes["synced"] > outcomes["failed"] > 0
        assert len(report.company_ids) == 40


def test_same_random_seed_same_data_and_seeding_twice_adds(app: Flask) -> None:
    first = _seed(app, companies=3, logs=300, random_seed=5)
    second = _seed(app, companies=3, logs=300, random_seed=5)
    assert set(first.company_ids).isdisjoint(second.company_ids)
    with app.app_context():
        s = get_db().session

        def messages(ids: list[int]) -> list[str]:
            return list(
                s.scalars(select(Log.message).where(Log.company_id.in_(ids)).order_by(Log.id))
            )

        assert messages(first.company_ids) == messages(second.company_ids)
        assert s.scalar(select(func.count()).select_from(Organization)) == 2
        # Sequences follow the explicit ids: the ORM can add rows after a seed.
        org = Organization(name="After seed", host_key="after-seed")
        s.add(org)
        s.flush()
        log = Log(
            organization_id=org.id,
            company_id=first.company_ids[0],
            provider="xero",
            type="event",
            level="info",
            message="written after the seed",
        )
        s.add(log)
        s.commit()
        assert log.id > max(s.scalars(select(Log.id).where(Log.id != log.id)))


def test_big_load_rebuilds_the_indexes(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the threshold PostgreSQL loads without indexes and builds them after."""
    monkeypatch.setattr(seed_module, "BULK_THRESHOLD", 100)
    _seed(app, companies=2, logs=400, results=150)
    with app.app_context():
        names = {i["name"] for i in inspect(get_db().engine).get_indexes("sync_log")}
        expected = {i.name for i in Log.__table__.indexes}
        if get_db().engine.dialect.name == "sqlite":
            expected = {n for n in expected if not n.endswith("_trgm")}
        assert expected <= names
        result_names = {i["name"] for i in inspect(get_db().engine).get_indexes("sync_result")}
        assert {i.name for i in SyncResult.__table__.indexes} <= result_names


def test_bad_sizes_are_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="companies must be at least 1"):
        _seed(app, companies=0)
    with pytest.raises(ValueError, match="runs must be at least"):
        _seed(app, companies=5, logs=10, runs=2)


def test_cli_seed(redis_url: str, tmp_path: Path) -> None:
    from test_cli import _run
    from test_queue import _cli_env

    env = _cli_env(f"sqlite:///{tmp_path / 'seed.db'}", redis_url)
    assert _run(["init", "--no-user"], env).returncode == 0
    done = _run(["seed", "--companies", "4", "--logs", "800"], env)
    assert done.returncode == 0, done.stderr
    assert "seeded 1 organizations" in done.stdout and "800 logs" in done.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "seed.db") as db:
        assert db.execute("select count(*) from sync_log").fetchone() == (800,)
        assert db.execute("select sum(logs_total) from sync_company_stats").fetchone() == (800,)
    refused = _run(["seed", "--companies", "4", "--runs", "2"], env)
    assert refused.returncode == 2
    assert "--runs" in refused.stderr and "Traceback" not in refused.stderr
