"""Not-found and forbidden admin pages render inside the admin layout with a way back; the
API keeps its JSON answers, and ``/sync-admin/`` leads to Integrations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import login, tiny_config
from flask import Flask

from examples.membership import create_tables
from examples.membership.models import Base
from sync_admin.db import get_db


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {**tiny_config(request), "SYNC_ADMIN_HOST_ADAPTER": "examples.membership:adapter"}


@pytest.fixture
def app(app: Flask) -> Flask:
    """The app with the membership host's (empty) tables, so its pages look records up."""
    with app.app_context():
        engine = get_db().engine
        Base.metadata.drop_all(engine)
        create_tables(engine)
    return app


def _in_admin_layout(html: str) -> None:
    assert "Back to Integrations" in html and 'href="/sync-admin/integrations/' in html
    assert "navbar" in html, "the admin menu"
    assert "sync_admin.css" in html
    assert "Werkzeug" not in html and "<title>404 Not Found</title>" not in html


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/sync-admin/companies/999", "That company does not exist."),
        ("/sync-admin/no-such-screen", "does not exist"),
        ("/membership/invoice/99999", "does not exist"),
        ("/membership/no_such_entity/1", "does not exist"),
    ],
)
def test_not_found_pages_render_in_the_admin_layout(
    app: Flask, client: Any, path: str, words: str
) -> None:
    login(client, "viewer")
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    _in_admin_layout(html)
    assert "Page not found" in html and words in html


def test_forbidden_pages_render_in_the_admin_layout(app: Flask, client: Any) -> None:
    login(client, "nobody")
    response = client.get("/membership/invoice/1")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    _in_admin_layout(html)
    assert "Access denied" in html


def test_error_pages_keep_the_csp_nonce_and_no_inline_script(app: Flask, client: Any) -> None:
    login(client, "viewer")
    response = client.get("/sync-admin/companies/999")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in s and "src=" in s for s in scripts)


def test_the_api_keeps_json_errors(app: Flask, client: Any) -> None:
    response = client.get("/api/v1/sync/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["message"]


def test_the_admin_root_leads_to_integrations(app: Flask, client: Any) -> None:
    login(client, "viewer")
    for path in ("/sync-admin/", "/sync-admin"):
        response = client.get(path)
        assert response.status_code in (301, 302, 308), path
        target = response.headers["Location"]
        if response.status_code == 308:  # Flask's slash redirect first
            target = client.get(target).headers["Location"]
        assert target.endswith("/sync-admin/integrations/"), target
