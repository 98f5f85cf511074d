"""The issue's journeys in headless Chromium against the demo's data (``demo`` fixture: the
sandboxes, clubs, first and second syncs as ``sync-admin demo`` builds them), each leaving a
screenshot. The journeys that only read come first; those that change the demo (map and
retry, unlink, Auto Resync All) come last, each on records the others do not look at."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from conftest import SCREENSHOTS, browser_login
from demo_setup import Demo
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examples.membership import models as host
from sync_admin.db import get_db, session
from sync_admin.demo import MARKUP_ITEM_NAME
from sync_admin.models import Company, Log, Run, SyncResult

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def result_of(demo: Demo, provider: str, case: str, failed: bool = True) -> SyncResult:
    """The sync result of one of the demo's documented error cases (``Cases`` by name)."""
    club = demo.club(provider)
    entity, local_id = (club.cases.failed if failed else club.cases.skipped)[case]
    with demo.app.app_context():
        row = session.scalars(
            select(SyncResult).where(
                SyncResult.company_id == club.company_id,
                SyncResult.entity == entity,
                SyncResult.local_id == local_id,
            )
        ).one()
        session.expunge(row)
        return row


def host_engine(demo: Demo) -> Any:
    """The membership product's database (the demo's host keeps its tables beside ours)."""
    with demo.app.app_context():
        return get_db().engine


def test_summary_cards_to_a_companys_logs(demo: Demo, page: Any) -> None:
    company = demo.company("quickbooks")
    with demo.app.app_context():
        names = set(session.scalars(select(Company.name)))
        total = session.scalar(select(func.count()).where(Log.company_id == company.id))
        errors = session.scalar(
            select(func.count()).where(Log.company_id == company.id, Log.level == "error")
        )
    assert total > 25 and 0 < errors < 25, (total, errors)
    browser_login(page, demo.url, "viewer")
    page.goto(f"{demo.url}/sync-admin/logs/")
    cards = page.locator(".sa-summary-card")
    assert cards.count() == len(demo.clubs)
    titles = cards.locator(".sa-card-title")
    assert {titles.nth(i).inner_text() for i in range(titles.count())} == names
    card = page.locator(f".sa-summary-card[data-company-id='{company.id}']")
    assert card.locator(".sa-count-total").inner_text() == str(total)
    assert card.locator(".sa-count-errors").inner_text() == str(errors)
    # Relative time rendered by sync_admin.js, the absolute time on hover.
    when = card.locator("time.sa-time")
    assert re.search(r"ago|now|yesterday|last", when.inner_text()), when.inner_text()
    assert when.get_attribute("title")
    shot(page, "summary_cards")
    card.click()
    page.wait_for_url(f"**/sync-admin/logs/detail?company_id={company.id}")
    assert page.locator("tr.sa-log-row").count() == 25
    page.select_option("select[name=level]", "error")
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    rows = page.locator("tr.sa-log-row")
    assert rows.count() == errors
    assert all("Error" in rows.nth(i).inner_text() for i in range(errors))
    page.click("a:has-text('All Companies')")
    page.wait_for_url("**/sync-admin/logs/")
    page.goto(f"{demo.url}/sync-admin/logs/detail?company_id={company.id}")
    page.click(".sa-sizes a:has-text('50')")
    page.wait_for_load_state()
    assert page.locator("tr.sa-log-row").count() == min(total, 50)
    row = page.locator("tr.sa-row-error:has(details.sa-body)").first
    body = row.locator("details.sa-body")
    assert not body.locator("pre").is_visible()
    # It looks expandable: the disclosure triangle Bootstrap's summary{display:block} hides.
    assert body.locator("summary").evaluate("e => getComputedStyle(e).display") == "list-item"
    body.locator("summary").click()
    assert body.locator("pre").is_visible()
    with demo.app.app_context():
        stored = session.get(Log, int(row.get_attribute("data-log-id"))).body
    assert body.locator("pre").inner_text().split() == stored[:20000].split()
    shot(page, "log_detail")


