"""The audit trail screen: read-only, filterable, paged by keyset, bad filters explained."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from api_support import add
from conftest import login

from sync_admin.models import AuditEvent, utcnow


def _event(
    actor: str, action: str, source: str, when: datetime, company: int | None = None
) -> AuditEvent:
    return AuditEvent(
        actor=actor,
        action=action,
        object_type="company",
        object_id=str(company or 1),
        company_id=company,
        source=source,
        remote_addr="10.0.0.7",
        details={"run_id": 3},
        created_at=when,
    )


def test_lists_filters_and_pages(app: Any, client: Any) -> None:
    now = utcnow()
    add(
        app,
        _event("operator", "run.resync", "view", now - timedelta(days=3), company=5),
        _event("admin", "connection.disconnect", "view", now - timedelta(days=2)),
        _event("api-bot", "run.retry", "api", now - timedelta(hours=1), company=5),
        _event("operator", "records.exclude", "view", now - timedelta(minutes=5), company=6),
    )
    login(client, "viewer")
    page = client.get("/sync-admin/audit/").get_data(as_text=True)
    assert page.count('class="sa-audit-row"') == 4
    assert page.index("records.exclude") < page.index("run.retry") < page.index("run.resync")

    only_operator = client.get("/sync-admin/audit/?actor=operator").get_data(as_text=True)
    assert only_operator.count('class="sa-audit-row"') == 2 and "api-bot" not in only_operator
    runs_from_api = client.get("/sync-admin/audit/?action=run.&source=api").get_data(as_text=True)
    assert runs_from_api.count('class="sa-audit-row"') == 1 and "run.retry" in runs_from_api
    day = (now - timedelta(days=2)).date().isoformat()
    one_day = client.get(f"/sync-admin/audit/?date_from={day}&date_to={day}").get_data(as_text=True)
    assert "connection.disconnect" in one_day and one_day.count('class="sa-audit-row"') == 1
    assert (
        client.get("/sync-admin/audit/?company_id=5")
        .get_data(as_text=True)
        .count('class="sa-audit-row"')
        == 2
    )

    # Pages by keyset with the cursor and size every screen uses.
    add(
        app,
        *(
            _event("bot", f"run.bulk{i}", "cli", now - timedelta(days=10, minutes=i))
            for i in range(24)
        ),
    )
    first = client.get("/sync-admin/audit/?size=25").get_data(as_text=True)
    assert first.count('class="sa-audit-row"') == 25 and "records.exclude" in first
    cursor = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "cursor=" in cursor and "size=25" in cursor
    second = client.get(cursor).get_data(as_text=True)
    assert second.count('class="sa-audit-row"') == 3 and "run.bulk23" in second
    assert "records.exclude" not in second
    # Times are relative in the browser, the absolute time on hover.
    assert '<time class="sa-time" datetime=' in first


def test_bad_filters_are_explained_not_a_500(app: Any, client: Any) -> None:
    """The same words as every other screen: the field as labelled, and what is expected."""
    login(client, "viewer")
    for query, field, message in [
        ("date_from=yesterday", "date_from", "From must be a date like 2026-01-31"),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_from", "From must be on or before To"),
        ("company_id=abc", "company_id", "Company must be a whole number"),
        ("source=email", "source", "Source must be one of view, api"),
        ("cursor=garbage", "cursor", "The page link is damaged"),
        ("size=7", "size", "Page size must be one of 25, 50, 100"),
    ]:
        response = client.get(f"/sync-admin/audit/?{query}")
        assert response.status_code == 400, query
        html = response.get_data(as_text=True)
        assert f'data-field="{field}"' in html and message in html, query


def test_read_only(app: Any, client: Any) -> None:
    login(client, "admin")
    assert client.post("/sync-admin/audit/").status_code in (400, 405)


def test_details_read_as_json_not_python(app: Any, client: Any) -> None:
    event = _event("operator", "records.retry", "view", utcnow())
    event.details = {"params": {"result_ids": [90], "note": "<b>x</b>"}, "previous": None}
    add(app, event)
    login(client, "viewer")
    page = client.get("/sync-admin/audit/").get_data(as_text=True)
    row = page.split('class="sa-audit-row"')[1]
    assert "previous=(none)" in row
    assert '"result_ids": [90]' in row.replace("&#34;", '"')
    assert "{'result_ids'" not in row and "None" not in row and "<b>" not in row
