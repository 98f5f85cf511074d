"""sync-admin embedded into an existing Flask-AppBuilder product (examples/embedded_app):
its views and ours work with one login, and each side keeps its own migrations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import PASSWORD, TOKEN_KEY, csrf_token
from flask import Flask
from sqlalchemy import inspect, text

from examples.embedded_app import HERE, create_app
from sync_admin.migrate import VERSION_TABLE, alembic_config, differences
from sync_admin.setup import init_database


@pytest.fixture
def host(scratch_url: str, redis_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "host-secret-key-long-enough-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": scratch_url,
            "SYNC_ADMIN_TOKEN_KEYS": [TOKEN_KEY],
            "SYNC_ADMIN_REDIS_URL": redis_url,
        }
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(HERE / "migrations"))  # the host's own tables
        init_database()  # FAB's security tables, the plugin's migrations and roles
        sm = app.appbuilder.sm
        staff = sm.add_role("AcmeStaff")
        for perm, view in [
            ("can_list", "MemberView"),
            ("menu_access", "Members"),
            ("menu_access", "Acme"),
        ]:
            sm.add_permission_role(staff, sm.find_permission_view_menu(perm, view))
        sm.add_user(
            "alice",
            "Alice",
            "Host",
            "alice@acme.test",
            [staff, sm.find_role("SyncViewer")],
            PASSWORD,
        )
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_one_login_reaches_host_views_and_ours(host: Flask) -> None:
    client = host.test_client()
    token = csrf_token(client)
    assert (
        client.post(
            "/login/", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    members = client.get("/memberview/list/")
    assert members.status_code == 200 and "Members" in members.get_data(as_text=True)
    integrations = client.get("/sync-admin/integrations/")
    html = integrations.get_data(as_text=True)
    assert integrations.status_code == 200
    assert "Integrations" in html and "Acme" in html  # both menus in one navbar
    assert client.get("/memberview/add").status_code == 403  # the host's own rules still apply


def test_each_side_keeps_its_own_migrations(host: Flask) -> None:
    with host.app_context():
        engine = host.extensions["sqlalchemy"].engine
        tables = set(inspect(engine).get_table_names())
        assert {"alembic_version", VERSION_TABLE, "acme_member", "sync_run", "ab_user"} <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "a1"
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == head
        assert differences() == []
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": _host_filter})
            assert compare_metadata(context, host.extensions["sqlalchemy"].metadata) == []


def _host_filter(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not str(table).startswith(("sync_", "ab_"))
