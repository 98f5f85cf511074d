# ruff: noqa: F811 - fixtures imported from engine_setup
"""Secrets never leak: a full sync with debug logging, then a forced token error.

Afterwards the application's log records (messages, arguments, exception
info), every text in the plugin's tables (log lines and bodies, results,
runs, audit events, connections), the RQ jobs' arguments, results and
exception info, and everything else in Redis are searched for the access and
refresh tokens the sandbox issued (and any prefix of one of 12 characters or
more: QuickBooks echoes the first characters of an expired token), the client
secret and Authorization headers; none is found. The token row holds Fernet
ciphertext only.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from engine_setup import (
    ENGINE_CONFIG,
    STAFF,
    Linked,
    books,  # noqa: F401 - fixture
    engine_config,
    host_db,  # noqa: F401 - fixture
    linked,  # noqa: F401 - fixture
)
from flask import Flask
from rq.job import Job
from sqlalchemy import text
from sqlalchemy.orm import Session
from test_engine_quickbooks import REALM, company, qbo_sandbox  # noqa: F401 - fixtures

from examples.membership.data import Books
from sync_admin.db import get_db, session
from sync_admin.models import Company, Connection, Run, tables
from sync_admin.queue import redis_for
from sync_admin.redaction import redact
from sync_admin.services import mappings, resync
from sync_admin.vocabulary import RunKind
from sync_admin.worker import make_worker

CLIENT_SECRET = "tiny-client-secret-Q8zV1kXw3"
AUTH_HEADER = re.compile(r"(?i)authorization['\"]?\s*[:=]\s*['\"]?(bearer|basic)\s+[A-Za-z0-9]")


PREFIX = 12  # the shortest token prefix searched for


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "qbo_sandbox" in request.fixturenames:
        server = request.getfixturevalue("qbo_sandbox")
        return {
            **ENGINE_CONFIG,
            "SYNC_ADMIN_PROVIDERS": "quickbooks",
            "SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL": server.url,
            "SYNC_ADMIN_QUICKBOOKS_CLIENT_ID": "sync-admin-tests",
            "SYNC_ADMIN_QUICKBOOKS_CLIENT_SECRET": CLIENT_SECRET,
        }
    return engine_config(request, SYNC_ADMIN_TINY_CLIENT_SECRET=CLIENT_SECRET)


def _leaked(secrets: list[str], haystack: str) -> list[str]:
    """The secrets of which some prefix of ``PREFIX`` characters or more is in ``haystack``."""
    return [s[:6] + "..." for s in secrets if s[:PREFIX] in haystack]


def _sync(app: Flask, company_id: int, kind: RunKind) -> int:
    with app.app_context():
        run_id = resync.resync_company(company_id, actor=STAFF, kind=kind).id
    make_worker(app, simple=True).work(burst=True)
    return run_id


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter()
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
    return "\n".join(parts)


def _database_text(app: Flask) -> tuple[str, list[str]]:
    """Every value of every sync_ table (token ciphertexts apart), and the ciphertexts."""
    parts: list[str] = []
    ciphertexts: list[str] = []
    with app.app_context(), get_db().engine.connect() as conn:
        for table in tables():
            for row in conn.execute(table.select()).mappings():
                for column, value in row.items():
                    if table.name == "sync_connection" and column == "token_ciphertext":
                        ciphertexts.append(value or "")
                    else:
                        parts.append(repr(value))
    return "\n".join(parts), ciphertexts


def _redis_text(app: Flask) -> str:
    """RQ jobs' arguments, results and exception info, and every plain Redis value."""
    redis = redis_for(app)
    parts = []
    for key in redis.scan_iter(count=1000):
        name = key.decode()
        kind = redis.type(key).decode()
        if name.startswith("rq:job:") and kind == "hash" and name.count(":") == 2:
            job = Job.fetch(name.split(":", 2)[2], connection=redis)
            parts += [repr(job.args), repr(job.kwargs), str(job.description), repr(job.meta)]
            result = job.latest_result()
            if result is not None:
                parts += [repr(result.return_value), str(result.exc_string or "")]
        if kind == "string":
            parts.append(repr(redis.get(key)))
        elif kind == "hash":
            parts += [repr(k) + repr(v) for k, v in redis.hgetall(key).items() if k != b"data"]
        elif kind in ("list", "set", "zset"):
            values = (
                redis.lrange(key, 0, -1)
                if kind == "list"
                else redis.smembers(key)
                if kind == "set"
                else redis.zrange(key, 0, -1)
            )
            parts += [repr(v) for v in values]
    return "\n".join(parts)


