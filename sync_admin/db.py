"""Access to the host's Flask-SQLAlchemy session, and database start-up checks."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from .errors import ConfigurationError

__all__ = ["check_database", "get_db", "session"]


def get_db() -> Any:
    """The Flask-SQLAlchemy extension of the current app (the host's ``db``)."""
    try:
        return current_app.extensions["sqlalchemy"]
    except KeyError as exc:  # pragma: no cover - init_app refuses this earlier
        raise ConfigurationError("Flask-SQLAlchemy is not initialised on this app") from exc


def _session() -> Session:
    return get_db().session


session: Session = LocalProxy(_session)  # type: ignore[assignment]


def check_database(engine: Engine) -> None:
    """Connect once, so that a dead database is a clear message at start-up."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, ProgrammingError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigurationError(
            f"cannot reach the database {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from exc


def _install_pg_extensions() -> None:
    from .models.log import Log

    @event.listens_for(Log.__table__, "before_create")
    def _pg_trgm(target: Any, connection: Any, **_: Any) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))


_install_pg_extensions()
