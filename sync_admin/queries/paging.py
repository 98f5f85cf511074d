"""Keyset pagination: opaque cursors, capped counts and the page sizes on offer.

A cursor is base64 of ``[direction, timestamp, id]``: the key of the row a page
continues from. ``after`` walks towards older rows, ``before`` towards newer
ones. OFFSET is never used, so page 10,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, tuple_

from ..db import session
from ..errors import ValidationError

__all__ = [
    "COUNT_CAP",
    "PAGE_SIZES",
    "Cursor",
    "Page",
    "capped_count",
    "decode_cursor",
    "encode_cursor",
    "keyset_page",
    "page_size",
]

PAGE_SIZES = (25, 50, 100)
COUNT_CAP = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    direction: str  # "after" (older rows) or "before" (newer rows)
    at: datetime
    id: int


@dataclass
class Page(Generic[T]):
    """One page of rows, newest first.

    ``total`` is exact when ``total_capped`` is False, else "more than" it.
    """

    rows: list[T]
    size: int
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None
    total_capped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_text(self) -> str:
        if self.total is None:
            return ""
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"


def encode_cursor(direction: str, at: datetime, row_id: int) -> str:
    raw = json.dumps([direction, at.astimezone(UTC).isoformat(), int(row_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str | None) -> Cursor | None:
    """Parse a cursor from a URL; a damaged one is a ``ValidationError`` (HTTP 400)."""
    if not value:
        return None
    try:
        padded = value + "=" * (-len(value) % 4)
        direction, at, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if direction not in ("after", "before"):
            raise ValueError(direction)
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return Cursor(direction, parsed, int(row_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError(
            "The page link is damaged or out of date: go back to the first page.", field="cursor"
        ) from None


def page_size(value: Any, offered: Sequence[int] = PAGE_SIZES, default: int = 25) -> int:
    """Only the offered sizes are accepted: an unbounded size is a denial of service."""
    if value in (None, ""):
        return default
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = -1
    if size not in offered:
        choices = ", ".join(str(s) for s in offered)
        raise ValidationError(f"Page size must be one of {choices}.", field="size")
    return size


def keyset_page(
    query: Select,
    at_col: Any,
    id_col: Any,
    cursor: Cursor | None,
    size: int,
) -> tuple[list[Any], str | None, str | None]:
    """Entities of ``query`` newest first, ``size`` at a time, from ``cursor``.

    Returns rows, the cursor of the next (older) page and of the previous
    (newer) page; None where there is no such page.
    """

    def key(row: Any) -> tuple[datetime, int]:
        return getattr(row, at_col.key), getattr(row, id_col.key)

    if cursor is None or cursor.direction == "after":
        if cursor is not None:
            query = query.where(
                at_col <= cursor.at, tuple_(at_col, id_col) < (cursor.at, cursor.id)
            )
        ordered = query.order_by(at_col.desc(), id_col.desc()).limit(size + 1)
        rows = list(session.scalars(ordered).all())
        more = len(rows) > size
        rows = rows[:size]
        next_c = encode_cursor("after", *key(rows[-1])) if more and rows else None
        prev_c = encode_cursor("before", *key(rows[0])) if cursor is not None and rows else None
        return rows, next_c, prev_c
    query = query.where(at_col >= cursor.at, tuple_(at_col, id_col) > (cursor.at, cursor.id))
    ordered = query.order_by(at_col.asc(), id_col.asc()).limit(size + 1)
    rows = list(session.scalars(ordered).all())
    more = len(rows) > size
    rows = list(reversed(rows[:size]))
    next_c = encode_cursor("after", *key(rows[-1])) if rows else None
    prev_c = encode_cursor("before", *key(rows[0])) if more and rows else None
    return rows, next_c, prev_c


def capped_count(query: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count the query's rows, stopping at ``cap``: (count, capped)."""
    inner = query.with_only_columns(query.selected_columns[0]).order_by(None).limit(cap + 1)
    count = session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()
    return (cap, True) if count > cap else (count, False)
