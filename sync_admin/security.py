"""Roles and permissions.

Every sync-admin view and API shares one Flask-AppBuilder permission view
(``Sync``) and maps its methods to four permissions. The three roles are sets of
those permissions; the seeds' "Owner or Admin" is ``SyncAdmin``.

| role | read | operate | connect | administer |
| --- | --- | --- | --- | --- |
| SyncViewer | yes | | | |
| SyncOperator | yes | yes | | |
| SyncAdmin | yes | yes | yes | yes |

``read``: every screen and GET endpoint, including the audit trail, support
bundles and metrics. ``operate``: resync, retry, exclude, link, unlink, map.
``connect``: connect, reconnect, disconnect, update token user. ``administer``:
API keys, other staff's notification subscriptions.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

__all__ = [
    "ADMINISTER",
    "CONNECT",
    "OPERATE",
    "PERMISSION_VIEW",
    "READ",
    "ROLES",
    "can",
    "method_permissions",
    "sync_roles",
]

PERMISSION_VIEW = "Sync"
READ = "read"
OPERATE = "operate"
CONNECT = "connect"
ADMINISTER = "administer"

ROLES: dict[str, tuple[str, ...]] = {
    "SyncViewer": (READ,),
    "SyncOperator": (READ, OPERATE),
    "SyncAdmin": (READ, OPERATE, CONNECT, ADMINISTER),
}


def method_permissions(cls: type, exposed_marker: str) -> dict[str, str]:
    """FAB's ``method_permission_name`` for a view or API class of ours.

    Every exposed method (one carrying ``exposed_marker``) needs ``read`` unless the
    class lists it in ``operate_methods``, ``connect_methods`` or ``administer_methods``:
    a new method is read-only until someone decides otherwise.
    """
    mapping: dict[str, str] = {}
    for attr in dir(cls):
        func = getattr(cls, attr, None)
        if callable(func) and hasattr(func, exposed_marker):
            mapping[attr] = READ
    mapping.update({m: OPERATE for m in getattr(cls, "operate_methods", ())})
    mapping.update({m: CONNECT for m in getattr(cls, "connect_methods", ())})
    mapping.update({m: ADMINISTER for m in getattr(cls, "administer_methods", ())})
    return mapping


def can(permission: str) -> bool:
    """True when the current user holds ``permission`` (for showing buttons).

    The server checks again on every request; hiding a button is a courtesy.
    """
    sm = current_app.appbuilder.sm
    return bool(sm.has_access(f"can_{permission}", PERMISSION_VIEW))


def sync_roles(appbuilder: Any, menu_names: list[str]) -> None:
    """Create the three roles with exactly their permissions, and menu access.

    Safe to run again: a missing permission is added, nothing is duplicated.
    """
    sm = appbuilder.sm
    category = current_app.config["SYNC_ADMIN_MENU_CATEGORY"]
    menus = [sm.add_permission_view_menu("menu_access", name) for name in [category, *menu_names]]
    admin_role = sm.find_role(sm.auth_role_admin)
    for role_name, permissions in ROLES.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = [sm.add_permission_view_menu(f"can_{p}", PERMISSION_VIEW) for p in permissions]
        wanted += menus
        for pvm in wanted:
            if pvm not in role.permissions:
                sm.add_permission_role(role, pvm)
        if admin_role is not None:
            for pvm in wanted:
                if pvm not in admin_role.permissions:
                    sm.add_permission_role(admin_role, pvm)
