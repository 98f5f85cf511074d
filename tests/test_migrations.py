"""Models and migrations agree, on SQLite and (when configured) PostgreSQL; the
plugin's migrations keep to their own version table and sync_* tables."""

from __future__ import annotations

from alembic import command
from conftest import make_app
from sqlalchemy import inspect, text

from sync_admin.migrate import VERSION_TABLE, alembic_config, differences, upgrade


def test_upgrade_creates_exactly_the_models(scratch_url: str, redis_url: str) -> None:
    app = make_app(scratch_url, redis_url)
    with app.app_context():
        assert upgrade() == "upgraded"
        assert differences() == []
        engine = app.extensions["sqlalchemy"].engine
        tables = set(inspect(engine).get_table_names())
        assert VERSION_TABLE in tables and "alembic_version" not in tables
        assert {t for t in tables if not t.startswith("sync_")} == set()
        if engine.dialect.name == "postgresql":
            indexes = {i["name"] for i in inspect(engine).get_indexes("sync_log")}
            assert {"ix_sync_log_message_trgm", "ix_sync_log_external_account_trgm"} <= indexes


def test_downgrade_to_base_and_back(scratch_url: str, redis_url: str) -> None:
    app = make_app(scratch_url, redis_url)
    with app.app_context():
        upgrade()
        command.downgrade(alembic_config(), "base")
        engine = app.extensions["sqlalchemy"].engine
        assert [
            t
            for t in inspect(engine).get_table_names()
            if t.startswith("sync_") and t != VERSION_TABLE
        ] == []
        upgrade()
        assert differences() == []


def test_tables_made_outside_migrations_are_stamped(scratch_url: str, redis_url: str) -> None:
    """A host whose FAB_CREATE_DB created our tables gets them adopted, not recreated."""
    from sync_admin.models import tables

    app = make_app(scratch_url, redis_url)
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        from flask_appbuilder import Model

        Model.metadata.create_all(engine, tables=tables())
        assert upgrade() == "stamped"
        assert differences() == []
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar() == 1
