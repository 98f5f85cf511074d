"""Small screen details a new user tripped on: columns that repeat the page's subject,
per-row fixes, capped "All", status labels, relative times and plurals."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import tiny_config
from flask import Flask
from ui_data import add_logs, add_result, org_with_company

from sync_admin.db import session
from sync_admin.models import Company, utcnow


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def test_one_companys_log_page_has_no_company_column(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app, name="A Club With A Long Name")
        add_logs(cid, 1)
    client = login_as("viewer")
    one = client.get(f"/sync-admin/logs/detail?company_id={cid}").get_data(as_text=True)
    assert "<th>Company</th>" not in one and "1 row<" in one
    every = client.get("/sync-admin/logs/detail").get_data(as_text=True)
    assert "<th>Company</th>" in every


def test_failures_rows_show_code_fix_and_external_id(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        add_result(
            cid,
            "7",
            outcome="failed",
            catalog_code="tiny.token_expired",
            external_id="EXT-77",
            details="Token expired",
        )
        company = session.get(Company, cid)
        reconnect = (
            f"/sync-admin/integrations/?org={company.organization_id}"
            f"&amp;reconnect={company.connection_id}"
        )
    client = login_as("operator")
    html = client.get(f"/sync-admin/failures/?company_id={cid}").get_data(as_text=True)
    assert "<code>tiny.token_expired</code>" in html
    assert "EXT-77" in html
    assert f'class="btn btn-default btn-xs sa-row-fix" href="{reconnect}"' in html


def test_all_page_size_says_its_cap(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
    client = login_as("viewer")
    html = client.get(f"/sync-admin/results/?company_id={cid}&since=").get_data(as_text=True)
    assert "All (up to 1,000)" in html


def test_support_bundles_show_status_label_and_relative_time(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        company = session.get(Company, cid)
        company.status = "needs_resync"
        company.last_synced_at = utcnow()
        session.commit()
    html = login_as("viewer").get("/sync-admin/support/").get_data(as_text=True)
    assert "Needs Resync" in html and ">needs_resync<" not in html
    assert '<time class="sa-time"' in html


def test_one_company_is_singular(app: Flask, login_as: Any) -> None:
    with app.app_context():
        org, _ = org_with_company(app)
    client = login_as("viewer")
    feed = client.get("/sync-admin/data-feed/").get_data(as_text=True)
    assert "(1 company)" in feed and "1 companies" not in feed
    cards = client.get(f"/sync-admin/integrations/?org={org}").get_data(as_text=True)
    assert "1 company" in cards and "1 companies" not in cards
