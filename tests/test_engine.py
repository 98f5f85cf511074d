# ruff: noqa: F811 - fixtures imported from engine_setup
"""The engine against Tiny Books' sandbox on a real port, with the membership host
and a real RQ worker: full, incremental and retry runs, their story, results,
counters, flag and company status."""

from __future__ import annotations

from typing import Any

import pytest
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
from sqlalchemy.orm import Session

from examples.membership.data import Books
from sync_admin import providers, signals
from sync_admin.db import session
from sync_admin.models import Company, Run
from sync_admin.services import mappings, records, resync
from sync_admin.vocabulary import RunKind
from sync_admin.worker import make_worker


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return engine_config(request)


def work(app: Flask) -> None:
    make_worker(app, simple=True).work(burst=True)


def _club(books: Books) -> dict[str, Any]:
    """Members and documents with one case of each error Tiny Books can produce."""
    books.fee_item("dues", "Annual dues", "120.00")
    books.fee_item("gala", "Gala dinner", "80.00")
    books.fee_item("old", "Old fee", "10.00", active=False)
    ann = books.member("Ann", "Lee")
    bob = books.member("Bob", "Stone")
    twin = books.member("Ann", "Lee", email="other-ann@example.org")  # duplicate name
    long = books.member("Wolfeschlegelsteinhausenbergerdorff", "Senior")  # 42 characters
    inv1 = books.invoice(ann, "INV-1", [("dues", "120.00")])
    inv2 = books.invoice(bob, "INV-2", [("gala", "80.00")])  # gala is not mapped
    inv3 = books.invoice(twin, "INV-3", [("dues", "120.00")])  # its contact fails
    inv4 = books.invoice(bob, "INV-4-" + "X" * 20, [("dues", "120.00")])  # number too long
    inv5 = books.invoice(ann, "INV-5", [("old", "10.00")])  # mapped to an inactive item
    pay1 = books.payment(ann, "PAY-1", [(inv1, "100.00")])
    pay2 = books.payment(ann, "PAY-2", [(inv1, "50.00")])  # over the remaining 20.00
    pay3 = books.payment(bob, "PAY-3", [(inv2, "80.00")])  # its invoice never synced
    books.db.commit()
    return dict(
        ann=ann, bob=bob, twin=twin, long=long, inv1=inv1, inv2=inv2, inv3=inv3, inv4=inv4,
        inv5=inv5, pay1=pay1, pay2=pay2, pay3=pay3,
    )  # fmt: skip


def _map(company_id: int, *pairs: tuple[str, str]) -> None:
    for host_key, item in pairs:
        mappings.set_mapping(company_id, "fee_item", host_key, item, actor=STAFF)


