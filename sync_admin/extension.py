"""The ``SyncAdmin`` Flask extension: one object, ``init_app``, stored in ``app.extensions``."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, has_app_context, send_from_directory
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from . import settings
from .crypto import TokenCipher
from .errors import ConfigurationError
from .host import load_host_adapter
from .providers import Provider
from .providers import load as load_providers

__all__ = ["SyncAdmin"]

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass
class _AppState:
    providers: dict[str, Provider]
    cipher: TokenCipher | None
    host_adapter: Any
    manager: Any = None


class SyncAdmin:
    """Adds sync troubleshooting to a Flask-AppBuilder application.

    Initialise Flask-SQLAlchemy and Flask-AppBuilder first, then::

        sync_admin = SyncAdmin(app)            # or SyncAdmin() and init_app(app)

    The object stores itself in ``app.extensions["sync_admin"]``; per-app state
    (enabled providers, token cipher, host adapter) is kept per app, so one
    module-level object can serve several apps built by a factory.
    """

    def __init__(self, app: Flask | None = None, *, host_adapter: Any = None) -> None:
        self._host_adapter = host_adapter
        self._states: weakref.WeakKeyDictionary[Flask, _AppState] = weakref.WeakKeyDictionary()
        if app is not None:
            self.init_app(app)

    # --- set-up --------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        if "sync_admin" in app.extensions:
            raise RuntimeError("SyncAdmin is already registered on this Flask app")
        appbuilder = app.extensions.get("appbuilder")
        if appbuilder is None or "sqlalchemy" not in app.extensions:
            raise ConfigurationError(
                "initialise Flask-SQLAlchemy and Flask-AppBuilder before SyncAdmin "
                "(db.init_app(app); appbuilder.init_app(app, db.session); SyncAdmin(app))"
            )
        settings.apply_defaults(app.config)
        settings.validate(app.config)
        _ensure_csrf(app, appbuilder)

        from . import db as _db  # noqa: F401 - registers the models and the pg_trgm hook
        from .failure_counts import install as install_failure_counts

        install_failure_counts()

        providers = load_providers(app.config.get("SYNC_ADMIN_PROVIDERS"))
        for provider in providers.values():
            for setting in provider.settings:
                app.config.setdefault(provider.setting_name(setting.key), setting.default)
        keys = app.config.get("SYNC_ADMIN_TOKEN_KEYS") or []
        host_adapter = self._host_adapter or load_host_adapter(
            app.config.get("SYNC_ADMIN_HOST_ADAPTER")
        )
        state = _AppState(
            providers=providers,
            cipher=TokenCipher(keys) if keys else None,
            host_adapter=host_adapter,
        )
        self._states[app] = state
        app.extensions["sync_admin"] = self

        app.register_blueprint(_assets_blueprint())
        from .csp import init_csp

        init_csp(app)
        if app.config.get("SYNC_ADMIN_PERMISSION_CACHE", True):
            from .permission_cache import install_permission_cache

            install_permission_cache(appbuilder.sm)
        from .cli import sync_admin_group

        app.cli.add_command(sync_admin_group)

        from .manager import SyncAdminManager

        with app.app_context():
            manager = SyncAdminManager(appbuilder)
            # Called directly, not through ADDON_MANAGERS: FAB swallows addon errors.
            manager.pre_process()
            manager.register_views()
            manager.post_process()
            appbuilder.addon_managers["sync_admin.manager.SyncAdminManager"] = manager
        state.manager = manager

    # --- per-app state ------------------------------------------------------------

    def _state(self) -> _AppState:
        if has_app_context():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            if app in self._states:
                return self._states[app]
        if len(self._states) == 1:
            return next(iter(self._states.values()))
        raise RuntimeError("SyncAdmin: no application context to pick the app's state from")

    @property
    def providers(self) -> dict[str, Provider]:
        return self._state().providers

    @property
    def cipher(self) -> TokenCipher:
        cipher = self._state().cipher
        if cipher is None:
            raise ConfigurationError("SYNC_ADMIN_TOKEN_KEYS is not set; tokens cannot be stored")
        return cipher

    @property
    def host_adapter(self) -> Any:
        adapter = self._state().host_adapter
        if adapter is None:
            raise ConfigurationError(
                "no host adapter: set SYNC_ADMIN_HOST_ADAPTER or pass SyncAdmin(host_adapter=...)"
            )
        return adapter

    @property
    def has_host_adapter(self) -> bool:
        return self._state().host_adapter is not None

    @property
    def manager(self) -> Any:
        return self._state().manager


def _ensure_csrf(app: Flask, appbuilder: Any) -> None:
    """FAB installs no CSRF protection; without it every bulk action is forgeable."""
    if "csrf" in app.extensions:
        return
    from flask_appbuilder.api import BaseApi
    from flask_wtf.csrf import CSRFProtect

    csrf = CSRFProtect(app)
    # APIs registered before us authenticate by token: exempt them as FAB would have.
    for view in appbuilder.baseviews:
        if isinstance(view, BaseApi) and getattr(view, "csrf_exempt", False) and view.blueprint:
            csrf.exempt(view.blueprint)


def _assets_blueprint() -> Blueprint:
    bp = Blueprint(
        "sync_admin",
        __name__,
        url_prefix="/sync-admin",
        template_folder=str(PACKAGE_DIR / "templates"),
        # static/sync_admin/ keeps the package layout unambiguous; served at /sync-admin/static/.
        static_folder=str(PACKAGE_DIR / "static" / "sync_admin"),
        static_url_path="/static",
    )

    @bp.route("/providers/<name>/logo")
    def provider_logo(name: str) -> ResponseReturnValue:
        provider = current_app.extensions["sync_admin"].providers.get(name)
        if provider is None or not provider.static_folder or not provider.logo:
            raise NotFound()
        response = send_from_directory(provider.static_folder, provider.logo, max_age=86400)
        return response

    return bp
