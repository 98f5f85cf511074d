"""Sync results (seed 001): the per-record ledger of one company.

The date filter defaults to the day of the company's last successful sync,
"from that day forward". Pages read by keyset on ``(last_attempt_at, id)``
through ``ix_sync_result_company_attempt``; a record never attempted has no
date and is not a result yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, or_, select

from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, SyncResult
from ..models.result import DELETED, DELETED_IN_PROVIDER
from ..vocabulary import Direction, Entity, LinkStatus, Outcome
from .filters import day_start, parse_choice, parse_date, parse_int, parse_text
from .logs import like_pattern
from .paging import Page, capped_count, decode_cursor, keyset_page

__all__ = ["ALL", "LINK_STATES", "RESULT_SIZES", "ResultFilter", "get_results", "page_results"]

# The Link status filter's choices, as ``SyncResult.link_state`` shows them.
LINK_STATES = (LinkStatus.LINKED.value, LinkStatus.UNLINKED.value, DELETED)


def link_state_clause(state: str) -> Any:
    """SQL for ``SyncResult.link_state == state``: a linked record deleted in the provider
    is listed as deleted, not linked."""
    deleted = and_(
        SyncResult.link_status == LinkStatus.LINKED.value,
        SyncResult.external_id.is_(None),
        SyncResult.catalog_code == DELETED_IN_PROVIDER,
    )
    if state == DELETED:
        return deleted
    if state == LinkStatus.LINKED:
        return and_(
            SyncResult.link_status == LinkStatus.LINKED.value,
            or_(
                SyncResult.external_id.is_not(None),
                SyncResult.catalog_code.is_(None),
                SyncResult.catalog_code != DELETED_IN_PROVIDER,
            ),
        )
    return SyncResult.link_status == state


# "All" is offered by seed 001; it stops at this many rows, with a message.
ALL = 1000
RESULT_SIZES = (25, 50, 100, ALL)


@dataclass(frozen=True)
class ResultFilter:
    company_id: int | None = None
    since: date | None = None
    link_status: str | None = None
    entity: str | None = None
    direction: str | None = None
    outcome: str | None = None
    q: str | None = None
    catalog_code: str | None = None
    excluded: bool | None = None
    # Exact local ids, comma-separated: a fix link's records (a payment's invoices), which a
    # search would mix with records whose external id or label holds the same text.
    local_id: str | None = None
    # True when ``since`` was filled in from the last successful sync.
    since_is_default: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, Any], company: Company | None = None) -> ResultFilter:
        """Parse arguments; without ``since`` the company's last successful sync day applies.

        ``since=`` (present but empty) means every date.
        """
        excluded = parse_choice(args, "excluded", "Excluded", ["yes", "no"])
        f = cls(
            company_id=parse_int(args, "company_id", "Company"),
            since=parse_date(args, "since", "Date"),
            link_status=parse_choice(args, "link_status", "Link status", LINK_STATES),
            entity=parse_choice(args, "entity", "Entity", Entity),
            direction=parse_choice(args, "direction", "Direction", Direction),
            outcome=parse_choice(args, "outcome", "Outcome", Outcome),
            q=parse_text(args, "q", "Search"),
            catalog_code=parse_text(args, "catalog_code", "Catalog entry"),
            excluded=None if excluded is None else excluded == "yes",
            local_id=parse_text(args, "local_id", "Local ID"),
        )
        if "since" not in args and company is not None and company.last_successful_sync_at:
            f = replace(f, since=company.last_successful_sync_at.date(), since_is_default=True)
        return f

    def to_args(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "since_is_default" or value is None:
                continue
            if isinstance(value, bool):
                out[item.name] = "yes" if value else "no"
            else:
                out[item.name] = value.isoformat() if isinstance(value, date) else str(value)
        out.setdefault("since", "")
        return out


def _query(f: ResultFilter) -> Select:
    q = select(SyncResult).where(SyncResult.last_attempt_at.is_not(None))
    if f.company_id is not None:
        q = q.where(SyncResult.company_id == f.company_id)
    if f.since:
        q = q.where(SyncResult.last_attempt_at >= day_start(f.since))
    if f.link_status:
        q = q.where(link_state_clause(f.link_status))
    if f.entity:
        q = q.where(SyncResult.entity == f.entity)
    if f.direction:
        q = q.where(SyncResult.direction == f.direction)
    if f.outcome:
        q = q.where(SyncResult.outcome == f.outcome)
    if f.catalog_code:
        q = q.where(SyncResult.catalog_code == f.catalog_code)
    if f.excluded is not None:
        q = q.where(SyncResult.excluded.is_(f.excluded))
    if f.local_id:
        q = q.where(SyncResult.local_id.in_([i for i in f.local_id.split(",") if i]))
    if f.q:
        pattern = like_pattern(f.q)
        q = q.where(
            or_(
                SyncResult.local_id == f.q,
                SyncResult.external_id == f.q,
                SyncResult.label.ilike(pattern, escape="\\"),
                SyncResult.details.ilike(pattern, escape="\\"),
            )
        )
    return q


def page_results(f: ResultFilter, cursor: str | None = None, size: int = 25) -> Page[SyncResult]:
    """One page of results, latest attempt first, with a capped total."""
    if size not in RESULT_SIZES:
        raise ValidationError(
            f"Page size must be one of {', '.join(map(str, RESULT_SIZES))}.", field="size"
        )
    rows, next_c, prev_c = keyset_page(
        _query(f), SyncResult.last_attempt_at, SyncResult.id, decode_cursor(cursor), size
    )
    total, capped = capped_count(_query(f))
    return Page(
        rows=rows,
        size=size,
        next_cursor=next_c,
        prev_cursor=prev_c,
        total=total,
        total_capped=capped,
    )


def get_results(result_ids: list[int], company_id: int | None = None) -> list[SyncResult]:
    """The named results (for confirmations), refusing ids that do not exist."""
    if not result_ids:
        raise ValidationError("Select at least one record.", field="result_ids")
    q = select(SyncResult).where(SyncResult.id.in_(result_ids))
    if company_id is not None:
        q = q.where(SyncResult.company_id == company_id)
    rows = list(session.scalars(q.order_by(SyncResult.id)).all())
    if len(rows) != len(set(result_ids)):
        raise NotFound("Some selected records no longer exist: refresh the page.", "result_ids")
    return rows
