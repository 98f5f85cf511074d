# ruff: noqa: F811 - fixtures imported from engine_setup
"""``sync_failure_count`` equals a recount of ``sync_result`` after everything that
changes failures: engine runs (in a real RQ worker), retries, exclude/include,
link/unlink, a manual link, the seed's COPY and the migration's back-fill; and the
failure groups read from it say what a GROUP BY over the ledger says."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
import test_engine as engine_tests
from alembic import command
from conftest import make_app
from engine_setup import (
    STAFF,
    Linked,
    books,  # noqa: F401 - fixture
    engine_config,
    host_db,  # noqa: F401 - fixture
    linked,  # noqa: F401 - fixture
    results,
)
from flask import Flask, current_app
from sqlalchemy import false, func, insert, select
from sqlalchemy.orm import Session
from worlds import add_result, make_world

from examples.membership.data import Books
from sync_admin.db import get_db, session
from sync_admin.migrate import alembic_config, upgrade
from sync_admin.models import FailureCount, SyncResult
from sync_admin.queries.failures import failure_groups
from sync_admin.seed import seed
from sync_admin.services import mappings, records, resync
from sync_admin.vocabulary import Direction, Outcome, RunKind

T = datetime(2026, 1, 2)
Counts = dict[tuple[int, str], tuple[int, datetime | None, datetime | None, int]]


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return engine_config(request)


def recounted() -> Counts:
    """What the counters should hold, grouped from the ledger itself."""
    rows = session.execute(
        select(
            SyncResult.company_id,
            SyncResult.catalog_code,
            SyncResult.failed_since,
            SyncResult.last_attempt_at,
            SyncResult.id,
        ).where(SyncResult.outcome == "failed", SyncResult.excluded == false())
    ).all()
    grouped: dict[tuple[int, str], list[Any]] = {}
    for company_id, code, since, last, row_id in rows:
        grouped.setdefault((company_id, code or ""), []).append((since or last, last, row_id))
    return {
        key: (
            len(found),
            min((f[0] for f in found if f[0] is not None), default=None),
            max((f[1] for f in found if f[1] is not None), default=None),
            max(f[2] for f in found),
        )
        for key, found in grouped.items()
    }


def total(counts: Counts) -> int:
    return sum(n for n, *_ in counts.values())


def stored() -> Counts:
    session.expire_all()
    return {
        (c.company_id, c.catalog_code): (c.failures, c.first_seen, c.last_seen, c.last_result_id)
        for c in session.scalars(select(FailureCount))
    }


def check() -> Counts:
    expected = recounted()
    assert stored() == expected
    with current_app.test_request_context():  # fix links are URLs
        groups = {g.catalog_code: g for g in failure_groups()}
    assert {code: g.count for code, g in groups.items()} == {
        code: sum(n for (_, c), (n, *_) in expected.items() if c == code)
        for code in {c for _, c in expected}
    }
    return expected


def test_counts_follow_runs_retries_and_staff_actions(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    club = engine_tests._club(books)
    with app.app_context():
        engine_tests._map(linked.company, ("dues", "1"), ("old", "2"))
        resync.resync_company(linked.company, actor=STAFF, kind=RunKind.FULL)
    engine_tests.work(app)
    with app.app_context():
        after_run = check()
        assert total(after_run) == 6
        assert (linked.company, "sync_admin.missing_mapping") in after_run
        inv2 = results(linked.company)[("invoice", str(club["inv2"].id))].id
        key = (linked.company, "sync_admin.missing_mapping")
        first, last = after_run[key][1], after_run[key][2]
        # A retry that fails again: the group keeps its first seen, its last seen moves on.
        records.retry([inv2], actor=STAFF)
    engine_tests.work(app)
    with app.app_context():
        again = check()
        assert again[key][1] == first and again[key][2] > last
        # Mapped and retried, it syncs: its group goes away.
        mappings.set_mapping(linked.company, "fee_item", "gala", "3", actor=STAFF)
        records.retry([inv2], actor=STAFF)
    engine_tests.work(app)
    with app.app_context():
        fixed = check()
        assert key not in fixed and total(fixed) == total(again) - 1
        failed = sorted(r.id for r in results(linked.company).values() if r.outcome == "failed")
        records.exclude(failed[:2], actor=STAFF)
        assert total(check()) == total(fixed) - 2
        records.include(failed[:1], actor=STAFF)
        assert total(check()) == total(fixed) - 1
        records.exclude_group("tiny.overpaid", actor=STAFF)
        check()
        records.unlink(failed, actor=STAFF)
        check()
        records.link(failed, actor=STAFF)
        check()
        # A manual link turns a failure into a synced record.
        row = session.scalars(
            select(SyncResult).where(SyncResult.id.in_(failed), SyncResult.excluded == false())
        ).first()
        entity, local_id = row.entity, row.local_id
        before = total(check())
        records.link_by_hand(linked.company, entity, local_id, "EXT-9", actor=STAFF)
        assert total(check()) == before - 1
        # And a full resync after all of it.
        resync.resync_company(linked.company, actor=STAFF, kind=RunKind.FULL)
    engine_tests.work(app)
    with app.app_context():
        check()


def test_counts_follow_changes_to_rows_the_session_never_loaded(app: Flask) -> None:
    """A row changed after a commit expired it: its old group is read from the database."""
    world = make_world(app)
    with app.app_context():
        for i, code in enumerate(["a.one", "a.one", "a.two", None]):
            session.add(
                SyncResult(
                    company_id=world.company,
                    entity="invoice",
                    direction=Direction.PUSH.value,
                    local_id=str(i),
                    outcome=Outcome.FAILED.value,
                    catalog_code=code,
                    last_attempt_at=datetime(2026, 1, 1 + i),
                    facts={},
                )
            )
        session.commit()
        assert {k[1]: v[0] for k, v in check().items()} == {"a.one": 2, "a.two": 1, "": 1}
        rows = session.scalars(select(SyncResult).order_by(SyncResult.id)).all()
        session.commit()  # expires every row: their old values are no longer known
        rows[0].outcome = Outcome.SYNCED.value
        rows[1].catalog_code = "a.two"
        rows[3].excluded = True
        session.delete(rows[2])
        session.commit()
        assert {k[1]: v[0] for k, v in check().items()} == {"a.two": 1}
    with app.test_request_context():
        assert [g.catalog_code for g in failure_groups(company_id=world.company)] == ["a.two"]
        assert failure_groups(company_id=world.company + 1) == []


def test_two_transactions_changing_one_company_take_turns(app: Flask) -> None:
    """The second waits for the first to commit before changing its failures, so each
    recount sees the other's change (without it: a stale count, or a duplicate key)."""
    world = make_world(app)
    with app.app_context():
        ids = [
            add_result(world.company, "invoice", str(i), catalog_code="a.one", last_attempt_at=T).id
            for i in range(3)
        ]
        session.commit()
    flushed, release, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with app.app_context():
                session.get(SyncResult, ids[0]).excluded = True
                session.flush()
                flushed.set()
                release.wait(10)
                session.commit()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
            flushed.set()

    def second() -> None:
        try:
            flushed.wait(10)
            with app.app_context():
                records.exclude([ids[1]], actor=STAFF)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    assert not done.wait(1.0), "the second transaction went ahead of the first"
    release.set()
    for t in threads:
        t.join(20)
    assert not errors, errors
    with app.app_context():
        assert {k[1]: v[0] for k, v in check().items()} == {"a.one": 1}


def test_seed_fills_the_counts(app: Flask) -> None:
    with app.app_context():
        seed(get_db().session, companies=6, logs=3000, results=900, random_seed=3)
        counts = check()
        assert len(counts) > 5 and total(counts) > 20


def test_migration_fills_the_counts(scratch_url: str, redis_url: str) -> None:
    scratch = make_app(scratch_url, redis_url)
    with scratch.app_context():
        command.upgrade(alembic_config(), "0003")
        world = make_world(scratch)
        # Core inserts: no session hook, as rows written before the table existed.
        session.execute(
            insert(SyncResult),
            [
                {
                    "company_id": world.company,
                    "entity": "invoice",
                    "direction": "push",
                    "local_id": str(i),
                    "outcome": "failed" if i % 3 else "synced",
                    "excluded": i % 5 == 0,
                    "catalog_code": f"code.{i % 4}" if i % 7 else None,
                    "last_attempt_at": datetime(2026, 1, 1 + i),
                    "facts": {},
                }
                for i in range(1, 25)
            ],
        )
        session.commit()
        upgrade()
        counts = check()
        assert len(counts) == 5
        assert session.scalar(select(func.count()).select_from(FailureCount)) == 5
        get_db().session.remove()
        get_db().engine.dispose()
