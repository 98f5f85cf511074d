"""The Prometheus endpoint: runs, errors, queue depth, rate-limit waits, token failures."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import add, api_key_for, bearer, make_acme
from conftest import tiny_config
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from sync_admin import metrics
from sync_admin.db import get_db
from sync_admin.models import Log, Run, SyncResult
from sync_admin.queue import get_queue


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _scrape(client: Any, key: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/api/v1/sync/metrics", headers=bearer(key))
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def test_metrics_report_runs_errors_queue_and_counters(app: Any, client: Any) -> None:
    acme = make_acme(app)
    add(
        app,
        Run(company_id=acme.company, kind="full", trigger="manual", status="running"),
        Run(company_id=acme.other_company, kind="full", trigger="manual", status="queued"),
        Run(company_id=acme.company, kind="incremental", trigger="schedule", status="failed"),
        *[
            SyncResult(
                company_id=acme.company,
                entity="contact",
                direction="push",
                local_id=f"c{i}",
                outcome="failed",
                category="duplicate" if i < 3 else "missing_mapping",
                run_id=3,
            )
            for i in range(5)
        ],
        Log(
            organization_id=acme.org,
            company_id=acme.company,
            provider="tiny",
            type="event",
            level="error",
            message="x",
        ),
    )
    with app.app_context():
        # What the engine's signals deliver, in a worker process, through Redis.
        metrics.on_run_finished(None, run_id=3)
        metrics.on_rate_limit_waited(None, provider="tiny", company_id=acme.company, seconds=2.5)
        metrics.on_rate_limit_waited(None, provider="tiny", company_id=acme.company, seconds=1.5)
        metrics.on_token_refresh_failed(None, provider="tiny", connection_id=acme.connection)
        get_queue().enqueue("jobs_for_tests.count_organizations")
    key = api_key_for(app, "viewer")

    statements: list[str] = []
    with app.app_context():
        engine = get_db().engine
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            samples = _scrape(client, key)
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("sync_admin_runs_active", provider="tiny", status="running") == 1
    assert value("sync_admin_runs_active", provider="tiny", status="queued") == 1
    assert value("sync_admin_runs_finished_total", provider="tiny", status="failed") == 1
    assert value("sync_admin_sync_errors_total", provider="tiny", category="duplicate") == 3
    assert value("sync_admin_sync_errors_total", provider="tiny", category="missing_mapping") == 2
    assert value("sync_admin_failed_records", provider="tiny", category="duplicate") == 3
    assert value("sync_admin_rate_limit_waits_total", provider="tiny") == 2
    assert value("sync_admin_rate_limit_wait_seconds_total", provider="tiny") == 4.0
    assert value("sync_admin_token_refresh_failures_total", provider="tiny") == 1
    assert value("sync_admin_queue_jobs", queue="sync-admin", state="queued") == 1
    assert value("sync_admin_connections", provider="tiny", status="connected") == 1
    # Cheap at 10 million logs: a scrape never reads the log table.
    assert statements and not [s for s in statements if Log.__tablename__ in s]


def test_metrics_need_read_permission(app: Any, client: Any) -> None:
    assert client.get("/api/v1/sync/metrics").status_code == 401
    nobody = api_key_for(app, "nobody")
    assert client.get("/api/v1/sync/metrics", headers=bearer(nobody)).status_code == 403


def test_api_key_from_the_command_line_scrapes_metrics(app: Any, client: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sync-admin", "api-key", "viewer", "--name", "prometheus"])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert key.startswith("sst_")
    assert client.get("/api/v1/sync/metrics", headers=bearer(key)).status_code == 200
    unknown = runner.invoke(args=["sync-admin", "api-key", "ghost"])
    assert unknown.exit_code == 2 and "no user 'ghost'" in unknown.output


def test_a_key_listed_and_revoked_from_the_command_line_is_refused(app: Any, client: Any) -> None:
    runner = app.test_cli_runner()
    key = runner.invoke(
        args=["sync-admin", "api-key", "viewer", "--name", "scraper"]
    ).output.strip()
    assert client.get("/api/v1/sync/metrics", headers=bearer(key)).status_code == 200
    listed = runner.invoke(args=["sync-admin", "api-key", "viewer", "--list"])
    assert listed.exit_code == 0, listed.output
    (line,) = [row for row in listed.output.splitlines() if row.endswith("scraper")]
    uuid, prefix, state = line.split()[:3]
    assert key.startswith(prefix.rstrip(".")) and state == "active"
    revoked = runner.invoke(args=["sync-admin", "api-key", "--revoke", uuid])
    assert revoked.exit_code == 0 and "revoked 'scraper'" in revoked.output
    assert client.get("/api/v1/sync/metrics", headers=bearer(key)).status_code == 401
    again = runner.invoke(args=["sync-admin", "api-key", "--revoke", uuid])
    assert again.exit_code == 2 and "already revoked" in again.output
    listed = runner.invoke(args=["sync-admin", "api-key", "viewer", "--list"])
    assert f"{uuid}  {prefix}  revoked" in listed.output
    missing = runner.invoke(args=["sync-admin", "api-key", "--revoke", "no-such-uuid"])
    assert missing.exit_code == 2 and "no API key 'no-such-uuid'" in missing.output
