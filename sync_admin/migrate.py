"""The plugin's own Alembic migrations, run through Flask-Migrate's config.

They keep their own version table (``sync_alembic_version``) and only ever see
``sync_*`` tables, so a host product with its own migrations can embed the
plugin without either side touching the other's schema.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from flask_migrate import Config
from sqlalchemy import inspect

from .db import get_db

__all__ = ["VERSION_TABLE", "alembic_config", "differences", "include_object", "upgrade"]

VERSION_TABLE = "sync_alembic_version"


def alembic_config() -> Config:
    from .app import MIGRATIONS_DIR

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table":
        return bool(name and name.startswith("sync_"))
    table = getattr(obj, "table", None)
    if table is not None and not table.name.startswith("sync_"):
        return False
    ddl_if = getattr(obj, "_ddl_if", None)
    if ddl_if is not None and ddl_if.dialect:
        dialect = current_app.extensions["sqlalchemy"].engine.dialect.name
        wanted = ddl_if.dialect if isinstance(ddl_if.dialect, tuple | list) else (ddl_if.dialect,)
        return dialect in wanted
    return True


def context_options(dialect_name: str) -> dict[str, Any]:
    return {
        "version_table": VERSION_TABLE,
        "include_object": include_object,
        "compare_type": True,
        "render_as_batch": dialect_name == "sqlite",
    }


def differences() -> list[Any]:
    """What autogenerate would change: empty when models and database agree."""
    from flask_appbuilder import Model

    engine = get_db().engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=context_options(engine.dialect.name))
        return compare_metadata(context, Model.metadata)


def upgrade(revision: str = "head") -> str:
    """Upgrade; a schema created outside migrations (create_all) that matches is stamped."""
    engine = get_db().engine
    tables = set(inspect(engine).get_table_names())
    config = alembic_config()
    if VERSION_TABLE not in tables and "sync_organization" in tables:
        if differences():
            raise RuntimeError(
                "sync_* tables exist without migration history and differ from the models; "
                "drop them or migrate them by hand"
            )
        command.stamp(config, revision)
        return "stamped"
    command.upgrade(config, revision)
    return "upgraded"
