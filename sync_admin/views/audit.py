"""The audit trail (read-only): who did what to which object, when, from where.

Filters come from the query string and a bad one is shown to the user, never
a 500; pages are read by keyset on ``(created_at, id)``, newest first.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import request
from flask_appbuilder import expose, has_access
from sqlalchemy import Select, and_, or_, select

from ..db import session
from ..errors import ValidationError
from ..models import AuditEvent
from .base import SyncView

__all__ = ["AuditFilter", "AuditView", "page_audit"]

PAGE_SIZE = 50
SOURCES = ("view", "api", "cli", "schedule", "webhook")


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    source: str = ""
    object_type: str = ""
    company_id: int | None = None
    organization_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Any) -> AuditFilter:
        f = cls(
            actor=(args.get("actor") or "").strip(),
            action=(args.get("action") or "").strip(),
            source=(args.get("source") or "").strip(),
            object_type=(args.get("object_type") or "").strip(),
        )
        if f.source and f.source not in SOURCES:
            f.errors["source"] = f"source must be one of {', '.join(SOURCES)}"
            f.source = ""
        for name in ("company_id", "organization_id"):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, int(raw))
                except ValueError:
                    f.errors[name] = f"{name} must be a whole number, not {raw!r}"
        for name in ("date_from", "date_to"):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, date.fromisoformat(raw))
                except ValueError:
                    f.errors[name] = f"{name} must be a date as YYYY-MM-DD, not {raw!r}"
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.errors["date_to"] = "date_to is before date_from"
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
            query = query.where(
                AuditEvent.created_at >= datetime.combine(self.date_from, time.min, tzinfo=UTC)
            )
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=UTC)
            query = query.where(AuditEvent.created_at < end)
        return query

    def args(self) -> dict[str, str]:
        """The active filters as query arguments (for the next-page link)."""
        out = {}
        for name in (
            "actor",
            "action",
            "source",
            "object_type",
            "company_id",
            "organization_id",
            "date_from",
            "date_to",
        ):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = str(value)
        return out


def encode_cursor(event: AuditEvent) -> str:
    raw = f"{event.created_at.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("the page cursor is not valid; start again", field="after") from None


def page_audit(
    audit_filter: AuditFilter, after: str | None = None, size: int | None = None
) -> tuple[list[AuditEvent], str | None]:
    """One page, newest first, and the cursor of the next page (None at the end)."""
    size = size or PAGE_SIZE
    query = audit_filter.apply(select(AuditEvent))
    if after:
        stamp, ident = decode_cursor(after)
        query = query.where(
            or_(
                AuditEvent.created_at < stamp,
                and_(AuditEvent.created_at == stamp, AuditEvent.id < ident),
            )
        )
    rows = session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(size + 1)
    ).all()
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return list(rows[:size]), next_cursor


class AuditView(SyncView):
    route_base = "/sync-admin/audit"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        audit_filter = AuditFilter.from_args(request.args)
        status = 400 if audit_filter.errors else 200
        try:
            rows, next_cursor = page_audit(audit_filter, request.args.get("after") or None)
        except ValidationError as exc:
            audit_filter.errors[exc.field or "after"] = exc.message
            rows, next_cursor, status = [], None, 400
        return self.render(
            "sync_admin/audit.html",
            rows=rows,
            f=audit_filter,
            sources=SOURCES,
            next_cursor=next_cursor,
            next_args=audit_filter.args(),
        ), status
