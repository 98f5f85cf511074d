"""Helpers for API tests: a JWT from FAB's login endpoint, an API key, a world to act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from conftest import PASSWORD
from flask import Flask
from flask.testing import FlaskClient

from sync_admin.db import session
from sync_admin.models import Company, Connection, Organization, utcnow

ACCESS_TOKEN = "AT-very-secret-access-token-0123456789"
REFRESH_TOKEN = "RT-very-secret-refresh-token-9876543210"


def jwt_for(client: FlaskClient, username: str) -> str:
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": PASSWORD, "provider": "db", "refresh": False},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def api_key_for(app: Flask, username: str) -> str:
    with app.app_context():
        sm = app.appbuilder.sm
        created = sm.create_api_key(sm.find_user(username=username), f"{username} test key")
        return created["key"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Acme:
    org: int
    connection: int
    company: int
    other_org: int
    other_company: int


def make_acme(app: Flask, provider: str = "tiny") -> Acme:
    """An organisation with one connection and company, and another organisation."""
    with app.app_context():
        org = Organization(name="Acme", host_key="acme")
        other = Organization(name="Globex", host_key="globex")
        session.add_all([org, other])
        session.flush()
        now = utcnow()
        conn = Connection(
            organization_id=org.id,
            provider=provider,
            external_account="owner@acme.example",
            token_ciphertext=app.extensions["sync_admin"].cipher.encrypt(
                {
                    "access_token": ACCESS_TOKEN,
                    "refresh_token": REFRESH_TOKEN,
                    "expires_at": int((now + timedelta(hours=1)).timestamp()),
                }
            ),
            access_expires_at=now + timedelta(hours=1),
            refresh_expires_at=now + timedelta(days=60),
            connected_at=now - timedelta(days=10),
        )
        session.add(conn)
        session.flush()
        company = Company(
            organization_id=org.id,
            connection_id=conn.id,
            provider=provider,
            provider_company_id="acme-1",
            name="Acme Books",
            cursors={},
        )
        other_company = Company(
            organization_id=other.id,
            provider=provider,
            provider_company_id="globex-1",
            name="Globex Books",
            cursors={},
        )
        session.add_all([company, other_company])
        session.commit()
        return Acme(org.id, conn.id, company.id, other.id, other_company.id)


def add(app: Flask, *rows: Any) -> None:
    with app.app_context():
        session.add_all(rows)
        session.commit()
