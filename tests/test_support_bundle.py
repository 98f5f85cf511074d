"""The support bundle: the facts support needs, and no token, secret or personal data."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from api_support import ACCESS_TOKEN, REFRESH_TOKEN, add, bearer, jwt_for, make_acme
from conftest import login, tiny_config

from sync_admin.db import session
from sync_admin.models import AuditEvent, Connection, Log, Mapping, Run, SyncResult, utcnow

CLIENT_SECRET = "tiny-client-secret-abcdef123456"
CUSTOMER_NAME = "Johanna Q. Customer"
CUSTOMER_EMAIL = "johanna.customer@members.example"


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    config = tiny_config(request)
    config["SYNC_ADMIN_TINY_CLIENT_SECRET"] = CLIENT_SECRET
    return config


def _fill(app: Any) -> Any:
    acme = make_acme(app)
    now = utcnow()
    with app.app_context():
        conn = session.get(Connection, acme.connection)
        conn.last_error = f"invalid_grant for refresh_token={REFRESH_TOKEN} (Bearer {ACCESS_TOKEN})"
        session.commit()
        ciphertext = conn.token_ciphertext
    add(
        app,
        Run(
            company_id=acme.company,
            kind="full",
            trigger="manual",
            status="failed",
            failed=1,
            message=f"token refresh failed: Authorization: Bearer {ACCESS_TOKEN}",
            finished_at=now,
        ),
        Log(
            organization_id=acme.org,
            company_id=acme.company,
            provider="tiny",
            company_name="Acme Books",
            external_account="owner@acme.example",
            type="event",
            level="error",
            message="Duplicate contact name",
            body=json.dumps(
                {
                    "request": {
                        "headers": {"Authorization": f"Bearer {ACCESS_TOKEN}"},
                        "json": {"name": CUSTOMER_NAME, "email": CUSTOMER_EMAIL},
                    },
                    "client_secret": CLIENT_SECRET,
                }
            ),
            entity="contact",
            direction="push",
            local_id="m-17",
            catalog_code="tiny.duplicate",
            created_at=now - timedelta(minutes=3),
        ),
        Log(
            organization_id=acme.org,
            company_id=acme.company,
            provider="tiny",
            company_name="Acme Books",
            type="milestone",
            level="info",
            message="Data sync started",
        ),
        SyncResult(
            company_id=acme.company,
            entity="contact",
            direction="push",
            local_id="m-17",
            label=CUSTOMER_NAME,
            outcome="failed",
            catalog_code="tiny.duplicate",
            category="duplicate",
            details="The name supplied already exists",
            facts={"email": CUSTOMER_EMAIL},
            response_body=json.dumps({"error": "dup", "echo": CUSTOMER_EMAIL}),
            last_attempt_at=now - timedelta(minutes=3),
        ),
        Mapping(
            company_id=acme.company,
            kind="fee_item",
            host_key="fee-dues",
            host_label="Annual dues",
            provider_id="77",
            provider_name="Dues",
        ),
    )
    return acme, ciphertext


FORBIDDEN = (ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, CUSTOMER_NAME, CUSTOMER_EMAIL)


def _assert_clean(text: str, ciphertext: str) -> None:
    for secret in (*FORBIDDEN, ciphertext, "owner@acme.example"):
        assert secret not in text, f"{secret[:12]}... leaked into the support bundle"
    assert "Bearer" not in text.replace("Bearer [redacted]", "")


def test_bundle_has_the_facts_and_leaks_nothing(app: Any, client: Any) -> None:
    acme, ciphertext = _fill(app)
    response = client.get(
        f"/api/v1/sync/companies/{acme.company}/support-bundle",
        headers=bearer(jwt_for(client, "viewer")),
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    _assert_clean(text, ciphertext)
    bundle = json.loads(text)
    assert bundle["organization"]["id"] == acme.org
    assert bundle["company"]["id"] == acme.company
    assert bundle["connection"]["has_token"] is True
    assert bundle["connection"]["external_account"] == "o***@acme.example"
    assert bundle["connection"]["refresh_expires_at"]
    assert "[redacted]" in bundle["connection"]["last_error"]
    (error,) = bundle["errors"]  # the info milestone is not an error
    assert error["message"] == "Duplicate contact name"
    assert error["catalog_code"] == "tiny.duplicate" and error["timestamp"]
    assert bundle["runs"][0]["status"] == "failed"
    assert bundle["failed_records"][0]["details"] == "The name supplied already exists"
    assert bundle["mappings"] == [
        {
            "kind": "fee_item",
            "host_key": "fee-dues",
            "host_label": "Annual dues",
            "provider_id": "77",
            "provider_name": "Dues",
            "updated_at": bundle["mappings"][0]["updated_at"],
        }
    ]
    with app.app_context():
        event = session.query(AuditEvent).one()
        assert (event.action, event.actor, event.source) == (
            "support_bundle.download",
            "viewer",
            "api",
        )


def test_download_button_on_the_support_screen(app: Any, client: Any) -> None:
    acme, ciphertext = _fill(app)
    login(client, "viewer")
    page = client.get(f"/sync-admin/support/?org={acme.org}").get_data(as_text=True)
    url = f"/sync-admin/support/companies/{acme.company}/bundle"
    assert url in page and "Download support bundle" in page
    company_page = client.get(f"/sync-admin/companies/{acme.company}").get_data(as_text=True)
    assert url in company_page and "Download support bundle" in company_page
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    _assert_clean(response.get_data(as_text=True), ciphertext)
    assert client.get("/sync-admin/support/companies/99999/bundle").status_code == 404
