"""Connecting an account and keeping its token alive, against Tiny Books' sandbox
on a real port: state and PKCE, encrypted storage, one refresh for many workers."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from conftest import tiny_config
from flask import Flask

from sync_admin import oauth
from sync_admin.db import session
from sync_admin.models import Company, Connection, Organization
from sync_admin.providers import ProviderError
from sync_admin.services.audit import Actor
from sync_admin.tokens import ConnectionTokens
from sync_admin.vocabulary import Category, CompanyStatus, ConnectionStatus

STAFF = Actor(name="admin", id=1)
REDIRECT = "http://127.0.0.1/sync-admin/connect/tiny/callback"


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


@pytest.fixture
def org(app: Flask) -> int:
    with app.app_context():
        organization = Organization(name="Acme Club", host_key="acme")
        session.add(organization)
        session.commit()
        return organization.id


def _consent(url: str, decision: str = "approve") -> dict[str, str]:
    """What the browser does on the provider's consent page: follow its redirect."""
    answer = requests.get(url, params={"decision": decision}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def _connect(app: Flask, org: int) -> int:
    with app.test_request_context():
        url = oauth.begin("tiny", org, REDIRECT)
        query = parse_qs(urlsplit(url).query)
        assert query["code_challenge_method"] == ["S256"] and query["state"]
        result = oauth.complete("tiny", _consent(url), STAFF)
        assert [c.name for c in result.linked] == ["Tiny Book"]
        return result.connection.id


def test_connect_stores_an_encrypted_token_and_links_the_company(app: Flask, org: int) -> None:
    connection_id = _connect(app, org)
    with app.app_context():
        conn = session.get(Connection, connection_id)
        assert conn.status == ConnectionStatus.CONNECTED
        assert conn.external_account == "owner@tiny.example"
        token = app.extensions["sync_admin"].cipher.decrypt(conn.token_ciphertext)
        assert token["access_token"] not in conn.token_ciphertext
        assert token["refresh_token"] not in conn.token_ciphertext
        assert conn.refresh_expires_at is not None
        company = session.query(Company).one()
        assert company.provider_company_id == "b1" and company.status == CompanyStatus.NEEDS_RESYNC


def test_a_second_connection_to_the_same_provider_is_refused(app: Flask, org: int) -> None:
    _connect(app, org)
    with (
        app.test_request_context(),
        pytest.raises(oauth.DuplicateConnection, match="already have an integration to Tiny Books"),
    ):
        oauth.begin("tiny", org, REDIRECT)


def test_denied_consent_and_forged_state_are_refused(app: Flask, org: int) -> None:
    with app.test_request_context():
        url = oauth.begin("tiny", org, REDIRECT)
        with pytest.raises(oauth.AuthorizationDenied) as denied:
            oauth.complete("tiny", _consent(url, "deny"), STAFF)
        assert denied.value.error == "access_denied"
        url = oauth.begin("tiny", org, REDIRECT)
        args = _consent(url)
        args["state"] = "forged"
        with pytest.raises(oauth.AuthorizationDenied) as forged:
            oauth.complete("tiny", args, STAFF)
        assert forged.value.error == "invalid_state"
        assert session.query(Connection).count() == 0


def test_twenty_workers_refresh_with_one_token_call(
    app: Flask, org: int, tiny_sandbox: Any
) -> None:
    connection_id = _connect(app, org)
    sandbox_state = tiny_sandbox.server.app.config["TINY_STATE"]
    with app.app_context():
        stale = ConnectionTokens(connection_id).access_token()
    calls_before = sandbox_state["token_calls"]
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(ConnectionTokens(connection_id).refresh(stale))
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sandbox_state["token_calls"] - calls_before == 1
    assert len(set(results)) == 1 and results[0] != stale
    with app.app_context():
        conn = session.get(Connection, connection_id)
        assert conn.status == ConnectionStatus.CONNECTED
        assert conn.token_version == 2


def test_a_rejected_refresh_token_needs_reconnection(
    app: Flask, org: int, tiny_sandbox: Any
) -> None:
    connection_id = _connect(app, org)
    sandbox_state = tiny_sandbox.server.app.config["TINY_STATE"]
    sandbox_state["refresh"].clear()  # the grant was revoked at the provider
    with app.app_context():
        tokens = ConnectionTokens(connection_id)
        with pytest.raises(ProviderError) as raised:
            tokens.refresh(tokens.access_token())
        assert raised.value.diagnosis.category == Category.AUTH_REVOKED
        session.expire_all()
        conn = session.get(Connection, connection_id)
        assert conn.status == ConnectionStatus.NEEDS_RECONNECT
        assert "invalid_grant" in conn.last_error
        assert session.query(Company).one().status == CompanyStatus.NEEDS_RESYNC
        with pytest.raises(ProviderError):
            ConnectionTokens(connection_id).access_token()


def test_disconnect_revokes_and_unlinks(app: Flask, org: int, tiny_sandbox: Any) -> None:
    connection_id = _connect(app, org)
    sandbox_state = tiny_sandbox.server.app.config["TINY_STATE"]
    assert len(sandbox_state["refresh"]) == 1
    with app.app_context():
        oauth.disconnect(connection_id, STAFF)
        conn = session.get(Connection, connection_id)
        assert conn.status == ConnectionStatus.DISCONNECTED and conn.token_ciphertext is None
        assert session.query(Company).one().linked is False
    assert sandbox_state["refresh"] == {}


# --- the same flow through the Integrations screens ----------------------------------


def _post(client: Any, url: str, **data: Any) -> Any:
    from conftest import csrf_token

    data["csrf_token"] = csrf_token(client)
    return client.post(url, data=data)


def _follow_consent(client: Any, location: str, decision: str) -> Any:
    answer = requests.get(location, params={"decision": decision}, allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_connect_screen_flow(app: Flask, org: int, login_as: Any) -> None:
    client = login_as("admin")
    page = client.get("/sync-admin/integrations/").get_data(as_text=True)
    assert "Tiny Books" in page and "Not connected" in page
    started = _post(client, "/sync-admin/integrations/tiny/connect", organization_id=org)
    assert started.status_code == 302 and "code_challenge=" in started.headers["Location"]
    done = _follow_consent(client, started.headers["Location"], "approve")
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Connected Tiny Books as owner@tiny.example: linked Tiny Book." in page
    assert "Reconnect" in page and "Disconnect" in page
    again = _post(client, "/sync-admin/integrations/tiny/connect", organization_id=org)
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "You already have an integration to Tiny Books" in page


def test_deny_shows_authorization_denied(app: Flask, org: int, login_as: Any) -> None:
    client = login_as("admin")
    started = _post(client, "/sync-admin/integrations/tiny/connect", organization_id=org)
    denied = _follow_consent(client, started.headers["Location"], "deny")
    html = denied.get_data(as_text=True)
    assert denied.status_code == 400
    assert (
        "Authorization Denied" in html
        and "Back to Integrations" in html
        and "access_denied" in html
    )


def test_operator_cannot_connect(app: Flask, org: int, login_as: Any) -> None:
    client = login_as("operator")
    page = client.get("/sync-admin/integrations/").get_data(as_text=True)
    assert "Tiny Books" in page and ">Connect<" not in page
    refused = _post(client, "/sync-admin/integrations/tiny/connect", organization_id=org)
    assert refused.status_code == 403
