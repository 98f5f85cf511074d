"""Unique-key indexes of a realm, so that QBO's uniqueness rules cost O(1) per write.

Names (DisplayName across customers, vendors and employees), document numbers per
transaction type, and payment references per customer. An index is kept up to date
by the writes that go through ``rules``; when a table changed behind its back (tests
and the conformance harness load recorded objects directly) its size no longer
matches and the index is rebuilt on the next lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .state import Realm

__all__ = ["KINDS", "conflict", "forget", "remember"]

Key = Any


def _name(entity: str, record: dict[str, Any]) -> Key:
    return str(record.get("DisplayName", "")).strip().casefold() or None


def _doc(entity: str, record: dict[str, Any]) -> Key:
    doc = record.get("DocNumber")
    return (entity, str(doc).casefold()) if doc else None


def _payment_ref(entity: str, record: dict[str, Any]) -> Key:
    ref = record.get("PaymentRefNum")
    customer = (record.get("CustomerRef") or {}).get("value")
    return (customer, ref) if ref and customer else None


# kind -> (entities it spans, key of a record)
KINDS: dict[str, tuple[tuple[str, ...], Callable[[str, dict[str, Any]], Key]]] = {
    "name": (("Customer", "Vendor", "Employee"), _name),
    "doc": (("Invoice", "CreditMemo", "SalesReceipt", "Estimate"), _doc),
    "payment_ref": (("Payment",), _payment_ref),
}


def _signature(realm: Realm, entities: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(len(realm.table(e)) for e in entities)


def _index(realm: Realm, kind: str) -> dict[Key, tuple[str, str]]:
    entities, key_of = KINDS[kind]
    cached = realm.indexes.get(kind)
    if cached is not None and cached[0] == _signature(realm, entities):
        return cached[1]
    index: dict[Key, tuple[str, str]] = {}
    for entity in entities:
        for record in realm.table(entity).values():
            key = key_of(entity, record)
            if key is not None:
                index.setdefault(key, (entity, record["Id"]))
    realm.indexes[kind] = (_signature(realm, entities), index)
    return index


def conflict(
    realm: Realm, kind: str, entity: str, record: dict[str, Any], self_id: str | None
) -> tuple[str, dict[str, Any]] | None:
    """The other record that already holds ``record``'s key, if any."""
    _, key_of = KINDS[kind]
    key = key_of(entity, record)
    if key is None:
        return None
    for _ in range(2):
        hit = _index(realm, kind).get(key)
        if hit is None:
            return None
        other = realm.table(hit[0]).get(hit[1])
        if other is not None and key_of(hit[0], other) == key:
            if hit == (entity, self_id):
                return None
            return hit[0], other
        realm.indexes.pop(kind, None)  # stale: rebuild once
    return None


def remember(realm: Realm, entity: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """After a write went into the table: move the record's keys."""
    for kind, (entities, key_of) in KINDS.items():
        if entity not in entities:
            continue
        index = _index_before_write(realm, kind, entity, new["Id"], old is None)
        if old is not None:
            old_key = key_of(entity, old)
            if old_key is not None and index.get(old_key) == (entity, old["Id"]):
                del index[old_key]
        key = key_of(entity, new)
        if key is not None:
            index.setdefault(key, (entity, new["Id"]))
        realm.indexes[kind] = (_signature(realm, entities), index)


def forget(realm: Realm, entity: str, record: dict[str, Any]) -> None:
    """After a delete: drop the record's keys."""
    for kind, (entities, key_of) in KINDS.items():
        if entity not in entities or kind not in realm.indexes:
            continue
        signature, index = realm.indexes[kind]
        key = key_of(entity, record)
        if key is not None and index.get(key) == (entity, record["Id"]):
            del index[key]
        sizes = list(signature)
        sizes[entities.index(entity)] -= 1
        if tuple(sizes) == _signature(realm, entities):
            realm.indexes[kind] = (tuple(sizes), index)
        else:
            realm.indexes.pop(kind, None)


def _index_before_write(
    realm: Realm, kind: str, entity: str, record_id: str, created: bool
) -> dict[Key, tuple[str, str]]:
    """The index as it was before this write (a create made the table one larger)."""
    entities, _ = KINDS[kind]
    cached = realm.indexes.get(kind)
    if cached is not None:
        sizes = list(cached[0])
        if created:
            sizes[entities.index(entity)] += 1
        if tuple(sizes) == _signature(realm, entities):
            return cached[1]
    realm.indexes.pop(kind, None)
    return _index(realm, kind)
