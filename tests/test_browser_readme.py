"""The README's screenshots, taken from the demo's data (``demo`` fixture, as
``sync-admin demo`` builds it): summary cards, the log detail, sync results, failure groups.

They land in test-artifacts/screenshots/readme_*.png; docs/screenshots/ holds
the copies the README shows (refresh them by copying after a run).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SCREENSHOTS, browser_login
from demo_setup import Demo

pytestmark = pytest.mark.browser


def test_readme_screenshots(demo: Demo, page: Any) -> None:
    company = demo.company("quickbooks")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser_login(page, demo.url, "admin")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{demo.url}/sync-admin/logs/")
    assert page.locator(".sa-summary-card").count() == len(demo.clubs)
    page.screenshot(path=str(SCREENSHOTS / "readme_summary_cards.png"))
    page.goto(f"{demo.url}/sync-admin/logs/detail?company_id={company.id}&level=error")
    page.locator("tr.sa-log-row:has(details.sa-body) details.sa-body summary").first.click()
    page.screenshot(path=str(SCREENSHOTS / "readme_log_detail.png"))
    page.goto(f"{demo.url}/sync-admin/results/?company_id={company.id}&since=&outcome=failed")
    assert page.locator("tr.sa-result-row").count() > 0
    page.locator("tr.sa-outcome-failed details.sa-more summary").first.click()
    page.screenshot(path=str(SCREENSHOTS / "readme_sync_results.png"))
    page.goto(f"{demo.url}/sync-admin/failures/")
    assert page.locator("tr.sa-group").count() > 0
    page.screenshot(path=str(SCREENSHOTS / "readme_failure_groups.png"))
