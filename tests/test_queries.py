"""The read side: filters, keyset pages, capped counts, summaries, flags, groups."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from conftest import tiny_config
from flask import Flask
from ui_data import T0, add_logs, add_result, org_with_company
from werkzeug.datastructures import MultiDict

from sync_admin.db import session
from sync_admin.errors import ValidationError
from sync_admin.models import Company, Run
from sync_admin.queries import decode_cursor, page_size
from sync_admin.queries.catalog import entry_for, search_entries
from sync_admin.queries.failures import failure_groups, failures
from sync_admin.queries.logs import LogFilter, company_summaries, page_logs
from sync_admin.queries.results import ResultFilter, page_results
from sync_admin.queries.runs import flag_of, run_flag


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"level": "fatal"}, "level"),
        ({"type": "x"}, "type"),
        ({"date": "31/01/2026"}, "date"),
        ({"company_id": "abc"}, "company_id"),
        ({"provider": "sage"}, "provider"),
        ({"message": "ab"}, "message"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_from"),
    ],
)
def test_bad_log_filters_name_the_field(app: Flask, args: dict, field: str) -> None:
    with app.app_context(), pytest.raises(ValidationError) as err:
        LogFilter.from_args(MultiDict(args))
    assert err.value.field == field


def test_page_size_accepts_only_offered_values() -> None:
    assert page_size("50") == 50
    assert page_size(None) == 25
    for bad in ("75", "abc", "5000", "-1"):
        with pytest.raises(ValidationError):
            page_size(bad)


def test_damaged_cursor_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        decode_cursor("not-a-cursor")


def test_keyset_pages_walk_forward_and_back(app: Flask) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        ids = add_logs(cid, 60)
        f = LogFilter(company_id=cid)
        first = page_logs(f, size=25)
        assert [r.id for r in first.rows] == ids[::-1][:25]
        assert first.prev_cursor is None and first.total == 60 and not first.total_capped
        second = page_logs(f, first.next_cursor, 25)
        assert [r.id for r in second.rows] == ids[::-1][25:50]
        third = page_logs(f, second.next_cursor, 25)
        assert [r.id for r in third.rows] == ids[::-1][50:]
        assert third.next_cursor is None
        back = page_logs(f, third.prev_cursor, 25)
        assert [r.id for r in back.rows] == [r.id for r in second.rows]
        back_again = page_logs(f, back.prev_cursor, 25)
        assert [r.id for r in back_again.rows] == [r.id for r in first.rows]
        assert back_again.prev_cursor is None


def test_same_timestamp_rows_are_not_lost_between_pages(app: Flask) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        ids = []
        for _ in range(30):
            ids += add_logs(cid, 1, start=T0)
        seen = []
        cursor = None
        while True:
            page = page_logs(LogFilter(company_id=cid), cursor, 25)
            seen += [r.id for r in page.rows]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert sorted(seen) == sorted(ids)
        assert seen == sorted(ids, reverse=True)


def test_filters_narrow_and_totals_come_from_counters_or_a_capped_count(app: Flask) -> None:
    with app.app_context():
        _, (cid, other) = org_with_company(app, companies=2)
        add_logs(cid, 5)
        add_logs(cid, 3, level="error", message="No fee item mapped for line item Dues 50%")
        add_logs(cid, 2, type="milestone", message="Data sync started")
        add_logs(other, 4, level="error", message="Other company failure")
        errors = page_logs(LogFilter(company_id=cid, level="error"))
        assert errors.total == 3 and {r.level for r in errors.rows} == {"error"}
        milestones = page_logs(LogFilter(company_id=cid, type="milestone"))
        assert milestones.total == 2
        # LIKE wildcards in the search are literal: "50%" matches, "5_%" does not.
        assert len(page_logs(LogFilter(message="Dues 50%")).rows) == 3
        assert page_logs(LogFilter(message="Dues 5_%")).rows == []
        assert len(page_logs(LogFilter(message="no FEE item")).rows) == 3  # case-insensitive
        assert page_logs(LogFilter(company="acme club 2")).total == 4
        assert len(page_logs(LogFilter(external_account="OWNER@acme")).rows) == 14
        # A search whose first window held the whole scope knows its total exactly.
        searched = page_logs(LogFilter(message="no fee item"))
        assert (len(searched.rows), searched.total, searched.total_estimated) == (3, 3, False)
        assert page_logs(LogFilter(date=T0.date())).total == 14
        assert page_logs(LogFilter(date=T0.date() + timedelta(days=1))).total == 0
        assert page_logs(LogFilter(date_to=T0.date() - timedelta(days=1))).total == 0


def test_capped_count_stops_at_the_cap(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync_admin.queries import logs

    with app.app_context():
        _, (cid,) = org_with_company(app)
        add_logs(cid, 12)
        real = logs.capped_count
        monkeypatch.setattr(logs, "capped_count", lambda q: real(q, cap=10))
        page = page_logs(LogFilter(level="success"))
        assert page.total == 10 and page.total_capped and page.total_text == "10+"


def test_text_search_reads_a_window_then_the_whole_scope(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync_admin.queries import logs

    monkeypatch.setattr(logs, "SEARCH_WINDOWS", (5, 10))
    monkeypatch.setattr(logs, "COMPANY_SEARCH_WINDOWS", (5, 10))
    with app.app_context():
        _, (cid, other) = org_with_company(app, companies=2)
        old = add_logs(cid, 2, message="Gala dinner not mapped", start=T0 - timedelta(days=30))
        add_logs(cid, 40, message="Invoice synced")
        add_logs(other, 5, message="Gala dinner not mapped")
        # Common term: found in the windows of the 5, then 10 newest rows.
        common = page_logs(LogFilter(company_id=cid, message="invoice"), size=25)
        assert len(common.rows) == 25 and common.next_cursor
        rest = page_logs(LogFilter(company_id=cid, message="invoice"), common.next_cursor, 25)
        assert len(rest.rows) == 15 and rest.next_cursor is None
        # Rare term, older than the window: found through the whole company.
        rare = page_logs(LogFilter(company_id=cid, message="gala"))
        assert [r.id for r in rare.rows] == old[::-1]
        # Back from the last page of a search.
        back = page_logs(LogFilter(company_id=cid, message="invoice"), rest.prev_cursor, 25)
        assert [r.id for r in back.rows] == [r.id for r in common.rows]


def test_rare_term_search_reads_its_matches_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rare term: past a first window too thin to fill the page, one statement
    reads the page from every match and counts them (no second scan for the total)."""
    from sqlalchemy import event

    from sync_admin.queries import logs

    monkeypatch.setattr(logs, "SEARCH_WINDOWS", (5, 50))
    with app.app_context():
        _, (cid,) = org_with_company(app)
        old = add_logs(cid, 30, message="Gala dinner not mapped", start=T0 - timedelta(days=30))
        add_logs(cid, 200)
        statements: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            page = page_logs(LogFilter(message="gala"))
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert [r.id for r in page.rows] == old[::-1][:25] and page.next_cursor
        assert (page.total, page.total_capped, page.total_estimated) == (30, False, False)
        searched = [s for s in statements if "LIKE" in s.upper()]
        assert len(searched) == 2, searched  # the 5 newest rows, then every match once
        assert "count(*)" in searched[1].lower() and "matching" in searched[1]
        assert not [s for s in statements if s.lstrip().upper().startswith("EXPLAIN")]
        rest = page_logs(LogFilter(message="gala"), page.next_cursor)
        assert [r.id for r in rest.rows] == old[::-1][25:] and rest.next_cursor is None