def test_provider_markup_shows_as_text(demo: Demo, page: Any) -> None:
    """QuickBooks echoes the Bad Debt item's name, which a QuickBooks user typed with
    markup, in the write-off error: the log, the sync result and its facts show it as text."""
    company = demo.company("quickbooks")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, demo.url, "viewer")
    page.goto(
        f"{demo.url}/sync-admin/logs/detail?company_id={company.id}&level=error"
        "&message=no+income+account"
    )
    rows = page.locator("tr.sa-log-row")
    assert rows.count() == 1
    assert MARKUP_ITEM_NAME in rows.first.inner_text()
    assert page.locator("tr.sa-log-row b, tr.sa-log-row img").count() == 0
    page.goto(f"{demo.url}/sync-admin/results/?company_id={company.id}&since=&q=no+income+account")
    assert page.locator("tr.sa-result-row").count() == 1
    summary = page.locator("details.sa-more summary").first
    assert summary.evaluate("e => getComputedStyle(e).display") == "list-item"
    summary.click()
    more = page.locator("details.sa-more").first
    assert MARKUP_ITEM_NAME in more.inner_text()
    assert page.locator("tr.sa-result-row b, tr.sa-result-row img").count() == 0
    assert dialogs == [], "the provider's onerror handler ran"
    shot(page, "markup_as_text")


def test_read_only_role_sees_no_actions_and_forged_posts_fail(demo: Demo, page: Any) -> None:
    company = demo.company("quickbooks")
    failed = result_of(demo, "quickbooks", "unmapped fee item")
    browser_login(page, demo.url, "viewer")
    for path in (
        "/sync-admin/data-feed/",
        f"/sync-admin/results/?company_id={company.id}&since=",
        f"/sync-admin/failures/?company_id={company.id}",
        "/sync-admin/failures/",
        f"/sync-admin/mappings/?company_id={company.id}",
    ):
        page.goto(demo.url + path)
        assert page.locator("form[method=post]").count() == 0, path
        assert page.locator("button:has-text('Resync'), button:has-text('Retry')").count() == 0
    shot(page, "viewer_no_actions")
    # A forged POST from the viewer's own session, with a valid CSRF token, is refused.
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    status = page.evaluate(
        """async ([url, token, id]) => {
          const body = new URLSearchParams({csrf_token: token, op: "exclude", result_ids: id});
          const r = await fetch(url, {method: "POST", body, redirect: "manual"});
          return r.status; }""",
        [f"{demo.url}/sync-admin/results/bulk", token, str(failed.id)],
    )
    assert status == 403
    with demo.app.app_context():
        assert session.get(SyncResult, failed.id).excluded is False


def test_a_local_id_opens_the_host_record(demo: Demo, page: Any) -> None:
    """Sync Results' local id links into the membership product's record page."""
    company = demo.company("quickbooks")
    failed = result_of(demo, "quickbooks", "unmapped fee item")
    with Session(host_engine(demo)) as db:
        invoice = db.get(host.Invoice, int(failed.local_id))
        member = db.get(host.Member, invoice.member_id)
        number, name = invoice.number, f"{member.first_name} {member.last_name}"
    browser_login(page, demo.url, "viewer")
    page.goto(f"{demo.url}/sync-admin/results/?company_id={company.id}&since=&q={number}")
    row = page.locator(f"tr.sa-result-row[data-result-id='{failed.id}']")
    link = row.locator(f"a[href='/membership/invoice/{failed.local_id}']")
    with page.context.expect_page() as opened:
        link.click()
    record = opened.value
    record.wait_for_load_state()
    assert record.locator("h2").inner_text() == f"Invoice #{failed.local_id}: {number}"
    record.click(f"a[href='/membership/contact/{member.id}']")
    record.wait_for_load_state()
    assert record.locator("h2").inner_text() == f"Member #{member.id}: {name}"
    assert record.locator(f".mb-invoice-list a:has-text('{number}')").count() == 1
    shot(record, "host_record_page")
    record.close()
    # A failure group whose fix is in the host ("Open the record") links to the same pages.
    page.goto(f"{demo.url}/sync-admin/failures/")
    fix = page.locator("tr.sa-group[data-code='sync_admin.field_too_long'] a.sa-fix")
    assert fix.inner_text() == "Open the record"
    href = fix.get_attribute("href")
    assert re.fullmatch(r"/membership/(contact|invoice)/\d+", href), href
    assert page.request.get(demo.url + href).status == 200


