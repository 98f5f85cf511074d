"""FAB's menu answered from one permission query per request, with the same answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from sync_admin.db import get_db


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = get_db().engine
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _permission_queries(statements: list[str]) -> int:
    return sum("ab_permission_view_role" in s for s in statements)


@pytest.mark.parametrize("cached", [True, False])
def test_one_permission_query_per_page(app: Flask, login_as: Any, cached: bool) -> None:
    from sync_admin.permission_cache import install_permission_cache

    sm = app.appbuilder.sm
    if not cached:
        # FAB's own method, as an app with SYNC_ADMIN_PERMISSION_CACHE = False keeps it.
        sm.exist_permission_on_roles = type(sm).exist_permission_on_roles.__get__(sm)
    client = login_as("admin")
    client.get("/sync-admin/logs/")
    with counted(app) as statements:
        page = client.get("/sync-admin/logs/").get_data(as_text=True)
    for name in ("Data Feed", "Sync Results", "Failures", "Error catalog"):
        assert name in page  # the menu still lists what the admin may open
    if cached:
        assert _permission_queries(statements) == 1
    else:
        assert _permission_queries(statements) > 10
        install_permission_cache(sm)


def test_cached_answers_are_fabs_answers(app: Flask, login_as: Any) -> None:
    import re

    sm = app.appbuilder.sm
    client = login_as("viewer")

    def menu() -> list[str]:
        page = client.get("/sync-admin/logs/").get_data(as_text=True)
        return re.findall(r'<a tabindex="-1" href="([^"]+)"', page)

    cached = menu()
    cache = sm.exist_permission_on_roles
    sm.exist_permission_on_roles = type(sm).exist_permission_on_roles.__get__(sm)
    try:
        assert menu() == cached
    finally:
        sm.exist_permission_on_roles = cache
    assert "/sync-admin/logs/" in cached
    from conftest import csrf_token

    refused = client.post(
        "/sync-admin/data-feed/resync-all", data={"csrf_token": csrf_token(client)}
    )
    assert refused.status_code == 403
