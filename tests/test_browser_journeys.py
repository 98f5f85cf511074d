# ruff: noqa: F811 - fixtures imported from engine_setup
"""The issue's journeys in headless Chromium, each leaving a screenshot:
summary cards to a company's logs; an unmapped fee item followed to its mapping,
mapped, retried and green; bulk unlink with the cascade confirmation; Auto
Resync All watched through Syncing; a read-only role; provider markup as text."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from conftest import SCREENSHOTS, browser_login
from engine_setup import (
    STAFF,
    Linked,
    books,  # noqa: F401 - fixture
    engine_config,
    host_db,  # noqa: F401 - fixture
    linked,  # noqa: F401 - fixture
)
from flask import Flask
from ui_data import T0, add_logs, add_result, org_with_company

from examples.membership.data import Books
from sync_admin.db import session
from sync_admin.models import Company, SyncResult
from sync_admin.services import resync
from sync_admin.vocabulary import RunKind
from sync_admin.worker import make_worker

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return engine_config(request)


def work(app: Flask) -> None:
    make_worker(app, simple=True).work(burst=True)


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_summary_cards_to_a_companys_logs(app: Flask, live_app: Any, page: Any) -> None:
    with app.app_context():
        _, (quiet, busy) = org_with_company(app, name="Harbour Rowing", companies=2)
        add_logs(quiet, 3, type="milestone", message="Data sync finished")
        add_logs(busy, 60, message="Invoice synced")
        add_logs(
            busy,
            4,
            start=T0 + timedelta(hours=2),
            level="error",
            message="No fee item mapped for line item Gala dinner",
            body='{"Fault": {"Error": [{"Message": "fee item \'gala\' is not mapped"}]}}',
        )
    browser_login(page, live_app.url, "viewer")
    page.goto(f"{live_app.url}/sync-admin/logs/")
    cards = page.locator(".sa-summary-card")
    assert cards.count() == 2
    # Relative time rendered by sync_admin.js, the absolute time on hover.
    when = cards.first.locator("time.sa-time")
    assert re.search(r"ago|yesterday|last", when.inner_text())
    assert when.get_attribute("title")
    shot(page, "summary_cards")
    page.locator(f".sa-summary-card[data-company-id='{busy}']").click()
    page.wait_for_url(f"**/sync-admin/logs/detail?company_id={busy}")
    assert page.locator("tr.sa-log-row").count() == 25
    page.select_option("select[name=level]", "error")
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    rows = page.locator("tr.sa-log-row")
    assert rows.count() == 4
    assert all("Error" in rows.nth(i).inner_text() for i in range(4))
    page.click("a:has-text('All Companies')")
    page.wait_for_url("**/sync-admin/logs/")
    page.goto(f"{live_app.url}/sync-admin/logs/detail?company_id={busy}")
    page.click(".sa-sizes a:has-text('50')")
    page.wait_for_load_state()
    assert page.locator("tr.sa-log-row").count() == 50
    body = page.locator("tr.sa-row-error details.sa-body").first
    assert not body.locator("pre").is_visible()
    body.locator("summary").click()
    assert "is not mapped" in body.locator("pre").inner_text()
    shot(page, "log_detail")


def test_unmapped_fee_item_to_mapping_retry_and_green(
    app: Flask, live_app: Any, page: Any, linked: Linked, books: Books
) -> None:
    books.fee_item("dues", "Annual dues", "120.00")
    books.fee_item("gala", "Gala dinner", "80.00")
    ann = books.member("Ann", "Lee")
    books.invoice(ann, "INV-1", [("dues", "120.00")])
    gala_invoice = books.invoice(ann, "INV-2", [("gala", "80.00")])
    books.db.commit()
    with app.app_context():
        from sync_admin.services import mappings

        mappings.set_mapping(linked.company, "fee_item", "dues", "1", actor=STAFF)
        resync.resync_company(linked.company, actor=STAFF, kind=RunKind.FULL)
    work(app)
    browser_login(page, live_app.url, "operator")
    page.goto(f"{live_app.url}/sync-admin/failures/")
    group = page.locator("tr.sa-group").first
    assert "gala" in page.content()
    shot(page, "failure_groups")
    group.locator("a.sa-fix").click()
    page.wait_for_url("**/sync-admin/mappings/**")
    selected = page.locator("tr.sa-selected-row")
    assert selected.get_attribute("data-host-key") == "gala"
    options = selected.locator("select[name=provider_id] option:not([disabled])")
    labels = [options.nth(i).inner_text() for i in range(options.count())]
    choice = next(
        label for label in labels if "Gala" in label or "Event" in label or label != "Choose…"
    )
    selected.locator("select[name=provider_id]").select_option(label=choice)
    selected.locator("button:has-text('Save')").click()
    page.wait_for_load_state()
    assert "Mapped gala to" in page.content()
    page.goto(f"{live_app.url}/sync-admin/failures/?company_id={linked.company}")
    row = page.locator("tr.sa-failure-row:has-text('INV-2')")
    row.locator("button:has-text('Resync')").click()
    page.wait_for_load_state()
    assert "Started 1 retry" in page.content()
    work(app)
    page.goto(f"{live_app.url}/sync-admin/results/?company_id={linked.company}&since=")
    result = page.locator("tr.sa-result-row:has-text('INV-2')")
    assert "sa-outcome-synced" in result.get_attribute("class")
    assert result.locator(".sa-outcome").inner_text() == "Synced"
    with app.app_context():
        row = (
            session.query(SyncResult)
            .filter_by(local_id=str(gala_invoice.id), entity="invoice")
            .one()
        )
        assert row.outcome == "synced"
    shot(page, "sync_results")


def test_bulk_unlink_shows_the_cascade(app: Flask, live_app: Any, page: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app, name="Lakeside Tennis")
        contact = add_result(cid, "7", entity="contact", label="Ann Lee").id
        add_result(cid, "70", label="INV-70", facts={"depends_on": ["contact:7"]})
        add_result(
            cid, "700", entity="payment", label="PAY-700", facts={"depends_on": ["invoice:70"]}
        )
    browser_login(page, live_app.url, "operator")
    page.goto(f"{live_app.url}/sync-admin/results/?company_id={cid}&since=")
    page.check(f"input[name=result_ids][value='{contact}']")
    page.click("button[value=unlink]")
    page.wait_for_load_state()
    assert page.locator("h2").inner_text() == "Unlink 3 records?"
    assert page.locator("tr.sa-cascade-dependent").count() == 2
    shot(page, "unlink_cascade")
    page.click("#sa-confirm-unlink")
    page.wait_for_load_state()
    assert "Unlinked 1 record(s) and 2 dependent record(s)" in page.content()
    statuses = page.locator(".sa-link-status")
    assert {statuses.nth(i).inner_text() for i in range(statuses.count())} == {"Unlinked"}


def test_auto_resync_all_moves_through_syncing(
    app: Flask, live_app: Any, page: Any, linked: Linked, books: Books
) -> None:
    for i in range(4):
        books.member(f"Member{i}", "Rower")
    books.db.commit()
    linked.state["latency"] = 1.0  # every provider call takes a while: the run is watchable
    browser_login(page, live_app.url, "operator")
    page.goto(f"{live_app.url}/sync-admin/data-feed/")
    status = page.locator(f"tr[data-company-id='{linked.company}'] .sa-status")
    assert status.inner_text() == "Needs Resync"
    # The host company column names the host product's company (through the host adapter).
    cells = page.locator(f"tr[data-company-id='{linked.company}'] td")
    assert cells.nth(4).inner_text() == "Acme Club"
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#sa-auto-resync-all")
    page.wait_for_load_state()
    assert "Started 1 resync" in page.content()
    # Record every status the poller shows while the worker runs in this process.
    page.evaluate(
        """(id) => { window.__seen = [];
          const node = document.querySelector(`tr[data-company-id='${id}'] .sa-status-cell`);
          new MutationObserver(() => window.__seen.push(node.innerText.trim()))
            .observe(node, {subtree: true, childList: true, characterData: true}); }""",
        linked.company,
    )
    work(app)
    page.wait_for_function(
        "() => !document.getElementById('sa-recent-panel').hidden", timeout=15000
    )
    status = page.locator(f"tr[data-company-id='{linked.company}'] .sa-status")
    page.wait_for_function(
        "(id) => document.querySelector(`tr[data-company-id='${id}'] .sa-status`).innerText !== 'Needs Resync'",
        arg=linked.company,
    )
    seen = page.evaluate("() => window.__seen")
    with app.app_context():
        final = session.get(Company, linked.company).status
    assert final in ("synced", "needs_resync")
    assert status.inner_text() == {"synced": "Synced", "needs_resync": "Needs Resync"}[final]
    assert any(text.startswith("Syncing") for text in seen), seen
    # The row's progress bar went with the run.
    assert page.locator(f"tr[data-company-id='{linked.company}'] .sa-progress").count() == 0
    shot(page, "data_feed_after_resync")


def test_read_only_role_sees_no_actions_and_forged_posts_fail(
    app: Flask, live_app: Any, page: Any
) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app, name="Quiet Club")
        failed = add_result(cid, "5", outcome="failed", catalog_code="tiny.duplicate_name").id
    browser_login(page, live_app.url, "viewer")
    for path in (
        "/sync-admin/data-feed/",
        f"/sync-admin/results/?company_id={cid}&since=",
        f"/sync-admin/failures/?company_id={cid}",
        "/sync-admin/failures/",
        f"/sync-admin/mappings/?company_id={cid}",
    ):
        page.goto(live_app.url + path)
        assert page.locator("form[method=post]").count() == 0, path
    shot(page, "viewer_no_actions")
    # A forged POST from the viewer's own session, with a valid CSRF token, is refused.
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    status = page.evaluate(
        """async ([url, token, id]) => {
          const body = new URLSearchParams({csrf_token: token, op: "exclude", result_ids: id});
          const r = await fetch(url, {method: "POST", body, redirect: "manual"});
          return r.status; }""",
        [f"{live_app.url}/sync-admin/results/bulk", token, str(failed)],
    )
    assert status == 403
    with app.app_context():
        assert session.get(SyncResult, failed).excluded is False


def test_provider_markup_shows_as_text(app: Flask, live_app: Any, page: Any) -> None:
    evil = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
    with app.app_context():
        _, (cid,) = org_with_company(app, name="Markup Club")
        add_logs(cid, 1, level="error", message=f"Provider said {evil}", body=evil)
        add_result(cid, "9", outcome="failed", details=evil, response_body=evil)
    browser_login(page, live_app.url, "viewer")
    page.goto(f"{live_app.url}/sync-admin/logs/detail?company_id={cid}")
    page.locator("details.sa-body summary").first.click()
    assert evil in page.locator("tr.sa-log-row").first.inner_text()
    assert page.locator("tr.sa-log-row img").count() == 0
    page.goto(f"{live_app.url}/sync-admin/results/?company_id={cid}&since=")
    page.locator("details.sa-more summary").first.click()
    assert page.locator("tr.sa-result-row img").count() == 0
    assert "pwned" not in page.title()
    shot(page, "markup_as_text")
