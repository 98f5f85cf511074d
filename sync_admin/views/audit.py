"""The audit trail (read-only): who did what to which object, when, from where.

Filters and pages come from ``queries/audit.py``; a bad value is shown to the
user with the field it names (400), never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder import expose, has_access

from ..errors import ValidationError
from ..queries.audit import AUDIT_SIZES, SOURCES, AuditFilter, page_audit
from ..queries.paging import page_size
from .base import SyncView

__all__ = ["AuditView"]


class AuditView(SyncView):
    route_base = "/sync-admin/audit"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        context: dict[str, Any] = {"sources": SOURCES, "sizes": AUDIT_SIZES, "raw": request.args}
        try:
            f = AuditFilter.from_args(request.args)
            size = page_size(request.args.get("size"), AUDIT_SIZES, default=50)
            page = page_audit(f, request.args.get("cursor"), size)
        except ValidationError as exc:
            page = self.render(
                "sync_admin/audit.html", page=None, size=50, args={}, error=exc, **context
            )
            return page, 400
        return self.render(
            "sync_admin/audit.html", page=page, size=size, args=f.to_args(), **context
        )
