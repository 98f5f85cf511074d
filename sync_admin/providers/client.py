"""What the engine asks of a provider client, and what core gives the client.

A plugin's client talks HTTP to the provider (or its sandbox). Core hands it a
``ClientContext``: the company, a ``TokenSource`` that refreshes under the
connection lock, and a ``Pacer`` shared by all workers. The client translates
canonical records (``sync_admin.records``) to and from the provider's payloads
and reports every failure as a ``Diagnosis`` from the provider's catalog.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..records import PulledRecord, PushRecord
from ..vocabulary import Entity
from .catalog import Diagnosis

__all__ = [
    "ClientContext",
    "Pacer",
    "ProviderChange",
    "ProviderClient",
    "ProviderError",
    "PushItem",
    "PushOutcome",
    "Refs",
    "TokenSource",
]


class ProviderError(Exception):
    """A whole request failed (not one element of a batch).

    The engine decides what to do from ``diagnosis.entry``: refresh the token,
    wait ``retry_after`` seconds, retry with backoff, or stop and show staff.
    """

    def __init__(self, diagnosis: Diagnosis, body: str = "") -> None:
        super().__init__(f"{diagnosis.entry.code}: {diagnosis.message}")
        self.diagnosis = diagnosis
        self.body = body

    @property
    def retry_after(self) -> float | None:
        return self.diagnosis.retry_after


class TokenSource(Protocol):
    def access_token(self) -> str:
        """The current access token, refreshed first when it expires within the leeway."""

    def refresh(self, stale_access_token: str) -> str:
        """Called after a 401: refresh once under the connection lock.

        If another worker already replaced ``stale_access_token``, return the
        newer one without a token call. Raises ``ProviderError`` (category
        ``auth_revoked``) when the refresh token is dead.
        """


class Pacer(Protocol):
    def acquire(self, kind: str = "call") -> None:
        """Block until a request of ``kind`` (``call`` or ``batch``) fits the provider's limits."""

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Feed back the provider's answer (rate headers, 429) to the shared limiter."""


@dataclass
class Refs:
    """Provider ids the engine resolved for one record before the call.

    ``records[(entity, local_id)]`` holds the external id of an already synced
    host record (the invoice a payment applies to); ``mappings[(kind, host_key)]``
    holds mapped provider ids (the item of a fee item, the bad debt item).
    """

    records: dict[tuple[str, str], str] = field(default_factory=dict)
    mappings: dict[tuple[str, str], str] = field(default_factory=dict)

    def external(self, entity: Entity | str, local_id: str) -> str | None:
        return self.records.get((str(entity), str(local_id)))

    def mapping(self, kind: str, host_key: str) -> str | None:
        return self.mappings.get((str(kind), str(host_key)))


@dataclass
class PushItem:
    record: PushRecord
    idempotency_key: str
    refs: Refs
    external_id: str | None = None  # set: update the linked provider record
    external_version: str | None = None  # QBO SyncToken of the linked record
    # The provider's own digest of what it last received for this record (the ledger keeps
    # it): a provider that cannot update in place (Xero payments) skips an unchanged one.
    sent: str | None = None

    @property
    def local_id(self) -> str:
        return self.record.local_id


@dataclass
class PushOutcome:
    local_id: str
    ok: bool
    external_id: str | None = None
    external_version: str | None = None
    diagnosis: Diagnosis | None = None
    # The provider's answer for this element, secrets removed, for the error body.
    body: str = ""
    # Digest of what the provider now holds, kept by the ledger for the next ``PushItem.sent``.
    sent: str | None = None
    # The provider record deleted to make way for ``external_id`` (an edited Xero payment).
    replaced: str | None = None


@dataclass
class ProviderChange:
    """One record changed on the provider's side since a cursor (QBO CDC, Xero
    If-Modified-Since).

    ``record`` is the canonical pulled record for reference entities (account, item, tax
    rate); for pushed entities it is None and the engine compares ``version`` (QBO
    ``SyncToken``, Xero ``UpdatedDateUTC``) with the version its own last push stored, so its
    own writes are not taken for staff's changes. ``removed`` covers deleted, voided and
    archived records; ``status`` is the provider's word for it.
    """

    external_id: str
    version: str | None = None
    removed: bool = False
    status: str = ""
    record: PulledRecord | None = None


@dataclass
class ClientContext:
    provider_company_id: str
    tokens: TokenSource
    pacer: Pacer
    config: Mapping[str, Any]
    company_name: str = ""
    provider_connection_id: str | None = None
    timeout: float = 30.0
    extra: dict[str, Any] = field(default_factory=dict)


class ProviderClient(Protocol):
    """The calls the engine makes; each raises ``ProviderError`` for a failed request."""

    def pull(self, entity: Entity, since: datetime | None) -> Iterator[list[PulledRecord]]:
        """Pages of reference data (accounts, items, tax rates, currencies)."""

    def changed(
        self, entities: Sequence[Entity], since: datetime
    ) -> tuple[dict[Entity, list[ProviderChange]], datetime]:
        """Provider-side changes since a cursor, and the next cursor.

        QBO answers from one CDC call; Xero from one If-Modified-Since call per
        entity. A cursor the provider no longer accepts raises ``ProviderError``
        with a ``stale_cursor`` fact, and the engine falls back to a full pull.
        An entity missing from the answer's keys could not be read incrementally
        (QBO's CDC answer was capped): the engine pulls it whole if it is reference data.
        """

    def push(self, entity: Entity, items: Sequence[PushItem]) -> list[PushOutcome]:
        """Create or update one provider batch (at most ``EntitySpec.batch_size`` items).

        Returns one outcome per item in the same order; per-item failures are
        outcomes, not exceptions.
        """

    def get(self, entity: Entity, external_id: str) -> dict[str, Any] | None:
        """One provider record as the provider returns it, or None when it does not exist."""

    def find(self, entity: Entity, text: str) -> list[dict[str, Any]]:
        """Provider records matching ``text`` (by name or number), for linking by hand."""
