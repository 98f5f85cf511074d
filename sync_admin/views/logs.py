"""Logs (seeds 000, 002, 003): the company summary cards and the detail table."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder import expose, has_access

from .. import providers
from ..db import session
from ..errors import ValidationError
from ..models import Company
from ..queries import PAGE_SIZES, page_size
from ..queries.filters import parse_choice, parse_int, parse_text
from ..queries.logs import LogFilter, company_summaries, count_companies, page_logs
from ..queries.runs import run_flag
from ..vocabulary import Direction, Entity, Level, LogType
from .base import SyncView
from .common import company_or_404, url_args

CARDS_PER_PAGE = 60


class LogsView(SyncView):
    route_base = "/sync-admin/logs"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        """The summary grid: one card per company, from the counters table."""
        try:
            text = parse_text(request.args, "company", "Company")
            provider = parse_choice(
                request.args, "provider", "Accounting software", [p.name for p in providers.all()]
            )
            org = parse_int(request.args, "organization_id", "Organization")
            number = parse_int(request.args, "page", "Page") or 1
        except ValidationError as exc:
            return self._summary([], 1, 1, error=exc), 400
        total = count_companies(organization_id=org, company=text, provider=provider)
        pages = max(1, -(-total // CARDS_PER_PAGE))
        number = min(number, pages)
        shown = company_summaries(
            organization_id=org,
            company=text,
            provider=provider,
            limit=CARDS_PER_PAGE,
            offset=(number - 1) * CARDS_PER_PAGE,
        )
        return self._summary(shown, number, pages, total=total, text=text, provider=provider)

    def _summary(self, cards: list, number: int, pages: int, **context: Any) -> str:
        return self.render(
            "sync_admin/logs_summary.html",
            cards=cards,
            number=number,
            pages=pages,
            providers=providers.all(),
            **context,
        )

    @expose("/detail")
    @has_access
    def detail(self) -> Any:
        """The log table with its filters; one company's when ``company_id`` is given."""
        try:
            f = LogFilter.from_args(request.args)
            if f.company_id:
                company_or_404(f.company_id)
            size = page_size(request.args.get("size"))
            page = page_logs(f, request.args.get("cursor"), size)
        except ValidationError as exc:
            return self._detail(LogFilter(), None, 25, error=exc), 400
        return self._detail(f, page, size)

    def _detail(self, f: LogFilter, page: Any, size: int, **context: Any) -> str:
        company = session.get(Company, f.company_id) if f.company_id else None
        flag, run = run_flag(company.id) if company else (None, None)
        return self.render(
            "sync_admin/logs_detail.html",
            f=f,
            args=f.to_args(),
            page=page,
            size=size,
            sizes=PAGE_SIZES,
            company=company,
            flag=flag,
            flag_run=run,
            providers=providers.all(),
            labels={p.name: p.label for p in providers.all()},
            levels=list(Level),
            types=list(LogType),
            entities=list(Entity),
            directions=list(Direction),
            url_args=url_args,
            raw=request.args,
            **context,
        )
