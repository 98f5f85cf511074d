"""Core's checks before sending: a plugin's own check that crashes is reported as such."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from conftest import tiny_config
from flask import Flask

from sync_admin import providers
from sync_admin.engine.preflight import preflight
from sync_admin.providers import EntitySpec, Refs
from sync_admin.records import Contact
from sync_admin.vocabulary import Direction, Entity


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def test_a_crashing_plugin_check_is_logged_and_named(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context():
        tiny = providers.get("tiny")

        def broken(entity: Entity, record: Any, refs: Refs) -> list[Any]:
            raise KeyError("TaxCodeRef")

        monkeypatch.setattr(tiny, "preflight", broken)
        spec = EntitySpec(Entity.CONTACT, "Contact", Direction.PUSH)
        with caplog.at_level(logging.ERROR, logger="sync_admin.engine.preflight"):
            found = preflight(tiny, spec, Contact("7", "Ann Lee"), Refs(), lambda k, key: True)
    assert [d.code for d in found] == ["sync_admin.provider_check_failed"]
    assert found[0].message.startswith(f"{tiny.label} check failed (KeyError)")
    assert "is required" not in found[0].message
    assert "tiny preflight of contact failed" in caplog.text
    assert "TaxCodeRef" in caplog.text  # the traceback is in the log, for the plugin's authors
