"""Sync Results, Failures, Mappings and the Error catalog through the test client."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from conftest import csrf_token, tiny_config
from flask import Flask
from sqlalchemy import select
from ui_data import T0, add_result, org_with_company

from sync_admin.db import session
from sync_admin.models import Company, Mapping, ReferenceObject, Run, SyncResult
from sync_admin.providers import CatalogEntry
from sync_admin.queries.failures import failure_groups
from sync_admin.queries.fix_links import fix_label, fix_link
from sync_admin.vocabulary import Action, Category


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-result-id="(\d+)"', html)]


def test_results_default_date_filters_and_columns(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        session.get(Company, cid).last_successful_sync_at = T0
        session.commit()
        old = add_result(cid, "1", last_attempt_at=T0 - timedelta(days=3)).id
        new = add_result(
            cid,
            "2",
            last_attempt_at=T0 + timedelta(hours=1),
            outcome="failed",
            catalog_code="tiny.duplicate_name",
            details="Name 'Ann' already used",
            response_body='{"code": "DUP"}',
        ).id
    client = login_as("viewer")
    html = client.get(f"/sync-admin/results/?company_id={cid}").get_data(as_text=True)
    assert _ids(html) == [new]
    assert "the day of the last successful sync" in html
    assert 'value="2026-03-01"' in html
    assert "Name already used" in html and "Tiny Books already has a contact" in html
    assert "{&#34;code&#34;: &#34;DUP&#34;}" in html
    assert "Outgoing" in html
    # A viewer gets no checkboxes, no bulk actions and no Sync button.
    assert 'name="result_ids"' not in html and 'id="sa-sync"' not in html
    every = client.get(f"/sync-admin/results/?company_id={cid}&since=").get_data(as_text=True)
    assert _ids(every) == [new, old]
    assert client.get(f"/sync-admin/results/?company_id={cid}&size=1000").status_code == 200
    assert client.get(f"/sync-admin/results/?company_id={cid}&size=75").status_code == 400
    assert client.get(f"/sync-admin/results/?company_id={cid}&link_status=x").status_code == 400
    assert client.get("/sync-admin/results/?company_id=424242").status_code == 404


def test_bulk_exclude_include_link_and_retry(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        a = add_result(cid, "1", outcome="failed").id
        b = add_result(cid, "2", outcome="failed", link_status="unlinked").id
    client = login_as("operator")
    page = client.get(f"/sync-admin/results/?company_id={cid}&since=").get_data(as_text=True)
    assert 'name="result_ids"' in page and 'value="exclude"' in page

    def post(op: str, ids: list[int]) -> str:
        data = {"csrf_token": csrf_token(client), "op": op, "result_ids": [str(i) for i in ids]}
        return client.post("/sync-admin/results/bulk", data=data, follow_redirects=True).get_data(
            as_text=True
        )

    assert "Excluded 1 record(s)" in post("exclude", [a])
    assert "Included 1 record(s) again." in post("include", [a])
    assert "Linked 1 record(s)" in post("link", [b])
    assert "Started 1 retry: Acme Club." in post("retry", [a, b])
    assert "Select at least one record." in post("retry", [])
    assert "does not exist" in post("exclude", [999999])
    with app.app_context():
        assert session.get(SyncResult, b).link_status == "linked"
        run = session.scalars(select(Run)).one()
        assert run.kind == "retry" and sorted(run.params["result_ids"]) == sorted([a, b])


def test_unlink_shows_the_cascade_before_it_acts(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        contact = add_result(cid, "7", entity="contact", label="Ann Lee").id
        invoice = add_result(cid, "70", facts={"depends_on": ["contact:7"]}).id
        payment = add_result(cid, "700", entity="payment", facts={"depends_on": ["invoice:70"]}).id
    client = login_as("operator")
    confirm = client.post(
        "/sync-admin/results/bulk",
        data={
            "csrf_token": csrf_token(client),
            "op": "unlink",
            "result_ids": [str(contact)],
            "next": f"/sync-admin/results/?company_id={cid}",
        },
    )
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Unlink 3 records?" in html and "also unlinks 2 records that depend" in html
    with app.app_context():
        assert session.get(SyncResult, invoice).link_status == "linked"  # nothing changed yet
    done = client.post(
        "/sync-admin/results/unlink",
        data={"csrf_token": csrf_token(client), "result_ids": [str(contact)]},
        follow_redirects=True,
    )
    assert "Unlinked 1 record(s) and 2 dependent record(s)" in done.get_data(as_text=True)
    with app.app_context():
        statuses = {session.get(SyncResult, i).link_status for i in (contact, invoice, payment)}
        assert statuses == {"unlinked"}


def test_failures_groups_list_and_retry(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (a, b) = org_with_company(app, companies=2)
        add_result(a, "1", outcome="failed", catalog_code="tiny.duplicate_name", details="dup 1")
        add_result(b, "2", outcome="failed", catalog_code="tiny.duplicate_name", details="dup 2")
        add_result(b, "3", outcome="failed", catalog_code="tiny.server_error", excluded=True)
    client = login_as("operator")
    groups = client.get("/sync-admin/failures/").get_data(as_text=True)
    assert re.findall(r'data-code="([^"]+)"', groups) == ["tiny.duplicate_name"]
    assert "<td>2</td>" in groups and "Retry this group" in groups
    listed = client.get(f"/sync-admin/failures/?company_id={b}").get_data(as_text=True)
    assert len(_ids(listed)) == 2 and "Include" in listed and "Resync Failures" in listed
    by_code = client.get("/sync-admin/failures/?catalog_code=tiny.duplicate_name").get_data(
        as_text=True
    )
    assert len(_ids(by_code)) == 2 and "Acme Club 1" in by_code
    done = client.post(
        "/sync-admin/failures/retry-all",
        data={"csrf_token": csrf_token(client), "catalog_code": "tiny.duplicate_name"},
        follow_redirects=True,
    )
    assert "Started 2 retries" in done.get_data(as_text=True)
    with app.app_context():
        assert {r.company_id for r in session.scalars(select(Run))} == {a, b}


def test_mappings_choose_from_pulled_records(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        session.add_all(
            [
                ReferenceObject(company_id=cid, entity="item", external_id="11", name="Dues"),
                ReferenceObject(
                    company_id=cid, entity="item", external_id="12", name="Old fees", active=False
                ),
                Mapping(
                    company_id=cid,
                    kind="fee_item",
                    host_key="legacy",
                    provider_id="12",
                    provider_name="Old fees",
                ),
            ]
        )
        session.add(Run(company_id=cid, kind="resync", trigger="manual", status="running"))
        session.commit()
    client = login_as("operator")
    html = client.get(
        f"/sync-admin/mappings/?company_id={cid}&kind=fee_item&selected=legacy"
    ).get_data(as_text=True)
    assert "is being resynced" in html
    assert 'class="sa-inactive"' in html
    assert re.search(r'<option value="12"[^>]*disabled>Old fees \(inactive\)</option>', html)
    assert 'sa-mapping-row sa-selected-row" data-host-key="legacy"' in html
    done = client.post(
        "/sync-admin/mappings/set",
        data={
            "csrf_token": csrf_token(client),
            "company_id": cid,
            "kind": "fee_item",
            "host_key": "legacy",
            "provider_id": "11",
        },
        follow_redirects=True,
    )
    assert "Mapped legacy to Dues." in done.get_data(as_text=True)
    refused = client.post(
        "/sync-admin/mappings/set",
        data={
            "csrf_token": csrf_token(client),
            "company_id": cid,
            "kind": "fee_item",
            "host_key": "legacy",
            "provider_id": "12",
        },
        follow_redirects=True,
    )
    assert "is inactive in the provider" in refused.get_data(as_text=True)


def test_viewer_sees_no_mapping_or_failure_actions(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        session.add(ReferenceObject(company_id=cid, entity="item", external_id="11", name="Dues"))
        session.add(Mapping(company_id=cid, kind="fee_item", host_key="dues", provider_id="11"))
        session.commit()
        add_result(cid, "1", outcome="failed", catalog_code="tiny.duplicate_name")
    client = login_as("viewer")
    mappings = client.get(f"/sync-admin/mappings/?company_id={cid}").get_data(as_text=True)
    assert "dues" in mappings and "/sync-admin/mappings/set" not in mappings
    failures = client.get(f"/sync-admin/failures/?company_id={cid}").get_data(as_text=True)
    assert len(_ids(failures)) == 1
    assert "/sync-admin/results/bulk" not in failures and "Resync Failures" not in failures
    groups = client.get("/sync-admin/failures/").get_data(as_text=True)
    assert "Retry this group" not in groups and "Retry All Errors" not in groups


def test_fix_link_opens_the_fee_item_mapping(app: Flask) -> None:
    fee = CatalogEntry(
        code="x.fee",
        category=Category.MISSING_MAPPING,
        title="No fee item mapped",
        meaning="m",
        fix=("f",),
        action=Action.MAP_FEE_ITEM,
    )
    with app.app_context():
        _, (cid,) = org_with_company(app)
        row = add_result(cid, "f1", outcome="failed", facts={"fee_item": "Dues"})
        core = add_result(
            cid, "f2", outcome="failed", facts={"kind": "tax rate", "host_key": "GST"}
        )
        with app.test_request_context():
            assert fix_link(fee, row) == (
                f"/sync-admin/mappings/?company_id={cid}&kind=fee_item&selected=Dues"
            )
            assert fix_link(fee, core) == (
                f"/sync-admin/mappings/?company_id={cid}&kind=tax_rate&selected=GST"
            )


def test_catalog_is_searchable(app: Flask, login_as: Any) -> None:
    client = login_as("viewer")
    html = client.get("/sync-admin/catalog/?q=duplicate").get_data(as_text=True)
    assert 'data-code="tiny.duplicate_name"' in html
    assert 'data-code="tiny.token_expired"' not in html
    every = client.get("/sync-admin/catalog/").get_data(as_text=True)
    assert 'data-code="sync_admin.missing_mapping"' in every
    assert client.get("/sync-admin/catalog/?provider=sage").status_code == 400


def _entry(action: Action | None) -> CatalogEntry:
    return CatalogEntry(
        code="tiny.duplicate_name",
        category=Category.DUPLICATE,
        title="t",
        meaning="m",
        fix=("f",),
        action=action,
    )


def test_every_action_kind_has_a_fix_link(app: Flask) -> None:
    """Every action of the vocabulary (and none) leads somewhere: a group is never stuck."""
    with app.app_context():
        _, (cid,) = org_with_company(app)
        row = add_result(cid, "r1", entity="contact", outcome="failed", facts={})
        company = session.get(Company, cid)
        record = f"/sync-admin/results/?company_id={cid}&q=r1&since="
        steps = "/sync-admin/catalog/?q=tiny.duplicate_name#tiny.duplicate_name"
        expected = {
            Action.RECONNECT: (
                f"/sync-admin/integrations/?org={company.organization_id}"
                f"&reconnect={company.connection_id}"
            ),
            Action.RETRY: steps,
            Action.MAP_FEE_ITEM: f"/sync-admin/mappings/?company_id={cid}&kind=fee_item",
            Action.MAP_ACCOUNT: f"/sync-admin/mappings/?company_id={cid}&kind=account",
            Action.MAP_BAD_DEBT: f"/sync-admin/mappings/?company_id={cid}&kind=bad_debt",
            Action.MAP_TAX_RATE: f"/sync-admin/mappings/?company_id={cid}&kind=tax_rate",
            Action.EDIT_RECORD: record,  # no host adapter here: the record's sync result
            Action.LINK_RECORD: record,
            Action.UNLINK: record,
            Action.EXCLUDE: (
                f"/sync-admin/failures/?catalog_code=tiny.duplicate_name&confirm=exclude"
                f"&company_id={cid}"
            ),
            Action.WAIT: steps,
            None: steps,
        }
        assert set(expected) - {None} == set(Action), "a new action kind needs its fix link"
        with app.test_request_context():
            for action, url in expected.items():
                assert fix_link(_entry(action), row) == url, action
                assert fix_label(_entry(action)), action
            group = fix_link(_entry(Action.EXCLUDE), row, group=True)
            assert group == "/sync-admin/failures/?catalog_code=tiny.duplicate_name&confirm=exclude"


def test_exclude_fix_confirms_then_excludes_the_group(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (a, b) = org_with_company(app, companies=2)
        for cid, local in ((a, "1"), (b, "2"), (b, "3")):
            add_result(cid, local, outcome="failed", catalog_code="tiny.duplicate_name")
        add_result(b, "4", outcome="failed", catalog_code="tiny.server_error")
    client = login_as("operator")
    confirm = client.get("/sync-admin/failures/?catalog_code=tiny.duplicate_name&confirm=exclude")
    html = confirm.get_data(as_text=True)
    assert "Exclude 3 failed records of every company?" in html
    assert (
        client.get(
            f"/sync-admin/failures/?catalog_code=tiny.duplicate_name&confirm=exclude&company_id={b}"
        )
        .get_data(as_text=True)
        .count("Exclude 2 failed records of Acme Club 2?")
        == 1
    )
    done = client.post(
        "/sync-admin/failures/exclude-group",
        data={"csrf_token": csrf_token(client), "catalog_code": "tiny.duplicate_name"},
        follow_redirects=True,
    )
    assert "Excluded 3 records" in done.get_data(as_text=True)
    with app.app_context():
        excluded = session.scalars(select(SyncResult.local_id).where(SyncResult.excluded)).all()
        assert sorted(excluded) == ["1", "2", "3"]
    again = client.post(
        "/sync-admin/failures/exclude-group",
        data={"csrf_token": csrf_token(client), "catalog_code": "tiny.duplicate_name"},
        follow_redirects=True,
    )
    assert "no failed records left" in again.get_data(as_text=True)


def test_unknown_catalog_code_is_refused_by_name(app: Flask, login_as: Any) -> None:
    client = login_as("viewer")
    bogus = client.get("/sync-admin/failures/?catalog_code=bogus")
    assert bogus.status_code == 400
    assert "no such catalog entry" in bogus.get_data(as_text=True)
    assert client.get("/sync-admin/failures/?catalog_code=tiny.duplicate_name").status_code == 200


def test_company_selector_escapes_names(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app, name="<b>Bold</b> & Co")
    client = login_as("viewer")
    for path in (f"/sync-admin/results/?company_id={cid}", "/sync-admin/mappings/"):
        html = client.get(path).get_data(as_text=True)
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co</option>" in html
        assert "<b>Bold</b>" not in html
    assert f'<option value="{cid}" selected>' in client.get(
        f"/sync-admin/results/?company_id={cid}"
    ).get_data(as_text=True)


def test_unlink_fix_opens_the_invoice_a_payment_applies_to(app: Flask, login_as: Any) -> None:
    """QuickBooks lost a payment's invoice: "Unlink the record" opens the invoice's sync
    result (where Unlink is), not the payment's own."""
    from sync_admin_quickbooks.catalog import CATALOG

    entry = CATALOG.get("qbo.invoice_not_found")
    with app.app_context():
        _, (cid,) = org_with_company(app)
        add_result(cid, "inv-7", external_id="130")
        payment = add_result(
            cid,
            "pay-3",
            entity="payment",
            outcome="failed",
            catalog_code="qbo.invoice_not_found",
            facts={"txn_id": "130", "depends_on": ["contact:4", "invoice:inv-7"]},
        )
        with app.test_request_context():
            url = fix_link(entry, payment)
            assert fix_label(entry, payment) == "Unlink the record"
    assert url == f"/sync-admin/results/?company_id={cid}&entity=invoice&since=&local_id=inv-7"
    html = login_as("operator").get(url).get_data(as_text=True)
    assert "inv-7" in html and "pay-3" not in html


