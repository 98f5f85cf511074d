"""The subscriptions screen: own subscriptions for readers, everyone's for admins."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import make_acme
from conftest import csrf_token, login, tiny_config

from sync_admin.db import session
from sync_admin.models import AuditEvent, NotificationSubscription


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _subs(app: Any) -> list[tuple[str, str | None, int | None, list[str]]]:
    with app.app_context():
        return [
            (s.email, s.provider, s.company_id, s.events)
            for s in session.query(NotificationSubscription).order_by(NotificationSubscription.id)
        ]


def test_viewer_subscribes_self_admin_subscribes_others(app: Any, client: Any) -> None:
    acme = make_acme(app)
    login(client, "viewer")
    client.post(
        "/sync-admin/notifications/subscribe",
        data={
            "csrf_token": csrf_token(client),
            "email": "someone-else@example.com",  # ignored: viewers subscribe themselves
            "company_id": str(acme.company),
            "events": ["sync_errors", "token_expiring"],
        },
    )
    assert _subs(app) == [
        ("viewer@example.com", "tiny", acme.company, ["sync_errors", "token_expiring"])
    ]
    page = client.get("/sync-admin/notifications/").get_data(as_text=True)
    assert "Acme Books (tiny)" in page and page.count('class="sa-subscription"') == 1

    client.get("/logout/")
    login(client, "admin")
    response = client.post(
        "/sync-admin/notifications/subscribe",
        data={
            "csrf_token": csrf_token(client),
            "email": "finance@club.example",
            "provider": "tiny",
            "events": ["reconnect_needed"],
        },
        follow_redirects=True,
    )
    assert "Subscribed." in response.get_data(as_text=True)
    admin_page = client.get("/sync-admin/notifications/").get_data(as_text=True)
    assert admin_page.count('class="sa-subscription"') == 2
    with app.app_context():
        actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["notification.subscribe", "notification.subscribe"]


def test_bad_input_is_explained(app: Any, client: Any) -> None:
    make_acme(app)
    login(client, "admin")
    for data, words in [
        ({"email": "not-an-address", "events": ["sync_errors"]}, "not an email address"),
        ({"email": "a@b.example"}, "choose at least one event"),
        ({"email": "a@b.example", "events": ["weather"]}, "unknown event"),
        (
            {"email": "a@b.example", "events": ["sync_errors"], "provider": "sage"},
            "unknown provider",
        ),
        (
            {"email": "a@b.example", "events": ["sync_errors"], "company_id": "x"},
            "choose a company",
        ),
        (
            {"email": "a@b.example", "events": ["sync_errors"], "company_id": "999"},
            "does not exist",
        ),
    ]:
        data["csrf_token"] = csrf_token(client)
        response = client.post(
            "/sync-admin/notifications/subscribe", data=data, follow_redirects=True
        )
        assert response.status_code == 200
        assert words in response.get_data(as_text=True), data
    assert _subs(app) == []


def test_readers_cannot_remove_other_staffs_subscriptions(app: Any, client: Any) -> None:
    with app.app_context():
        sub = NotificationSubscription(
            email="boss@club.example", user_id=None, events=["sync_errors"]
        )
        session.add(sub)
        session.commit()
        sub_id = sub.id
    login(client, "operator")
    client.post(
        f"/sync-admin/notifications/{sub_id}/delete", data={"csrf_token": csrf_token(client)}
    )
    assert len(_subs(app)) == 1
    client.get("/logout/")
    login(client, "admin")
    client.post(
        f"/sync-admin/notifications/{sub_id}/delete", data={"csrf_token": csrf_token(client)}
    )
    assert _subs(app) == []
