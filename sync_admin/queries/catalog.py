"""Catalog entries of core and every enabled provider: lookup by code, and search."""

from __future__ import annotations

from .. import providers
from ..providers import Catalog, CatalogEntry

__all__ = ["entry_for", "search_entries"]


def _catalogs() -> list[Catalog]:
    """Core's own entries (preflight: mappings, lengths, dependencies), then each provider's."""
    from ..engine.preflight import CORE

    return [CORE, *(p.catalog for p in providers.all() if p.catalog is not None)]


def entry_for(code: str | None) -> CatalogEntry | None:
    """The entry behind a stored ``catalog_code`` (codes are prefixed by their catalog)."""
    if not code:
        return None
    for catalog in _catalogs():
        found = catalog.find(code)
        if found is not None:
            return found
    return None


def search_entries(q: str | None = None, provider: str | None = None) -> list[CatalogEntry]:
    """Entries whose code, title, meaning, fix or category contain every word of ``q``."""
    words = [w.lower() for w in (q or "").split() if w]
    found: list[CatalogEntry] = []
    for catalog in _catalogs():
        if provider and catalog.provider != provider:
            continue
        entries = [*catalog] if catalog.provider == "sync_admin" else [*catalog, catalog.unknown]
        for entry in entries:
            text = " ".join(
                [entry.code, entry.title, entry.meaning, entry.category.value, *entry.fix]
            ).lower()
            if all(w in text for w in words):
                found.append(entry)
    return found