# --- journeys that change the demo --------------------------------------------------


def test_unmapped_fee_item_to_mapping_retry_and_green(demo: Demo, page: Any) -> None:
    company = demo.company("quickbooks")
    failed = result_of(demo, "quickbooks", "unmapped fee item")
    assert failed.outcome == "failed" and failed.catalog_code == "qbo.fee_item_not_mapped"
    with Session(host_engine(demo)) as db:
        number = db.get(host.Invoice, int(failed.local_id)).number
    browser_login(page, demo.url, "operator")
    page.goto(f"{demo.url}/sync-admin/failures/")
    group = page.locator("tr.sa-group[data-code='qbo.fee_item_not_mapped']")
    assert group.locator("a.sa-fix").inner_text() == "Map the fee item"
    shot(page, "failure_groups")
    group.locator("a.sa-fix").click()
    page.wait_for_url("**/sync-admin/mappings/**")
    selected = page.locator("tr.sa-selected-row")
    assert selected.get_attribute("data-host-key") == "merch"
    options = selected.locator("select[name=provider_id] option:not([disabled])")
    labels = [options.nth(i).inner_text() for i in range(options.count())]
    # The sandbox company has no merchandise item: staff book it as general services.
    choice = next(label for label in labels if label.startswith("Services"))
    selected.locator("select[name=provider_id]").select_option(label=choice)
    selected.locator("button:has-text('Save')").click()
    page.wait_for_load_state()
    assert f"Mapped merch to {choice}" in page.content()
    page.goto(f"{demo.url}/sync-admin/failures/?company_id={company.id}")
    row = page.locator(f"tr.sa-failure-row[data-result-id='{failed.id}']")
    assert number in row.inner_text()
    row.locator("button:has-text('Resync')").click()
    page.wait_for_load_state()
    assert "Started 1 retry" in page.content()
    demo.work()
    page.goto(f"{demo.url}/sync-admin/results/?company_id={company.id}&since=&q={number}")
    result = page.locator(f"tr.sa-result-row[data-result-id='{failed.id}']")
    assert "sa-outcome-synced" in result.get_attribute("class")
    assert result.locator(".sa-outcome").inner_text() == "Synced"
    with demo.app.app_context():
        row = session.get(SyncResult, failed.id)
        assert (row.outcome, row.catalog_code) == ("synced", None)
        assert row.external_id
    shot(page, "sync_results")


def test_bulk_unlink_shows_the_cascade(demo: Demo, page: Any) -> None:
    """A Xero club member with a synced invoice and payment: unlinking the contact shows
    both documents before confirming, and unlinks all three."""
    company = demo.company("xero")
    with demo.app.app_context():
        synced = {
            (r.entity, r.local_id): r
            for r in session.scalars(
                select(SyncResult).where(
                    SyncResult.company_id == company.id, SyncResult.outcome == "synced"
                )
            )
        }
    with Session(host_engine(demo)) as db:
        member = invoice = payment = None
        for candidate in db.scalars(
            select(host.Member).where(host.Member.org_key == company.host_company_key)
        ):
            invoices = db.scalars(
                select(host.Invoice).where(host.Invoice.member_id == candidate.id)
            ).all()
            payments = db.scalars(
                select(host.Payment).where(host.Payment.member_id == candidate.id)
            ).all()
            documents = [("invoice", i) for i in invoices] + [("payment", p) for p in payments]
            if (
                len(invoices) == len(payments) == 1
                and ("contact", str(candidate.id)) in synced
                and all((e, str(d.id)) in synced for e, d in documents)
            ):
                member, invoice, payment = candidate, invoices[0], payments[0]
                break
        assert member is not None, "the demo has a member with a synced invoice and payment"
    contact = synced[("contact", str(member.id))]
    browser_login(page, demo.url, "operator")
    page.goto(
        f"{demo.url}/sync-admin/results/?company_id={company.id}&since=&entity=contact"
        f"&q={member.id}"
    )
    page.check(f"input[name=result_ids][value='{contact.id}']")
    page.click("button[value=unlink]")
    page.wait_for_load_state()
    assert page.locator("h2").inner_text() == "Unlink 3 records?"
    dependents = page.locator("tr.sa-cascade-dependent")
    assert dependents.count() == 2
    text = " ".join(dependents.nth(i).inner_text() for i in range(2))
    assert invoice.number in text and payment.reference in text
    shot(page, "unlink_cascade")
    page.click("#sa-confirm-unlink")
    page.wait_for_load_state()
    assert "Unlinked 1 record(s) and 2 dependent record(s)" in page.content()
    with demo.app.app_context():
        ids = [
            contact.id,
            synced[("invoice", str(invoice.id))].id,
            synced[("payment", str(payment.id))].id,
        ]
        states = session.scalars(select(SyncResult.link_status).where(SyncResult.id.in_(ids)))
        assert set(states) == {"unlinked"}


