"""Access tokens for jobs: refreshed once, under a lock shared by every worker.

Both providers rotate refresh tokens, so two workers refreshing at once would
make one of them lose the connection. ``ConnectionTokens`` takes a Redis lock
per connection, re-reads the row after taking it (another worker may have
refreshed already), and stores the new token before anyone uses it. An
``invalid_grant`` is only fatal when the stored token did not change meanwhile:
then the connection needs reconnecting and its companies a resync.

Token rows are read and written in a session of their own, so a refresh never
commits (or rolls back) the engine's half-written batch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from flask import current_app
from redis.lock import Lock
from sqlalchemy import update
from sqlalchemy.orm import Session

from . import providers
from .db import get_db
from .models import Company, Connection, utcnow
from .providers import Provider, ProviderError
from .queue import get_redis
from .vocabulary import CompanyStatus, ConnectionStatus

__all__ = ["ConnectionTokens", "lock_key"]

log = logging.getLogger(__name__)


def lock_key(connection_id: int) -> str:
    return f"sync-admin:lock:connection:{connection_id}"


class ConnectionTokens:
    """The ``TokenSource`` core gives every provider client (see providers/client.py)."""

    def __init__(
        self, connection_id: int, *, leeway: int = 120, lock_timeout: float = 60.0
    ) -> None:
        self.connection_id = connection_id
        self.leeway = leeway
        self.lock_timeout = lock_timeout
        self.refreshes = 0  # token calls made by this object (tests, metrics)

    # --- TokenSource ------------------------------------------------------------

    def access_token(self) -> str:
        token, _, _ = self._read()
        if self._expiring(token):
            return self.refresh(token.get("access_token", ""))
        return str(token["access_token"])

    def refresh(self, stale_access_token: str) -> str:
        lock = Lock(
            get_redis(),
            lock_key(self.connection_id),
            timeout=self.lock_timeout,
            blocking_timeout=self.lock_timeout,
        )
        if not lock.acquire():
            raise TimeoutError(
                f"connection {self.connection_id}: token lock not acquired in {self.lock_timeout}s"
            )
        try:
            token, version, provider = self._read()
            if token.get("access_token") != stale_access_token and not self._expiring(token):
                return str(token["access_token"])  # another worker refreshed meanwhile
            return self._refresh_locked(token, version, provider)
        finally:
            try:
                lock.release()
            except Exception:  # expired lock: the next holder already owns it
                log.warning("connection %s: token lock expired before release", self.connection_id)

    # --- internals -----------------------------------------------------------------

    def _session(self) -> Session:
        return Session(get_db().engine, expire_on_commit=False)

    def _read(self) -> tuple[dict[str, Any], int, Provider]:
        with self._session() as db:
            row = db.get(Connection, self.connection_id)
            if row is None:
                raise LookupError(f"connection {self.connection_id} does not exist")
            provider = providers.get(row.provider)
            if row.status == ConnectionStatus.DISCONNECTED.value or not row.token_ciphertext:
                raise _grant_error(provider, "invalid_grant", "the connection was disconnected")
            if row.status == ConnectionStatus.NEEDS_RECONNECT.value:
                reason = row.last_error or "the connection needs reconnecting"
                raise _grant_error(provider, "invalid_grant", reason)
            token = current_app.extensions["sync_admin"].cipher.decrypt(row.token_ciphertext)
            return token, int(row.token_version or 0), provider

    def _expiring(self, token: Mapping[str, Any]) -> bool:
        expires_at = token.get("expires_at")
        if expires_at is None:
            return False
        return float(expires_at) - time.time() < self.leeway

    def _refresh_locked(self, token: dict[str, Any], version: int, provider: Provider) -> str:
        from .oauth import client_session

        oauth = client_session(provider, token=token)
        url = provider.oauth(current_app.config).token_url
        try:
            new = oauth.refresh_token(url, refresh_token=token.get("refresh_token"))
        except OAuthError as exc:
            self.refreshes += 1
            return self._refresh_failed(exc, version, provider)
        self.refreshes += 1
        merged = {**token, **dict(new)}
        self._store(merged, version, provider)
        return str(merged["access_token"])

    def _store(self, token: dict[str, Any], version: int, provider: Provider) -> None:
        cipher = current_app.extensions["sync_admin"].cipher
        now = utcnow()
        values = {
            "token_ciphertext": cipher.encrypt(token),
            "token_version": version + 1,
            "last_refreshed_at": now,
            "last_error": None,
            "status": ConnectionStatus.CONNECTED.value,
            **{k: v for k, v in provider.token_expiries(token, now).items() if v is not None},
        }
        with self._session() as db:
            result = db.execute(
                update(Connection)
                .where(Connection.id == self.connection_id, Connection.token_version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise RuntimeError(
                    f"connection {self.connection_id}: token changed while the lock was held"
                )
            db.commit()

    def _refresh_failed(self, exc: OAuthError, version: int, provider: Provider) -> str:
        with self._session() as db:
            row = db.get(Connection, self.connection_id)
            if row is not None and int(row.token_version or 0) != version and row.token_ciphertext:
                # Someone stored a newer token without the lock (a reconnect): use it.
                token = current_app.extensions["sync_admin"].cipher.decrypt(row.token_ciphertext)
                return str(token["access_token"])
        self._mark_needs_reconnect(f"{exc.error}: {exc.description or 'refresh token rejected'}")
        raise _grant_error(provider, str(exc.error), exc.description or "")

    def _mark_needs_reconnect(self, reason: str) -> None:
        """The engine writes the error milestone; this only flips the states."""
        with self._session() as db:
            row = db.get(Connection, self.connection_id)
            if row is None:
                return
            row.status = ConnectionStatus.NEEDS_RECONNECT.value
            row.last_error = reason
            db.execute(
                update(Company)
                .where(Company.connection_id == row.id)
                .values(status=CompanyStatus.NEEDS_RESYNC.value)
            )
            db.commit()


def _grant_error(provider: Provider, error: str, description: str) -> ProviderError:
    body = json.dumps({"error": error, "error_description": description})
    return ProviderError(provider.diagnose(400, body), body=body)
