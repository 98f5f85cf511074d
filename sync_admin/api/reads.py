"""Read endpoints with the screens' filters and cursor paging: logs, results, runs, failures.

The filters are parsed by the screens' own query objects (``sync_admin.queries``),
so a filter means the same thing on a screen and here, and a bad one is the
same 400 naming the field.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, protect

from ..db import session
from ..models import Company, Log, Run, SyncResult
from ..queries.failures import failure_groups
from ..queries.filters import parse_int
from ..queries.logs import LogFilter, page_logs
from ..queries.paging import Page, page_size
from ..queries.results import ResultFilter, page_results
from ..queries.runs import RunFilter, page_runs
from ..services.status import check_provider
from .base import SyncReadApi, handle_errors, iso

__all__ = ["SyncReadsApi"]


def _page(page: Page[Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rows": rows,
        "size": page.size,
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
        "total": page.total,
        "total_capped": page.total_capped,
    }


def _log(row: Log) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": iso(row.created_at),
        "organization_id": row.organization_id,
        "company_id": row.company_id,
        "company": row.company_name,
        "provider": row.provider,
        "run_id": row.run_id,
        "type": row.type,
        "level": row.level,
        "message": row.message,
        "entity": row.entity,
        "direction": row.direction,
        "local_id": row.local_id,
        "catalog_code": row.catalog_code,
    }


def _result(row: SyncResult) -> dict[str, Any]:
    return {
        "id": row.id,
        "company_id": row.company_id,
        "entity": row.entity,
        "direction": row.direction,
        "local_id": row.local_id,
        "label": row.label,
        "external_id": row.external_id,
        "link_status": row.link_status,
        "outcome": row.outcome,
        "catalog_code": row.catalog_code,
        "category": row.category,
        "details": row.details,
        "excluded": row.excluded,
        "attempts": row.attempts,
        "run_id": row.run_id,
        "last_attempt_at": iso(row.last_attempt_at),
        "last_success_at": iso(row.last_success_at),
    }


def _run(row: Run) -> dict[str, Any]:
    return {
        "id": row.id,
        "company_id": row.company_id,
        "kind": row.kind,
        "trigger": row.trigger,
        "status": row.status,
        "flag": row.flag,
        "total": row.total,
        "done": row.done,
        "succeeded": row.succeeded,
        "failed": row.failed,
        "skipped": row.skipped,
        "message": row.message,
        "triggered_by": row.triggered_by,
        "created_at": iso(row.created_at),
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
    }


PAGE_SCHEMA = {
    "type": "object",
    "required": ["rows", "size", "next_cursor", "prev_cursor"],
    "properties": {
        "rows": {"type": "array", "items": {"type": "object"}},
        "size": {"type": "integer"},
        "next_cursor": {"type": "string", "nullable": True},
        "prev_cursor": {"type": "string", "nullable": True},
        "total": {"type": "integer", "nullable": True},
        "total_capped": {"type": "boolean"},
    },
}

_PAGED = """
          - {in: query, name: cursor, schema: {type: string}, description: next_cursor or prev_cursor of a page}
          - {in: query, name: size, schema: {type: integer, enum: [25, 50, 100]}}
