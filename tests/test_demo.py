"""The demo's set-up: consent pages read as a browser submits them, and the clubs linked
to the provider company that trades in their currency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import LiveServer
from flask import Flask

from sync_admin import providers
from sync_admin.db import session
from sync_admin.demo import CLUBS, _Form, connect, sandbox_config
from sync_admin.models import Company, Organization

XERO_PAGE = """<form method="post" id="consent">
  <input type="hidden" name="state" value="s1">
  <fieldset>
    <label><input type="checkbox" name="tenant" value="uk-1" checked> Demo Company (UK)</label>
    <label><input type="checkbox" name="tenant" value="nz-2" checked> Demo Company (NZ)</label>
    <input type="checkbox" id="news" name="newsletter" value="yes">
    <label for="news">Send me news</label>
  </fieldset>
  <button type="submit" name="decision" value="allow">Allow access</button>
  <button type="submit" name="decision" value="deny">Cancel</button>
</form>
<form action="/other"><input name="late" value="x"></form>"""


def _form(html: str) -> _Form:
    form = _Form()
    form.feed(html)
    form.close()
    return form


def test_a_consent_form_keeps_every_value_of_a_repeated_name() -> None:
    form = _form(XERO_PAGE)
    allow = form.buttons[0]
    # As the page stands: both pre-ticked organisations, not only the last one.
    assert form.submission(None, allow) == [
        ("state", "s1"),
        ("tenant", "uk-1"),
        ("tenant", "nz-2"),
        ("decision", "allow"),
    ]
    labels = {c.value: c.label for c in form.choices}
    assert labels == {
        "uk-1": "Demo Company (UK)",
        "nz-2": "Demo Company (NZ)",
        "yes": "Send me news",
    }
    assert ("late", "x") not in form.fields, "only the first form is read"


def test_choosing_an_organisation_ticks_only_its_box() -> None:
    form = _form(XERO_PAGE)
    sent = form.submission("Demo Company (UK)", form.buttons[0])
    assert [v for k, v in sent if k == "tenant"] == ["uk-1"]
    assert ("newsletter", "yes") not in sent, "an unticked box is not sent"


def test_a_select_sends_the_chosen_option_or_the_selected_one() -> None:
    page = """<form method="post"><select name="realm">
      <option value="1">Sandbox Company US 1</option>
      <option value="2" selected>Sandbox Company US 2</option></select>
      <button name="decision" value="approve">Connect</button></form>"""
    form = _form(page)
    assert ("realm", "2") in form.submission(None, form.buttons[0])
    assert ("realm", "1") in form.submission("1", form.buttons[0])
    assert ("realm", "1") in form.submission("US 1", form.buttons[0])


@pytest.fixture
def xero_sandbox() -> Iterator[tuple[Any, str]]:
    provider = providers.installed()["xero"]
    with LiveServer(provider.sandbox_app()) as server:
        yield provider, server.url


@pytest.fixture
def app_config(xero_sandbox: tuple[Any, str]) -> dict[str, Any]:
    provider, url = xero_sandbox
    return {
        "SYNC_ADMIN_PROVIDERS": "xero",
        "SYNC_ADMIN_BASE_URL": "http://127.0.0.1:5000",
        **sandbox_config(provider, url),
    }


def test_the_xero_club_is_linked_to_the_organisation_that_trades_in_its_currency(
    app: Flask, xero_sandbox: tuple[Any, str]
) -> None:
    provider, _ = xero_sandbox
    club = next(c for c in CLUBS if c.provider == "xero")
    assert club.currency == "GBP"
    with app.app_context():
        org = Organization(name=club.name, host_key=club.key)
        session.add(org)
        session.commit()
        (company_id,) = connect(app, org.id, provider, club.choose)
        company = session.get(Company, company_id)
        assert company.name == "Demo Company (UK)"
        # Only the UK organisation was granted on the consent page: NZ is not even offered.
        assert [c.name for c in session.query(Company).all()] == ["Demo Company (UK)"]
