# ruff: noqa: F811 - fixtures imported from engine_setup
"""The engine with the QuickBooks plugin against its sandbox on a real port: connect through the
consent page, a full run with the membership host and a real RQ worker, QuickBooks' own errors
classified on the records, then an incremental run through an expired token and a flaky API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from conftest import LiveServer, login
from engine_setup import (
    ENGINE_CONFIG,
    STAFF,
    books,  # noqa: F401 - fixture
    check_counters,
    host_db,  # noqa: F401 - fixture
    messages,
    results,
)
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from examples.membership.data import Books
from sync_admin import oauth
from sync_admin.db import session
from sync_admin.models import Company, Connection, Organization, Run
from sync_admin.services import mappings, resync, support_bundle
from sync_admin.vocabulary import RunKind
from sync_admin.worker import make_worker

REALM = "9130354467721571"
REDIRECT = "http://127.0.0.1/sync-admin/connect/quickbooks/callback"


@pytest.fixture
def qbo_sandbox() -> Iterator[LiveServer]:
    from sync_admin_quickbooks import provider

    app = provider.sandbox_app()
    with LiveServer(app) as server:
        server.app = app  # type: ignore[attr-defined] - the sandbox's state: app.sandbox
        yield server


@pytest.fixture
def app_config(qbo_sandbox: LiveServer) -> dict[str, Any]:
    return {
        **ENGINE_CONFIG,
        "SYNC_ADMIN_PROVIDERS": "quickbooks",
        "SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL": qbo_sandbox.url,
        "SYNC_ADMIN_QUICKBOOKS_CLIENT_ID": "sync-admin-tests",
        "SYNC_ADMIN_QUICKBOOKS_CLIENT_SECRET": "not-a-real-secret",
    }


@pytest.fixture
def company(app: Flask, qbo_sandbox: LiveServer) -> int:
    """A connection made through the sandbox's consent page; its realm linked to 'acme'."""
    with app.app_context():
        organization = Organization(name="Acme Club", host_key="acme")
        session.add(organization)
        session.commit()
        org_id = organization.id
    with app.test_request_context():
        url = oauth.begin("quickbooks", org_id, REDIRECT)
        consent = dict(parse_qsl(urlsplit(url).query))
        assert requests.get(url, timeout=5).status_code == 200
        answer = requests.post(
            f"{qbo_sandbox.url}/connect/oauth2",
            data={**consent, "realm": REALM, "decision": "approve"},
            allow_redirects=False,
            timeout=5,
        )
        args = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
        result = oauth.complete("quickbooks", args, STAFF)
        assert result.connection.external_account == "owner@sandbox.example"
        [linked] = result.linked
        assert (linked.provider_company_id, linked.name) == (REALM, "Sandbox Company US 1")
        linked.host_company_key = "acme"
        session.commit()
        return linked.id


def work(app: Flask) -> None:
    make_worker(app, simple=True).work(burst=True)


def qbo_state(server: LiveServer) -> Any:
    return server.app.sandbox.realm(REALM)


