"""The `sync-admin` command line: bootstrap, and configuration errors as one
clear line with a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_queue import _cli_env

SYNC_ADMIN = str(Path(sys.executable).parent / "sync-admin")


def _run(
    args: list[str], env: dict[str, str], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SYNC_ADMIN, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        **kwargs,
    )


def test_help_lists_the_commands(redis_url: str, tmp_path: Path) -> None:
    env = _cli_env(f"sqlite:///{tmp_path / 'cli.db'}", redis_url)
    done = _run(["--help"], env)
    assert done.returncode == 0, done.stderr
    for command in ("init", "demo", "worker", "scheduler", "db", "rotate-keys"):
        assert command in done.stdout


def test_help_without_configuration_prints_the_help(redis_url: str, tmp_path: Path) -> None:
    """A first look at the command must show what it does, not only what is missing."""
    env = _cli_env(f"sqlite:///{tmp_path / 'cli.db'}", redis_url)
    env.pop("SECRET_KEY", None)
    env.pop("SYNC_ADMIN_DEMO", None)
    done = _run(["--help"], env)
    assert done.returncode == 0, done.stderr
    assert "SECRET_KEY is missing" in done.stderr
    for command in ("init", "demo", "worker", "scheduler"):
        assert command in done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_init_creates_schema_roles_and_first_admin(redis_url: str, tmp_path: Path) -> None:
    env = _cli_env(f"sqlite:///{tmp_path / 'cli.db'}", redis_url)
    first = _run(["init", "--username", "boss", "--password", "s3cret-pass"], env)
    assert first.returncode == 0, first.stderr
    assert "database: upgraded" in first.stdout and "admin user boss: created" in first.stdout
    again = _run(["init", "--username", "boss", "--password", "s3cret-pass"], env)
    assert "database: upgraded" in again.stdout and "admin user boss: exists" in again.stdout
    check = _run(["db", "check"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "cli.db") as db:
        roles = {r for (r,) in db.execute("select name from ab_role")}
        assert {"Admin", "SyncAdmin", "SyncOperator", "SyncViewer"} <= roles
        user_roles = {
            r
            for (r,) in db.execute(
                "select r.name from ab_user u join ab_user_role ur on ur.user_id=u.id "
                "join ab_role r on r.id=ur.role_id where u.username='boss'"
            )
        }
        assert user_roles == {"Admin", "SyncAdmin"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY is missing or shorter than 32 characters"),
        ({"SYNC_ADMIN_TOKEN_KEYS": ""}, "SYNC_ADMIN_TOKEN_KEYS is not set"),
        ({"SYNC_ADMIN_TOKEN_KEYS": "nope"}, "key #1 is not a valid Fernet key"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, "cannot reach the database"),
        ({"DATABASE_URL": "oracle://x@y/z"}, "SQLALCHEMY_DATABASE_URI: cannot use this database"),
        (
            {"SYNC_ADMIN_REDIS_URL": "redis://127.0.0.1:1/0"},
            "cannot reach Redis at redis://127.0.0.1:1/0",
        ),
        (
            {"SYNC_ADMIN_PROVIDERS": "nosuchbooks"},
            "SYNC_ADMIN_PROVIDERS names unknown provider(s) nosuchbooks",
        ),
    ],
)
def test_configuration_errors_exit_with_one_line(
    redis_url: str, tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    env = _cli_env(f"sqlite:///{tmp_path / 'cli.db'}", redis_url)
    env.update(overrides)
    for args in (["init", "--no-user"], ["worker", "--burst"]):
        done = _run(args, env)
        assert done.returncode == 2, done.stdout + done.stderr
        assert message in done.stderr
        assert "Traceback" not in done.stderr + done.stdout


def test_flask_cli_of_a_host_app_has_the_group(redis_url: str, tmp_path: Path) -> None:
    env = _cli_env(f"sqlite:///{tmp_path / 'host.db'}", redis_url)
    flask = str(Path(sys.executable).parent / "flask")
    done = subprocess.run(
        [flask, "--app", "examples.embedded_app:create_app", "sync-admin", "--help"],
        env={**env, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "init" in done.stdout and "worker" in done.stdout
