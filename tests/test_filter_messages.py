"""Bad or unknown filter values: a message naming the field (400) or a 404 for an id
that does not exist, the same on every screen; never a silent fallback."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import tiny_config
from flask import Flask
from ui_data import org_with_company


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/sync-admin/integrations/?org=abc", 400, "Organization must be a whole number"),
        ("/sync-admin/integrations/?org=999", 404, "Organization 999 does not exist"),
        ("/sync-admin/support/?org=abc", 400, "Organization must be a whole number"),
        ("/sync-admin/support/?org=999", 404, "Organization 999 does not exist"),
        ("/sync-admin/failures/?catalog_code=bogus", 400, "no such catalog entry"),
        ("/sync-admin/logs/detail?company_id=99999", 404, "That company does not exist"),
        ("/sync-admin/failures/?cursor=garbage&company_id={cid}", 400, "page link is damaged"),
        ("/sync-admin/failures/?cursor=garbage", 400, "page link is damaged"),
        ("/sync-admin/audit/?cursor=garbage", 400, "page link is damaged"),
    ],
)
def test_bad_values_are_named_never_a_fallback(
    app: Flask, login_as: Any, url: str, status: int, message: str
) -> None:
    with app.app_context():
        _, (cid,) = org_with_company(app)
    client = login_as("viewer")
    response = client.get(url.format(cid=cid))
    assert response.status_code == status, url
    html = response.get_data(as_text=True)
    assert message in html, url
    assert "Acme Club" not in html, "no silent fallback to another organization"


def test_the_chosen_organization_is_shown(app: Flask, login_as: Any) -> None:
    with app.app_context():
        org_with_company(app, name="Alpha Club")
        second, _ = org_with_company(app, name="Beta Club")
    client = login_as("viewer")
    for screen in ("integrations", "support"):
        html = client.get(f"/sync-admin/{screen}/?org={second}").get_data(as_text=True)
        assert f'<option value="{second}" selected' in html, screen
        assert client.get(f"/sync-admin/{screen}/").status_code == 200
