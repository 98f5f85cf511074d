"""Sync Results (seed 001): one company's per-record ledger, its filters, and
the record actions (Link, Unlink with the cascade shown first, Retry, Exclude,
Include, link by hand). The Failures screen posts its row actions here too, so
each operation has one path."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import providers
from ..db import session
from ..errors import AlreadyRunning, SyncAdminError, ValidationError
from ..models import Company
from ..models.result import DELETED
from ..queries.catalog import entry_for
from ..queries.filters import parse_int
from ..queries.fix_links import fix_label, fix_link
from ..queries.paging import page_size
from ..queries.results import ALL, LINK_STATES, RESULT_SIZES, ResultFilter, page_results
from ..queries.runs import run_flag
from ..security import OPERATE, can
from ..services import records
from ..services import resync as resync_services
from ..services.audit import current_actor
from ..vocabulary import Direction, Entity, Outcome
from .base import SyncView
from .common import company_options, company_or_404, provider_label, requested_ids
from .feedback import flash_started

BULK = ("link", "unlink", "retry", "exclude", "include")


class ResultsView(SyncView):
    route_base = "/sync-admin/results"
    default_view = "index"
    operate_methods = ("bulk", "unlink", "sync", "link_by_hand")

    @expose("/")
    @has_access
    def index(self) -> Any:
        companies = session.execute(
            select(Company.id, Company.name, Company.provider).order_by(Company.name, Company.id)
        ).all()
        try:
            company_id = parse_int(request.args, "company_id", "Company")
            company = company_or_404(company_id) if company_id else None
            f = ResultFilter.from_args(request.args, company)
            size = page_size(request.args.get("size"), RESULT_SIZES)
            page = page_results(f, request.args.get("cursor"), size) if company else None
        except ValidationError as exc:
            return self._render(companies, None, ResultFilter(), None, 25, error=exc), 400
        return self._render(companies, company, f, page, size)

    def _render(
        self,
        companies: list,
        company: Company | None,
        f: ResultFilter,
        page: Any,
        size: int,
        **context: Any,
    ) -> str:
        flag, run = run_flag(company.id) if company else (None, None)
        provider = None
        if company is not None:
            provider = next((p for p in providers.all() if p.name == company.provider), None)
        ext = current_app.extensions["sync_admin"]

        def local_url(row: Any) -> str | None:
            if not ext.has_host_adapter:
                return None
            try:
                return ext.host_adapter.record_url(row.entity, row.local_id)
            except Exception:  # the host's bug must not break the page
                return None

        def external_url(row: Any) -> str | None:
            if provider is None or not row.external_id:
                return None
            try:
                return provider.external_url(
                    row.entity, row.external_id, company.provider_company_id
                )
            except Exception:  # a plugin's bug must not break the page
                return None

        return self.render(
            "sync_admin/results.html",
            company_options=company_options(companies, company.id if company else None),
            can_operate=can(OPERATE),
            company=company,
            f=f,
            args=f.to_args() | ({"company_id": str(company.id)} if company else {}),
            page=page,
            size=size,
            sizes=RESULT_SIZES,
            all_size=ALL,
            flag=flag,
            flag_run=run,
            entry_for=entry_for,
            fix_link=fix_link,
            fix_label=fix_label,
            local_url=local_url,
            external_url=external_url,
            label=provider_label(company.provider) if company else "",
            link_state_label=lambda s: (
                f"Deleted in {provider_label(company.provider) if company else 'the provider'}"
                if s == DELETED
                else s.capitalize()
            ),
            entities=list(Entity),
            link_statuses=LINK_STATES,
            outcomes=list(Outcome),
            directions=list(Direction),
            raw=request.args,
            **context,
        )

    # --- actions -----------------------------------------------------------------------

    @expose("/bulk", methods=["POST"])
    @has_access
    def bulk(self) -> Any:
        """Link, Retry, Exclude, Include at once; Unlink first shows its cascade."""
        op = request.form.get("op", "")
        ids = requested_ids()
        if op not in BULK:
            flash("Choose an action: Link, Unlink, Retry, Exclude or Include.", "warning")
            return self._back()
        if not ids:
            flash("Select at least one record.", "warning")
            return self._back()
        actor = current_actor()
        try:
            if op == "unlink":
                cascade = records.unlink_cascade(ids)
                return self.render(
                    "sync_admin/unlink_confirm.html",
                    cascade=cascade,
                    next=self._next(),
                )
            if op == "retry":
                flash_started(records.retry(ids, actor=actor), "retry")
            elif op == "link":
                flash(
                    f"Linked {records.link(ids, actor=actor)} record(s); they sync again.",
                    "success",
                )
            elif op == "exclude":
                n = records.exclude(ids, actor=actor)
                flash(f"Excluded {n} record(s) from retries and later syncs.", "success")
            else:
                n = records.include(ids, actor=actor)
                flash(f"Included {n} record(s) again.", "success")
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        return self._back()

    @expose("/unlink", methods=["POST"])
    @has_access
    def unlink(self) -> Response:
        """The confirmed unlink: the chosen records and every dependent one."""
        ids = requested_ids()
        try:
            cascade = records.unlink(ids, actor=current_actor())
            flash(
                f"Unlinked {len(cascade.results)} record(s) and {len(cascade.dependents)} "
                "dependent record(s); they are left out of syncs until linked again.",
                "success",
            )
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        return self._back()

    @expose("/sync", methods=["POST"])
    @has_access
    def sync(self) -> Response:
        company = company_or_404(request.form.get("company_id", type=int))
        try:
            resync_services.resync_company(company.id, actor=current_actor(), kind="incremental")
            flash(f"Sync of {company.name} started: Refresh to follow its results.", "success")
        except AlreadyRunning:
            flash(f"{company.name} is already syncing: Refresh to follow its results.", "info")
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        return self._back()

    @expose("/link-by-hand", methods=["POST"])
    @has_access
    def link_by_hand(self) -> Response:
        """Seed 002: link a local record to a record that already exists in the provider."""
        company = company_or_404(request.form.get("company_id", type=int))
        try:
            row = records.link_by_hand(
                company.id,
                request.form.get("entity", ""),
                request.form.get("local_id", ""),
                request.form.get("external_id", ""),
                actor=current_actor(),
            )
            flash(f"Linked {row.entity} {row.local_id} to {row.external_id}.", "success")
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        return self._back()

    def _next(self) -> str:
        target = request.form.get("next") or ""
        if not target.startswith("/sync-admin/") or target.startswith("//"):
            return url_for(".index")
        return target

    def _back(self) -> Response:
        return redirect(self._next())
