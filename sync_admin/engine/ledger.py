"""The per-record ledger: sync result rows, idempotency keys, payload hashes.

An idempotency key is stored (committed) before the call that uses it. A
record whose last call ended without an answer (timeout, killed worker) still
holds ``outcome=pending`` with its key, and the next attempt reuses the key, so
the provider returns the record it already created instead of a duplicate. A
definite answer (synced, or an error the provider stated) ends the key's life.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from typing import Any

from sqlalchemy import select

from ..db import session
from ..models import SyncResult
from ..vocabulary import Direction, Entity, LinkStatus, Outcome

__all__ = ["idempotency_key", "load_results", "payload_hash", "synced_external_ids"]


def payload_hash(record: Any) -> str:
    data = asdict(record) if is_dataclass(record) else dict(record.__dict__)
    data.pop("updated_at", None)
    raw = json.dumps(data, default=str, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotency_key(result: SyncResult) -> str:
    """Reuse the key of an attempt whose answer never arrived; else a fresh one."""
    if result.idempotency_key and result.outcome == Outcome.PENDING and (result.attempts or 0) > 0:
        return result.idempotency_key
    return uuid.uuid4().hex


def load_results(
    company_id: int, entity: Entity, direction: Direction, local_ids: Iterable[str]
) -> dict[str, SyncResult]:
    ids = list(dict.fromkeys(str(i) for i in local_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(SyncResult).where(
            SyncResult.company_id == company_id,
            SyncResult.entity == str(entity),
            SyncResult.direction == str(direction),
            SyncResult.local_id.in_(ids),
        )
    ).all()
    return {r.local_id: r for r in rows}


def synced_external_ids(
    company_id: int, keys: Iterable[tuple[Entity, str]]
) -> dict[tuple[str, str], tuple[str, str | None, str, str]]:
    """(entity, local_id) -> (outcome, external_id, link_status, label) of pushed records."""
    by_entity: dict[str, list[str]] = {}
    for entity, local_id in keys:
        by_entity.setdefault(str(entity), []).append(str(local_id))
    found: dict[tuple[str, str], tuple[str, str | None, str, str]] = {}
    for entity, ids in by_entity.items():
        rows = session.execute(
            select(
                SyncResult.local_id,
                SyncResult.outcome,
                SyncResult.external_id,
                SyncResult.link_status,
                SyncResult.label,
            ).where(
                SyncResult.company_id == company_id,
                SyncResult.entity == entity,
                SyncResult.direction == Direction.PUSH.value,
                SyncResult.local_id.in_(list(dict.fromkeys(ids))),
            )
        ).all()
        for local_id, outcome, external_id, link, label in rows:
            found[(entity, local_id)] = (outcome, external_id, link, label or local_id)
    return found


def is_linked(result: SyncResult) -> bool:
    return result.link_status != LinkStatus.UNLINKED
