"""Runs: every sync job execution, newest first, with its flag and counts."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder import expose, has_access
from sqlalchemy import select

from ..db import session
from ..errors import ValidationError
from ..models import Company
from ..queries import PAGE_SIZES, page_size
from ..queries.runs import RunFilter, flag_of, page_runs
from ..vocabulary import RunKind, RunStatus
from .base import SyncView


class RunsView(SyncView):
    route_base = "/sync-admin/runs"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        try:
            f = RunFilter.from_args(request.args)
            size = page_size(request.args.get("size"))
            page = page_runs(f, request.args.get("cursor"), size)
        except ValidationError as exc:
            return self._render(RunFilter(), None, 25, error=exc), 400
        return self._render(f, page, size)

    def _render(self, f: RunFilter, page: Any, size: int, **context: Any) -> str:
        company = session.get(Company, f.company_id) if f.company_id else None
        names: dict[int, str] = {}
        if page is not None and page.rows:
            ids = {r.company_id for r in page.rows}
            names = dict(
                session.execute(select(Company.id, Company.name).where(Company.id.in_(ids))).all()
            )
        return self.render(
            "sync_admin/runs.html",
            f=f,
            args=f.to_args(),
            page=page,
            size=size,
            sizes=PAGE_SIZES,
            company=company,
            names=names,
            flag_of=flag_of,
            statuses=list(RunStatus),
            kinds=list(RunKind),
            raw=request.args,
            **context,
        )
