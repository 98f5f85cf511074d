"""The host's own Alembic environment: its tables only.

Flask-AppBuilder owns ab_* (FAB creates them), sync-admin owns sync_* (its own
migrations and version table); the host's autogenerate leaves both alone.
"""

from __future__ import annotations

from alembic import context
from flask import current_app

db = current_app.extensions["migrate"].db


def include_object(obj: object, name: str, type_: str, reflected: bool, compare_to: object) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not str(table).startswith(("sync_", "ab_"))


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
