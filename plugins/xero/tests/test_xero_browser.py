"""Connecting Xero in a real browser: the admin, Xero's consent page (the sandbox's),
the organisation choice, the no-organisations guidance, and disconnecting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select

from sync_admin.db import session
from sync_admin.models import Company, Connection, Organization
from sync_admin.vocabulary import ConnectionStatus

from .conftest import SCREENSHOTS, LiveServer, browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def xero_sandbox(spec_check: Any) -> Iterator[LiveServer]:
    """The sandbox behind a recorder: what core's connect and disconnect send is checked
    against the spec too."""
    from sync_admin_xero import provider

    from .spec_check import RecordingMiddleware

    with LiveServer(RecordingMiddleware(provider.sandbox_app(), spec_check)) as server:
        yield server


@pytest.fixture
def app_config(xero_sandbox: LiveServer) -> dict[str, Any]:
    from sync_admin_xero import provider

    return {"SYNC_ADMIN_PROVIDERS": "xero", **provider.sandbox_config(xero_sandbox.url)}


def _organization(app: Any) -> int:
    with app.app_context():
        org = Organization(name="Harbour Sailing Club", host_key="harbour")
        session.add(org)
        session.commit()
        return org.id


def _start_connect(page: Any, live_app: LiveServer) -> None:
    browser_login(page, live_app.url, "admin")
    page.goto(f"{live_app.url}/sync-admin/integrations/")
    card = page.locator(".sa-card[data-provider=xero]")
    assert "Not connected" in card.inner_text()
    card.get_by_role("button", name="Connect").click()
    page.wait_for_url("**/identity/connect/authorize**")


def test_connect_choosing_organisations_then_disconnect(
    app: Any, live_app: LiveServer, xero_sandbox: LiveServer, page: Any, spec_check: Any
) -> None:
    org_id = _organization(app)
    _start_connect(page, live_app)
    # Xero's consent page: both organisations of the user, Allow and Cancel.
    assert page.get_by_text("Demo Company (UK)").is_visible()
    assert page.get_by_text("Demo Company (NZ)").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "xero_consent.png"), full_page=True)
    page.get_by_role("button", name="Allow access").click()
    # Back in the admin: staff confirm which organisations to link.
    page.wait_for_url("**/sync-admin/integrations/connections/*/companies")
    assert page.locator("h2", has_text="Choose the Xero organisations to link").is_visible()
    page.get_by_label("Demo Company (UK)").uncheck()
    page.screenshot(path=str(SCREENSHOTS / "xero_choose_organisations.png"), full_page=True)
    page.get_by_role("button", name="Link selected").click()
    page.wait_for_url("**/sync-admin/integrations/?org=*")
    assert "Linked Demo Company (NZ) from Xero" in page.content()
    card = page.locator(".sa-card[data-provider=xero]")
    assert "Connected" in card.inner_text() and "1 company" in card.inner_text()
    assert "owner@demo-company.example" in card.inner_text()
    with app.app_context():
        companies = session.scalars(select(Company).where(Company.organization_id == org_id)).all()
        assert [(c.name, c.base_currency) for c in companies] == [("Demo Company (NZ)", "NZD")]
        assert companies[0].provider_connection_id
        connection = session.scalars(select(Connection)).one()
        assert connection.status == ConnectionStatus.CONNECTED.value
        assert connection.token_ciphertext and "access_token" not in str(
            connection.token_ciphertext
        )
    stats = requests.get(f"{xero_sandbox.url}/_sandbox/stats", timeout=10).json()
    assert stats["connections"] == 2 and stats["grants"] == 1
    # Disconnect: Xero's connection is deleted and the grant revoked.
    card.locator("summary", has_text="Manage").click()
    card.get_by_role("button", name="Disconnect").click()
    page.wait_for_load_state("networkidle")
    assert "Disconnected Xero (owner@demo-company.example)" in page.content()
    assert "Not connected" in page.locator(".sa-card[data-provider=xero]").inner_text()
    stats = requests.get(f"{xero_sandbox.url}/_sandbox/stats", timeout=10).json()
    assert stats["connections"] == 0 and stats["grants"] == 0
    with app.app_context():
        connection = session.scalars(select(Connection)).one()
        assert connection.status == ConnectionStatus.DISCONNECTED.value
        assert connection.token_ciphertext is None and connection.last_error is None
    # Core's own calls during connect and disconnect, checked against the spec.
    assert {"getConnections", "getOrganisations", "deleteConnection", "token"} <= (
        spec_check.operations()
    )


def test_no_organisation_chosen_shows_what_to_check(
    app: Any, live_app: LiveServer, xero_sandbox: LiveServer, page: Any
) -> None:
    _organization(app)
    _start_connect(page, live_app)
    for box in page.locator("input[name=tenant]").all():
        box.uncheck()
    page.get_by_role("button", name="Allow access").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h2", has_text="No companies came back from Xero").is_visible()
    assert "you selected the correct organizations" in page.content()


def test_cancel_on_xeros_page_is_authorization_denied(
    app: Any, live_app: LiveServer, xero_sandbox: LiveServer, page: Any
) -> None:
    _organization(app)
    _start_connect(page, live_app)
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_load_state("networkidle")
    assert "access_denied" in page.content()
    with app.app_context():
        assert session.scalars(select(Connection)).all() == []