def test_bad_debt_fix_never_selects_the_provider_item_name(app: Flask) -> None:
    """QuickBooks quotes its Bad Debt item's name; the mapping screen selects host keys."""
    from sync_admin_quickbooks.catalog import CATALOG

    entry = CATALOG.get("qbo.write_off_no_income_account")
    with app.app_context():
        _, (cid,) = org_with_company(app)
        named = add_result(cid, "w1", entity="write_off", facts={"item": "Bad Debt <b>(old)</b>"})
        keyed = add_result(
            cid, "w2", entity="write_off", facts={"item": "Bad Debt", "host_key": "dues"}
        )
        with app.test_request_context():
            assert fix_link(entry, named) == f"/sync-admin/mappings/?company_id={cid}&kind=bad_debt"
            assert fix_link(entry, keyed) == (
                f"/sync-admin/mappings/?company_id={cid}&kind=bad_debt&selected=dues"
            )


def test_record_fix_of_a_group_across_companies_opens_the_group(app: Flask, login_as: Any) -> None:
    """ "Open the record" of one company's record would hide the other company's: a group
    spanning companies links to its failure list; one company's group to the record."""
    with app.app_context():
        _, (a, b) = org_with_company(app, companies=2)
        add_result(a, "c1", entity="contact", outcome="failed",
                   catalog_code="sync_admin.required_missing")  # fmt: skip
        add_result(b, "c2", entity="contact", outcome="failed",
                   catalog_code="sync_admin.required_missing")  # fmt: skip
        add_result(b, "c3", entity="contact", outcome="failed",
                   catalog_code="sync_admin.field_too_long")  # fmt: skip
        with app.test_request_context():
            groups = {g.catalog_code: g for g in failure_groups()}
    spanning, single = groups["sync_admin.required_missing"], groups["sync_admin.field_too_long"]
    assert spanning.companies == 2
    assert spanning.fix_url == "/sync-admin/failures/?catalog_code=sync_admin.required_missing"
    assert spanning.fix_label == "Open the failed records"
    assert single.fix_url == f"/sync-admin/results/?company_id={b}&q=c3&since="
    assert single.fix_label == "Open the record"
    html = login_as("operator").get(spanning.fix_url).get_data(as_text=True)
    assert len(_ids(html)) == 2