def test_full_then_incremental_run_against_the_quickbooks_sandbox(
    app: Flask, company: int, books: Books, host_db: Session, qbo_sandbox: LiveServer
) -> None:
    books.fee_item("dues", "Annual dues", "150.00")
    books.fee_item("gala", "Gala dinner", "45.00")
    books.fee_item("raffle", "Raffle", "5.00")  # never mapped
    ann = books.member("Ann", "Lee")
    pam = books.member("Pam", "Seitz")  # a vendor in QuickBooks has this name
    bob = books.member("Bob", "Stone")
    inv1 = books.invoice(ann, "1001", [("dues", "150.00"), ("gala", "45.00")])
    inv2 = books.invoice(bob, "1001", [("dues", "150.00")])  # the same number, another member
    inv3 = books.invoice(bob, "1002", [("raffle", "5.00")])
    inv4 = books.invoice(pam, "1003", [("dues", "150.00")])  # its contact fails
    pay1 = books.payment(ann, "P-1", [(inv1, "150.00")])
    pay2 = books.payment(bob, "P-2", [(inv2, "150.00")])  # its invoice never synced
    credit = books.credit_note(ann, "CN-1", [("gala", "45.00")], invoice=inv1)
    write_off = books.write_off(ann, inv1, "45.00")
    books.db.commit()
    with app.app_context():
        for key, item in (("dues", "2"), ("gala", "3")):
            mappings.set_mapping(company, "fee_item", key, item, actor=STAFF)
        mappings.set_mapping(company, "bad_debt", "default", "7", actor=STAFF)
        run_id = resync.resync_company(company, actor=STAFF, kind=RunKind.FULL).id
    work(app)
    with app.app_context():
        run = session.get(Run, run_id)
        got = results(company)

        def outcome(entity: str, row: Any) -> tuple[str, str | None]:
            r = got[(entity, str(row.id))]
            return r.outcome, r.catalog_code

        assert outcome("contact", ann) == ("synced", None)
        assert outcome("contact", pam) == ("failed", "qbo.duplicate_name")
        assert got[("contact", str(pam.id))].facts["conflict_kind"] == "vendor"
        assert outcome("invoice", inv1) == ("synced", None)
        assert outcome("invoice", inv2) == ("failed", "qbo.invoice_exists")
        assert outcome("invoice", inv3) == ("failed", "qbo.fee_item_not_mapped")
        assert outcome("invoice", inv4)[0] == "skipped"
        assert outcome("payment", pay1) == ("synced", None)
        assert outcome("payment", pay2) == ("skipped", "qbo.payment_invoice_not_synced")
        assert outcome("credit_note", credit) == ("synced", None)
        assert outcome("write_off", write_off) == ("synced", None)
        assert run.status == "succeeded" and run.flag == "red"
        assert messages(company, "milestone")[0] == "Data sync started"
        check_counters(company)
        # What QuickBooks holds: one of each synced record, linked by id.
        realm = qbo_state(qbo_sandbox)
        invoice = realm.table("Invoice")[got[("invoice", str(inv1.id))].external_id]
        assert invoice["DocNumber"] == "1001" and invoice["Balance"] == 45.0
        names = [c["DisplayName"] for c in realm.table("Customer").values()]
        assert names.count("Ann Lee") == 1 and names.count("Bob Stone") == 1
        wo = realm.table("CreditMemo")[got[("write_off", str(write_off.id))].external_id]
        assert wo["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == "7"
        # The chart of accounts and items were pulled for the mapping screens.
        company_row = session.get(Company, company)
        assert "pull:item" in company_row.cursors
        connection_id = company_row.connection_id
        version = session.get(Connection, connection_id).token_version

    # Staff follow the fix text: change the member's first name in the host product. Meanwhile
    # QuickBooks expires the token and answers the next two calls with its 503 page.
    books.touch(pam, first_name="Pamela")
    books.db.commit()
    qbo_sandbox.app.sandbox.inject(REALM, "expire_token")
    qbo_sandbox.app.sandbox.inject(REALM, "html_503", 2)
    with app.app_context():
        second = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    with app.app_context():
        run = session.get(Run, second)
        assert run.status == "succeeded", run.status
        got = results(company)
        assert got[("contact", str(pam.id))].outcome == "synced"
        assert got[("invoice", str(inv4.id))].outcome == "synced"  # it waited for its contact
        assert session.get(Connection, connection_id).token_version == version + 1
    stats = qbo_sandbox.app.sandbox.stats()
    assert stats["token_calls"]["refresh_token"] == 1
    assert stats["realms"][REALM]["injected"] == 2
    names = [c["DisplayName"] for c in qbo_state(qbo_sandbox).table("Customer").values()]
    assert names.count("Pamela Seitz") == 1
    vendors = [v["DisplayName"] for v in qbo_state(qbo_sandbox).table("Vendor").values()]
    assert "Pam Seitz" in vendors


def test_a_revoked_app_stops_the_run_and_asks_for_reconnection(
    app: Flask, company: int, books: Books, host_db: Session, qbo_sandbox: LiveServer
) -> None:
    """QuickBooks disconnects the app: the access token is refused, the refresh answers
    invalid_grant with the stored token unchanged, so staff must reconnect; disconnecting
    afterwards revokes the grant at QuickBooks."""
    books.member("Ann", "Lee")
    books.db.commit()
    qbo_sandbox.app.sandbox.inject(REALM, "revoke_app")
    qbo_sandbox.app.sandbox.inject(REALM, "expire_token")
    with app.app_context():
        run_id = resync.resync_company(company, actor=STAFF, kind=RunKind.FULL).id
    work(app)
    with app.app_context():
        run = session.get(Run, run_id)
        assert run.status == "failed", run.status
        connection = session.get(Connection, session.get(Company, company).connection_id)
        assert connection.status == "needs_reconnect"
        assert "invalid_grant" in (connection.last_error or "")
        assert session.get(Company, company).status == "needs_resync"
        assert messages(company)[-1] == (
            "Data sync stopped: QuickBooks connection must be reconnected: invalid_grant: "
            "Token invalid"
        )
        oauth.disconnect(connection.id, STAFF)
        assert session.get(Connection, connection.id).status == "disconnected"
    assert qbo_sandbox.app.sandbox.stats()["token_calls"]["revoke"] == 1


def _qbo_as_user(server: LiveServer, app: Flask, company: int, path: str, body: Any) -> Any:
    """A QuickBooks user's change through the real API (delete, void), with the company's token."""
    from sync_admin.tokens import ConnectionTokens

    with app.app_context():
        token = ConnectionTokens(session.get(Company, company).connection_id).access_token()
    answer = requests.post(
        f"{server.url}/v3/company/{REALM}/{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_incremental_runs_read_one_cdc_answer_and_apply_quickbooks_changes(
    app: Flask, company: int, books: Books, host_db: Session, qbo_sandbox: LiveServer
) -> None:
    """Staff change QuickBooks between syncs: an item made inactive, an account renamed, a
    customer edited, an invoice deleted. The next incremental run reads all of it from one CDC
    call, updates the reference data, keeps the customer's new SyncToken, fails the deleted
    invoice with its catalog entry (a retry creates a fresh copy), and an incremental run with
    nothing changed makes exactly one call."""
    from sync_admin.models import ReferenceObject

    books.fee_item("dues", "Annual dues", "150.00")
    books.fee_item("gala", "Gala dinner", "45.00")
    ann = books.member("Ann", "Lee")
    bob = books.member("Bob", "Stone")
    kept = books.invoice(ann, "2001", [("dues", "150.00")])
    doomed = books.invoice(bob, "2002", [("dues", "150.00")])
    books.db.commit()
    with app.app_context():
        for key, item in (("dues", "2"), ("gala", "3")):
            mappings.set_mapping(company, "fee_item", key, item, actor=STAFF)
        full = resync.resync_company(company, actor=STAFF, kind=RunKind.FULL).id
    work(app)
    with app.app_context():
        assert session.get(Run, full).flag == "blue"
        got = results(company)
        ann_row = got[("contact", str(ann.id))]
        ann_id, ann_version = ann_row.external_id, ann_row.external_version
        doomed_id = got[("invoice", str(doomed.id))].external_id
        kept_id = got[("invoice", str(kept.id))].external_id
        cursor = session.get(Company, company).cursors["changes"]
        assert cursor > session.get(Run, full).started_at.isoformat(), "past the run's own writes"

    realm = qbo_state(qbo_sandbox)
    account = realm.table("Account")["1"]
    base = f"{qbo_sandbox.url}/_sandbox/records/{REALM}"
    for entity, body in (
        ("item", {"Id": "3", "Active": False}),
        ("account", {"Id": "1", "Name": "Membership income"}),
        ("customer", {"Id": ann_id, "Notes": "prefers email"}),
    ):
        assert requests.post(f"{base}/{entity}", json=body, timeout=5).status_code == 200
    invoice = realm.table("Invoice")[doomed_id]
    _qbo_as_user(
        qbo_sandbox,
        app,
        company,
        "invoice?operation=delete",
        {"Id": doomed_id, "SyncToken": invoice["SyncToken"]},
    )
    qbo_sandbox.app.sandbox.reset_stats()
    with app.app_context():
        second = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    calls = qbo_sandbox.app.sandbox.stats()["realms"][REALM]
    with app.app_context():
        run = session.get(Run, second)
        assert (run.status, run.flag) == ("succeeded", "red"), run.message
        assert calls["calls"] == 1, calls  # one CDC answer for items, accounts and pushes
        items = {
            r.external_id: r
            for r in session.scalars(
                select(ReferenceObject).where(ReferenceObject.company_id == company)
            )
            if r.entity == "item"
        }
        assert items["3"].active is False
        renamed = session.scalars(
            select(ReferenceObject).where(
                ReferenceObject.company_id == company,
                ReferenceObject.entity == "account",
                ReferenceObject.external_id == "1",
            )
        ).one()
        assert renamed.name == "Membership income"
        story = messages(company)
        assert any(
            f"account '{account['Name']}' renamed to 'Membership income'" in m for m in story
        ), story
        assert any("made inactive" in m and "item '" in m for m in story), story
        assert "1 contact changed in QuickBooks Online since the last sync: Ann Lee" in story
        got = results(company)
        ann_row = got[("contact", str(ann.id))]
        assert ann_row.outcome == "synced"
        assert ann_row.external_version == str(int(ann_version) + 1)
        gone = got[("invoice", str(doomed.id))]
        assert (gone.outcome, gone.catalog_code, gone.external_id) == (
            "failed",
            "sync_admin.deleted_in_provider",
            None,
        )
        assert gone.facts["removed_external_id"] == doomed_id
        assert gone.facts["provider_status"] == "deleted"
        assert got[("invoice", str(kept.id))].outcome == "synced"
        assert session.get(Company, company).status == "needs_resync"
        check_counters(company)

    # Nothing changed since: one CDC call, nothing imported, nothing reported.
    qbo_sandbox.app.sandbox.reset_stats()
    with app.app_context():
        quiet = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    assert qbo_sandbox.app.sandbox.stats()["realms"][REALM]["calls"] == 1
    with app.app_context():
        assert session.get(Run, quiet).status == "succeeded"
        assert "Imported 0 reference records" in messages(company)

    # Staff retry the deleted invoice: a fresh copy is created in QuickBooks.
    with app.app_context():
        from sync_admin.services import records as record_services

        record_services.retry([gone.id], actor=STAFF)
    work(app)
    with app.app_context():
        again = results(company)[("invoice", str(doomed.id))]
        assert again.outcome == "synced" and again.external_id not in (None, doomed_id)
    numbers = [i["DocNumber"] for i in qbo_state(qbo_sandbox).table("Invoice").values()]
    assert numbers.count("2002") == 1 and numbers.count("2001") == 1
    assert kept_id in qbo_state(qbo_sandbox).table("Invoice")


def test_a_cursor_older_than_cdc_keeps_falls_back_to_full_pulls(
    app: Flask, company: int, books: Books, host_db: Session, qbo_sandbox: LiveServer
) -> None:
    """QuickBooks keeps 30 days of changes: an older cursor is refused (4001), the run says so,
    imports the reference data whole and starts a fresh cursor."""
    from datetime import UTC, datetime, timedelta

    books.db.commit()  # the club, with nothing to push
    with app.app_context():
        row = session.get(Company, company)
        old = (datetime.now(UTC) - timedelta(days=45)).isoformat()
        row.cursors = {"changes": old, "pull:tax_rate": datetime.now(UTC).isoformat()}
        session.commit()
        run_id = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    qbo_sandbox.app.sandbox.reset_stats()
    work(app)
    calls = qbo_sandbox.app.sandbox.stats()["realms"][REALM]["calls"]
    with app.app_context():
        run = session.get(Run, run_id)
        assert (run.status, run.flag) == ("succeeded", "blue"), run.message
        story = messages(company)
        assert any("no longer keeps changes since" in m for m in story), story
        assert calls == 3, calls  # the refused CDC call, then accounts and items whole
        cursors = session.get(Company, company).cursors
        assert cursors["changes"] > old and cursors["pull:item"] > old


def test_an_invoice_whose_payment_moved_its_sync_token_updates_after_one_stale_answer(
    app: Flask, company: int, books: Books, host_db: Session, qbo_sandbox: LiveServer
) -> None:
    """QuickBooks moves an invoice's SyncToken when a payment is applied to it, after the
    sync stored the invoice's version. The club then edits the invoice: QuickBooks answers
    5010 Stale Object, and the retry reads the current version instead of sending the same
    stale one again (seed 002's 'Retry: the sync reads the current version')."""
    books.fee_item("dues", "Annual dues", "150.00")
    ann = books.member("Ann", "Lee")
    invoice = books.invoice(ann, "3001", [("dues", "150.00")])
    books.payment(ann, "P-3001", [(invoice, "50.00")])
    books.db.commit()
    with app.app_context():
        mappings.set_mapping(company, "fee_item", "dues", "2", actor=STAFF)
        resync.resync_company(company, actor=STAFF, kind=RunKind.FULL)
    work(app)
    with app.app_context():
        row = results(company)[("invoice", str(invoice.id))]
        assert row.outcome == "synced"
        stored, external_id = row.external_version, row.external_id
    current = qbo_state(qbo_sandbox).table("Invoice")[external_id]["SyncToken"]
    assert current != stored, "the payment moved the invoice's SyncToken"
    books.touch(invoice, memo="Reissued")
    books.db.commit()
    with app.app_context():
        run_id = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    with app.app_context():
        assert session.get(Run, run_id).flag == "blue", messages(company)[-5:]
        row = results(company)[("invoice", str(invoice.id))]
        assert row.outcome == "synced", (row.catalog_code, row.details)
    saved = qbo_state(qbo_sandbox).table("Invoice")[external_id]
    assert saved["CustomerMemo"]["value"] == "Reissued"
    assert row.external_version == saved["SyncToken"]


def test_the_support_bundle_of_a_real_run_names_no_customer(
    app: Flask, company: int, books: Books, host_db: Session
) -> None:
    """QuickBooks refuses Pam Seitz (a vendor has the name) and her invoice waits for her: the
    engine's messages say "Contact Pam Seitz: ...", and the bundle says "contact <id>" instead."""
    books.fee_item("dues", "Annual dues", "150.00")
    books.member("Ann", "Lee")
    pam = books.member("Pam", "Seitz")
    books.invoice(pam, "1003", [("dues", "150.00")])
    books.db.commit()
    with app.app_context():
        mappings.set_mapping(company, "fee_item", "dues", "2", actor=STAFF)
        resync.resync_company(company, actor=STAFF, kind=RunKind.FULL)
    work(app)
    with app.app_context():
        assert any("Pam Seitz" in m for m in messages(company)), "the engine named her"
        bundle = support_bundle.build_bundle(company)
    text = json.dumps(bundle)
    for name in ("Pam Seitz", "Ann Lee", "Seitz"):
        assert name not in text, f"{name} is in the support bundle"
    [error] = [e for e in bundle["errors"] if e["local_id"] == str(pam.id)]
    assert error["message"].startswith(f"Contact contact {pam.id}: ")
    assert error["catalog_code"] == "qbo.duplicate_name"
    assert [r["local_id"] for r in bundle["failed_records"]] == [str(pam.id)]


def test_the_support_bundle_removes_names_providers_quote() -> None:
    clean = support_bundle._cleaner({"Pam Seitz": "contact 7"})
    assert clean("Contact Pam Seitz: Duplicate Name Exists Error; DisplayName=Pam Seitz") == (
        "Contact contact 7: Duplicate Name Exists Error; DisplayName=[name]"
    )
    assert clean("Name=Buzz Lightyear; code=6240") == "Name=[name]; code=6240"
    assert (
        clean("The contact name Buzz Lightyear is already assigned to another contact.")
        == "The contact name [name] is already assigned to another contact."
    )
    assert clean("Pam Seitzer paid") == "Pam Seitzer paid", "whole labels only"


def test_a_run_with_failures_skips_and_a_removed_record_tells_one_story(
    app: Flask, company: int, books: Books, host_db: Session, qbo_sandbox: LiveServer, client: Any
) -> None:
    """Pam Seitz fails, her invoice is skipped, Ann's invoice was deleted in QuickBooks and then
    changed here: the counts add up (the removed one named), the milestone counts the failed
    records shown and the error outside records, and the flag says "succeeded with N errors"."""
    books.fee_item("dues", "Annual dues", "150.00")
    ann = books.member("Ann", "Lee")
    pam = books.member("Pam", "Seitz")
    doomed = books.invoice(ann, "1001", [("dues", "150.00")])
    books.invoice(pam, "1003", [("dues", "150.00")])
    books.db.commit()
    with app.app_context():
        mappings.set_mapping(company, "fee_item", "dues", "2", actor=STAFF)
        resync.resync_company(company, actor=STAFF, kind=RunKind.FULL)
    work(app)
    with app.app_context():
        doomed_id = results(company)[("invoice", str(doomed.id))].external_id
    invoice = qbo_state(qbo_sandbox).table("Invoice")[doomed_id]
    _qbo_as_user(
        qbo_sandbox,
        app,
        company,
        "invoice?operation=delete",
        {"Id": doomed_id, "SyncToken": invoice["SyncToken"]},
    )
    books.touch(doomed, memo="changed after QuickBooks deleted it")
    books.touch(pam, email="pam@example.org")
    books.db.commit()
    with app.app_context():
        run_id = resync.resync_company(company, actor=STAFF, kind=RunKind.INCREMENTAL).id
    work(app)
    with app.app_context():
        run = session.get(Run, run_id)
        assert (run.status, run.flag) == ("succeeded", "red")
        assert run.failed >= 1 and run.skipped >= 1 and run.removed == 1, run.counts_text
        assert run.done == run.succeeded + run.failed + run.skipped + run.removed
        assert run.other_errors == 1  # the deletion found in QuickBooks' changes
        failed = f"{run.failed} failed record" + ("s" if run.failed != 1 else "")
        assert messages(company, "milestone")[-1] == (
            f"Data sync finished with {failed} and 1 other error"
        )
        assert run.outcome_text == f"succeeded with {run.failed + 1} errors"
        counts = run.counts_text
        assert counts == (
            f"{run.done} / {run.total}: {run.succeeded} synced, {run.failed} failed, "
            f"{run.skipped} skipped, 1 removed in the provider; 1 other error"
        )
        assert run.message == counts.partition(": ")[2]
    login(client, "viewer")
    page = client.get(f"/sync-admin/companies/{company}").get_data(as_text=True)
    assert f'title="Latest sync: succeeded with {run.failed + 1} errors"' in page
    assert counts in page
    runs_page = client.get(f"/sync-admin/runs/?company_id={company}").get_data(as_text=True)
    assert "1 removed in the provider" in runs_page
