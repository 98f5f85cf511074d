"""Prometheus metrics: what a scrape reads, and the counters the workers bump.

Counters of events that happen in RQ workers (finished runs, errors by
category, rate-limit waits, token refresh failures) live in one Redis hash, so
every worker process adds to the same numbers and the web process reports them.
Gauges are read at scrape time from small or indexed sources: active runs (a
partial index), connections and companies (one row each), the RQ registries,
and failed sync results by provider and category (cached for
``GAUGE_CACHE_SECONDS``). Nothing here counts or groups the log table.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from flask import current_app
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from redis.exceptions import RedisError
from rq.registry import (
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from sqlalchemy import func, select

from .db import session
from .models import Company, Connection, Run, SyncResult
from .queue import get_queue, get_redis
from .vocabulary import Outcome, RunStatus

log = logging.getLogger(__name__)

__all__ = [
    "COUNTERS_KEY",
    "GAUGE_CACHE_SECONDS",
    "count",
    "counters",
    "render",
]

COUNTERS_KEY = "sync-admin:metrics:counters"
GAUGE_CACHE_SECONDS = 30
_SEP = "|"

# name -> (help, label names); the Redis hash field is name|label1|label2...
COUNTER_HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "runs_finished": ("Runs finished, by provider and final status.", ("provider", "status")),
    "sync_errors": (
        "Records that failed in finished runs, by provider and error category.",
        ("provider", "category"),
    ),
    "rate_limit_waits": ("Times a run waited for a provider's rate limit.", ("provider",)),
    "rate_limit_wait_seconds": ("Seconds spent waiting for rate limits.", ("provider",)),
    "token_refresh_failures": ("Token refreshes the provider refused.", ("provider",)),
    "notifications_sent": ("Notification emails sent, by event.", ("event",)),
}


def count(name: str, labels: tuple[str, ...], amount: float = 1) -> None:
    """Add ``amount`` to a shared counter; never raises (metrics must not break a sync)."""
    if name not in COUNTER_HELP:
        raise KeyError(f"unknown metric counter {name!r}")
    field = _SEP.join((name, *(str(v) for v in labels)))
    try:
        get_redis().hincrbyfloat(COUNTERS_KEY, field, amount)
    except RedisError:
        log.warning("could not update metric %s", field, exc_info=True)


def counters() -> dict[tuple[str, ...], float]:
    """The shared counters, keyed by (name, *labels)."""
    raw = get_redis().hgetall(COUNTERS_KEY)
    return {tuple(k.decode().split(_SEP)): float(v.decode()) for k, v in raw.items()}


class _Collector:
    def collect(self) -> Iterator[Metric]:
        yield from self._counters()
        yield from self._runs()
        yield from self._rows()
        yield from self._failed_records()
        yield from self._queue()

    def _counters(self) -> Iterator[Metric]:
        families: dict[str, CounterMetricFamily] = {}
        for name, (doc, labels) in COUNTER_HELP.items():
            families[name] = CounterMetricFamily(f"sync_admin_{name}", doc, labels=labels)
        try:
            values = counters()
        except RedisError:
            log.warning("metrics: Redis unavailable", exc_info=True)
            values = {}
        for key, value in sorted(values.items()):
            name, labels = key[0], key[1:]
            if name in families and len(labels) == len(COUNTER_HELP[name][1]):
                families[name].add_metric(list(labels), value)
        yield from families.values()

    def _runs(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "sync_admin_runs_active",
            "Runs queued or running, by provider and status.",
            labels=("provider", "status"),
        )
        rows = session.execute(
            select(Company.provider, Run.status, func.count())
            .join(Company, Company.id == Run.company_id)
            .where(Run.status.in_(RunStatus.active()))
            .group_by(Company.provider, Run.status)
        ).all()
        seen = {(p, s): n for p, s, n in rows}
        for provider in current_app.extensions["sync_admin"].providers:
            for status in RunStatus.active():
                gauge.add_metric([provider, status.value], seen.get((provider, status.value), 0))
        yield gauge

    def _rows(self) -> Iterator[Metric]:
        conns = GaugeMetricFamily(
            "sync_admin_connections",
            "Connections by provider and status.",
            labels=("provider", "status"),
        )
        for provider, status, n in session.execute(
            select(Connection.provider, Connection.status, func.count()).group_by(
                Connection.provider, Connection.status
            )
        ):
            conns.add_metric([provider, status], n)
        yield conns
        companies = GaugeMetricFamily(
            "sync_admin_companies",
            "Linked companies by provider and sync status.",
            labels=("provider", "status"),
        )
        for provider, status, n in session.execute(
            select(Company.provider, Company.status, func.count())
            .where(Company.linked.is_(True))
            .group_by(Company.provider, Company.status)
        ):
            companies.add_metric([provider, status], n)
        yield companies

    def _failed_records(self) -> Iterator[Metric]:
        cache = current_app.extensions.setdefault("sync_admin_metrics_cache", {})
        now = time.monotonic()
        if not cache or now - cache["at"] > GAUGE_CACHE_SECONDS:
            rows = session.execute(
                select(Company.provider, SyncResult.category, func.count())
                .join(Company, Company.id == SyncResult.company_id)
                .where(SyncResult.outcome == Outcome.FAILED.value, SyncResult.excluded.is_(False))
                .group_by(Company.provider, SyncResult.category)
            ).all()
            cache.update(at=now, rows=rows)
        gauge = GaugeMetricFamily(
            "sync_admin_failed_records",
            "Sync results failing now (not excluded), by provider and error category.",
            labels=("provider", "category"),
        )
        for provider, category, n in cache["rows"]:
            gauge.add_metric([provider, category or "unknown"], n)
        yield gauge

    def _queue(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "sync_admin_queue_jobs", "Jobs in the RQ queue, by state.", labels=("queue", "state")
        )
        try:
            queue = get_queue()
            conn = queue.connection
            states: dict[str, Any] = {
                "queued": queue.count,
                "started": StartedJobRegistry(queue=queue, connection=conn).count,
                "scheduled": ScheduledJobRegistry(queue=queue, connection=conn).count,
                "failed": FailedJobRegistry(queue=queue, connection=conn).count,
            }
        except RedisError:
            log.warning("metrics: Redis unavailable", exc_info=True)
            return
        for state, value in states.items():
            gauge.add_metric([queue.name, state], value)
        yield gauge


def render() -> bytes:
    """The Prometheus text exposition of everything above."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())  # type: ignore[arg-type]
    return generate_latest(registry)


# --- signal receivers (the engine sends; see sync_admin/signals.py) -------------------


def on_run_finished(sender: Any, run_id: int, **_: Any) -> None:
    """Count the run by final status, and its failed records by category."""
    try:
        run = session.get(Run, run_id)
        if run is None:
            return
        provider = run.company.provider
        count("runs_finished", (provider, run.status))
        for category, n in session.execute(
            select(SyncResult.category, func.count())
            .where(
                SyncResult.company_id == run.company_id,
                SyncResult.outcome == Outcome.FAILED.value,
                SyncResult.run_id == run.id,
            )
            .group_by(SyncResult.category)
        ):
            count("sync_errors", (provider, category or "unknown"), n)
    except Exception:
        log.exception("metrics: run_finished(%s) not counted", run_id)


def on_rate_limit_waited(
    sender: Any, provider: str, company_id: int | None = None, seconds: float = 0, **_: Any
) -> None:
    count("rate_limit_waits", (provider,))
    count("rate_limit_wait_seconds", (provider,), float(seconds or 0))


def on_token_refresh_failed(
    sender: Any, provider: str, connection_id: int | None = None, **_: Any
) -> None:
    count("token_refresh_failures", (provider,))