def test_record_deleted_in_the_provider_is_not_shown_linked(app: Flask, login_as: Any) -> None:
    """The engine drops the external id of a record the provider deleted: its row and the
    Link status filter say "Deleted in Tiny Books", never "Linked"."""
    with app.app_context():
        _, (cid,) = org_with_company(app)
        linked = add_result(cid, "1").id
        gone = add_result(
            cid, "2", outcome="failed", external_id=None,
            catalog_code="sync_admin.deleted_in_provider",
        ).id  # fmt: skip
        unlinked = add_result(cid, "3", link_status="unlinked").id
        never = add_result(cid, "4", outcome="failed", external_id=None).id  # not synced yet
    client = login_as("viewer")
    base = f"/sync-admin/results/?company_id={cid}&since="
    html = client.get(base).get_data(as_text=True)
    states = dict(re.findall(r'data-result-id="(\d+)".*?sa-link-status sa-link-(\w+)"', html, re.S))
    assert states == {
        str(linked): "linked",
        str(gone): "deleted",
        str(unlinked): "unlinked",
        str(never): "linked",
    }
    assert ">Deleted in Tiny Books<" in html
    for state, ids in (("linked", {linked, never}), ("deleted", {gone}), ("unlinked", {unlinked})):
        page = client.get(f"{base}&link_status={state}").get_data(as_text=True)
        assert set(_ids(page)) == ids, state
