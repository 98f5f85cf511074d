"""The role matrix: every sync-admin view and API endpoint, for every role.

Anonymous users are sent to the login page (screens) or get 401 (API); a role
without the permission gets 403; a role with it gets the endpoint's success
status. ``CASES`` must name every route the plugin registers: a new route that
is missing here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import csrf_token, login, tiny_config
from flask import Flask
from sqlalchemy.orm import Session

from examples.membership import create_tables
from examples.membership.data import Books
from sync_admin.db import get_db, session
from sync_admin.models import Company, Connection, Organization, utcnow

ROLES = ("anonymous", "nobody", "viewer", "operator", "admin")
GRANTED = {
    "read": {"viewer", "operator", "admin"},
    "operate": {"operator", "admin"},
    "connect": {"admin"},
    "administer": {"admin"},
}


@dataclass
class World:
    """Objects the endpoints act on, made fresh for every case."""

    org: int
    connection: int
    company: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    permission: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    ok: tuple[int, ...] = (200,)
    api: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.endpoint, self.method)


CASES: list[Case] = [
    Case(
        "IntegrationsView.index", "GET", "read", lambda w: f"/sync-admin/integrations/?org={w.org}"
    ),
    Case(
        "IntegrationsView.connect",
        "POST",
        "connect",
        lambda w: "/sync-admin/integrations/tiny/connect",
        data=lambda w: {"organization_id": w.org},
        ok=(302,),
    ),
    Case(
        "IntegrationsView.reconnect",
        "POST",
        "connect",
        lambda w: f"/sync-admin/integrations/connections/{w.connection}/reconnect",
        ok=(302,),
    ),
    Case(
        "IntegrationsView.disconnect",
        "POST",
        "connect",
        lambda w: f"/sync-admin/integrations/connections/{w.connection}/disconnect",
        ok=(302,),
    ),
    # A callback without a started authorization is refused as a forged state.
    Case(
        "IntegrationsView.callback",
        "GET",
        "connect",
        lambda w: "/sync-admin/integrations/tiny/callback?state=x&code=y",
        ok=(400,),
    ),
    Case(
        "IntegrationsView.choose",
        "GET",
        "connect",
        lambda w: f"/sync-admin/integrations/connections/{w.connection}/companies",
        ok=(302,),
    ),
    Case(
        "IntegrationsView.choose",
        "POST",
        "connect",
        lambda w: f"/sync-admin/integrations/connections/{w.connection}/companies",
        ok=(302,),
    ),
    Case("AuditView.index", "GET", "read", lambda w: "/sync-admin/audit/?actor=admin"),
    Case("SupportView.index", "GET", "read", lambda w: f"/sync-admin/support/?org={w.org}"),
    Case(
        "SupportView.bundle",
        "GET",
        "read",
        lambda w: f"/sync-admin/support/companies/{w.company}/bundle",
    ),
    Case(
        "StatusApi.status", "GET", "read", lambda w: f"/api/v1/sync/tiny/{w.org}/status", api=True
    ),
    Case(
        "StatusApi.support_bundle",
        "GET",
        "read",
        lambda w: f"/api/v1/sync/companies/{w.company}/support-bundle",
        api=True,
    ),
    Case("MetricsApi.metrics", "GET", "read", lambda w: "/api/v1/sync/metrics", api=True),
    Case("SyncReadsApi.logs", "GET", "read", lambda w: "/api/v1/sync/logs?level=error", api=True),
    Case(
        "SyncReadsApi.results",
        "GET",
        "read",
        lambda w: f"/api/v1/sync/results?company_id={w.company}",
        api=True,
    ),
    Case(
        "SyncReadsApi.runs",
        "GET",
        "read",
        lambda w: f"/api/v1/sync/runs?organization_id={w.org}",
        api=True,
    ),
    Case(
        "SyncReadsApi.failures",
        "GET",
        "read",
        lambda w: "/api/v1/sync/failures?provider=tiny",
        api=True,
    ),
    Case(
        "SyncActionsApi.resync",
        "POST",
        "operate",
        lambda w: f"/api/v1/sync/tiny/{w.org}/resync",
        data=lambda w: {"sync_types": ["contacts"]},
        ok=(202,),
        api=True,
    ),
    # Authorised callers reach the validation: the record does not exist (its success: test_api_actions).
    Case(
        "SyncActionsApi.retry",
        "POST",
        "operate",
        lambda w: f"/api/v1/sync/tiny/{w.org}/retry",
        data=lambda w: {"record_ids": [999999]},
        ok=(400,),
        api=True,
    ),
    Case("NotificationsView.index", "GET", "read", lambda w: "/sync-admin/notifications/"),
    # Every reader manages their own subscriptions; other staff's need administer.
    Case(
        "NotificationsView.subscribe",
        "POST",
        "read",
        lambda w: "/sync-admin/notifications/subscribe",
        data=lambda w: {"events": "sync_errors", "provider": "tiny"},
        ok=(302,),
    ),
    Case(
        "NotificationsView.delete",
        "POST",
        "read",
        lambda w: "/sync-admin/notifications/999/delete",
        ok=(302,),
    ),
]

CASES += [
    Case("LogsView.index", "GET", "read", lambda w: "/sync-admin/logs/"),
    Case(
        "LogsView.detail",
        "GET",
        "read",
        lambda w: f"/sync-admin/logs/detail?company_id={w.company}",
    ),
    Case("DataFeedView.index", "GET", "read", lambda w: "/sync-admin/data-feed/"),
    Case("DataFeedView.progress", "GET", "read", lambda w: "/sync-admin/data-feed/progress.json"),
    Case(
        "DataFeedView.resync",
        "POST",
        "operate",
        lambda w: f"/sync-admin/data-feed/{w.company}/resync",
        ok=(302,),
    ),
    Case(
        "DataFeedView.resync_selected",
        "POST",
        "operate",
        lambda w: "/sync-admin/data-feed/resync",
        data=lambda w: {"company_ids": [w.company]},
        ok=(302,),
    ),
    Case(
        "DataFeedView.resync_all",
        "POST",
        "operate",
        lambda w: "/sync-admin/data-feed/resync-all",
        ok=(302,),
    ),
    Case(
        "DataFeedView.unlink",
        "POST",
        "connect",
        lambda w: f"/sync-admin/data-feed/{w.company}/unlink",
        ok=(302,),
    ),
    Case(
        "DataFeedView.token_user",
        "GET",
        "connect",
        lambda w: f"/sync-admin/data-feed/connections/{w.connection}/token-user",
    ),
    Case(
        "DataFeedView.token_user",
        "POST",
        "connect",
        lambda w: f"/sync-admin/data-feed/connections/{w.connection}/token-user",
        data=lambda w: {"user_id": "999999"},
        ok=(400,),
    ),
    Case("CompanyView.show", "GET", "read", lambda w: f"/sync-admin/companies/{w.company}"),
    Case("RunsView.index", "GET", "read", lambda w: f"/sync-admin/runs/?company_id={w.company}"),
    Case(
        "ResultsView.index", "GET", "read", lambda w: f"/sync-admin/results/?company_id={w.company}"
    ),
    Case(
        "ResultsView.bulk",
        "POST",
        "operate",
        lambda w: "/sync-admin/results/bulk",
        data=lambda w: {"op": "retry"},
        ok=(302,),
    ),
    Case(
        "ResultsView.unlink", "POST", "operate", lambda w: "/sync-admin/results/unlink", ok=(302,)
    ),
    Case(
        "ResultsView.sync",
        "POST",
        "operate",
        lambda w: "/sync-admin/results/sync",
        data=lambda w: {"company_id": w.company},
        ok=(302,),
    ),
    Case(
        "ResultsView.link_by_hand",
        "POST",
        "operate",
        lambda w: "/sync-admin/results/link-by-hand",
        data=lambda w: {"company_id": w.company, "entity": "contact", "local_id": "1"},
        ok=(302,),
    ),
    Case("FailuresView.index", "GET", "read", lambda w: "/sync-admin/failures/"),
    Case(
        "FailuresView.retry_all",
        "POST",
        "operate",
        lambda w: "/sync-admin/failures/retry-all",
        data=lambda w: {"company_id": w.company},
        ok=(302,),
    ),
    Case(
        "FailuresView.exclude_group",
        "POST",
        "operate",
        lambda w: "/sync-admin/failures/exclude-group",
        data=lambda w: {"company_id": w.company, "catalog_code": "tiny.duplicate_name"},
        ok=(302,),
    ),
    Case(
        "MappingsView.index",
        "GET",
        "read",
        lambda w: f"/sync-admin/mappings/?company_id={w.company}&kind=fee_item",
    ),
    Case(
        "MappingsView.set",
        "POST",
        "operate",
        lambda w: "/sync-admin/mappings/set",
        data=lambda w: {"company_id": w.company, "kind": "fee_item", "host_key": "dues"},
        ok=(302,),
    ),
    Case("CatalogView.index", "GET", "read", lambda w: "/sync-admin/catalog/?q=token"),
    # The membership host's record pages (examples/membership/pages.py), where local ids lead.
    Case("membership.record", "GET", "read", lambda w: f"/membership/contact/{w.extra['member']}"),
    Case("membership.record", "GET", "read", lambda w: f"/membership/invoice/{w.extra['invoice']}"),
]

# Provider webhooks authenticate by signature, not by staff login (tests/test_webhooks.py).
PUBLIC = {"sync_admin.static", "sync_admin.provider_logo", "sync_admin_webhooks.receive"}


def _plugin_endpoints(app: Flask) -> set[tuple[str, str]]:
    ext = app.extensions["sync_admin"]
    from sync_admin.api import APIS
    from sync_admin.views import HIDDEN, MENU

    prefixes = {cls.__name__ + "." for cls in [*(v for v, _, _ in MENU), *HIDDEN, *APIS]}
    prefixes.add("membership.")  # the demo host's record pages, registered by create_app
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or not any(rule.endpoint.startswith(p) for p in prefixes):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((rule.endpoint, method))
    assert ext is not None
    return found


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {**tiny_config(request), "SYNC_ADMIN_HOST_ADAPTER": "examples.membership:adapter"}


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        org = Organization(name="Acme", host_key="acme")
        session.add(org)
        session.flush()
        conn = Connection(
            organization_id=org.id,
            provider="tiny",
            external_account="owner@tiny.example",
            token_ciphertext=app.extensions["sync_admin"].cipher.encrypt(
                {"access_token": "a", "refresh_token": "r", "expires_at": 4102444800}
            ),
            connected_at=utcnow(),
        )
        session.add(conn)
        session.flush()
        company = Company(
            organization_id=org.id,
            connection_id=conn.id,
            provider="tiny",
            provider_company_id="b1",
            name="Tiny Book",
            cursors={},
        )
        session.add(company)
        session.commit()
        create_tables(get_db().engine)
        with Session(get_db().engine) as db:
            books = Books(db, "acme", "Acme")
            member = books.member("Ann", "Lee")
            invoice = books.invoice(member, "INV-1", [("dues", "150.00")])
            db.commit()
            extra = {"member": member.id, "invoice": invoice.id}
        return World(org=org.id, connection=conn.id, company=company.id, extra=extra)


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    declared = {case.key for case in CASES}
    registered = _plugin_endpoints(app)
    assert registered - declared == set(), "routes missing from the role matrix"
    assert declared - registered == set(), "matrix rows for routes that do not exist"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.endpoint}")
def test_role_matrix(app: Flask, world: World, client: Any, case: Case, role: str) -> None:
    if role != "anonymous":
        login(client, role)
    url = case.url(world)
    if case.method == "GET":
        response = client.get(url)
    elif case.api:
        # The session cookie never changes state through the API (CSRF-exempt): 401 for all.
        data = {**case.data(world), "csrf_token": csrf_token(client)}
        response = client.open(url, method=case.method, json=data)
        assert response.status_code == 401, response.get_data(as_text=True)[:300]
        return
    else:
        data = dict(case.data(world))
        data["csrf_token"] = csrf_token(client)
        response = client.open(url, method=case.method, data=data)
    if role == "anonymous":
        if case.api:
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role in GRANTED[case.permission]:
        assert response.status_code in case.ok, response.get_data(as_text=True)[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.method != "GET" and not c.api], ids=lambda c: c.endpoint
)
def test_state_changes_need_a_csrf_token(app: Flask, world: World, client: Any, case: Case) -> None:
    login(client, "admin")
    response = client.open(case.url(world), method=case.method, data=case.data(world))
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


# --- the API with a JWT or an API key; the session cookie never changes state -------


def _api_headers(app: Flask, client: Any, role: str, auth: str) -> dict[str, str]:
    from api_support import api_key_for, bearer, jwt_for

    token = jwt_for(client, role) if auth == "jwt" else api_key_for(app, role)
    return bearer(token)


def _call(client: Any, case: Case, world: World, headers: dict[str, str]) -> Any:
    if case.method == "GET":
        return client.get(case.url(world), headers=headers)
    return client.open(case.url(world), method=case.method, json=case.data(world), headers=headers)


# Every role with a JWT; with an API key, a role that may read but not operate and one that may
# do both (an API key is checked with scrypt on each request: the matrix stays affordable).
TOKEN_AUTH = [("jwt", role) for role in ROLES[1:]] + [
    ("api_key", "viewer"),
    ("api_key", "operator"),
]


@pytest.mark.parametrize(("auth", "role"), TOKEN_AUTH)
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.api], ids=lambda c: f"{c.method}-{c.endpoint}"
)
def test_api_matrix_with_tokens(
    app: Flask, world: World, client: Any, case: Case, role: str, auth: str
) -> None:
    response = _call(client, case, world, _api_headers(app, client, role, auth))
    if role in GRANTED[case.permission]:
        assert response.status_code in case.ok, response.get_data(as_text=True)[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.api], ids=lambda c: f"{c.method}-{c.endpoint}"
)
def test_api_refuses_a_bad_token(app: Flask, world: World, client: Any, case: Case) -> None:
    for token in ("sst_not-a-key", "not.a.jwt"):
        response = _call(client, case, world, {"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (token, response.status_code)
