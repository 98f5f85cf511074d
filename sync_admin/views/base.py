"""The base of every sync-admin screen: one permission view, four permissions."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder import BaseView

from ..security import PERMISSION_VIEW, can, method_permissions

__all__ = ["SyncView"]


class SyncView(BaseView):
    """Maps each exposed method to ``read``, ``operate``, ``connect`` or ``administer``.

    Subclasses list their state-changing methods in ``operate_methods``,
    ``connect_methods`` and ``administer_methods``; everything else is ``read``.
    """

    class_permission_name = PERMISSION_VIEW
    operate_methods: tuple[str, ...] = ()
    connect_methods: tuple[str, ...] = ()
    administer_methods: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.method_permission_name = method_permissions(type(self), "_permission_name")
        super().__init__()

    def render(self, template: str, **context: Any) -> str:
        context.setdefault("can", can)
        # Links to screens a host may not register are shown only when they exist.
        context.setdefault("sa_endpoints", current_app.view_functions)
        return self.render_template(template, **context)
