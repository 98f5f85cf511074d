"""The Logs screens through the test client: cards, filters, pages, escaping, CSP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import tiny_config
from flask import Flask
from ui_data import add_logs, org_with_company


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def test_summary_cards_show_the_counters(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (a, b) = org_with_company(app, companies=2)
        add_logs(a, 4, level="error")
        add_logs(b, 2, type="milestone")
    client = login_as("viewer")
    html = client.get("/sync-admin/logs/").get_data(as_text=True)
    cards = re.findall(r'data-company-id="(\d+)"', html)
    assert sorted(map(int, cards)) == sorted([a, b])
    assert 'class="sa-count-errors sa-has-errors">4<' in html
    assert f'href="/sync-admin/logs/detail?company_id={a}"' in html


def test_detail_filters_pages_and_sizes(app: Flask, login_as: Any) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
        add_logs(cid, 30)
        add_logs(cid, 3, level="error", message="Duplicate name", body='{"Fault": 1}')
    client = login_as("viewer")
    page = client.get(f"/sync-admin/logs/detail?company_id={cid}&size=25")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="sa-log-row') == 25
    assert "33 rows" in html
    older = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', html)
    assert older
    nxt = (older.group(1) or older.group(2)).replace("&amp;", "&")
    assert client.get(nxt).get_data(as_text=True).count('class="sa-log-row') == 8
    errors = client.get(f"/sync-admin/logs/detail?company_id={cid}&level=error")
    text = errors.get_data(as_text=True)
    assert text.count('class="sa-log-row') == 3 and "3 rows" in text
    assert '<details class="sa-body"><summary>Duplicate name</summary>' in text
    assert "{&#34;Fault&#34;: 1}" in text
    assert client.get("/sync-admin/logs/detail?size=50").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("size=75", "Page size must be one of 25, 50, 100."),
        ("size=abc", "Page size must be one of 25, 50, 100."),
        ("level=fatal", "Status must be one of success, info, warning, error"),
        ("date=yesterday", "Date must be a date like 2026-01-31"),
        ("company_id=x", "Company must be a whole number"),
        ("cursor=garbage", "The page link is damaged"),
        ("message=ab", "Message: type at least 3 characters."),
    ],
)
def test_bad_input_is_a_clear_message(app: Flask, login_as: Any, query: str, message: str) -> None:
    client = login_as("viewer")
    response = client.get(f"/sync-admin/logs/detail?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_provider_markup_is_shown_as_text(app: Flask, login_as: Any) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with app.app_context():
        _, (cid,) = org_with_company(app)
        add_logs(cid, 1, level="error", message=evil, body=evil)
    client = login_as("viewer")
    html = client.get(f"/sync-admin/logs/detail?company_id={cid}").get_data(as_text=True)
    assert evil not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_plugin_pages_carry_a_csp_without_inline_script(app: Flask, login_as: Any) -> None:
    client = login_as("viewer")
    response = client.get("/sync-admin/logs/")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce}"' in s and "src=" in s for s in scripts)
    assert "sync_admin.js" in html
    for asset in ("sync_admin.js", "sync_admin.css"):
        served = client.get(f"/sync-admin/static/{asset}")
        assert served.status_code == 200 and len(served.data) > 500, asset
    # FAB's own pages are left to the host.
    assert "Content-Security-Policy" not in client.get("/users/list/").headers
