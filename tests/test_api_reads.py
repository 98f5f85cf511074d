"""Read endpoints: the screens' filters, cursor paging, and 400s naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_support import add, api_key_for, bearer, make_acme
from conftest import login, tiny_config

from sync_admin.models import Log, Run, SyncResult, utcnow


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _logs(acme: Any, n: int) -> list[Log]:
    now = utcnow()
    return [
        Log(
            organization_id=acme.org,
            company_id=acme.company,
            provider="tiny",
            company_name="Acme Books",
            type="event",
            level="error" if i % 2 else "info",
            message=f"line {i}",
            created_at=now - timedelta(minutes=i),
        )
        for i in range(n)
    ]


def test_logs_filter_and_walk_pages(app: Any, client: Any) -> None:
    acme = make_acme(app)
    add(app, *_logs(acme, 60))
    headers = bearer(api_key_for(app, "viewer"))
    seen: list[str] = []
    cursor = None
    while True:
        url = f"/api/v1/sync/logs?level=error&company_id={acme.company}&size=25"
        if cursor:
            url += f"&cursor={cursor}"
        body = client.get(url, headers=headers).get_json()
        seen += [r["message"] for r in body["rows"]]
        assert all(r["level"] == "error" for r in body["rows"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"line {i}" for i in range(1, 60, 2)]  # newest first, 30 errors, 2 pages
    for query, field in [
        ("size=1000", "size"),
        ("cursor=not-a-cursor", "cursor"),
        ("level=fatal", "level"),
        ("date_from=2026-02-30", "date_from"),
        ("company_id=abc", "company_id"),
        ("provider=sage", "provider"),
        # Past PostgreSQL's integer (found by Schemathesis: it was a 500 there).
        ("company_id=3846721589", "company_id"),
        ("run_id=3846721589", "run_id"),
    ]:
        response = client.get(f"/api/v1/sync/logs?{query}", headers=headers)
        assert response.status_code == 400, query
        assert response.get_json()["field"] == field, query


def test_results_runs_and_failure_groups(app: Any, client: Any) -> None:
    acme = make_acme(app)
    now = utcnow()
    add(
        app,
        *[
            SyncResult(
                company_id=acme.company,
                entity="contact",
                direction="push",
                local_id=f"c{i}",
                outcome="failed" if i < 3 else "synced",
                catalog_code="tiny.duplicate_name" if i < 3 else None,
                last_attempt_at=now - timedelta(minutes=i),
            )
            for i in range(5)
        ],
        Run(company_id=acme.company, kind="full", trigger="manual", status="succeeded"),
        Run(company_id=acme.other_company, kind="full", trigger="manual", status="failed"),
    )
    login(client, "viewer")  # the browser's session may read
    results = client.get(
        f"/api/v1/sync/results?company_id={acme.company}&outcome=failed&since="
    ).get_json()
    assert [r["local_id"] for r in results["rows"]] == ["c0", "c1", "c2"]
    assert results["total"] == 3
    runs = client.get(f"/api/v1/sync/runs?organization_id={acme.org}").get_json()
    assert [r["company_id"] for r in runs["rows"]] == [acme.company]
    groups = client.get(f"/api/v1/sync/failures?organization_id={acme.org}").get_json()["groups"]
    assert [(g["catalog_code"], g["count"]) for g in groups] == [("tiny.duplicate_name", 3)]
    assert client.get("/api/v1/sync/runs?status=exploded").status_code == 400
    assert client.get("/api/v1/sync/runs?organization_id=2147483648").status_code == 400
    assert client.get("/api/v1/sync/results?company_id=2147483648").status_code == 400
    assert client.get("/api/v1/sync/failures?company_id=9999999999").status_code == 400
    assert client.get("/api/v1/sync/failures?provider=sage").get_json()["field"] == "provider"