"""

_ANSWERS = """
          responses:
            200:
              description: one page, newest first
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Page'}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
"""


class SyncReadsApi(SyncReadApi):
    route_base = "/api/v1/sync"
    openapi_spec_tag = "Sync records"

    def add_apispec_components(self, api_spec: Any) -> None:
        super().add_apispec_components(api_spec)
        from apispec.exceptions import DuplicateComponentNameError

        with contextlib.suppress(DuplicateComponentNameError):
            api_spec.components.schema("Page", PAGE_SCHEMA)

    @expose("/logs", methods=["GET"])
    @protect()
    @handle_errors
    def logs(self) -> Response:
        f = LogFilter.from_args(request.args)
        page = page_logs(f, request.args.get("cursor"), page_size(request.args.get("size")))
        return self.response(200, **_page(page, [_log(r) for r in page.rows]))

    @expose("/results", methods=["GET"])
    @protect()
    @handle_errors
    def results(self) -> Response:
        company_id = parse_int(request.args, "company_id", "Company")
        company = session.get(Company, company_id) if company_id else None
        f = ResultFilter.from_args(request.args, company)
        page = page_results(f, request.args.get("cursor"), page_size(request.args.get("size")))
        return self.response(200, **_page(page, [_result(r) for r in page.rows]))

    @expose("/runs", methods=["GET"])
    @protect()
    @handle_errors
    def runs(self) -> Response:
        f = RunFilter.from_args(request.args)
        page = page_runs(f, request.args.get("cursor"), page_size(request.args.get("size")))
        return self.response(200, **_page(page, [_run(r) for r in page.rows]))

    @expose("/failures", methods=["GET"])
    @protect()
    @handle_errors
    def failures(self) -> Response:
        provider = request.args.get("provider") or None
        if provider:
            check_provider(provider)
        groups = failure_groups(
            organization_id=parse_int(request.args, "organization_id", "Organization"),
            provider=provider,
            company_id=parse_int(request.args, "company_id", "Company"),
        )
        return self.response(
            200,
            groups=[
                {
                    "catalog_code": g.catalog_code,
                    "title": g.title,
                    "category": g.entry.category.value if g.entry else None,
                    "count": g.count,
                    "companies": g.companies,
                    "first_seen": iso(g.first_seen),
                    "last_seen": iso(g.last_seen),
                    "fix_url": request.host_url.rstrip("/") + g.fix_url if g.fix_url else None,
                    "fix_label": g.fix_label,
                }
                for g in groups
            ],
        )


def _doc(summary: str, params: str) -> str:
    return f"""{summary}
        ---
        get:
          summary: {summary}
          parameters:{params}{_PAGED}{_ANSWERS}"""


_q = "\n          - {{in: query, name: {0}, schema: {{type: {1}}}}}".format
SyncReadsApi.logs.__doc__ = _doc(
    "Sync logs, filtered like the Logs screen",
    "".join(
        _q(n, t)
        for n, t in [
            ("provider", "string"),
            ("organization_id", "integer"),
            ("company_id", "integer"),
            ("company", "string"),
            ("external_account", "string"),
            ("type", "string"),
            ("level", "string"),
            ("message", "string"),
            ("date", "string"),
            ("date_from", "string"),
            ("date_to", "string"),
            ("entity", "string"),
            ("direction", "string"),
            ("run_id", "integer"),
        ]
    ),
)
SyncReadsApi.results.__doc__ = _doc(
    "Sync results (the per-record ledger), filtered like the Sync Results screen",
    "".join(
        _q(n, t)
        for n, t in [
            ("company_id", "integer"),
            ("since", "string"),
            ("link_status", "string"),
            ("entity", "string"),
            ("direction", "string"),
            ("outcome", "string"),
            ("q", "string"),
            ("catalog_code", "string"),
            ("excluded", "string"),
        ]
    ),
)
SyncReadsApi.runs.__doc__ = _doc(
    "Runs, newest first",
    "".join(
        _q(n, t)
        for n, t in [
            ("company_id", "integer"),
            ("organization_id", "integer"),
            ("status", "string"),
            ("kind", "string"),
        ]
    ),
)
SyncReadsApi.failures.__doc__ = """Failure groups by catalog entry.
        ---
        get:
          summary: Failed records grouped by catalog entry, biggest first
          parameters:
          - {in: query, name: organization_id, schema: {type: integer}}
          - {in: query, name: provider, schema: {type: string}}
          - {in: query, name: company_id, schema: {type: integer}}
          responses:
            200:
              description: the groups, with counts, first and last seen, and a fix link
              content:
                application/json:
                  schema: {type: object, properties: {groups: {type: array, items: {type: object}}}}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
