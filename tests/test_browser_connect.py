"""Connecting QuickBooks in a real browser through the sandbox's consent page, served and
configured as ``sync-admin demo`` does it (``sync_admin.demo.prepare``): first the Deny
path to "Authorization Denied", then Connect, picking the company the demo's club uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SCREENSHOTS, LiveServer, browser_login
from flask import Flask
from sqlalchemy import select

from sync_admin import providers
from sync_admin.db import session
from sync_admin.demo import CLUBS, sandbox_config
from sync_admin.models import Company, Connection, Organization

pytestmark = pytest.mark.browser


RIVERSIDE = next(c for c in CLUBS if c.provider == "quickbooks")


@pytest.fixture
def qbo_sandbox() -> Iterator[LiveServer]:
    with LiveServer(providers.installed()["quickbooks"].sandbox_app()) as server:
        yield server


@pytest.fixture
def app_config(qbo_sandbox: LiveServer) -> dict[str, Any]:
    provider = providers.installed()["quickbooks"]
    return {"SYNC_ADMIN_PROVIDERS": "quickbooks", **sandbox_config(provider, qbo_sandbox.url)}


def test_deny_then_connect_quickbooks(app: Flask, live_app: Any, page: Any) -> None:
    with app.app_context():
        org = Organization(name=RIVERSIDE.name, host_key=RIVERSIDE.key)
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
    page.select_option("#realm", RIVERSIDE.choose)
    page.click("#approve")
    page.wait_for_url("**/sync-admin/integrations/**")
    assert "Connected QuickBooks" in page.content()
    card = page.locator(".sa-card[data-provider=quickbooks]")
    assert "Connected" in card.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "connect_quickbooks.png"), full_page=True)
    with app.app_context():
        connection = session.scalars(select(Connection)).one()
        assert connection.provider == "quickbooks" and connection.token_ciphertext
        company = session.scalars(select(Company)).one()
        assert company.connection_id == connection.id
        assert company.provider_company_id == RIVERSIDE.choose
    # The new company is on the Data Feed.
    page.goto(f"{live_app.url}/sync-admin/data-feed/")
    assert page.locator("tr[data-company-id]").count() == 1
