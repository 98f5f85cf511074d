"""The admin in a real browser: log in and open the Integrations menu."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SCREENSHOTS, browser_login

from sync_admin.db import session
from sync_admin.models import Organization

pytestmark = pytest.mark.browser


def test_login_and_integrations_menu(app: Any, live_app: Any, page: Any) -> None:
    with app.app_context():
        session.add(Organization(name="Acme Club", host_key="acme"))
        session.commit()
    browser_login(page, live_app.url, "admin")
    menu = page.get_by_role("link", name="Integrations").first
    menu.click()
    page.locator(".dropdown-menu a", has_text="Integrations").first.click()
    page.wait_for_url("**/sync-admin/integrations/**")
    assert page.locator("h2", has_text="Integrations").is_visible()
    assert "Acme Club" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "integrations_menu.png"), full_page=True)


def test_anonymous_is_sent_to_login(live_app: Any, page: Any) -> None:
    page.goto(f"{live_app.url}/sync-admin/integrations/")
    assert "/login/" in page.url
    assert page.locator("input[name=username]").is_visible()
