"""Absolute links into the admin for mails sent from workers (no request there)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin

from flask import current_app, has_request_context, url_for
from werkzeug.routing import BuildError

__all__ = ["absolute", "admin_context", "link"]


@contextmanager
def admin_context() -> Iterator[None]:
    """A request context on ``SYNC_ADMIN_BASE_URL`` so that ``url_for`` works in a worker."""
    base = current_app.config.get("SYNC_ADMIN_BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=base):
        yield


def absolute(path: str | None) -> str | None:
    if not path:
        return None
    base = current_app.config.get("SYNC_ADMIN_BASE_URL") or "http://127.0.0.1:5000"
    return urljoin(base.rstrip("/") + "/", path)


def link(endpoint: str, **values: Any) -> str | None:
    """An absolute URL of an admin screen, or None when the screen is not registered."""
    try:
        if has_request_context():
            return absolute(url_for(endpoint, **values))
        with admin_context():
            return absolute(url_for(endpoint, **values))
    except BuildError:
        return None
