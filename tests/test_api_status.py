"""GET /api/v1/sync/{provider}/{organization_id}/status: seed 004's fields and more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_support import add, api_key_for, bearer, jwt_for, make_acme
from conftest import login, tiny_config

from sync_admin.models import Run, SyncResult, utcnow


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _failed(
    company_id: int, local_id: str, code: str, message: str, minutes_ago: int
) -> SyncResult:
    return SyncResult(
        company_id=company_id,
        entity="contact",
        direction="push",
        local_id=local_id,
        outcome="failed",
        catalog_code=code,
        category="duplicate",
        details=message,
        last_attempt_at=utcnow() - timedelta(minutes=minutes_ago),
    )


def test_status_has_seed_004_fields_and_company_detail(app: Any, client: Any) -> None:
    acme = make_acme(app)
    add(
        app,
        _failed(acme.company, "c1", "tiny.duplicate", "Duplicate contact: john@example.com", 5),
        _failed(acme.company, "c2", "tiny.duplicate", "Duplicate contact: ann@example.com", 1),
        _failed(acme.company, "c3", "tiny.not_found", "Invoice not found", 3),
        SyncResult(
            company_id=acme.company,
            entity="contact",
            direction="push",
            local_id="c4",
            outcome="failed",
            excluded=True,
            catalog_code="tiny.duplicate",
        ),
        # Another organisation's failure is not ours.
        _failed(acme.other_company, "c9", "tiny.duplicate", "Globex problem", 1),
        Run(company_id=acme.company, kind="incremental", trigger="api", status="running"),
    )
    token = jwt_for(client, "viewer")
    response = client.get(f"/api/v1/sync/tiny/{acme.org}/status", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["connected"] is True
    assert body["token_expires_at"] and body["refresh_token_expires_at"]
    assert body["sync_status"] == "degraded"
    assert body["pending_syncs"] == 1
    assert body["failed_syncs"] == 3  # the excluded one and Globex's are left out
    assert body["catalog_codes"] == {"tiny.duplicate": 2, "tiny.not_found": 1}
    assert [e["message"] for e in body["errors"]] == [
        "Duplicate contact: ann@example.com",
        "Invoice not found",
        "Duplicate contact: john@example.com",
    ]
    first = body["errors"][0]
    assert first["type"] == "contact_sync" and first["catalog_code"] == "tiny.duplicate"
    assert first["timestamp"].endswith("+00:00")
    (company,) = body["companies"]
    assert company["name"] == "Acme Books"
    assert company["active_run"]["status"] == "running"
    assert company["failed_syncs"] == 3
    assert "Globex" not in response.get_data(as_text=True)


def test_status_of_an_organisation_without_connection(app: Any, client: Any) -> None:
    acme = make_acme(app)
    key = api_key_for(app, "viewer")
    body = client.get(f"/api/v1/sync/tiny/{acme.other_org}/status", headers=bearer(key)).get_json()
    assert body["connected"] is False
    assert body["sync_status"] == "disconnected"
    assert body["token_expires_at"] is None and body["errors"] == []


def test_bad_input_is_a_400_or_404_naming_the_field(app: Any, client: Any) -> None:
    acme = make_acme(app)
    headers = bearer(api_key_for(app, "viewer"))
    unknown = client.get(f"/api/v1/sync/sage/{acme.org}/status", headers=headers)
    assert unknown.status_code == 400
    assert unknown.get_json()["field"] == "provider"
    assert "sage" in unknown.get_json()["message"]
    missing = client.get("/api/v1/sync/tiny/99999/status", headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["field"] == "organization_id"


def test_browser_session_may_read_status(app: Any, client: Any) -> None:
    acme = make_acme(app)
    login(client, "viewer")
    assert client.get(f"/api/v1/sync/tiny/{acme.org}/status").status_code == 200


def test_anonymous_and_unknown_keys_get_401(app: Any, client: Any) -> None:
    acme = make_acme(app)
    assert client.get(f"/api/v1/sync/tiny/{acme.org}/status").status_code == 401
    forged = client.get(f"/api/v1/sync/tiny/{acme.org}/status", headers=bearer("sst_" + "x" * 43))
    assert forged.status_code == 401
