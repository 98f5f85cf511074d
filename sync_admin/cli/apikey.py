"""``sync-admin api-key USER``: a Flask-AppBuilder API key for scripts and Prometheus;
``api-key USER --list`` shows a user's keys and ``api-key --revoke UUID`` ends one.

Listing and revoking use FAB's own key store (``sm.find_api_keys_for_user``,
``sm.revoke_api_key``), so a key revoked here is refused by every API at once.
"""

from __future__ import annotations

import sys

import click
from flask import current_app

from . import sync_admin_group


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@sync_admin_group.command("api-key")
@click.argument("username", required=False)
@click.option("--name", default="sync-admin API key", help="What the key is for.")
@click.option("--list", "list_keys", is_flag=True, help="List USERNAME's keys instead.")
@click.option("--revoke", metavar="UUID", help="Revoke the key with this UUID (see --list).")
def api_key_command(username: str | None, name: str, list_keys: bool, revoke: str | None) -> None:
    """Create an API key for USERNAME and print it once (it is stored hashed).

    The key acts with the user's roles: give a scraper a SyncViewer user.
    """
    sm = current_app.appbuilder.sm
    if not current_app.config.get("FAB_API_KEY_ENABLED"):
        _fail("FAB_API_KEY_ENABLED is off in this app's configuration")
    if revoke:
        key = sm.get_api_key_by_uuid(revoke)
        if key is None:
            _fail(f"no API key {revoke!r}")
        if key.revoked_on is not None:
            _fail(f"API key {revoke!r} was already revoked on {key.revoked_on:%Y-%m-%d %H:%M}")
        if not sm.revoke_api_key(revoke):
            _fail("the API key could not be revoked (see the log)")
        click.echo(f"revoked {key.name!r} ({key.key_prefix}...)")
        return
    if not username:
        _fail("name the user (or give --revoke UUID)")
    user = sm.find_user(username=username)
    if user is None:
        _fail(f"no user {username!r}")
    if list_keys:
        for key in sm.find_api_keys_for_user(user.id):
            state = "active" if key.is_active else "revoked" if key.revoked_on else "inactive"
            click.echo(
                f"{key.uuid}  {key.key_prefix}...  {state:8}  {key.created_on:%Y-%m-%d}  {key.name}"
            )
        return
    created = sm.create_api_key(user, name)
    if not created:
        _fail("the API key could not be stored (see the log)")
    click.echo(created["key"])
