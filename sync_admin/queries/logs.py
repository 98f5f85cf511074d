"""The log table read for screens and API: filters, keyset pages, summary cards.

At 10 million rows nothing here counts or groups the log table: the summary
cards read ``sync_company_stats``; a page reads ``size + 1`` rows through one
of the ``(…, created_at, id)`` indexes; the total shown is the company's
counter when it answers the question exactly, else a count that stops at
``COUNT_CAP``. Message search uses ``ILIKE``, which the pg_trgm GIN index
serves on PostgreSQL and SQLite scans (still correct, just slower).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select

from .. import providers
from ..db import session
from ..errors import ValidationError
from ..models import Company, CompanyStats, Connection, Log
from ..vocabulary import Direction, Entity, Level, LogType
from .filters import day_end, day_start, parse_choice, parse_date, parse_int, parse_text
from .paging import (
    Page,
    capped_count,
    decode_cursor,
    estimated_count,
    keyset_page,
    page_size,
    pinned,
)

__all__ = [
    "CompanySummary",
    "LogFilter",
    "company_summaries",
    "count_companies",
    "get_log",
    "like_pattern",
    "page_logs",
]

# Trigrams need three characters; shorter terms could not use the index.
MIN_SEARCH = 3
# A text search first looks at this many of the newest rows in scope (common
# terms are found there: a walk of the time index reads neighbouring rows); only
# then does it read the text index (rare terms: few rows, scattered).
SEARCH_WINDOWS = (5_000, 50_000)
# Within one company the newest rows are scattered over the table (a random read
# each), so its window is smaller.
COMPANY_SEARCH_WINDOWS = (2_000, 20_000)


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards in the text taken literally (escape ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class LogFilter:
    """What staff narrowed the log table to; every field optional."""

    provider: str | None = None
    company_id: int | None = None
    company: str | None = None
    external_account: str | None = None
    type: str | None = None
    level: str | None = None
    message: str | None = None
    date: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    entity: str | None = None
    direction: str | None = None
    run_id: int | None = None
    organization_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> LogFilter:
        """Parse request arguments; a bad value raises ``ValidationError`` naming it."""
        names = [p.name for p in providers.all()]
        f = cls(
            provider=parse_choice(args, "provider", "Accounting software", names),
            company_id=parse_int(args, "company_id", "Company"),
            company=parse_text(args, "company", "Company"),
            external_account=parse_text(args, "external_account", "External account"),
            type=parse_choice(args, "type", "Log type", LogType),
            level=parse_choice(args, "level", "Status", Level),
            message=parse_text(args, "message", "Message", min_len=MIN_SEARCH),
            date=parse_date(args, "date", "Date"),
            date_from=parse_date(args, "date_from", "From"),
            date_to=parse_date(args, "date_to", "To"),
            entity=parse_choice(args, "entity", "Entity", Entity),
            direction=parse_choice(args, "direction", "Direction", Direction),
            run_id=parse_int(args, "run_id", "Run"),
            organization_id=parse_int(args, "organization_id", "Organization"),
        )
        if f.date_from and f.date_to and f.date_from > f.date_to:
            raise ValidationError("From must be on or before To.", field="date_from")
        return f

    def to_args(self) -> dict[str, str]:
        """The filter as URL arguments (for page links and the API)."""
        out: dict[str, str] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                out[item.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    @property
    def active(self) -> bool:
        return any(v is not None for v in asdict(self).values())

    def without(self, *names: str) -> LogFilter:
        values = asdict(self)
        for name in names:
            values[name] = None
        return LogFilter(**values)


def _query(f: LogFilter) -> Select:
    """Every filter but the text searches (see ``_text_filters``)."""
    q = select(Log)
    if f.company_id is not None:
        q = q.where(pinned(Log.company_id, f.company_id))
    if f.company:
        # Resolved through the small company table, then served by the company index.
        ids = select(Company.id).where(Company.name.ilike(like_pattern(f.company), escape="\\"))
        q = q.where(Log.company_id.in_(ids))
    if f.organization_id is not None:
        q = q.where(Log.organization_id == f.organization_id)
    if f.provider:
        q = q.where(Log.provider == f.provider)
    if f.type:
        q = q.where(Log.type == f.type)
    if f.level:
        q = q.where(Log.level == f.level)
    if f.date:
        q = q.where(Log.created_at >= day_start(f.date), Log.created_at < day_end(f.date))
    if f.date_from:
        q = q.where(Log.created_at >= day_start(f.date_from))
    if f.date_to:
        q = q.where(Log.created_at < day_end(f.date_to))
    if f.entity:
        q = q.where(Log.entity == f.entity)
    if f.direction:
        q = q.where(Log.direction == f.direction)
    if f.run_id is not None:
        q = q.where(Log.run_id == f.run_id)
    return q


def _text_filters(f: LogFilter) -> Callable[[Any], list[Any]] | None:
    """Message and external account searches (ILIKE, served by pg_trgm indexes)."""
    if not (f.message or f.external_account):
        return None

    def filters(entity: Any) -> list[Any]:
        out = []
        if f.message:
            out.append(entity.message.ilike(like_pattern(f.message), escape="\\"))
        if f.external_account:
            pattern = like_pattern(f.external_account)
            out.append(entity.external_account.ilike(pattern, escape="\\"))
        return out

    return filters


def _counter_total(f: LogFilter) -> int | None:
    """The exact total from the company's counters, when they answer this filter."""
    if f.company_id is None:
        return None
    rest = f.without("company_id", "organization_id", "level", "type")
    if rest.active or (f.level and f.type):
        return None
    column = {
        (None, None): CompanyStats.logs_total,
        ("error", None): CompanyStats.logs_errors,
        ("warning", None): CompanyStats.logs_warnings,
        (None, "milestone"): CompanyStats.logs_milestones,
    }.get((f.level, f.type))
    if column is None:
        return None
    value = session.scalar(select(column).where(CompanyStats.company_id == f.company_id))
    return int(value or 0)


