"""``sync-admin demo``: the standalone admin on embedded defaults, in one command.

SQLite under ``instance/``, an embedded redis-server, an RQ worker and the cron
scheduler as child processes, then the admin at http://127.0.0.1:5000 with a
printed login. Steps that fill the demo (sandboxes, connections, data) are
the functions listed in ``sync_admin.demo.STEPS``.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from ..errors import ConfigurationError
from . import sync_admin_group


def _password(instance: Path) -> str:
    path = instance / "demo_login.txt"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(9)
    path.write_text(password)
    path.chmod(0o600)
    return password


@sync_admin_group.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="Start from an empty demo database.")
def demo_command(host: str, port: int, reset: bool) -> None:
    """Start the demo admin with a worker and the scheduler (Ctrl-C stops all)."""
    started = time.monotonic()
    os.environ["SYNC_ADMIN_DEMO"] = "1"
    from werkzeug.serving import run_simple

    from ..app import create_app
    from ..demo import run_steps
    from ..queue import worker_env
    from ..setup import create_admin_user, init_database

    try:
        app = create_app({"SYNC_ADMIN_DEMO": True, "SYNC_ADMIN_BASE_URL": f"http://{host}:{port}"})
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    instance = Path(app.instance_path)
    if reset:
        for name in ("sync_admin.db", "sync_admin_redis.rdb"):
            (instance / name).unlink(missing_ok=True)
        app = create_app({"SYNC_ADMIN_DEMO": True, "SYNC_ADMIN_BASE_URL": f"http://{host}:{port}"})
    password = _password(instance)
    with app.app_context():
        init_database()
        create_admin_user("admin", "admin@example.com", password)
        env = worker_env(app)
    env["SYNC_ADMIN_DEMO"] = "1"
    exe = [sys.executable, "-m", "sync_admin.cli"]
    children = [
        subprocess.Popen([*exe, "worker"], env=env),
        subprocess.Popen([*exe, "scheduler"], env=env),
    ]

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        with app.app_context():
            run_steps(app, env)
        elapsed = time.monotonic() - started
        click.echo(
            f"\nsync-admin demo ready in {elapsed:.1f}s at http://{host}:{port}/\n"
            f"  log in as: admin / {password}\n  Ctrl-C stops the admin, the worker and the scheduler.\n"
        )
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stop()
