"""Data Feed, company page and runs through the test client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import tiny_config
from flask import Flask
from sqlalchemy import select
from ui_data import org_with_company

from sync_admin.db import session
from sync_admin.models import Company, Connection, DailyStats, Run, utcnow


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _form(client: Any) -> dict[str, str]:
    from conftest import csrf_token

    return {"csrf_token": csrf_token(client)}


def test_feed_shows_status_token_and_last_synced(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (a, b, _) = org_with_company(app, companies=3)
        session.get(Company, a).status = "synced"
        session.get(Company, b).status = "syncing"
        conn = session.get(Connection, session.get(Company, a).connection_id)
        conn.refresh_expires_at = utcnow() + timedelta(days=5, hours=1)
        session.commit()
    html = login_as("viewer").get("/sync-admin/data-feed/").get_data(as_text=True)
    for text in ("Synced", "Syncing", "Needs Resync", "Expires in 5 days", "never"):
        assert text in html
    # A viewer sees no action controls.
    assert "Auto Resync" not in html and "sa-row-menu" not in html


def test_token_states(app: Flask) -> None:
    from sync_admin.queries.companies import token_state

    now = utcnow()
    ok = Connection(
        status="connected", token_ciphertext="x", refresh_expires_at=now + timedelta(days=90)
    )
    assert token_state(ok, now).state == "valid"
    soon = Connection(
        status="connected",
        token_ciphertext="x",
        refresh_expires_at=now + timedelta(days=1, hours=2),
    )
    assert token_state(soon, now).text == "Expires in 1 day"
    gone = Connection(
        status="connected", token_ciphertext="x", refresh_expires_at=now - timedelta(days=1)
    )
    assert token_state(gone, now).state == "invalid"
    assert (
        token_state(Connection(status="needs_reconnect", token_ciphertext="x"), now).state
        == "invalid"
    )
    assert token_state(None, now).state == "none"


def test_auto_resync_selected_and_all(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (a, b, c) = org_with_company(app, companies=3)
        session.get(Company, c).status = "synced"
        session.commit()
    client = login_as("operator")
    html = client.get("/sync-admin/data-feed/").get_data(as_text=True)
    assert "Auto Resync All (2 need it)" in html
    response = client.post(
        "/sync-admin/data-feed/resync", data={**_form(client), "company_ids": [str(a)]}
    )
    assert response.status_code == 302
    response = client.post(
        "/sync-admin/data-feed/resync-all", data=_form(client), follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "Started 1 resync: Acme Club 2." in text
    assert "Already syncing, left alone: Acme Club 1." in text
    with app.app_context():
        runs = session.scalars(select(Run).order_by(Run.id)).all()
        assert [(r.company_id, r.status, r.triggered_by) for r in runs] == [
            (a, "queued", "operator"),
            (b, "queued", "operator"),
        ]
    nothing = client.post("/sync-admin/data-feed/resync", data=_form(client), follow_redirects=True)
    assert "Select at least one company to resync." in nothing.get_data(as_text=True)


def test_progress_reports_running_and_recent(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (a, b) = org_with_company(app, companies=2)
        session.add(
            Run(company_id=a, kind="full", trigger="manual", status="running", done=40, total=100)
        )
        session.add(
            Run(
                company_id=b,
                kind="full",
                trigger="manual",
                status="succeeded",
                done=10,
                total=10,
                finished_at=utcnow() - timedelta(minutes=2),
            )
        )
        session.get(Company, a).status = "syncing"
        session.commit()
    data = login_as("viewer").get("/sync-admin/data-feed/progress.json").get_json()
    assert [(r["company_id"], r["done"], r["total"]) for r in data["running"]] == [(a, 40, 100)]
    assert [r["company_id"] for r in data["recent"]] == [b]
    assert data["statuses"][str(a)] == "syncing"
    assert (data["done"], data["total"]) == (40, 100)


def test_unlink_and_token_user(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        conn_id = session.get(Company, cid).connection_id
        operator_id = app.appbuilder.sm.find_user(username="operator").id
    client = login_as("admin")
    page = client.get(f"/sync-admin/data-feed/connections/{conn_id}/token-user")
    assert "Update Token User" in page.get_data(as_text=True)
    done = client.post(
        f"/sync-admin/data-feed/connections/{conn_id}/token-user",
        data={**_form(client), "user_id": str(operator_id)},
    )
    assert done.status_code == 302
    bad = client.post(
        f"/sync-admin/data-feed/connections/{conn_id}/token-user",
        data={**_form(client), "user_id": "nope"},
    )
    assert bad.status_code == 400 and "choose a user" in bad.get_data(as_text=True)
    unlinked = client.post(
        f"/sync-admin/data-feed/{cid}/unlink", data=_form(client), follow_redirects=True
    )
    assert "Unlinked Acme Club" in unlinked.get_data(as_text=True)
    with app.app_context():
        assert session.get(Connection, conn_id).token_user == "operator"
        assert session.get(Company, cid).linked is False


def test_company_page_chart_mappings_and_runs(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        today = utcnow().date()
        session.add(DailyStats(company_id=cid, day=today, records_synced=12, records_failed=3))
        session.add(DailyStats(company_id=cid, day=today - timedelta(days=40), records_synced=99))
        session.add(
            Run(company_id=cid, kind="full", trigger="manual", status="succeeded", failed=2)
        )
        session.commit()
    client = login_as("viewer")
    html = client.get(f"/sync-admin/companies/{cid}").get_data(as_text=True)
    assert "Last 30 days: 12 records synced, 3 errors" in html
    assert f"<title>{today.isoformat()}: 12 synced</title>" in html
    assert html.count('<rect class="sa-bar-') == 60
    assert "Fee items" in html and "Bad Debt item" in html
    assert "#1 full" in html and "sa-flag-red" in html
    assert client.get("/sync-admin/companies/999999").status_code == 404
    runs = client.get(f"/sync-admin/runs/?company_id={cid}").get_data(as_text=True)
    assert 'data-run-id="1"' in runs
    assert client.get("/sync-admin/runs/?status=bogus").status_code == 400


def test_connection_needing_reconnect_leads_to_reconnect(app: Flask, login_as: Any) -> None:
    """The provider refused the token: the feed says "Needs reconnect" with a Reconnect link,
    the status column keeps seed 000's statuses, and a refused Resync carries the link too;
    the link opens Integrations at that connection, whose Reconnect button is there."""
    with app.app_context():
        _, (cid,) = org_with_company(app)
        company = session.get(Company, cid)
        company.connection.status = "needs_reconnect"
        session.commit()
        org, conn = company.organization_id, company.connection_id
    reconnect = f"/sync-admin/integrations/?org={org}&amp;reconnect={conn}"
    client = login_as("admin")
    html = client.get("/sync-admin/data-feed/").get_data(as_text=True)
    assert ">Needs reconnect</span>" in html and "Needs Resync" in html
    assert f'class="btn btn-primary btn-xs sa-reconnect" href="{reconnect}">Reconnect</a>' in html
    refused = client.post(
        f"/sync-admin/data-feed/{cid}/resync", data=_form(client), follow_redirects=True
    ).get_data(as_text=True)
    assert "the connection needs reconnecting." in refused
    assert f'<a class="alert-link sa-reconnect" href="{reconnect}">Reconnect</a>' in refused
    selected = client.post(
        "/sync-admin/data-feed/resync",
        data={**_form(client), "company_ids": [str(cid)]},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Not started: Acme Club: cannot sync Acme Club: the connection needs reconnecting" in (
        selected
    )
    assert f'<a class="alert-link sa-reconnect" href="{reconnect}">Reconnect</a>' in selected
    target = client.get(reconnect.replace("&amp;", "&")).get_data(as_text=True)
    assert f'action="/sync-admin/integrations/connections/{conn}/reconnect"' in target
    with app.app_context():
        assert session.scalars(select(Run)).all() == []
    # A viewer sees the state, not the link it cannot use.
    client.get("/logout/")
    viewer = login_as("viewer").get("/sync-admin/data-feed/").get_data(as_text=True)
    assert ">Needs reconnect</span>" in viewer and "sa-reconnect" not in viewer