def test_full_sync_records_every_outcome_and_its_story(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    club = _club(books)
    finished: list[int] = []
    signals.run_finished.connect(lambda sender, run_id: finished.append(run_id), weak=False)
    try:
        with app.app_context():
            _map(linked.company, ("dues", "1"), ("old", "2"))
            run_id = resync.resync_company(linked.company, actor=STAFF, kind=RunKind.FULL).id
        work(app)
    finally:
        signals.run_finished.receivers.clear()
    with app.app_context():
        run = session.get(Run, run_id)
        assert finished == [run.id]
        assert (run.status, run.flag) == ("succeeded", "red")
        got = results(linked.company)

        def outcome(entity: str, row: Any) -> tuple[str, str | None]:
            r = got[(entity, str(row.id))]
            return r.outcome, r.catalog_code

        assert outcome("contact", club["ann"]) == ("synced", None)
        assert outcome("contact", club["twin"]) == ("failed", "tiny.duplicate_name")
        assert got[("contact", str(club["twin"].id))].facts["name"] == "Ann Lee"
        assert outcome("contact", club["long"]) == ("failed", "sync_admin.field_too_long")
        assert outcome("invoice", club["inv1"]) == ("synced", None)
        assert outcome("invoice", club["inv2"]) == ("failed", "sync_admin.missing_mapping")
        assert outcome("invoice", club["inv3"]) == ("skipped", "sync_admin.dependency_not_synced")
        assert got[("invoice", str(club["inv3"].id))].blocked_by == f"contact:{club['twin'].id}"
        assert outcome("invoice", club["inv4"]) == ("failed", "sync_admin.field_too_long")
        assert outcome("invoice", club["inv5"]) == ("failed", "sync_admin.inactive_mapping")
        # Staff read the provider's name of the inactive item, its id only in brackets.
        assert "mapped to Old fee (2), which is inactive" in (
            got[("invoice", str(club["inv5"].id))].details or ""
        )
        assert outcome("payment", club["pay1"]) == ("synced", None)
        assert outcome("payment", club["pay2"]) == ("failed", "tiny.overpaid")
        assert "OVERPAID" in got[("payment", str(club["pay2"].id))].response_body
        assert outcome("payment", club["pay3"]) == ("skipped", "sync_admin.dependency_not_synced")
        assert (run.succeeded, run.failed, run.skipped) == (4, 6, 2)
        assert messages(linked.company, "milestone") == [
            "Data sync started",
            "Chart of accounts imported",
            "Contacts synced",
            "Transactions synced",
            "Data sync finished with 6 failed records",
        ]
        company = session.get(Company, linked.company)
        assert company.status == "needs_resync" and company.last_successful_sync_at
        assert set(company.cursors) >= {"contact", "invoice", "payment", "pull:account"}
        check_counters(linked.company)
        check_ledger(linked.company, host_db, linked.state)
        assert len(linked.state["contacts"]) == 2 and len(linked.state["invoices"]) == 1


def test_incremental_then_retry_turn_red_records_green(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    club = _club(books)
    with app.app_context():
        _map(linked.company, ("dues", "1"), ("old", "2"))
        resync.resync_company(linked.company, actor=STAFF, kind=RunKind.FULL)
    work(app)
    calls_before = linked.state["calls"]
    # Staff fix the duplicate in the host product: the next incremental run takes it,
    # and the invoice that waited for it goes too.
    books.touch(club["twin"], first_name="Annie")
    books.db.commit()
    with app.app_context():
        run_id = resync.resync_company(linked.company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    with app.app_context():
        run = session.get(Run, run_id)
        got = results(linked.company)
        assert got[("contact", str(club["twin"].id))].outcome == "synced"
        assert got[("invoice", str(club["inv3"].id))].outcome == "synced"
        assert got[("invoice", str(club["inv2"].id))].outcome == "failed", (
            "not changed, not retried"
        )
        # Clean itself, but earlier failures remain: red, and the company needs a resync.
        assert (run.succeeded, run.failed, run.flag) == (2, 0, "red")
        assert session.get(Company, linked.company).status == "needs_resync"
        assert linked.state["calls"] - calls_before <= 6, "only what changed is sent"
        failed = got[("invoice", str(club["inv2"].id))]
        failed_id, first_failed, first_attempt = (
            failed.id,
            failed.failed_since,
            failed.last_attempt_at,
        )
        assert first_failed is not None and first_failed == first_attempt
        # A retry before the fix fails again: the failure keeps the time it was first recorded.
        records.retry([failed_id], actor=STAFF)
    work(app)
    with app.app_context():
        again = results(linked.company)[("invoice", str(club["inv2"].id))]
        assert again.outcome == "failed" and again.last_attempt_at > first_attempt
        assert again.failed_since == first_failed
        # Map the fee item and retry the red invoice: it goes green; its waiting payment follows.
        _map(linked.company, ("gala", "3"))
        started = records.retry([failed_id], actor=STAFF)
        assert [r.kind for r in started.runs] == ["retry"]
        retry_id = started.runs[0].id
    work(app)
    with app.app_context():
        got = results(linked.company)
        assert got[("invoice", str(club["inv2"].id))].outcome == "synced"
        assert got[("invoice", str(club["inv2"].id))].catalog_code is None
        assert got[("invoice", str(club["inv2"].id))].failed_since is None
        assert got[("payment", str(club["pay3"].id))].outcome == "synced"
        retry_run = session.get(Run, retry_id)
        # One of several failures retried: the others still need attention.
        assert (retry_run.status, retry_run.failed, retry_run.flag) == ("succeeded", 0, "red")
        assert session.get(Company, linked.company).status == "needs_resync"
        assert messages(linked.company, "milestone")[-1] == (
            "4 failed records of earlier runs still need attention (Failures lists them)"
        )
        left = [r.id for r in got.values() if r.outcome == "failed"]
        assert len(left) == 4
        # Staff exclude the rest: the next run finishes blue and the company is synced.
        records.exclude(left, actor=STAFF)
        run_id = resync.resync_company(linked.company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    with app.app_context():
        assert session.get(Run, run_id).flag == "blue"
        assert session.get(Company, linked.company).status == "synced"
        check_counters(linked.company)
        check_ledger(linked.company, host_db, linked.state)


def test_excluded_and_unlinked_records_are_left_out(
    app: Flask, linked: Linked, books: Books, host_db: Session
) -> None:
    club = _club(books)
    with app.app_context():
        _map(linked.company, ("dues", "1"), ("old", "2"))
        resync.resync_company(linked.company, actor=STAFF, kind=RunKind.FULL)
    work(app)
    with app.app_context():
        got = results(linked.company)
        records.exclude([got[("invoice", str(club["inv4"].id))].id], actor=STAFF)
        records.unlink([got[("contact", str(club["twin"].id))].id], actor=STAFF)
        started = records.retry_all(actor=STAFF, company_id=linked.company)
        ids = started.runs[0].params["result_ids"]
        assert got[("invoice", str(club["inv4"].id))].id not in ids
        assert got[("invoice", str(club["inv3"].id))].id not in ids, "unlinked with its contact"
        assert got[("invoice", str(club["inv2"].id))].id in ids
    work(app)
    with app.app_context():
        got = results(linked.company)
        assert got[("invoice", str(club["inv4"].id))].excluded
        assert got[("contact", str(club["twin"].id))].link_status == "unlinked"
        check_counters(linked.company)
        check_ledger(linked.company, host_db, linked.state)


def test_a_reference_data_pull_says_so_on_the_runs_screen(
    app: Flask, linked: Linked, books: Books, host_db: Session, login_as: Any
) -> None:
    """Asked for reference entities only, a resync is a 'reference' run: it pushes nothing,
    moves no push cursor, and the Runs screen filters and shows it under that kind."""
    _club(books)
    with app.app_context():
        pulls = [s.entity.value for s in providers.get("tiny").pull_entities()]
        run_id = resync.resync_company(
            linked.company, actor=STAFF, kind=RunKind.FULL, entities=pulls
        ).id
    work(app)
    with app.app_context():
        run = session.get(Run, run_id)
        assert (run.kind, run.status, run.flag) == ("reference", "succeeded", "blue")
        assert run.message.startswith("reference data pull: ") and run.total == 0
        assert results(linked.company) == {}
        cursors = session.get(Company, linked.company).cursors
        assert "pull:account" in cursors
        assert not {"contact", "invoice", "changes"} & set(cursors), cursors
    client = login_as("viewer")
    shown = client.get("/sync-admin/runs/?kind=reference").get_data(as_text=True)
    assert f'data-run-id="{run_id}"' in shown and "<td>reference</td>" in shown
    assert f'data-run-id="{run_id}"' not in client.get("/sync-admin/runs/?kind=full").get_data(
        as_text=True
    )
