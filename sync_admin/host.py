"""The host adapter: how a host product hands records to the plugin and takes them back.

A host product implements ``HostAdapter`` (any object with these methods) and
names it in ``SYNC_ADMIN_HOST_ADAPTER`` or passes it to ``SyncAdmin(app,
host_adapter=...)``. The demo host in ``examples/membership`` is a complete one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from importlib import import_module
from typing import Any, Protocol, runtime_checkable

from .errors import ConfigurationError
from .records import PulledRecord, PushRecord
from .vocabulary import Entity

__all__ = ["HostAdapter", "HostCompany", "load_host_adapter"]


class HostCompany(Protocol):
    key: str
    name: str


@runtime_checkable
class HostAdapter(Protocol):
    def companies(self, organization_key: str) -> list[Any]:
        """Host companies a provider company can be linked to: objects with key and name."""

    def records(
        self, company_key: str, entity: Entity, since: datetime | None
    ) -> Iterable[PushRecord]:
        """Records to push: changed since ``since`` (all when None), oldest first.

        Must be an iterator that streams (a server-side cursor or pages), so that a
        full sync of 100,000 records keeps the worker's memory flat.
        """

    def record(self, company_key: str, entity: Entity, local_id: str) -> PushRecord | None:
        """One record to push again (retry); None when it was deleted in the host."""

    def receive(self, company_key: str, entity: Entity, records: list[PulledRecord]) -> None:
        """Pulled reference data (accounts, items, tax rates, currencies)."""

    def record_url(self, entity: Entity, local_id: str) -> str | None:
        """Where staff open the local record in the host product (seed 001's clickable ids)."""

    def mapping_choices(self, company_key: str, kind: str) -> list[tuple[str, str]]:
        """Host keys that need a mapping of ``kind``: (host_key, label) pairs."""

    # Optional: ``blueprint()`` returning a Flask blueprint with the host's record pages
    # (the ones ``record_url`` names); the standalone admin registers it.


def load_host_adapter(spec: str | None) -> Any:
    """Import ``module:attribute``; call it when it is a class or factory."""
    if not spec:
        return None
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ConfigurationError(f"SYNC_ADMIN_HOST_ADAPTER={spec!r}: expected 'module:attribute'")
    try:
        target = getattr(import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"SYNC_ADMIN_HOST_ADAPTER={spec!r}: {exc}") from exc
    adapter = target() if callable(target) and not isinstance(target, HostAdapter) else target
    missing = [m for m in ("records", "record", "receive", "record_url") if not hasattr(adapter, m)]
    if missing:
        raise ConfigurationError(f"SYNC_ADMIN_HOST_ADAPTER={spec!r} lacks {', '.join(missing)}")
    return adapter
