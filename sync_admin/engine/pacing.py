"""Requests paced under the provider's published limits, shared by every worker.

A moving window per provider company in Redis, through the ``limits`` library:
every worker on every machine that syncs the same company draws from the same
window, so the provider's per-minute ceiling is used without being crossed. A
provider with an app-wide ceiling (Xero: 10,000 calls a minute across all
tenants) gets a second window under one key shared by every company. The
window length is configurable (``SYNC_ADMIN_RATE_WINDOW_SECONDS``) so that tests
and benchmarks can measure a "minute" in seconds. Calls and 429 answers are
counted per company in Redis for the benchmark and the metrics.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import redis
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from ..providers import RateLimits

__all__ = ["RedisPacer", "pace_stats", "reset_pace_stats"]

_STATS = "sync-admin:pace:{provider}:{company}"


class RedisPacer:
    """The ``Pacer`` core gives a provider client (see ``providers/client.py``)."""

    def __init__(
        self,
        connection: redis.Redis,
        provider: str,
        provider_company_id: str,
        limits: RateLimits,
        *,
        window_seconds: int = 60,
        share: float = 0.97,
    ) -> None:
        self.redis = connection
        self.key = f"{provider}:{provider_company_id}"
        self.app_key = f"{provider}:app"  # one window for every company of the provider
        self.stats_key = _STATS.format(provider=provider, company=provider_company_id)
        storage = RedisStorage(
            "redis://", connection_pool=connection.connection_pool, key_prefix="sync-admin-pace"
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self.items = {
            "call": RateLimitItemPerSecond(_amount(limits.per_minute, share), window_seconds)
        }
        if limits.batch_per_minute:
            self.items["batch"] = RateLimitItemPerSecond(
                _amount(limits.batch_per_minute, share), window_seconds
            )
        if limits.app_per_minute:
            self.items["app"] = RateLimitItemPerSecond(
                _amount(limits.app_per_minute, share), window_seconds
            )
        self.waited = 0.0

    def acquire(self, kind: str = "call") -> None:
        names = ["call", "batch"] if kind == "batch" and "batch" in self.items else ["call"]
        if "app" in self.items:
            names.append("app")
        for name in names:
            item = self.items[name]
            key = self.app_key if name == "app" else self.key
            while not self.limiter.hit(item, key, name):
                reset = self.limiter.get_window_stats(item, key, name).reset_time
                pause = min(max(reset - time.time(), 0.005), 1.0)
                self.waited += pause
                time.sleep(pause)

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hincrby(self.stats_key, "calls", 1)
        if status == 429:
            pipe.hincrby(self.stats_key, "throttled", 1)
        pipe.execute()


def _amount(per_window: int, share: float) -> int:
    return max(1, int(per_window * share))


def pace_stats(connection: redis.Redis, provider: str, provider_company_id: str) -> dict[str, int]:
    raw: dict[Any, Any] = connection.hgetall(
        _STATS.format(provider=provider, company=provider_company_id)
    )
    return {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in raw.items()}


def reset_pace_stats(connection: redis.Redis, provider: str, provider_company_id: str) -> None:
    connection.delete(_STATS.format(provider=provider, company=provider_company_id))
