"""The audit trail's read side: filters parsed like every other screen's, keyset pages.

Filters use ``queries/filters.py`` (messages that name the field the way the
screens label it) and pages use ``queries/paging.py`` (``cursor`` and ``size``),
so a bad value reads the same on the audit trail as on logs or results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select

from ..errors import ValidationError
from ..models import AuditEvent
from .filters import day_end, day_start, parse_choice, parse_date, parse_int, parse_text
from .paging import Page, decode_cursor, keyset_page

__all__ = ["AUDIT_SIZES", "SOURCES", "AuditFilter", "page_audit"]

AUDIT_SIZES = (25, 50, 100)
SOURCES = ("view", "api", "cli", "schedule", "webhook")
_ARGS = (
    "actor",
    "action",
    "source",
    "object_type",
    "company_id",
    "organization_id",
    "date_from",
    "date_to",
)


@dataclass
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    source: str | None = None
    object_type: str | None = None
    company_id: int | None = None
    organization_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> AuditFilter:
        """Parse the query string; the first bad value is a ``ValidationError`` naming it."""
        f = cls(
            actor=parse_text(args, "actor", "Who"),
            action=parse_text(args, "action", "Action"),
            source=parse_choice(args, "source", "Source", SOURCES),
            object_type=parse_text(args, "object_type", "Object type"),
            company_id=parse_int(args, "company_id", "Company"),
            organization_id=parse_int(args, "organization_id", "Organization"),
            date_from=parse_date(args, "date_from", "From"),
            date_to=parse_date(args, "date_to", "To"),
        )
        if f.date_from and f.date_to and f.date_from > f.date_to:
            raise ValidationError("From must be on or before To.", field="date_from")
        return f

    def apply(self, query: Select) -> Select:
        if self.actor:
            query = query.where(AuditEvent.actor == self.actor)
        if self.action:
            query = query.where(AuditEvent.action.startswith(self.action, autoescape=True))
        if self.source:
            query = query.where(AuditEvent.source == self.source)
        if self.object_type:
            query = query.where(AuditEvent.object_type == self.object_type)
        if self.company_id is not None:
            query = query.where(AuditEvent.company_id == self.company_id)
        if self.organization_id is not None:
            query = query.where(AuditEvent.organization_id == self.organization_id)
        if self.date_from:
            query = query.where(AuditEvent.created_at >= day_start(self.date_from))
        if self.date_to:
            query = query.where(AuditEvent.created_at < day_end(self.date_to))
        return query

    def to_args(self) -> dict[str, str]:
        """The active filters as query arguments (for the pager's links)."""
        values = {name: getattr(self, name) for name in _ARGS}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def page_audit(f: AuditFilter, cursor: str | None = None, size: int = 50) -> Page[AuditEvent]:
    """One page of staff actions, newest first, by keyset on ``(created_at, id)``."""
    rows, next_c, prev_c = keyset_page(
        f.apply(select(AuditEvent)),
        AuditEvent.created_at,
        AuditEvent.id,
        decode_cursor(cursor),
        size,
    )
    return Page(rows=rows, size=size, next_cursor=next_c, prev_cursor=prev_c)