def test_company_summaries_read_the_counters(app: Flask) -> None:
    with app.app_context():
        _, (a, b) = org_with_company(app, companies=2)
        add_logs(a, 3, level="error")
        add_logs(b, 2, type="milestone", start=T0 + timedelta(days=1))
        cards = company_summaries()
        assert [c.company_id for c in cards] == [b, a]  # most recent activity first
        assert (cards[1].logs_total, cards[1].logs_errors) == (3, 3)
        assert cards[0].logs_milestones == 2 and cards[0].provider_label == "Tiny Books"
        assert [c.company_id for c in company_summaries(company="club 1")] == [a]


def test_run_flag_colours(app: Flask) -> None:
    with app.app_context():
        assert flag_of(Run(status="succeeded", failed=0)) == "blue"
        assert flag_of(Run(status="running", failed=2)) == "orange"
        assert flag_of(Run(status="running", failed=0)) is None
        assert flag_of(Run(status="succeeded", failed=1)) == "red"
        assert flag_of(Run(status="failed", failed=0)) == "red"
        _, (cid,) = org_with_company(app)
        assert run_flag(cid) == (None, None)
        session.add(Run(company_id=cid, kind="full", trigger="manual", status="succeeded"))
        session.commit()
        assert run_flag(cid)[0] == "blue"


