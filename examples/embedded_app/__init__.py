"""Acme Members: an existing Flask-AppBuilder product that embeds sync-admin.

It has its own models, views, users and Alembic migrations; adding the plugin
takes the three lines marked below. Run it with
``flask --app examples.embedded_app:create_app run`` after
``flask --app examples.embedded_app:create_app db upgrade`` (the host's tables) and
``flask --app examples.embedded_app:create_app sync-admin init`` (the plugin's).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder, Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from sync_admin import SyncAdmin  # 1. import the extension

HERE = Path(__file__).resolve().parent

__all__ = ["create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", ""),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", f"sqlite:///{HERE / 'acme.db'}"),
        APP_NAME="Acme Members",
        AUTH_TYPE=1,
        FAB_CREATE_DB=False,
        FAB_UPDATE_PERMS=True,
        # 2. configure it (SYNC_ADMIN_* keys; see the README)
        SYNC_ADMIN_TOKEN_KEYS=os.environ.get("SYNC_ADMIN_TOKEN_KEYS", ""),
        SYNC_ADMIN_REDIS_URL=os.environ.get("REDIS_URL"),
    )
    app.config.update(config or {})
    db = SQLA(model_class=Model)
    db.init_app(app)
    CSRFProtect(app)
    appbuilder = AppBuilder()
    with app.app_context():
        appbuilder.init_app(app, db.session)
        from .views import register_views

        register_views(appbuilder)
    Migrate(app, db, directory=str(HERE / "migrations"))
    SyncAdmin(app)  # 3. add sync-admin to the admin panel
    return app
