"""The standalone admin application: ``sync_admin.create_app()``.

Configuration comes, in order, from built-in defaults, the root ``config.py``
(or the file ``SYNC_ADMIN_CONFIG`` names; it reads environment overrides
itself), and the ``config`` mapping given here (tests).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder, Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import ArgumentError

from .crypto import generate_key
from .db import check_database
from .errors import ConfigurationError
from .extension import SyncAdmin
from .queue import check_redis

__all__ = ["MIGRATIONS_DIR", "create_app"]

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
# The root ``migrations/`` folder; ``sync_admin/migrations`` is a symlink to it so
# that it ships inside the package.
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"

DEFAULTS: dict[str, Any] = {
    "APP_NAME": "sync-admin",
    "AUTH_TYPE": 1,  # AUTH_DB
    "AUTH_ROLE_ADMIN": "Admin",
    "AUTH_ROLE_PUBLIC": "Public",
    "FAB_CREATE_DB": False,  # `sync-admin init` creates the tables, migrations own ours
    "FAB_UPDATE_PERMS": False,  # and writes the permissions
    "FAB_ADD_SECURITY_API": False,
    "FAB_API_SWAGGER_UI": True,
    # Scripts reach /api/v1/ with a JWT or one of FAB's API keys ("Bearer sst_...").
    "FAB_API_KEY_ENABLED": True,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "WTF_CSRF_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}


def _config_file() -> Path | None:
    named = os.environ.get("SYNC_ADMIN_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigurationError(f"SYNC_ADMIN_CONFIG={named}: no such file")
        return path
    root = REPO_DIR / "config.py"
    return root if root.is_file() else None


def _demo_secrets(app: Flask) -> None:
    """Generated once per instance folder, so a restarted demo still decrypts its tokens."""
    path = Path(app.instance_path) / "demo_secrets.json"
    if path.exists():
        stored = json.loads(path.read_text())
    else:
        stored = {"SECRET_KEY": secrets.token_urlsafe(48), "TOKEN_KEY": generate_key()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored))
        path.chmod(0o600)
    if len(str(app.config.get("SECRET_KEY") or "")) < 32:
        app.config["SECRET_KEY"] = stored["SECRET_KEY"]
    if not app.config.get("SYNC_ADMIN_TOKEN_KEYS"):
        app.config["SYNC_ADMIN_TOKEN_KEYS"] = [stored["TOKEN_KEY"]]


def _host_pages(app: Flask, ext: SyncAdmin) -> None:
    """Serve the pages a host adapter offers (``blueprint()``), so the local ids on Sync
    Results open the host's record in the standalone admin; an embedding host serves its own."""
    with app.app_context():
        offer = getattr(ext.host_adapter, "blueprint", None) if ext.has_host_adapter else None
    if callable(offer):
        pages = offer()
        app.register_blueprint(pages)
        if pages.url_prefix:  # their 403/404 render in the admin layout too
            from .views.errors import page_prefixes

            page_prefixes(app).append(pages.url_prefix.rstrip("/") + "/")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the standalone admin. Raises ``ConfigurationError`` with a clear message."""
    # SYNC_ADMIN_INSTANCE_PATH moves instance/ (SQLite, embedded Redis, demo secrets) elsewhere.
    app = Flask(
        "sync_admin",
        instance_relative_config=True,
        instance_path=os.environ.get("SYNC_ADMIN_INSTANCE_PATH") or None,
    )
    app.config.update(DEFAULTS)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'sync_admin.db'}"
    path = _config_file()
    if path is not None:
        app.config.from_pyfile(str(path))
    if config:
        app.config.update(config)
    from .settings import as_bool

    if as_bool(app.config.get("SYNC_ADMIN_DEMO", False)):
        _demo_secrets(app)

    db = SQLA(model_class=Model)
    try:
        db.init_app(app)
    except (ImportError, ArgumentError) as exc:
        raise ConfigurationError(
            f"SQLALCHEMY_DATABASE_URI: cannot use this database ({exc})"
        ) from exc
    with app.app_context():
        check_database(db.engine)
    CSRFProtect(app)
    appbuilder = AppBuilder()
    with app.app_context():
        appbuilder.init_app(app, db.session)
    _host_pages(app, SyncAdmin(app))
    if app.config.get("SYNC_ADMIN_REDIS_URL"):
        check_redis(app)

    from flask_migrate import Migrate

    from .migrate import VERSION_TABLE

    Migrate(app, db, directory=str(MIGRATIONS_DIR), version_table=VERSION_TABLE)
    return app
