"""Database bootstrap: security tables, the plugin's migrations, roles, first admin."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder import Model
from flask_appbuilder.security.manager import BaseSecurityManager
from sqlalchemy import inspect, select

from .db import get_db, session
from .migrate import upgrade
from .security import sync_roles

__all__ = ["create_admin_user", "init_database", "rotate_token_keys"]


def init_database() -> str:
    """Create the host's missing Flask-AppBuilder tables, then migrate ours.

    Only non-``sync_`` tables are created here: ours belong to the migrations.
    """
    engine = get_db().engine
    existing = set(inspect(engine).get_table_names())
    foreign = [
        t
        for t in Model.metadata.sorted_tables
        if not t.name.startswith("sync_") and t.name not in existing
    ]
    if foreign:
        Model.metadata.create_all(engine, tables=foreign)
    result = upgrade()
    appbuilder = current_app.appbuilder
    # FAB's own bootstrap (Admin and Public roles), which FAB_CREATE_DB=False skips.
    BaseSecurityManager.create_db(appbuilder.sm)
    appbuilder.add_permissions(update_perms=True)
    sync_roles(appbuilder, current_app.extensions["sync_admin"].manager.menu_names)
    return result


def create_admin_user(username: str, email: str, password: str | None) -> bool:
    """A user with FAB's Admin role (user management) and SyncAdmin. False if it exists."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=username) is not None:
        return False
    if not password:
        raise ValueError("a password is needed for a new admin user")
    roles = [sm.find_role(sm.auth_role_admin), sm.find_role("SyncAdmin")]
    user = sm.add_user(username, "Sync", "Admin", email, [r for r in roles if r], password)
    if not user:
        raise RuntimeError(f"could not create user {username}")
    return True


def rotate_token_keys() -> int:
    from .models import Connection

    cipher = current_app.extensions["sync_admin"].cipher
    count = 0
    for conn in session.scalars(select(Connection).where(Connection.token_ciphertext.is_not(None))):
        conn.token_ciphertext = cipher.rotate(conn.token_ciphertext)
        count += 1
    session.commit()
    return count
