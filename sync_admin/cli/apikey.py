"""``sync-admin api-key USER``: a Flask-AppBuilder API key for scripts and Prometheus."""

from __future__ import annotations

import sys

import click
from flask import current_app

from . import sync_admin_group


@sync_admin_group.command("api-key")
@click.argument("username")
@click.option("--name", default="sync-admin API key", help="What the key is for.")
def api_key_command(username: str, name: str) -> None:
    """Create an API key for USERNAME and print it once (it is stored hashed).

    The key acts with the user's roles: give a scraper a SyncViewer user.
    """
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=username)
    if user is None:
        click.echo(f"Error: no user {username!r}", err=True)
        sys.exit(2)
    if not current_app.config.get("FAB_API_KEY_ENABLED"):
        click.echo("Error: FAB_API_KEY_ENABLED is off in this app's configuration", err=True)
        sys.exit(2)
    created = sm.create_api_key(user, name)
    if not created:
        click.echo("Error: the API key could not be stored (see the log)", err=True)
        sys.exit(2)
    click.echo(created["key"])
