"""Connecting QuickBooks in a real browser through the sandbox's consent page:
first the Deny path to "Authorization Denied", then Connect."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SCREENSHOTS, LiveServer, browser_login
from flask import Flask
from sqlalchemy import select

from sync_admin.db import session
from sync_admin.models import Company, Connection, Organization

pytestmark = pytest.mark.browser


@pytest.fixture
def qbo_sandbox() -> Iterator[LiveServer]:
    from sync_admin_quickbooks import provider

    with LiveServer(provider.sandbox_app(realms=1)) as server:
        yield server


@pytest.fixture
def app_config(qbo_sandbox: LiveServer) -> dict[str, Any]:
    return {
        "SYNC_ADMIN_PROVIDERS": "quickbooks",
        "SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL": qbo_sandbox.url,
        "SYNC_ADMIN_QUICKBOOKS_CLIENT_ID": "sync-admin-browser-test",
        "SYNC_ADMIN_QUICKBOOKS_CLIENT_SECRET": "browser-test-secret",
    }


def test_deny_then_connect_quickbooks(app: Flask, live_app: Any, page: Any) -> None:
    with app.app_context():
        org = Organization(name="Riverside Choir", host_key="riverside")
        session.add(org)
        session.commit()
        org_id = org.id
    browser_login(page, live_app.url, "admin")
    page.goto(f"{live_app.url}/sync-admin/integrations/?org={org_id}")
    card = page.locator(".sa-card[data-provider=quickbooks]")
    card.locator("button:has-text('Connect')").click()
    page.wait_for_url("**/connect/oauth2**")
    assert "Connect to QuickBooks (sandbox)" in page.content()
    page.click("#deny")
    page.wait_for_url("**/sync-admin/integrations/quickbooks/callback**")
    assert page.locator("h2").inner_text() == "Authorization Denied"
    page.screenshot(path=str(SCREENSHOTS / "connect_denied.png"), full_page=True)
    page.click("a:has-text('Back to Integrations')")
    page.wait_for_url("**/sync-admin/integrations/**")
    card = page.locator(".sa-card[data-provider=quickbooks]")
    card.locator("button:has-text('Connect')").click()
    page.wait_for_url("**/connect/oauth2**")
    page.click("#approve")
    page.wait_for_url("**/sync-admin/integrations/**")
    assert "Connected QuickBooks" in page.content()
    card = page.locator(".sa-card[data-provider=quickbooks]")
    assert "Connected" in card.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "connect_quickbooks.png"), full_page=True)
    with app.app_context():
        connection = session.scalars(select(Connection)).one()
        assert connection.provider == "quickbooks" and connection.token_ciphertext
        assert session.scalars(select(Company)).one().connection_id == connection.id
    # The new company is on the Data Feed.
    page.goto(f"{live_app.url}/sync-admin/data-feed/")
    assert page.locator("tr[data-company-id]").count() == 1
