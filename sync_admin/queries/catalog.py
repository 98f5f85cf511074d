"""Every enabled provider's catalog entries: lookup by code, and search."""

from __future__ import annotations

from .. import providers
from ..providers import CatalogEntry

__all__ = ["entry_for", "search_entries"]


def entry_for(code: str | None) -> CatalogEntry | None:
    """The entry behind a stored ``catalog_code`` (codes are provider-prefixed)."""
    if not code:
        return None
    for provider in providers.all():
        if provider.catalog is not None:
            found = provider.catalog.find(code)
            if found is not None:
                return found
    return None


def search_entries(q: str | None = None, provider: str | None = None) -> list[CatalogEntry]:
    """Entries whose code, title, meaning, fix or category contain every word of ``q``."""
    words = [w.lower() for w in (q or "").split() if w]
    found: list[CatalogEntry] = []
    for p in providers.all():
        if p.catalog is None or (provider and p.name != provider):
            continue
        for entry in [*p.catalog, p.catalog.unknown]:
            text = " ".join(
                [entry.code, entry.title, entry.meaning, entry.category.value, *entry.fix]
            ).lower()
            if all(w in text for w in words):
                found.append(entry)
    return found
