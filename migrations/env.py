"""Alembic environment of sync-admin: the app's engine, only ``sync_*`` tables."""

from __future__ import annotations

from alembic import context
from flask import current_app
from flask_appbuilder import Model

from sync_admin.migrate import context_options

engine = current_app.extensions["sqlalchemy"].engine


def run_migrations_offline() -> None:
    context.configure(
        url=engine.url.render_as_string(hide_password=False),
        target_metadata=Model.metadata,
        literal_binds=True,
        **context_options(engine.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Model.metadata,
            **context_options(engine.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
