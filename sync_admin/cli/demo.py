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


def _org_of(company_id: int) -> int | None:
    from ..db import session
    from ..models import Company

    company = session.get(Company, company_id)
    return company.organization_id if company else None


def _examples_importable() -> Path:
    """The demo host lives in the repository's ``examples/``: make it importable."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "examples" / "membership").is_dir():
        raise click.ClickException(
            "the demo needs the repository's examples/ folder (run it from a source checkout)"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return root


@sync_admin_group.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--reset/--no-reset",
    default=True,
    show_default=True,
    help="Start from an empty demo database (the sandboxes start empty on every run); "
    "--no-reset keeps an existing one as it is.",
)
def demo_command(host: str, port: int, reset: bool) -> None:
    """Start the demo admin with the sandboxes, a worker and the scheduler (Ctrl-C stops all)."""
    started = time.monotonic()
    os.environ["SYNC_ADMIN_DEMO"] = "1"
    root = _examples_importable()
    from werkzeug.serving import run_simple

    from ..app import create_app
    from ..demo import populate, prepare, run_steps, second_sync
    from ..queue import stop_embedded, worker_env
    from ..setup import create_admin_user, init_database

    config = {
        "SYNC_ADMIN_DEMO": True,
        "SYNC_ADMIN_BASE_URL": f"http://{host}:{port}",
        "SYNC_ADMIN_HOST_ADAPTER": os.environ.get(
            "SYNC_ADMIN_HOST_ADAPTER", "examples.membership:adapter"
        ),
    }
    try:
        app = create_app(config)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    instance = Path(app.instance_path)
    kept = not reset and (instance / "sync_admin.db").exists()
    if reset:
        if (instance / "sync_admin.db").exists():
            click.echo(
                f"Starting afresh: the demo database in {instance} is rebuilt on every run "
                "(the sandboxes keep their data in memory only). Pass --no-reset to keep it."
            )
        for name in ("sync_admin.db", "sync_admin_redis.rdb"):
            (instance / name).unlink(missing_ok=True)
        app = create_app(config)
    elif kept:
        click.echo(
            f"Keeping the demo database in {instance} (--no-reset): no new clubs or syncs. "
            "The sandboxes start empty, so reconnect each integration before syncing."
        )
    password = _password(instance)
    with app.app_context():
        init_database()
        create_admin_user("admin", "admin@example.com", password)
        env = worker_env(app)
        prepare(app, env)  # the sandboxes, before the children that call them
    env["SYNC_ADMIN_DEMO"] = "1"
    env["SYNC_ADMIN_HOST_ADAPTER"] = config["SYNC_ADMIN_HOST_ADAPTER"]
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    exe = [sys.executable, "-m", "sync_admin.cli"]
    children = [
        subprocess.Popen([*exe, "worker"], env=env, cwd=root),
        subprocess.Popen([*exe, "scheduler"], env=env, cwd=root),
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
        lines: list[str] = []
        if not kept:
            with app.app_context():
                done = populate(app, env)
                second_sync(app, done)
                run_steps(app, env)
                # The ids the API examples of README.md and docs/api.md use.
                lines = [
                    f"  {p.club.name}: {p.club.provider}, organization {_org_of(p.company_id)}, "
                    f"company {p.company_id}, first sync run {p.run_id}"
                    for p in done
                ]
        elapsed = time.monotonic() - started
        click.echo(
            f"\nsync-admin demo ready in {elapsed:.1f}s at http://{host}:{port}/\n"
            + "\n".join(lines)
            + f"\n  log in as: admin / {password}\n"
            "  Ctrl-C stops the admin, the sandboxes, the worker and the scheduler.\n"
        )
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stop()
        stop_embedded(app)