def page_logs(f: LogFilter, cursor: str | None = None, size: int = 25) -> Page[Log]:
    """One page of log lines, newest first, with a total that never scans the table.

    The total is the company's counter when it answers the filter exactly; for a
    text search, the exact number of matches when the page was read from all of
    them (a rare term, counted in the same statement), else the planner's
    estimate on PostgreSQL ("about"); else a count that stops at ``COUNT_CAP``.
    """
    page_size(size)
    late = _text_filters(f)
    matches: list[int] = []
    rows, next_c, prev_c = keyset_page(
        _query(f),
        Log.created_at,
        Log.id,
        decode_cursor(cursor),
        size,
        prefix=[Log.company_id] if f.company_id is not None else [],
        late=late,
        windows=COMPANY_SEARCH_WINDOWS if f.company_id is not None else SEARCH_WINDOWS,
        matches=matches,
    )
    page: Page[Log] = Page(rows=rows, size=size, next_cursor=next_c, prev_cursor=prev_c)
    exact = _counter_total(f)
    if exact is not None:
        page.total = exact
        return page
    if matches:  # the search read every match for this page: its count came with it
        page.total = matches[0]
        return page
    query = _query(f)
    if late is not None:
        query = query.where(*late(Log))
        estimate = estimated_count(query)
        if estimate is not None:
            page.total, page.total_estimated = estimate, True
            return page
    page.total, page.total_capped = capped_count(query)
    return page


def get_log(log_id: int) -> Log | None:
    return session.get(Log, log_id)


@dataclass
class CompanySummary:
    """A summary card: one company's log counters."""

    company_id: int
    name: str
    provider: str
    provider_label: str
    external_account: str
    status: str
    logs_total: int
    logs_errors: int
    logs_warnings: int
    logs_milestones: int
    last_activity_at: datetime | None


def _summary_query(
    organization_id: int | None, company: str | None, provider: str | None
) -> Select:
    q = select(Company.id)
    if organization_id is not None:
        q = q.where(Company.organization_id == organization_id)
    if company:
        q = q.where(Company.name.ilike(like_pattern(company), escape="\\"))
    if provider:
        q = q.where(Company.provider == provider)
    return q


def count_companies(
    organization_id: int | None = None, company: str | None = None, provider: str | None = None
) -> int:
    """How many cards ``company_summaries`` would return (the company table is small)."""
    inner = _summary_query(organization_id, company, provider).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def company_summaries(
    organization_id: int | None = None,
    company: str | None = None,
    provider: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[CompanySummary]:
    """One card per company, most recent activity first, from the counters table.

    ``limit``/``offset`` page the cards in SQL (a screen shows 60 of 1,000).
    """
    q = (
        _summary_query(organization_id, company, provider)
        .add_columns(
            Company.name,
            Company.provider,
            Company.status,
            Connection.external_account,
            CompanyStats.logs_total,
            CompanyStats.logs_errors,
            CompanyStats.logs_warnings,
            CompanyStats.logs_milestones,
            CompanyStats.last_activity_at,
        )
        .outerjoin(CompanyStats, CompanyStats.company_id == Company.id)
        .outerjoin(Connection, Connection.id == Company.connection_id)
        .order_by(CompanyStats.last_activity_at.desc().nulls_last(), Company.name, Company.id)
    )
    if limit is not None:
        q = q.limit(limit).offset(offset)
    labels = {p.name: p.label for p in providers.all()}
    return [
        CompanySummary(
            company_id=r[0],
            name=r[1],
            provider=r[2],
            provider_label=labels.get(r[2], r[2]),
            status=r[3],
            external_account=r[4] or "",
            logs_total=int(r[5] or 0),
            logs_errors=int(r[6] or 0),
            logs_warnings=int(r[7] or 0),
            logs_milestones=int(r[8] or 0),
            last_activity_at=r[9],
        )
        for r in session.execute(q).all()
    ]