def test_no_token_secret_or_authorization_header_anywhere(
    app: Flask, linked: Linked, books: Books, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "authlib", "requests", "rq", "sync_admin", "sync_admin_tiny"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    books.fee_item("dues", "Annual dues", "120.00")
    ann = books.member("Ann", "Lee")
    books.member("Ann", "Lee", email="other-ann@example.org")  # a provider error with a body
    books.invoice(ann, "INV-1", [("dues", "120.00")])
    books.db.commit()
    with app.app_context():
        mappings.set_mapping(linked.company, "fee_item", "dues", "1", actor=STAFF)

    _sync(app, linked.company, RunKind.FULL)
    # Expire the access token so the next run refreshes (a rotation), then sync again; the
    # member changes so that the incremental run has something to push (it pulls no
    # reference data, so without a change it makes no call).
    for token in list(linked.state["access"]):
        linked.state["access"][token] = 0
    books.touch(ann, email="ann.lee@example.org")
    books.db.commit()
    _sync(app, linked.company, RunKind.INCREMENTAL)
    issued = [*linked.state["access"], *linked.state["refresh"]]
    assert len(issued) >= 4, "the sandbox issued and rotated tokens"

    # The forced token error: every token dead, the refresh refused.
    linked.state["access"].clear()
    linked.state["refresh"].clear()
    books.touch(ann, email="ann.lee2@example.org")
    books.db.commit()
    failed_run = _sync(app, linked.company, RunKind.INCREMENTAL)
    with app.app_context():
        assert session.get(Run, failed_run).status == "failed"
        assert session.get(Connection, linked.connection).status == "needs_reconnect"

    logs = _log_text(caplog)
    assert "Data sync" in logs or len(caplog.records) > 50, "debug logging was captured"
    database, ciphertexts = _database_text(app)
    assert "refused the refresh token" in database, "the token error was recorded"
    stored = _redis_text(app)
    assert "sync_admin.jobs.run_sync" in stored, "the jobs were searched"

    secrets = [*issued, CLIENT_SECRET]
    for where, haystack in (("logs", logs), ("database", database), ("redis", stored)):
        leaked = _leaked(secrets, haystack)
        assert leaked == [], f"secrets found in {where}: {leaked}"
        assert AUTH_HEADER.search(haystack) is None, f"an Authorization header in {where}"

    # The token row is Fernet ciphertext: no token inside, and it decrypts.
    (ciphertext,) = ciphertexts
    assert ciphertext.startswith("gAAAAA")
    assert not [s for s in issued if s in ciphertext]
    with app.app_context():
        token = app.extensions["sync_admin"].cipher.decrypt(ciphertext)
        raw = (
            get_db()
            .session.execute(text("SELECT token_ciphertext FROM sync_connection"))
            .scalar_one()
        )
    assert raw == ciphertext and token["refresh_token"] in issued


def test_redact_removes_token_fragments_not_only_whole_tokens() -> None:
    assert redact("Unauthorized - 401: Token expired: eyJynXh3kLq0pZ2aB") == (
        "Unauthorized - 401: Token expired: [redacted]"
    )
    body = '{"detail":"Token expired: AB01601390262kxzxOlnHYdhtEVRXISU7","code":"3200"}'
    assert redact(body) == '{"detail":"Token expired: [redacted]","code":"3200"}'
    assert redact("cut short eyJhbGciOi, then more") == "cut short [redacted], then more"
    assert redact("Authorization: Bearer AB01601390262kx") == "Authorization: [redacted]"
    assert redact("keys are fine: eyJ, eyes, Token invalid") == (
        "keys are fine: eyJ, eyes, Token invalid"
    )


def test_an_expired_token_echoed_by_quickbooks_is_stored_nowhere(
    app: Flask,
    company: int,
    books: Books,
    host_db: Session,
    qbo_sandbox: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """QuickBooks answers 401 "Token expired: <the token's first 32 characters>"; the run
    stops on the second 401 and its milestone, the run, the connection and the stored body
    keep the reason without the fragment."""
    caplog.set_level(logging.DEBUG)
    books.member("Ann", "Lee")
    books.db.commit()
    sandbox = qbo_sandbox.app.sandbox
    sandbox.inject(REALM, "expire_token")
    sandbox.access_ttl = -5  # every refreshed token is refused as expired too
    with app.app_context():
        run_id = resync.resync_company(company, actor=STAFF, kind=RunKind.FULL).id
    make_worker(app, simple=True).work(burst=True)
    with app.app_context():
        assert session.get(Run, run_id).status == "failed"
        connection_id = session.get(Company, company).connection_id
        assert "Token expired" in (session.get(Connection, connection_id).last_error or "")

    issued = [*sandbox.access, *sandbox.refresh]
    assert len(issued) >= 3 and all(t.startswith(("eyJ", "AB")) for t in issued)
    database, _ = _database_text(app)
    assert "Token expired" in database, "QuickBooks' refusal was recorded"
    for where, haystack in (
        ("logs", _log_text(caplog)),
        ("database", database),
        ("redis", _redis_text(app)),
    ):
        assert _leaked([*issued, CLIENT_SECRET], haystack) == [], f"a token in {where}"
    assert "Token expired: [redacted]" in database, "QuickBooks echoed a fragment, redacted"
