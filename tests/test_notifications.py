# ruff: noqa: F811 - fixtures imported from engine_setup and mail_support
"""Notifications over real SMTP (aiosmtpd): failure episodes from real engine runs,
reconnect needed, token expiry ahead; and the subscriptions screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from engine_setup import (
    STAFF,
    Linked,
    books,  # noqa: F401 - fixture
    engine_config,
    host_db,  # noqa: F401 - fixture
    linked,  # noqa: F401 - fixture
)
from flask import Flask
from mail_support import Inbox, mail_config, smtp  # noqa: F401 - fixture

from examples.membership.data import Books
from sync_admin import signals
from sync_admin.db import session
from sync_admin.models import Connection, NotificationSubscription, SyncResult, utcnow
from sync_admin.notifications import check_connections
from sync_admin.services import mappings, records, resync
from sync_admin.vocabulary import RunKind
from sync_admin.worker import make_worker

ALL = ["sync_errors", "reconnect_needed", "token_expiring"]


@pytest.fixture
def app_config(request: pytest.FixtureRequest, smtp: tuple[Inbox, int]) -> dict[str, Any]:
    return {**engine_config(request), **mail_config(smtp[1])}


def _subscribe(app: Flask, email: str, **scope: Any) -> None:
    with app.app_context():
        session.add(NotificationSubscription(email=email, events=scope.pop("events", ALL), **scope))
        session.commit()


def _run(app: Flask, company_id: int, kind: RunKind) -> None:
    with app.app_context():
        resync.resync_company(company_id, actor=STAFF, kind=kind)
    make_worker(app, simple=True).work(burst=True)


def _failed_ids(app: Flask, company_id: int) -> list[int]:
    with app.app_context():
        return [
            r.id
            for r in session.query(SyncResult).filter_by(company_id=company_id, outcome="failed")
        ]


def test_one_mail_per_failure_episode_grouped_by_catalog_entry(
    app: Flask, linked: Linked, books: Books, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    books.fee_item("dues", "Annual dues", "120.00")
    books.fee_item("gala", "Gala dinner", "80.00")
    ann = books.member("Ann", "Lee")
    bob = books.member("Bob", "Stone")
    books.member("Ann", "Lee", email="other-ann@example.org")  # duplicate name
    books.member("Ann", "Lee", email="third-ann@example.org")  # and another
    books.invoice(ann, "INV-1", [("dues", "120.00")])
    books.invoice(bob, "INV-2", [("gala", "80.00")])  # gala is not mapped
    books.db.commit()
    _subscribe(app, "ops@club.example", provider="tiny")
    _subscribe(app, "books@club.example", company_id=linked.company, events=["sync_errors"])
    _subscribe(app, "xero-only@club.example", provider="xero")
    _subscribe(app, "no-errors@club.example", events=["token_expiring"])
    with app.app_context():
        mappings.set_mapping(linked.company, "fee_item", "dues", "1", actor=STAFF)

    _run(app, linked.company, RunKind.FULL)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert inbox.recipients() == ["books@club.example", "ops@club.example"]
    assert "Tiny" in message["Subject"] and "3 records in 2 groups" in message["Subject"]
    text = inbox.text()
    assert "(tiny.duplicate_name): 2 records [new]" in text
    assert "(sync_admin.missing_mapping): 1 record [new]" in text
    assert "https://admin.club.example/sync-admin/logs/detail?" in text
    html = inbox.html()
    assert "<code>tiny.duplicate_name</code>" in html

    # The same errors again: the episode goes on, nobody is mailed.
    _run(app, linked.company, RunKind.INCREMENTAL)
    assert len(inbox.messages) == 1

    # Staff exclude the errors: the next finished run ends the episode.
    with app.app_context():
        failed = _failed_ids(app, linked.company)
        records.exclude(failed, actor=STAFF)
    _run(app, linked.company, RunKind.INCREMENTAL)
    assert len(inbox.messages) == 1
    # They come back: a new episode, a new mail.
    with app.app_context():
        records.include(failed, actor=STAFF)
    _run(app, linked.company, RunKind.INCREMENTAL)
    assert len(inbox.messages) == 2
    assert "[new]" in inbox.text()


def test_reconnect_needed_is_mailed_once(
    app: Flask, linked: Linked, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    _subscribe(app, "ops@club.example", events=["reconnect_needed"])
    _subscribe(app, "errors-only@club.example", events=["sync_errors"])
    with app.app_context():
        conn = session.get(Connection, linked.connection)
        conn.status = "needs_reconnect"
        conn.last_error = "invalid_grant: refresh_token=RT-secret-123 is expired"
        session.commit()
        signals.send(signals.connection_needs_reconnect, connection_id=linked.connection)
        signals.send(signals.connection_needs_reconnect, connection_id=linked.connection)
    assert len(inbox.messages) == 1
    assert inbox.recipients() == ["ops@club.example"]
    assert "needs reconnecting for Acme Club" in inbox.messages[0]["Subject"]
    text = inbox.text()
    assert "RT-secret-123" not in text and "[redacted]" in text
    assert f"https://admin.club.example/sync-admin/integrations/?org={linked.org}" in text


def test_token_expiry_warnings_and_reminder(
    app: Flask, linked: Linked, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    _subscribe(app, "ops@club.example", events=["token_expiring"])
    now = utcnow()
    with app.app_context():
        conn = session.get(Connection, linked.connection)
        # Fresh grant, token refreshed today: nothing due.
        conn.connected_at = now - timedelta(days=1)
        conn.refresh_expires_at = now + timedelta(days=99)
        session.commit()
        assert check_connections()["notices"] == 0
        # Idle: the refresh token dies in 10 days (warning window: 14).
        conn.refresh_expires_at = now + timedelta(days=10)
        session.commit()
        assert check_connections()["sent"] == 1
        assert "refresh token expires on" in inbox.text()
        # Hard cap ahead, and connected 91 days ago (reminder every 90 days).
        conn.refresh_hard_expires_at = now + timedelta(days=3)
        conn.connected_at = now - timedelta(days=91)
        session.commit()
        assert check_connections()["sent"] == 2
        texts = [inbox.text(i) for i in (-1, -2)]
        assert any("maximum lifetime" in t for t in texts)
        assert any("reconnect every 90 days" in t for t in texts)
        # Each warning once.
        assert check_connections()["sent"] == 0
    assert len(inbox.messages) == 3