def test_results_default_to_the_last_successful_sync_day(app: Flask) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        company = session.get(Company, cid)
        company.last_successful_sync_at = T0
        session.commit()
        add_result(cid, "1", last_attempt_at=T0 - timedelta(days=2))
        add_result(cid, "2", last_attempt_at=T0 + timedelta(hours=1))
        add_result(cid, "3", last_attempt_at=T0 + timedelta(hours=2), link_status="unlinked")
        f = ResultFilter.from_args(MultiDict({"company_id": str(cid)}), company)
        assert f.since == date(2026, 3, 1) and f.since_is_default
        assert [r.local_id for r in page_results(f).rows] == ["3", "2"]
        everything = ResultFilter.from_args(MultiDict({"company_id": str(cid), "since": ""}))
        assert page_results(everything).total == 3
        unlinked = ResultFilter(company_id=cid, link_status="unlinked")
        assert [r.local_id for r in page_results(unlinked).rows] == ["3"]
        assert [r.local_id for r in page_results(ResultFilter(company_id=cid, q="X1")).rows] == [
            "1"
        ]
        with pytest.raises(ValidationError):
            page_results(f, size=75)


def test_failure_groups_and_fix_links(app: Flask) -> None:
    with app.app_context():
        _, (a, b) = org_with_company(app, companies=2)
        for i, cid in enumerate((a, a, b)):
            add_result(cid, f"d{i}", outcome="failed", catalog_code="tiny.duplicate_name")
        add_result(b, "t1", outcome="failed", catalog_code="tiny.token_expired")
        add_result(b, "t2", outcome="failed", catalog_code="tiny.token_expired", excluded=True)
        with app.test_request_context():
            groups = failure_groups()
        assert [(g.catalog_code, g.count, g.companies) for g in groups] == [
            ("tiny.duplicate_name", 3, 2),
            ("tiny.token_expired", 1, 1),
        ]
        assert groups[0].title == "Name already used"
        company = session.get(Company, b)
        assert groups[1].fix_url == (
            f"/sync-admin/integrations/?org={company.organization_id}"
            f"&reconnect={company.connection_id}"
        )
        assert failures(b).total == 3  # excluded ones are listed, to include them again


def test_failure_group_first_seen_is_when_the_failure_was_first_recorded(app: Flask) -> None:
    """A retry that fails again moves last_attempt_at, not the group's "first seen"."""
    with app.app_context():
        _, (a,) = org_with_company(app)
        earlier, later = T0 - timedelta(days=3), T0 + timedelta(hours=1)
        add_result(a, "r1", outcome="failed", catalog_code="tiny.duplicate_name",
                   failed_since=earlier, last_attempt_at=later)  # fmt: skip
        add_result(a, "r2", outcome="failed", catalog_code="tiny.duplicate_name",
                   failed_since=T0, last_attempt_at=T0)  # fmt: skip
        with app.test_request_context():
            (group,) = failure_groups()
        assert (group.first_seen, group.last_seen) == (earlier, later)


def test_catalog_lookup_and_search(app: Flask) -> None:
    with app.app_context():
        assert entry_for("tiny.duplicate_name").title == "Name already used"
        assert entry_for("nope.nothing") is None
        assert [e.code for e in search_entries("reconnect revoked")] == ["tiny.refresh_rejected"]
        from sync_admin import providers

        tiny = providers.get("tiny").catalog
        assert len(search_entries(provider="tiny")) == len(tiny) + 1  # and "unknown"
        assert entry_for("sync_admin.missing_mapping").title == "Mapping missing"
