"""The extension object: registration, defaults, configuration errors."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_app
from flask import Flask

from sync_admin import SyncAdmin
from sync_admin.errors import ConfigurationError
from sync_admin.settings import SETTINGS


def test_create_app_registers_the_extension_once(app: Flask) -> None:
    ext = app.extensions["sync_admin"]
    assert isinstance(ext, SyncAdmin)
    with pytest.raises(RuntimeError, match="already registered"):
        ext.init_app(app)
    with pytest.raises(RuntimeError, match="already registered"):
        SyncAdmin(app)


def test_every_declared_setting_has_its_default(app: Flask) -> None:
    for setting in SETTINGS:
        assert setting.name in app.config
    assert app.config["SYNC_ADMIN_MENU_CATEGORY"] == "Integrations"
    assert app.config["SYNC_ADMIN_SYNC_INTERVAL_MINUTES"] == 60


def test_integrations_menu_is_registered(app: Flask) -> None:
    menu = app.appbuilder.menu
    names = [item.name for item in menu.get_list()]
    assert "Integrations" in names
    category = next(item for item in menu.get_list() if item.name == "Integrations")
    assert "Integrations" in [child.name for child in category.childs]


def test_sync_admin_requires_appbuilder_first() -> None:
    app = Flask("bare")
    with pytest.raises(ConfigurationError, match="Flask-AppBuilder before SyncAdmin"):
        SyncAdmin(app)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"TESTING": False, "SECRET_KEY": "short"}, "SECRET_KEY is missing or shorter"),
        ({"TESTING": False, "SYNC_ADMIN_TOKEN_KEYS": []}, "SYNC_ADMIN_TOKEN_KEYS is not set"),
        ({"SYNC_ADMIN_TOKEN_KEYS": ["not-a-key"]}, "key #1 is not a valid Fernet key"),
        ({"SYNC_ADMIN_PROVIDERS": "quickbooks,nosuchbooks"}, "unknown provider"),
        ({"SYNC_ADMIN_SYNC_INTERVAL_MINUTES": "soon"}, "SYNC_ADMIN_SYNC_INTERVAL_MINUTES"),
        (
            {"SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"},
            "cannot reach the database",
        ),
        (
            {"SYNC_ADMIN_REDIS_URL": "redis://127.0.0.1:1/0"},
            "cannot reach Redis at redis://127.0.0.1:1/0",
        ),
    ],
)
def test_configuration_errors_are_clear(
    database_url: str, redis_url: str, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_app(database_url, redis_url, **overrides)


def test_demo_mode_generates_and_keeps_secrets(
    database_url: str, redis_url: str, tmp_path: Any
) -> None:
    first = make_app(
        database_url, redis_url, SYNC_ADMIN_DEMO=True, SECRET_KEY="", SYNC_ADMIN_TOKEN_KEYS=None
    )
    second = make_app(
        database_url, redis_url, SYNC_ADMIN_DEMO=True, SECRET_KEY="", SYNC_ADMIN_TOKEN_KEYS=None
    )
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SYNC_ADMIN_TOKEN_KEYS"] == second.config["SYNC_ADMIN_TOKEN_KEYS"]


def test_token_cipher_round_trip_and_rotation(app: Flask) -> None:
    from sync_admin.crypto import TokenCipher, generate_key

    with app.app_context():
        cipher = app.extensions["sync_admin"].cipher
        secret = {"access_token": "at-123", "refresh_token": "rt-456"}
        stored = cipher.encrypt(secret)
        assert "at-123" not in stored and "rt-456" not in stored
        assert cipher.decrypt(stored) == secret
    new_key = generate_key()
    old_key = app.config["SYNC_ADMIN_TOKEN_KEYS"][0]
    rotated = TokenCipher([new_key, old_key]).rotate(stored)
    assert TokenCipher([new_key]).decrypt(rotated) == secret
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        TokenCipher([generate_key()]).decrypt(stored)
