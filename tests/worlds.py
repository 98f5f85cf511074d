"""Rows the engine and service tests start from: an organization, a connection, a company."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import Flask

from sync_admin.db import session
from sync_admin.models import Company, Connection, Organization, SyncResult
from sync_admin.vocabulary import CompanyStatus, Direction, Outcome


@dataclass
class World:
    org: int
    connection: int
    company: int


def make_world(
    app: Flask,
    provider: str = "tiny",
    provider_company_id: str = "b1",
    host_company_key: str = "acme",
    token: dict[str, Any] | None = None,
) -> World:
    with app.app_context():
        org = Organization(name="Acme Club", host_key=f"org-{host_company_key}")
        session.add(org)
        session.flush()
        cipher = app.extensions["sync_admin"].cipher
        token = token or {
            "access_token": "not-a-real-token",
            "refresh_token": "not-a-real-refresh",
            "token_type": "bearer",
            "expires_at": int(time.time()) + 3600,
        }
        connection = Connection(
            organization_id=org.id,
            provider=provider,
            external_account="owner@tiny.example",
            token_ciphertext=cipher.encrypt(token),
            token_version=1,
        )
        session.add(connection)
        session.flush()
        company = Company(
            organization_id=org.id,
            connection_id=connection.id,
            provider=provider,
            provider_company_id=provider_company_id,
            name="Tiny Book",
            host_company_key=host_company_key,
            status=CompanyStatus.NEEDS_RESYNC.value,
            cursors={},
        )
        session.add(company)
        session.commit()
        return World(org.id, connection.id, company.id)


def add_result(
    company_id: int,
    entity: str,
    local_id: str,
    outcome: Outcome = Outcome.FAILED,
    depends_on: list[str] | None = None,
    **values: Any,
) -> SyncResult:
    row = SyncResult(
        company_id=company_id,
        entity=entity,
        direction=Direction.PUSH.value,
        local_id=local_id,
        label=f"{entity} {local_id}",
        outcome=outcome.value,
        facts={"depends_on": depends_on or []},
        **values,
    )
    session.add(row)
    session.flush()
    return row
