"""Failures (seeds 002, 003): failed records of one company with Resync per row,
Exclude / Include, Resync Failures and Retry All Errors; and, across companies,
failures grouped by catalog entry with "retry this group" and a fix link."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import exists, select
from werkzeug.wrappers import Response

from .. import providers
from ..db import session
from ..errors import SyncAdminError, ValidationError
from ..models import Company, SyncResult
from ..queries.catalog import entry_for
from ..queries.failures import failure_groups
from ..queries.filters import parse_choice, parse_int, parse_text
from ..queries.fix_links import fix_label, fix_link
from ..queries.paging import decode_cursor, page_size
from ..queries.results import RESULT_SIZES, ResultFilter, page_results
from ..security import OPERATE, can
from ..services import records
from ..services.audit import current_actor
from ..vocabulary import Outcome
from .base import SyncView
from .common import company_or_404
from .feedback import flash_started


def _known_code(code: str) -> None:
    """A catalog code must name a catalog entry, or at least one recorded failure."""
    if entry_for(code) is not None:
        return
    if not session.scalar(select(exists().where(SyncResult.catalog_code == code))):
        raise ValidationError(f"Catalog entry: no such catalog entry {code!r}.", "catalog_code")


class FailuresView(SyncView):
    route_base = "/sync-admin/failures"
    default_view = "index"
    operate_methods = ("retry_all", "exclude_group")

    @expose("/")
    @has_access
    def index(self) -> Any:
        """With a company: its failed records. Without: groups across companies."""
        try:
            company_id = parse_int(request.args, "company_id", "Company")
            code = parse_text(request.args, "catalog_code", "Catalog entry")
            provider = parse_choice(
                request.args, "provider", "Accounting software", [p.name for p in providers.all()]
            )
            org = parse_int(request.args, "organization_id", "Organization")
            size = page_size(request.args.get("size"), RESULT_SIZES)
            confirm = parse_choice(request.args, "confirm", "Confirm", ["exclude"])
            decode_cursor(request.args.get("cursor"))  # damaged on the groups page too: say so
            if code:
                _known_code(code)
            company = company_or_404(company_id) if company_id else None
            page = None
            if company is not None or code:
                f = ResultFilter(
                    company_id=company_id, outcome=Outcome.FAILED.value, catalog_code=code
                )
                page = page_results(f, request.args.get("cursor"), size)
        except ValidationError as exc:
            return self.render(
                "sync_admin/failures.html", error=exc, groups=[], page=None, can_operate=False
            ), 400
        groups = (
            failure_groups(organization_id=org, provider=provider)
            if company is None and not code
            else []
        )
        to_exclude = len(records.failed_in_group(code, company_id)) if confirm and code else None
        args = {k: v for k, v in {"company_id": company_id, "catalog_code": code}.items() if v}
        names: dict[int, str] = {}
        if page is not None and company is None:
            ids = {r.company_id for r in page.rows}
            names = dict(
                session.execute(select(Company.id, Company.name).where(Company.id.in_(ids))).all()
            )
        return self.render(
            "sync_admin/failures.html",
            can_operate=can(OPERATE),
            company=company,
            code=code,
            code_entry=entry_for(code),
            groups=groups,
            page=page,
            size=size,
            sizes=RESULT_SIZES,
            args={k: str(v) for k, v in args.items()},
            names=names,
            entry_for=entry_for,
            fix_link=fix_link,
            fix_label=fix_label,
            to_exclude=to_exclude,
        )

    @expose("/exclude-group", methods=["POST"])
    @has_access
    def exclude_group(self) -> Response:
        """Exclude every failed record of a catalog entry (one company's, or all)."""
        company_id = request.form.get("company_id", type=int)
        code = (request.form.get("catalog_code") or "").strip()
        if company_id:
            company_or_404(company_id)
        try:
            if not code:
                raise ValidationError("choose a catalog entry", field="catalog_code")
            count = records.exclude_group(code, actor=current_actor(), company_id=company_id)
            noun = "record" if count == 1 else "records"
            flash(f"Excluded {count} {noun}: later resyncs leave them out.", "info")
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".index", catalog_code=code or None, company_id=company_id))

    @expose("/retry-all", methods=["POST"])
    @has_access
    def retry_all(self) -> Response:
        """Resync Failures / Retry All Errors / retry this group: one service, three scopes."""
        company_id = request.form.get("company_id", type=int)
        code = (request.form.get("catalog_code") or "").strip() or None
        if company_id:
            company_or_404(company_id)
        try:
            started = records.retry_all(
                actor=current_actor(), company_id=company_id, catalog_code=code
            )
            flash_started(started, "retry")
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        target = request.form.get("next") or ""
        if not target.startswith("/sync-admin/") or target.startswith("//"):
            target = url_for(".index")
        return redirect(target)
