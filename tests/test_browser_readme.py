"""The README's screenshots, taken from seeded data with both real provider
plugins enabled: summary cards, the log detail, sync results, failure groups.

They land in test-artifacts/screenshots/readme_*.png; docs/screenshots/ holds
the copies the README shows (refresh them by copying after a run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import SCREENSHOTS, browser_login
from flask import Flask
from sqlalchemy import func, select

from sync_admin.db import session
from sync_admin.models import Company, SyncResult
from sync_admin.seed import seed

pytestmark = pytest.mark.browser


def test_readme_screenshots(app: Flask, live_app: Any, page: Any) -> None:
    with app.app_context():
        seed(session, companies=9, logs=3000, results=600, runs=60, now=datetime.now(UTC))
        session.commit()
        busiest = session.scalar(
            select(SyncResult.company_id)
            .where(SyncResult.outcome == "failed")
            .group_by(SyncResult.company_id)
            .order_by(func.count().desc())
        )
        company = session.get(Company, busiest)
        since = ""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser_login(page, live_app.url, "admin")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_app.url}/sync-admin/logs/")
    assert page.locator(".sa-summary-card").count() == 9
    page.screenshot(path=str(SCREENSHOTS / "readme_summary_cards.png"))
    page.goto(f"{live_app.url}/sync-admin/logs/detail?company_id={company.id}&level=error")
    page.locator("details.sa-body summary").first.click()
    page.screenshot(path=str(SCREENSHOTS / "readme_log_detail.png"))
    page.goto(f"{live_app.url}/sync-admin/results/?company_id={company.id}&since={since}")
    assert page.locator("tr.sa-result-row").count() > 0
    page.locator("tr.sa-outcome-failed details.sa-more summary").first.click()
    page.screenshot(path=str(SCREENSHOTS / "readme_sync_results.png"))
    page.goto(f"{live_app.url}/sync-admin/failures/")
    assert page.locator("tr.sa-group").count() > 0
    page.screenshot(path=str(SCREENSHOTS / "readme_failure_groups.png"))
