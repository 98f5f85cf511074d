"""Keyset pagination: opaque cursors, capped counts and the page sizes on offer.

A cursor is base64 of ``[direction, timestamp, id]``: the key of the row a page
continues from. ``after`` walks towards older rows, ``before`` towards newer
ones. OFFSET is never used, so page 10,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, any_, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import aliased

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
    # True when ``total`` is the planner's estimate (text searches on PostgreSQL).
    total_estimated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_text(self) -> str:
        if self.total is None:
            return ""
        if self.total_estimated:
            return f"about {self.total:,}"
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
    *,
    prefix: Sequence[Any] = (),
    late: Callable[[Any], list[Any]] | None = None,
    windows: Sequence[int] = (),
    matches: list[int] | None = None,
) -> tuple[list[Any], str | None, str | None]:
    """Entities of ``query`` newest first, ``size`` at a time, from ``cursor``.

    ``prefix`` are columns the query pins to one value, put first in ORDER BY so
    that only their index can serve the order (see ``pinned``). ``late(entity)``
    gives filters (text search) applied first to windows of the newest rows in
    scope (``windows``: row counts, growing) and, only when the largest holds too
    few matches, to the whole scope through the filters' own index (see
    ``_whole_scope``): common terms are found by walking the time index, rare
    ones through the text index. A window whose matches, at its density, could
    not fill the page in the next window sends the search to the index at once.

    ``matches``: on a first page whose late filters were read over the whole scope
    (a rare term), the number of matching rows is appended to it, counted by the
    statement that read the page (one scan of the text index, not a second one
    for the total).

    Returns rows, the cursor of the next (older) page and of the previous
    (newer) page; None where there is no such page.
    """

    def key(row: Any) -> tuple[datetime, int]:
        return getattr(row, at_col.key), getattr(row, id_col.key)

    forward = cursor is None or cursor.direction == "after"
    if cursor is not None and forward:
        query = query.where(at_col <= cursor.at, tuple_(at_col, id_col) < (cursor.at, cursor.id))
    elif cursor is not None:
        query = query.where(at_col >= cursor.at, tuple_(at_col, id_col) > (cursor.at, cursor.id))
    way = (lambda c: c.desc()) if forward else (lambda c: c.asc())
    order = [way(c) for c in (*prefix, at_col, id_col)]
    if late is None:
        rows = list(session.scalars(query.order_by(*order).limit(size + 1)).all())
    else:
        keys = [*prefix, at_col, id_col]
        counted = matches if cursor is None else None
        rows = _late_filtered(query, keys, way, late, windows, size, counted)
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return rows, None, None
    if forward:
        next_c = encode_cursor("after", *key(rows[-1])) if more else None
        prev_c = encode_cursor("before", *key(rows[0])) if cursor is not None else None
    else:
        next_c = encode_cursor("after", *key(rows[-1]))
        prev_c = encode_cursor("before", *key(rows[0])) if more else None
    return rows, next_c, prev_c


def _late_filtered(
    query: Select,
    keys: list[Any],
    way: Callable[[Any], Any],
    late: Callable[[Any], list[Any]],
    windows: Sequence[int],
    size: int,
    counted: list[int] | None,
) -> list[Any]:
    entity = query.column_descriptions[0]["entity"]
    order = [way(c) for c in keys]
    at_col, id_col = keys[-2], keys[-1]
    for i, rows in enumerate(windows):
        newest = aliased(entity, query.order_by(*order).limit(rows).subquery())
        found = list(
            session.scalars(
                select(newest)
                .where(*late(newest))
                .order_by(way(getattr(newest, at_col.key)), way(getattr(newest, id_col.key)))
                .limit(size + 1)
            ).all()
        )
        if len(found) > size:
            return found
        beyond = query.with_only_columns(id_col).order_by(*order).offset(rows).limit(1)
        if session.execute(beyond).first() is None:
            if counted is not None:
                counted.append(len(found))
            return found  # the window was the whole scope
        following = windows[i + 1 : i + 2]
        if following and len(found) * following[0] < (size + 1) * rows:
            break  # at this density the next window would not fill the page either
    return _whole_scope(query.where(*late(entity)), keys, way, size, counted)


def _whole_scope(
    matching: Select,
    keys: list[Any],
    way: Callable[[Any], Any],
    size: int,
    counted: list[int] | None,
) -> list[Any]:
    """Rare matches: on PostgreSQL, make the planner read them through the text
    index (a bitmap of the few matching rows, then a top-N sort) instead of
    walking the time index through millions of rows that do not match.

    With ``counted``, one statement reads the keys of every match once (a
    materialized CTE), takes the page from them and counts them."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if counted is None:
        statement = matching.order_by(*[way(c) for c in keys]).limit(size + 1)
    else:
        entity = matching.column_descriptions[0]["entity"]
        found = matching.with_only_columns(*keys).cte("matching")
        if postgresql:
            found = found.prefix_with("MATERIALIZED")
        newest = (
            select(found.c[keys[-1].key])
            .order_by(*[way(found.c[c.key]) for c in keys])
            .limit(size + 1)
        )
        statement = (
            select(entity, select(func.count()).select_from(found).scalar_subquery())
            .where(keys[-1].in_(newest))
            .order_by(*[way(c) for c in keys])
        )
    if postgresql:
        session.execute(text("SET LOCAL enable_indexscan = off"))
        session.execute(text("SET LOCAL enable_indexonlyscan = off"))
    try:
        if counted is None:
            return list(session.scalars(statement).all())
        rows = session.execute(statement).all()
        counted.append(int(rows[0][1]) if rows else 0)
        return [row[0] for row in rows]
    finally:
        if postgresql:
            session.execute(text("RESET enable_indexscan"))
            session.execute(text("RESET enable_indexonlyscan"))


def pinned(column: Any, value: Any) -> Any:
    """``column = value`` that the PostgreSQL planner cannot drop from ORDER BY.

    With ``= value`` the planner treats the column as constant and may serve
    ``ORDER BY created_at`` from the global time index, filtering out every
    other company's rows: seconds at 10 million rows when the company's rows
    are old or few. ``= ANY(ARRAY[value])`` keeps the column in the ordering,
    so only the ``(company_id, created_at, id)`` index can serve it.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(array([value]))
    return column == value


def estimated_count(query: Select) -> int | None:
    """The planner's row estimate (PostgreSQL), for filters no index can count cheaply."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    counted = query.with_only_columns(query.selected_columns[0]).order_by(None)
    connection = session.connection()
    compiled = counted.compile(dialect=connection.dialect)
    plan = connection.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params
    ).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(query: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count the query's rows, stopping at ``cap``: (count, capped)."""
    inner = query.with_only_columns(query.selected_columns[0]).order_by(None).limit(cap + 1)
    count = session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()
    return (cap, True) if count > cap else (count, False)
