"""Catalog entries: a provider's known errors, what they mean and how to fix them.

A provider plugin declares its entries; the matching below is the same for
every provider. ``Catalog.match`` ranks the entries that fit an error (provider
code and message pattern together beat a pattern alone, which beats a code
alone, which beats an HTTP status alone) so that a specific entry such as
"6000 + You must set a transaction amount" wins over the generic 6000 one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..vocabulary import Action, Category

__all__ = ["Catalog", "CatalogEntry", "Diagnosis", "ErrorInfo"]


@dataclass(frozen=True)
class CatalogEntry:
    """One known error of one provider.

    ``code`` is stable and provider-prefixed (``qbo.duplicate_name``); screens,
    the API, notifications and dashboards group by it. ``fix`` holds steps a
    staff member can follow, in order. ``facts`` are regular expressions with
    named groups that pull record-level facts (``invoice_number``, ``amount``,
    ``fee_item``, ``name``, ...) out of the provider's message.
    """

    code: str
    category: Category
    title: str
    meaning: str
    fix: tuple[str, ...]
    action: Action | None = None
    retryable: bool = False
    max_retries: int = 0
    provider_codes: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    http_statuses: tuple[int, ...] = ()
    facts: tuple[str, ...] = ()
    # Malformed-body kinds this entry stands for: html, empty, truncated, text, xml.
    body_kinds: tuple[str, ...] = ()
    provider: str = ""
    # With ``Action.UNLINK``: the entity to unlink when it is not the failing record itself
    # but one it refers to (a payment fails because its invoice was deleted: unlink the invoice).
    unlink_entity: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", Category(self.category))
        if self.action is not None:
            object.__setattr__(self, "action", Action(self.action))
        for pattern in (*self.patterns, *self.facts):
            re.compile(pattern)

    @property
    def fix_text(self) -> str:
        return "\n".join(f"{i}. {step}" for i, step in enumerate(self.fix, 1))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "provider": self.provider,
            "category": self.category.value,
            "title": self.title,
            "meaning": self.meaning,
            "fix": list(self.fix),
            "action": self.action.value if self.action else None,
            "retryable": self.retryable,
            "max_retries": self.max_retries,
            "provider_codes": list(self.provider_codes),
        }


@dataclass
class ErrorInfo:
    """What a provider plugin read out of an error response, before matching.

    ``kind`` says what the body was: json, xml, html, text, empty, truncated.
    """

    status: int
    kind: str
    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    fault_type: str | None = None
    retry_after: float | None = None

    @property
    def text(self) -> str:
        return " | ".join(m for m in self.messages if m)


@dataclass
class Diagnosis:
    """A classified error: the catalog entry plus what this occurrence says."""

    entry: CatalogEntry
    status: int
    message: str
    provider_code: str | None = None
    facts: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    body_kind: str = "json"

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def category(self) -> Category:
        return self.entry.category

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.entry.code,
            "category": self.entry.category.value,
            "status": self.status,
            "message": self.message,
            "provider_code": self.provider_code,
            "facts": dict(self.facts),
            "retry_after": self.retry_after,
        }


class Catalog:
    """An ordered collection of entries with the shared matching rules."""

    def __init__(self, provider: str, entries: Iterable[CatalogEntry]) -> None:
        self.provider = provider
        self._entries: list[CatalogEntry] = []
        self._by_code: dict[str, CatalogEntry] = {}
        for entry in entries:
            if not entry.provider:
                entry = _with_provider(entry, provider)
            if entry.code in self._by_code:
                raise ValueError(f"catalog of {provider}: duplicate code {entry.code}")
            self._entries.append(entry)
            self._by_code[entry.code] = entry
        self._compiled = {
            e.code: (
                [re.compile(p, re.IGNORECASE | re.DOTALL) for p in e.patterns],
                [re.compile(p, re.IGNORECASE | re.DOTALL) for p in e.facts],
            )
            for e in self._entries
        }
        self.unknown = self._by_code.get(f"{provider}.unknown") or _with_provider(
            CatalogEntry(
                code=f"{provider}.unknown",
                category=Category.UNKNOWN,
                title="Unrecognised error",
                meaning="The provider answered with an error that no catalog entry describes.",
                fix=(
                    "Read the provider's message in the error body.",
                    "Retry the record once; if it fails again, send the support bundle to "
                    "support with the error's timestamp.",
                ),
                action=Action.RETRY,
            ),
            provider,
        )

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> CatalogEntry:
        if code == self.unknown.code:
            return self.unknown
        return self._by_code[code]

    def find(self, code: str | None) -> CatalogEntry | None:
        if code is None:
            return None
        return self._by_code.get(code) or (self.unknown if code == self.unknown.code else None)

    def match(self, info: ErrorInfo) -> CatalogEntry:
        best: tuple[int, int] | None = None
        chosen = self.unknown
        text = info.text
        codes = {c.lstrip("0") or "0" for c in info.codes}
        for order, entry in enumerate(self._entries):
            score = self._score(entry, info, text, codes)
            if score and (best is None or (score, -order) > best):
                best = (score, -order)
                chosen = entry
        return chosen

    def _score(self, entry: CatalogEntry, info: ErrorInfo, text: str, codes: set[str]) -> int:
        if entry.http_statuses and info.status not in entry.http_statuses:
            return 0
        if entry.body_kinds:
            # A malformed body says more than its status alone; a code or pattern says more.
            return 15 if info.kind in entry.body_kinds else 0
        patterns, _ = self._compiled[entry.code]
        code_hit = bool(codes & {c.lstrip("0") or "0" for c in entry.provider_codes})
        pattern_hit = any(p.search(text) for p in patterns)
        if entry.provider_codes and entry.patterns:
            if code_hit and pattern_hit:
                return 40
            return 0
        if entry.patterns:
            return 30 if pattern_hit else 0
        if entry.provider_codes:
            return 20 if code_hit else 0
        if entry.http_statuses:
            return 10
        return 0

    def extract_facts(self, entry: CatalogEntry, text: str) -> dict[str, str]:
        if entry.code not in self._compiled:
            return {}
        facts: dict[str, str] = {}
        for pattern in self._compiled[entry.code][1]:
            found = pattern.search(text)
            if found:
                facts.update({k: v.strip() for k, v in found.groupdict().items() if v})
        return facts

    def to_list(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self._entries]


def _with_provider(entry: CatalogEntry, provider: str) -> CatalogEntry:
    values: Mapping[str, Any] = {**entry.__dict__, "provider": provider}
    return CatalogEntry(**values)
