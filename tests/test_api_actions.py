"""POST retry and resync (seed 004): 202 with runs, 409 when running, 400 naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import add, api_key_for, bearer, jwt_for, make_acme
from conftest import tiny_config

from sync_admin.db import session
from sync_admin.models import AuditEvent, Company, Run, SyncResult, utcnow
from sync_admin.queue import get_queue


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _result(company_id: int, local_id: str, entity: str = "contact", **kw: Any) -> SyncResult:
    return SyncResult(
        company_id=company_id,
        entity=entity,
        direction="push",
        local_id=local_id,
        outcome="failed",
        catalog_code="tiny.duplicate_name",
        last_attempt_at=utcnow(),
        **kw,
    )


def _ids(app: Any, *rows: SyncResult) -> list[int]:
    add(app, *rows)
    with app.app_context():
        return [session.merge(r).id for r in rows]


def test_retry_starts_one_run_per_company_and_answers_202(app: Any, client: Any) -> None:
    acme = make_acme(app)
    ids = _ids(app, _result(acme.company, "c1"), _result(acme.company, "c2"))
    response = client.post(
        f"/api/v1/sync/tiny/{acme.org}/retry",
        json={"sync_type": "contacts", "record_ids": [str(ids[0]), ids[1]]},
        headers=bearer(jwt_for(client, "operator")),
    )
    assert response.status_code == 202, response.get_json()
    (run,) = response.get_json()["runs"]
    assert (run["kind"], run["trigger"], run["company_id"]) == ("retry", "api", acme.company)
    assert sorted(run["params"]["result_ids"]) == sorted(ids)
    with app.app_context():
        assert get_queue().count == 1
        actions = {e.action for e in session.query(AuditEvent)}
        assert "run.retry" in actions
        assert {e.source for e in session.query(AuditEvent)} == {"api"}

    again = client.post(
        f"/api/v1/sync/tiny/{acme.org}/retry",
        json={"record_ids": ids},
        headers=bearer(api_key_for(app, "operator")),
    )
    assert again.status_code == 409
    assert again.get_json()["already_running"] == [acme.company]


def test_retry_refuses_foreign_missing_and_mismatched_ids(app: Any, client: Any) -> None:
    acme = make_acme(app)
    mine, invoice, foreign = _ids(
        app,
        _result(acme.company, "c1"),
        _result(acme.company, "i1", entity="invoice"),
        _result(acme.other_company, "g1"),
    )
    headers = bearer(api_key_for(app, "operator"))
    url = f"/api/v1/sync/tiny/{acme.org}/retry"
    cases = [
        ({"record_ids": [mine, foreign]}, "record_ids", str(foreign)),
        ({"record_ids": [mine, 987654]}, "record_ids", "987654"),
        ({"record_ids": [mine, invoice], "sync_type": "contacts"}, "record_ids", str(invoice)),
        ({"record_ids": [mine], "sync_type": "widgets"}, "sync_type", "widgets"),
        ({"record_ids": list(range(1, 502))}, "record_ids", "too many"),
        ({"record_ids": []}, "record_ids", "non-empty"),
        ({"record_ids": ["abc"]}, "record_ids", "abc"),
        ({"record_ids": [True]}, "record_ids", "True"),
        ({}, "record_ids", "non-empty"),
    ]
    for body, field, words in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.get_json()["field"] == field, body
        assert words in response.get_json()["message"], body
    not_json = client.post(url, data="record_ids=1", headers=headers)
    assert not_json.status_code == 400 and not_json.get_json()["field"] == "body"
    assert (
        client.post(f"/api/v1/sync/sage/{acme.org}/retry", json={}, headers=headers).get_json()[
            "field"
        ]
        == "provider"
    )
    assert client.post("/api/v1/sync/tiny/4242/retry", json={}, headers=headers).status_code == 404
    with app.app_context():
        assert session.query(Run).count() == 0


def test_excluded_records_are_not_retried(app: Any, client: Any) -> None:
    acme = make_acme(app)
    (excluded,) = _ids(app, _result(acme.company, "c1", excluded=True))
    response = client.post(
        f"/api/v1/sync/tiny/{acme.org}/retry",
        json={"record_ids": [excluded]},
        headers=bearer(api_key_for(app, "operator")),
    )
    assert response.status_code == 400
    assert "excluded" in response.get_json()["message"]


def test_resync_with_sync_types_and_since(app: Any, client: Any) -> None:
    acme = make_acme(app)
    headers = bearer(jwt_for(client, "operator"))
    response = client.post(
        f"/api/v1/sync/tiny/{acme.org}/resync",
        json={"sync_types": ["contacts", "invoices"], "since": "2025-01-01T00:00:00Z"},
        headers=headers,
    )
    assert response.status_code == 202
    (run,) = response.get_json()["runs"]
    assert run["kind"] == "resync" and run["company_id"] == acme.company
    assert run["params"] == {
        "entities": ["contact", "invoice"],
        "since": "2025-01-01T00:00:00+00:00",
    }
    busy = client.post(f"/api/v1/sync/tiny/{acme.org}/resync", json={}, headers=headers)
    assert busy.status_code == 409 and busy.get_json()["already_running"] == [acme.company]


def test_resync_bad_input(app: Any, client: Any) -> None:
    acme = make_acme(app)
    headers = bearer(api_key_for(app, "admin"))
    url = f"/api/v1/sync/tiny/{acme.org}/resync"
    for body, field in [
        ({"since": "last tuesday"}, "since"),
        ({"since": "2999-01-01"}, "since"),
        ({"since": 20250101}, "since"),
        ({"sync_types": "contacts"}, "sync_types"),
        ({"sync_types": ["contacts", "widgets"]}, "sync_types"),
        ({"company_ids": [acme.other_company]}, "company_ids"),
        ({"company_ids": ["1"]}, "company_ids"),
    ]:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.get_json()["field"] == field, body
    # The other organisation has no connected company: nothing to resync.
    response = client.post(f"/api/v1/sync/tiny/{acme.other_org}/resync", json={}, headers=headers)
    assert response.status_code == 400
    with app.app_context():
        assert session.query(Run).count() == 0
        assert session.get(Company, acme.company).status == "needs_resync"