def test_auto_resync_all_moves_through_syncing(demo: Demo, page: Any) -> None:
    """The demo's companies need a resync (documented errors); every QuickBooks call takes
    a second in the sandbox, so the run is watchable on the Data Feed."""
    with demo.app.app_context():
        needing = set(session.scalars(select(Company.id).where(Company.status == "needs_resync")))
        last_run = session.scalar(select(func.max(Run.id)))
    watched = demo.company("quickbooks")
    assert watched.id in needing
    sandbox = demo.sandboxes["quickbooks"]
    requests.post(f"{sandbox}/_sandbox/limits", json={"latency": 0.5}, timeout=5)
    try:
        browser_login(page, demo.url, "operator")
        page.goto(f"{demo.url}/sync-admin/data-feed/")
        row = page.locator(f"tr[data-company-id='{watched.id}']")
        assert row.locator(".sa-status").inner_text() == "Needs Resync"
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("#sa-auto-resync-all")
        page.wait_for_load_state()
        # Every company that needs it starts, but those whose connection the provider's
        # user cut in the demo (they need reconnecting first), which are named as not started.
        flashed = page.locator(".alert").all_inner_texts()
        started = re.search(r"Started (\d+) resync", " ".join(flashed))
        assert started, flashed
        with demo.app.app_context():
            runs = session.scalars(select(Run).where(Run.id > last_run, Run.kind == "resync")).all()
        assert watched.id in {r.company_id for r in runs}
        assert int(started.group(1)) == len(runs) and {r.company_id for r in runs} <= needing
        # Record every status the poller shows while the worker runs in this process.
        page.evaluate(
            """(id) => { window.__seen = [];
              const node = document.querySelector(`tr[data-company-id='${id}'] .sa-status-cell`);
              new MutationObserver(() => window.__seen.push(node.innerText.trim()))
                .observe(node, {subtree: true, childList: true, characterData: true}); }""",
            watched.id,
        )
        demo.work()
    finally:
        requests.post(f"{sandbox}/_sandbox/limits", json={"latency": 0}, timeout=5)
    page.wait_for_function(
        "() => !document.getElementById('sa-recent-panel').hidden", timeout=15000
    )
    page.wait_for_function(
        "(id) => !document.querySelector(`tr[data-company-id='${id}'] .sa-status`)"
        ".innerText.startsWith('Syncing')",
        arg=watched.id,
    )
    seen = page.evaluate("() => window.__seen")
    assert any(text.startswith("Syncing") for text in seen), seen
    with demo.app.app_context():
        final = session.get(Company, watched.id).status
    # The documented errors are still there: the company needs a resync again.
    assert final == "needs_resync"
    assert row.locator(".sa-status").inner_text() == "Needs Resync"
    assert row.locator(".sa-progress").count() == 0
    shot(page, "data_feed_after_resync")
