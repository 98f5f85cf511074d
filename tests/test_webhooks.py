"""Provider webhooks in: signatures over the raw body, intent to receive, replays, runs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from sync_admin import signals
from sync_admin.db import session
from sync_admin.models import AuditEvent, Company, Connection, Organization, Run
from sync_admin.queue import get_queue

QBO_VERIFIER = "qbo-verifier-token-5b1f"
XERO_KEY = "xero-webhook-key-Zq8w"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {
        "SYNC_ADMIN_PROVIDERS": "quickbooks,xero",
        "SYNC_ADMIN_QUICKBOOKS_WEBHOOK_VERIFIER": QBO_VERIFIER,
        "SYNC_ADMIN_XERO_WEBHOOK_KEY": XERO_KEY,
    }


def _sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def companies(app: Any) -> dict[str, int]:
    with app.app_context():
        org = Organization(name="Acme", host_key="acme")
        session.add(org)
        session.flush()
        conns = {
            p: Connection(organization_id=org.id, provider=p, external_account=f"{p}@acme.example")
            for p in ("quickbooks", "xero")
        }
        session.add_all(conns.values())
        session.flush()
        rows = {
            "qbo": Company(
                organization_id=org.id,
                connection_id=conns["quickbooks"].id,
                provider="quickbooks",
                provider_company_id="9130",
                name="Q",
            ),
            "xero": Company(
                organization_id=org.id,
                connection_id=conns["xero"].id,
                provider="xero",
                provider_company_id="tenant-1",
                name="X",
            ),
        }
        session.add_all(rows.values())
        session.commit()
        return {k: c.id for k, c in rows.items()}


QBO_BODY = json.dumps(
    {
        "eventNotifications": [
            {
                "realmId": "9130",
                "dataChangeEvent": {
                    "entities": [
                        {
                            "name": "Customer",
                            "id": "58",
                            "operation": "Update",
                            "lastUpdated": "2026-12-01T10:00:00.000Z",
                        },
                        {
                            "name": "Invoice",
                            "id": "130",
                            "operation": "Create",
                            "lastUpdated": "2026-12-01T10:00:01.000Z",
                        },
                    ]
                },
            },
            {
                "realmId": "555-not-ours",
                "dataChangeEvent": {
                    "entities": [
                        {
                            "name": "Customer",
                            "id": "1",
                            "operation": "Create",
                            "lastUpdated": "2026-12-01T10:00:00.000Z",
                        }
                    ]
                },
            },
        ]
    },
    separators=(",", ":"),
).encode()


def _runs(app: Any) -> list[Run]:
    with app.app_context():
        return session.query(Run).order_by(Run.id).all()


def test_quickbooks_delivery_starts_one_incremental_run_once(
    app: Any, client: Any, companies: dict[str, int]
) -> None:
    headers = {
        "intuit-signature": _sign(QBO_BODY, QBO_VERIFIER),
        "Content-Type": "application/json",
    }
    response = client.post("/sync-admin/webhooks/quickbooks", data=QBO_BODY, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["events"] == 3 and body["duplicates"] == 0
    assert body["unknown_companies"] == ["555-not-ours"]
    (run,) = _runs(app)
    assert (run.company_id, run.kind, run.trigger) == (companies["qbo"], "incremental", "webhook")
    with app.app_context():
        assert get_queue().count == 1
        event = session.query(AuditEvent).one()
        assert (event.actor, event.source) == ("quickbooks webhook", "webhook")

    # The same delivery again (Intuit retries): processed once.
    again = client.post("/sync-admin/webhooks/quickbooks", data=QBO_BODY, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["duplicates"] == 3
    assert len(_runs(app)) == 1


def test_bad_signatures_get_401_and_start_nothing(
    app: Any, client: Any, companies: dict[str, int]
) -> None:
    tampered = QBO_BODY.replace(b'"58"', b'"59"')
    cases = [
        {},  # no signature
        {"intuit-signature": "not base64 at all"},
        {"intuit-signature": _sign(QBO_BODY, "someone-elses-verifier")},
        # Signed over a different body: the signature covers the raw bytes.
        {"intuit-signature": _sign(QBO_BODY, QBO_VERIFIER), "_body": tampered},
    ]
    for headers in cases:
        data = headers.pop("_body", QBO_BODY)
        response = client.post("/sync-admin/webhooks/quickbooks", data=data, headers=headers)
        assert response.status_code == 401, headers
    assert _runs(app) == []
    # A forged delivery does not poison the replay guard for the real one.
    real = client.post(
        "/sync-admin/webhooks/quickbooks",
        data=QBO_BODY,
        headers={"intuit-signature": _sign(QBO_BODY, QBO_VERIFIER)},
    )
    assert real.status_code == 200 and len(_runs(app)) == 1


def test_xero_intent_to_receive(app: Any, client: Any, companies: dict[str, int]) -> None:
    body = json.dumps(
        {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "S0M3"}
    ).encode()
    good = client.post(
        "/sync-admin/webhooks/xero", data=body, headers={"x-xero-signature": _sign(body, XERO_KEY)}
    )
    assert good.status_code == 200
    bad = client.post(
        "/sync-admin/webhooks/xero", data=body, headers={"x-xero-signature": _sign(body, "nope")}
    )
    assert bad.status_code == 401
    assert _runs(app) == []


def test_xero_event_for_a_company_already_syncing(
    app: Any, client: Any, companies: dict[str, int]
) -> None:
    with app.app_context():
        session.add(
            Run(company_id=companies["xero"], kind="full", trigger="manual", status="running")
        )
        session.commit()
    body = json.dumps(
        {
            "events": [
                {
                    "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/c-1",
                    "resourceId": "c-1",
                    "eventDateUtc": "2026-12-01T10:00:00.000",
                    "eventType": "UPDATE",
                    "eventCategory": "CONTACT",
                    "tenantId": "tenant-1",
                    "tenantType": "ORGANISATION",
                }
            ],
            "firstEventSequence": 1,
            "lastEventSequence": 1,
            "entropy": "X",
        }
    ).encode()
    response = client.post(
        "/sync-admin/webhooks/xero", data=body, headers={"x-xero-signature": _sign(body, XERO_KEY)}
    )
    assert response.status_code == 200
    assert response.get_json()["already_running"] == [companies["xero"]]
    assert len(_runs(app)) == 1
    # When that run ends, the change it may have missed gets its incremental sync (once).
    with app.app_context():
        running = session.query(Run).one()
        running.status = "succeeded"
        session.commit()
        signals.send(signals.run_finished, run_id=running.id)
        signals.send(signals.run_finished, run_id=running.id)
    _first, follow_up = _runs(app)
    assert (follow_up.kind, follow_up.trigger, follow_up.status) == (
        "incremental",
        "webhook",
        "queued",
    )


def test_unknown_provider_and_missing_secret(app: Any, client: Any) -> None:
    assert client.post("/sync-admin/webhooks/sage", data=b"{}").status_code == 404
    app.config["SYNC_ADMIN_XERO_WEBHOOK_KEY"] = ""
    body = b'{"events": []}'
    response = client.post(
        "/sync-admin/webhooks/xero", data=body, headers={"x-xero-signature": _sign(body, "")}
    )
    assert response.status_code == 401
