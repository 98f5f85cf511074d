"""The sandbox's state: realms with their records, OAuth grants, limits, faults and call stats.

One ``SandboxState`` is shared by every thread of the WSGI server; all changes
happen under its lock. Tests and benchmarks hold it directly (``app.sandbox``)
or through the ``/_sandbox/`` control endpoints.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["FAULT_KINDS", "Grant", "Limits", "Realm", "SandboxState"]

# Faults that tests and the demo inject per realm (see docs/providers/quickbooks.md).
FAULT_KINDS = (
    "html_500",  # next N calls: HTTP 500 with an HTML error page
    "html_503",  # next N calls: HTTP 503 with the load balancer's HTML page
    "empty",  # next N calls: HTTP 200 with an empty body
    "empty_500",  # next N calls: HTTP 500 with an empty body
    "truncated",  # next N calls: HTTP 200 with the JSON answer cut in half (after processing)
    "throttle",  # next N calls: HTTP 429 with the XML 3001 fault
    "system_error",  # next N calls: HTTP 500 with the JSON 10000 fault
)


@dataclass
class Limits:
    """QBO's published limits; ``window`` is configurable so benches run in seconds."""

    per_window: int = 500
    concurrency: int = 10
    batch_per_window: int = 40
    window: float = 60.0
    batch_size: int = 30


@dataclass
class Grant:
    """One OAuth consent: a user, one realm, its tokens."""

    id: str
    realm: str
    user: str
    client_id: str
    scope: str
    revoked: bool = False


@dataclass
class Realm:
    id: str
    name: str
    country: str = "US"
    currency: str = "USD"
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    deleted: dict[str, dict[str, float]] = field(default_factory=dict)  # entity -> id -> when
    changed: dict[tuple[str, str], float] = field(default_factory=dict)  # (entity, id) -> when
    next_id: int = 1000
    replies: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # requestid -> reply
    faults: deque[str] = field(default_factory=deque)
    calls: deque[float] = field(default_factory=deque)
    batches: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    indexes: dict[str, Any] = field(default_factory=dict)  # see indexes.py

    def table(self, entity: str) -> dict[str, dict[str, Any]]:
        return self.records.setdefault(entity, {})

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n


class SandboxState:
    """Everything the sandbox knows; thread-safe through ``lock``."""

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        access_ttl: int = 3600,
        refresh_ttl: int = 8726400,
        refresh_grace: int = 86400,
        clients: dict[str, str] | None = None,
        user_email: str = "owner@sandbox.example",
    ) -> None:
        self.lock = threading.RLock()
        self.limits = limits or Limits()
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.refresh_grace = refresh_grace
        self.clients = clients  # None: any client id/secret is accepted
        self.user_email = user_email
        self.realms: dict[str, Realm] = {}
        self.grants: dict[str, Grant] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, tuple[str, float]] = {}  # token -> (grant id, expires at)
        self.refresh: dict[str, dict[str, Any]] = {}  # token -> grant, replaced_at, expires
        self.token_calls: dict[str, int] = {}
        self.clock_offset = 0.0
        self.latency = 0.0  # seconds each API call takes (concurrency tests and benches)

    # --- time --------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock_offset

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    # --- realms --------------------------------------------------------------------------

    def realm(self, realm_id: str) -> Realm | None:
        return self.realms.get(str(realm_id))

    def add_realm(self, realm: Realm) -> Realm:
        with self.lock:
            self.realms[realm.id] = realm
        return realm

    def touch(self, realm: Realm, entity: str, record_id: str) -> None:
        realm.changed[(entity, record_id)] = self.now()

    # --- faults ----------------------------------------------------------------------------

    def inject(self, realm_id: str, kind: str, count: int = 1) -> None:
        """Queue ``count`` faults of ``kind`` for the next calls to a realm; or, for
        ``expire_token`` and ``revoke_app``, act at once."""
        with self.lock:
            realm = self.realms[str(realm_id)]
            if kind == "expire_token":
                for token, (grant_id, _) in list(self.access.items()):
                    if self.grants[grant_id].realm == realm.id:
                        self.access[token] = (grant_id, self.now() - 1)
                return
            if kind == "revoke_app":
                for grant in self.grants.values():
                    if grant.realm == realm.id:
                        grant.revoked = True
                return
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
            realm.faults.extend([kind] * int(count))

    def next_fault(self, realm: Realm) -> str | None:
        with self.lock:
            return realm.faults.popleft() if realm.faults else None

    # --- limits ------------------------------------------------------------------------------

    def admit(self, realm: Realm, *, batch: bool) -> str | None:
        """Count a call against the realm's limits; the reason when it is throttled."""
        with self.lock:
            now = self.now()
            window = self.limits.window
            for queue in (realm.calls, realm.batches):
                while queue and now - queue[0] >= window:
                    queue.popleft()
            realm.count("calls")
            if realm.in_flight >= self.limits.concurrency:
                realm.count("throttled")
                realm.count("throttled_concurrency")
                return "concurrency"
            if len(realm.calls) >= self.limits.per_window:
                realm.count("throttled")
                return "minute"
            if batch and len(realm.batches) >= self.limits.batch_per_window:
                realm.count("throttled")
                return "batch"
            realm.calls.append(now)
            if batch:
                realm.batches.append(now)
                realm.count("batch_calls")
            realm.in_flight += 1
            realm.stats["max_in_flight"] = max(realm.stats.get("max_in_flight", 0), realm.in_flight)
            return None

    def release(self, realm: Realm) -> None:
        with self.lock:
            realm.in_flight = max(0, realm.in_flight - 1)

    # --- OAuth ----------------------------------------------------------------------------------

    def issue(self, grant: Grant) -> dict[str, Any]:
        access = "eyJ" + secrets.token_urlsafe(32)
        refresh = "AB" + secrets.token_urlsafe(24)
        now = self.now()
        self.access[access] = (grant.id, now + self.access_ttl)
        self.refresh[refresh] = {
            "grant": grant.id,
            "replaced_at": None,
            "expires": now + self.refresh_ttl,
        }
        return {
            "token_type": "bearer",
            "expires_in": self.access_ttl,
            "refresh_token": refresh,
            "x_refresh_token_expires_in": self.refresh_ttl,
            "access_token": access,
        }

    def grant_for_access(self, token: str) -> tuple[Grant | None, str]:
        """The grant of a bearer token, or None with the reason."""
        found = self.access.get(token)
        if found is None:
            return None, "Token invalid"
        grant = self.grants.get(found[0])
        if grant is None or grant.revoked:
            return None, "Token revoked"
        if found[1] < self.now():
            return None, f"Token expired: {token[:32]}"
        return grant, ""

    def count_token_call(self, kind: str) -> None:
        with self.lock:
            self.token_calls[kind] = self.token_calls.get(kind, 0) + 1

    # --- stats ------------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "realms": {
                    r.id: {
                        "name": r.name,
                        **r.stats,
                        "pending_faults": list(r.faults),
                        "records": {k: len(v) for k, v in r.records.items()},
                    }
                    for r in self.realms.values()
                },
                "token_calls": dict(self.token_calls),
                "limits": self.limits.__dict__.copy(),
            }

    def reset_stats(self) -> None:
        with self.lock:
            for realm in self.realms.values():
                realm.stats.clear()
                realm.calls.clear()
                realm.batches.clear()
            self.token_calls.clear()
