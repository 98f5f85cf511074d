"""What the engine does with a failed provider request, decided by its catalog entry.

Rate limits: wait ``Retry-After`` (or a growing backoff) and try again, without
spending the retry budget; a wait longer than ``SYNC_ADMIN_MAX_INLINE_WAIT_SECONDS``
re-schedules the run instead of holding the worker. An expired access token:
refresh once under the connection lock, then try again. A dead refresh token
(or a second 401): stop the run. Transient server errors, malformed bodies and
network failures: retry with exponential backoff, up to the entry's
``max_retries`` (at most ``SYNC_ADMIN_MAX_TRANSIENT_RETRIES``), then give up.
Anything else is the record's own error: the caller records it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from ..providers import Diagnosis, ProviderError
from ..vocabulary import Category
from .preflight import diagnosis

__all__ = ["CallPolicy", "Reschedule", "Stop", "retryable"]

T = TypeVar("T")

_TRANSIENT = {Category.TRANSIENT_SERVER, Category.MALFORMED_RESPONSE, Category.RATE_LIMITED}


class Stop(Exception):
    """The run cannot go on (the connection is dead, or a refresh did not help)."""

    def __init__(self, diagnosis: Diagnosis, body: str = "") -> None:
        super().__init__(diagnosis.message)
        self.diagnosis = diagnosis
        self.body = body


class Reschedule(Exception):
    """The provider asked for a wait too long to hold a worker: continue the run later."""

    def __init__(self, seconds: float, diagnosis: Diagnosis) -> None:
        super().__init__(f"re-scheduled in {seconds:.0f}s")
        self.seconds = seconds
        self.diagnosis = diagnosis


def retryable(d: Diagnosis) -> bool:
    return d.entry.retryable or d.category in _TRANSIENT


class CallPolicy:
    def __init__(
        self,
        *,
        refresh: Callable[[], None],
        on_wait: Callable[[float, Diagnosis], None],
        backoff: float,
        max_retries: int,
        max_inline_wait: float,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[Diagnosis, str], None] | None = None,
    ) -> None:
        self.refresh = refresh
        self.on_retry = on_retry or (lambda d, what: None)
        self.on_wait = on_wait
        self.backoff = backoff
        self.max_retries = max_retries
        self.max_inline_wait = max_inline_wait
        self.sleep = sleep
        self.retries = 0  # transient retries made (all calls), for the run's story

    def delay(self, attempt: int) -> float:
        return min(60.0, self.backoff * (2 ** max(0, attempt - 1))) * random.uniform(0.75, 1.0)

    def limit(self, d: Diagnosis) -> int:
        if d.entry.max_retries:
            return min(d.entry.max_retries, self.max_retries)
        return self.max_retries

    def call(self, fn: Callable[[], T]) -> T:
        attempts = 0
        throttled = 0
        refreshed = False
        while True:
            try:
                return fn()
            except ProviderError as exc:
                d = exc.diagnosis
                if d.category == Category.RATE_LIMITED:
                    throttled += 1
                    wait = d.retry_after if d.retry_after is not None else self.delay(throttled)
                    if wait > self.max_inline_wait:
                        raise Reschedule(wait, d) from exc
                    self.on_wait(wait, d)
                    self.on_retry(d, f"waiting {wait:.1f} s, then trying again")
                    self.sleep(wait)
                    continue
                if d.category == Category.AUTH_EXPIRED and not refreshed:
                    refreshed = True
                    self.on_retry(d, "refreshing the access token, then trying again")
                    self.refresh()
                    continue
                if d.category in (Category.AUTH_REVOKED, Category.AUTH_EXPIRED):
                    raise Stop(d, exc.body) from exc
                if retryable(d) and attempts < self.limit(d):
                    attempts += 1
                    self.retries += 1
                    self.on_retry(
                        d, f"trying again (attempt {attempts + 1} of {self.limit(d) + 1})"
                    )
                    self.sleep(self.delay(attempts))
                    continue
                raise
            except OSError as exc:  # requests' timeouts and connection errors
                d = diagnosis("sync_admin.network_error", f"{type(exc).__name__}: {exc}"[:500])
                if attempts < self.limit(d):
                    attempts += 1
                    self.retries += 1
                    self.on_retry(
                        d, f"trying again (attempt {attempts + 1} of {self.limit(d) + 1})"
                    )
                    self.sleep(self.delay(attempts))
                    continue
                raise ProviderError(d, body="") from exc
