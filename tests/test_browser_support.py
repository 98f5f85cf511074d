"""Audit trail and support bundles in a real browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from api_support import ACCESS_TOKEN, REFRESH_TOKEN, make_acme
from conftest import SCREENSHOTS, browser_login, tiny_config

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def test_download_a_support_bundle_then_see_it_audited(
    app: Any, live_app: Any, page: Any, tmp_path: Path
) -> None:
    acme = make_acme(app)
    browser_login(page, live_app.url, "operator")
    page.goto(f"{live_app.url}/sync-admin/support/?org={acme.org}")
    with page.expect_download() as info:
        page.locator("a.sa-bundle").first.click()
    saved = tmp_path / "bundle.json"
    info.value.save_as(saved)
    text = saved.read_text()
    assert ACCESS_TOKEN not in text and REFRESH_TOKEN not in text
    assert json.loads(text)["company"]["name"] == "Acme Books"

    page.goto(f"{live_app.url}/sync-admin/audit/")
    row = page.locator("tr.sa-audit-row").first
    assert "support_bundle.download" in row.inner_text()
    assert "operator" in row.inner_text()
    page.fill("input[name=date_from]", "2020-01-01")
    page.fill("input[name=actor]", "someone-else")
    page.click("button:has-text('Filter')")
    assert page.locator("tr.sa-audit-row").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "audit_trail_filtered.png"), full_page=True)
