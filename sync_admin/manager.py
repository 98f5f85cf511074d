"""The Flask-AppBuilder addon manager: registers sync-admin's views, APIs and menu."""

from __future__ import annotations

import logging

from flask import current_app
from flask_appbuilder.basemanager import BaseManager
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

__all__ = ["SyncAdminManager"]


class SyncAdminManager(BaseManager):
    """``SyncAdmin.init_app`` calls this directly, so a failure here stops start-up."""

    def register_views(self) -> None:
        from .api import APIS
        from .views import HIDDEN, MENU

        category = current_app.config["SYNC_ADMIN_MENU_CATEGORY"]
        self.menu_names: list[str] = []
        for view, name, icon in MENU:
            self.appbuilder.add_view(
                view, name, icon=icon, category=category, category_icon="fa-refresh"
            )
            self.menu_names.append(name)
        for view in HIDDEN:
            self.appbuilder.add_view_no_menu(view)
        for api in APIS:
            self.appbuilder.add_api(api)
        from .api.base import answer_bad_tokens_with_401, json_errors_under_api
        from .api.webhooks import register_webhooks
        from .views.errors import ADMIN_PREFIX, admin_error_pages, admin_home

        answer_bad_tokens_with_401(current_app)
        admin_error_pages(current_app)  # before the API's JSON handler, which falls back to it
        json_errors_under_api(current_app)
        current_app.add_url_rule(ADMIN_PREFIX, "sync_admin_home", admin_home)

        register_webhooks(current_app)
        from .notifications import connect_signals

        connect_signals()

    def post_process(self) -> None:
        if not current_app.config.get("FAB_UPDATE_PERMS", True):
            return
        from .security import sync_roles

        try:
            sync_roles(self.appbuilder, self.menu_names)
        except SQLAlchemyError:
            # The security tables do not exist yet: `sync-admin init` creates the roles.
            self.appbuilder.session.rollback()
            log.info("sync-admin roles not synchronised: run `sync-admin init`")
