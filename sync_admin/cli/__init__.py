"""The ``sync-admin`` command line (also ``flask sync-admin`` inside a host app).

Every command turns a ``ConfigurationError`` into one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, NoAppException, ScriptInfo

from ..errors import ConfigurationError

__all__ = ["main", "sync_admin_group"]


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigurationError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper


class _Group(AppGroup):
    def command(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        wrap = super().command

        def decorator(func: Callable[..., Any]) -> Any:
            return wrap(*args, **kwargs)(friendly_errors(func))

        return decorator


sync_admin_group = _Group(
    "sync-admin", help="Sync-admin: connect, watch and repair accounting syncs."
)


@sync_admin_group.command("init")
@click.option("--username", default=lambda: os.environ.get("SYNC_ADMIN_ADMIN_USER", "admin"))
@click.option(
    "--email", default=lambda: os.environ.get("SYNC_ADMIN_ADMIN_EMAIL", "admin@example.com")
)
@click.option(
    "--password",
    default=lambda: os.environ.get("SYNC_ADMIN_ADMIN_PASSWORD"),
    help="Password of the first admin user (prompted when missing and the user is new).",
)
@click.option("--no-user", is_flag=True, help="Do not create a first admin user.")
def init_command(username: str, email: str, password: str | None, no_user: bool) -> None:
    """Upgrade the database, create the roles and a first admin user."""
    from ..setup import create_admin_user, init_database

    click.echo(f"database: {init_database()}")
    if no_user:
        return
    if password is None and not _user_exists(username):
        password = click.prompt(
            f"password for {username}", hide_input=True, confirmation_prompt=True
        )
    created = create_admin_user(username, email, password)
    click.echo(f"admin user {username}: {'created' if created else 'exists'}")


def _user_exists(username: str) -> bool:
    return current_app.appbuilder.sm.find_user(username=username) is not None


@sync_admin_group.group("db")
def db_group() -> None:
    """The plugin's own migrations (version table sync_alembic_version)."""


@db_group.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Apply the plugin's migrations."""
    from ..migrate import upgrade

    click.echo(upgrade())


@db_group.command("check")
@friendly_errors
def db_check() -> None:
    """Exit 1 when the database and the models differ."""
    from ..migrate import differences

    diffs = differences()
    for diff in diffs:
        click.echo(repr(diff))
    sys.exit(1 if diffs else 0)


@sync_admin_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process (no fork).")
@click.option("--name", default=None, help="Worker name (defaults to host:pid).")
def worker_command(burst: bool, simple: bool, name: str | None) -> None:
    """Run an RQ worker for the sync queue (with RQ's scheduler for delayed jobs)."""
    from ..worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst, simple=simple, name=name)  # type: ignore[attr-defined]


@sync_admin_group.command("scheduler")
def scheduler_command() -> None:
    """Run RQ's cron scheduler with the periodic sync-admin jobs."""
    from ..schedule import run_scheduler

    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


@sync_admin_group.command("rotate-keys")
def rotate_keys_command() -> None:
    """Re-encrypt every stored token with the first key of SYNC_ADMIN_TOKEN_KEYS."""
    from ..setup import rotate_token_keys

    click.echo(f"re-encrypted {rotate_token_keys()} connection token(s)")


def _load_commands() -> None:
    from . import (
        apikey,  # noqa: F401 - registers `api-key`
        demo,  # noqa: F401 - registers `demo`
        seed,  # noqa: F401 - registers `seed`
    )


_load_commands()


def _create_app() -> Flask:
    from ..app import create_app

    try:
        return create_app()
    except ConfigurationError as exc:
        if _asks_for_help():
            # Flask prints this as a warning above the help instead of stopping: the
            # help is what someone setting up the configuration needs to read.
            raise NoAppException(f"{exc} (commands that need the app are not listed)") from None
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


def _asks_for_help() -> bool:
    """``sync-admin``, ``sync-admin --help`` or ``-h``: the top-level help."""
    args = sys.argv[1:]
    return not args or args[0] in ("--help", "-h")


def main() -> None:
    """Console script: the commands above at top level, plus Flask's own."""
    cli = FlaskGroup(
        name="sync-admin",
        create_app=lambda *_: _create_app(),
        help="Sync-admin standalone admin app.",
        set_debug_flag=False,
    )
    for command in sync_admin_group.commands.values():
        cli.add_command(command)
    cli.main(prog_name="sync-admin", obj=ScriptInfo(create_app=lambda *_: _create_app()))
