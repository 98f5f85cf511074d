"""One permission query per request instead of one per menu item.

Flask-AppBuilder checks every menu entry with its own ``exist_permission_on_roles``
query: with sync-admin's dozen screens that is about twenty queries, most of a
page's server time (the summary cards page: 21 queries of its 23). This loads
the (view, permission) pairs of the user's roles once per request into ``g`` and
answers from them. Answers are the same as FAB's; roles changed by another
request take effect on the next request, as they do with FAB's own check.
Set ``SYNC_ADMIN_PERMISSION_CACHE = False`` to keep FAB's behaviour.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import select

__all__ = ["install_permission_cache"]

_KEY = "_sync_admin_permissions"


def install_permission_cache(sm: Any) -> None:
    """Wrap ``sm.exist_permission_on_roles`` (once) with a per-request cache."""
    original = sm.exist_permission_on_roles
    if getattr(original, "_sync_admin_cached", False):
        return
    from flask_appbuilder.security.sqla.models import assoc_permissionview_role

    def exist_permission_on_roles(view_name: str, permission_name: str, role_ids: list) -> bool:
        if not has_request_context():
            return original(view_name, permission_name, role_ids)
        key = tuple(sorted(role_ids))
        cache = g.setdefault(_KEY, {})
        if key not in cache:
            pv, perm, view = sm.permissionview_model, sm.permission_model, sm.viewmenu_model
            rows = sm.session.execute(
                select(view.name, perm.name)
                .select_from(pv)
                .join(perm, perm.id == pv.permission_id)
                .join(view, view.id == pv.view_menu_id)
                .join(
                    assoc_permissionview_role,
                    assoc_permissionview_role.c.permission_view_id == pv.id,
                )
                .where(assoc_permissionview_role.c.role_id.in_(key))
            ).all()
            cache[key] = {(v, p) for v, p in rows}
        return (view_name, permission_name) in cache[key]

    exist_permission_on_roles._sync_admin_cached = True  # type: ignore[attr-defined]
    sm.exist_permission_on_roles = exist_permission_on_roles
