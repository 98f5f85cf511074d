"""Data Feed (seed 000): linked companies, status, token status, Last Synced;
Resync, Update Token User, Unlink; Auto Resync for a selection or all that
need it; live progress of running workers and the recently completed ones."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, request, url_for
from flask_appbuilder import expose, has_access
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..db import session
from ..errors import AlreadyRunning, SyncAdminError, ValidationError
from ..models import Company, Connection
from ..queries import PAGE_SIZES, page_size
from ..queries.companies import DataFeedFilter, data_feed, progress
from ..queries.filters import parse_int
from ..services import companies as company_services
from ..services import resync as resync_services
from ..services.audit import current_actor
from ..vocabulary import CompanyStatus, ConnectionStatus
from .base import SyncView
from .common import company_or_404, provider_label, requested_ids
from .feedback import flash_started


def _with_reconnect(message: str, company: Company) -> str | Markup:
    """A refusal because the connection needs reconnecting carries the way forward: the
    Integrations screen at that connection, where Reconnect is."""
    connection = company.connection
    if connection is None or connection.status != ConnectionStatus.NEEDS_RECONNECT:
        return message
    url = url_for("IntegrationsView.index", org=company.organization_id, reconnect=connection.id)
    return Markup('{} <a class="alert-link sa-reconnect" href="{}">Reconnect</a>').format(
        message + ".", url
    )


class DataFeedView(SyncView):
    route_base = "/sync-admin/data-feed"
    default_view = "index"
    operate_methods = ("resync", "resync_selected", "resync_all")
    connect_methods = ("unlink", "token_user")

    @expose("/")
    @has_access
    def index(self) -> Any:
        try:
            f = DataFeedFilter.from_args(request.args)
            size = page_size(request.args.get("size"))
            number = parse_int(request.args, "page", "Page") or 1
        except ValidationError as exc:
            return self._page(DataFeedFilter(), None, 25, error=exc), 400
        return self._page(f, data_feed(f, number, size), size)

    def _page(self, f: DataFeedFilter, feed: Any, size: int, **context: Any) -> str:
        return self.render(
            "sync_admin/data_feed.html",
            f=f,
            args=f.to_args(),
            feed=feed,
            size=size,
            sizes=PAGE_SIZES,
            statuses=list(CompanyStatus),
            provider_label=provider_label,
            raw=request.args,
            **context,
        )

    @expose("/progress.json")
    @has_access
    def progress(self) -> Response:
        """Polled by sync_admin.js every few seconds while the page is open."""
        try:
            org = parse_int(request.args, "organization_id", "Organization")
        except ValidationError as exc:
            return jsonify(error=exc.message, field=exc.field), 400
        return jsonify(progress(org))

    # --- actions (POST, CSRF-checked) -------------------------------------------

    @expose("/<int:company_id>/resync", methods=["POST"])
    @has_access
    def resync(self, company_id: int) -> Response:
        company = company_or_404(company_id)
        try:
            resync_services.resync_company(company.id, actor=current_actor())
            flash(f"Resync of {company.name} started.", "success")
        except AlreadyRunning:
            flash(f"{company.name} is already syncing.", "info")
        except SyncAdminError as exc:
            flash(_with_reconnect(str(exc), company), "danger")
        return self._back()

    @expose("/resync", methods=["POST"])
    @has_access
    def resync_selected(self) -> Response:
        ids = requested_ids("company_ids")
        if not ids:
            flash("Select at least one company to resync.", "warning")
            return self._back()
        flash_started(resync_services.resync_companies(ids, actor=current_actor()), "resync")
        return self._back()

    @expose("/resync-all", methods=["POST"])
    @has_access
    def resync_all(self) -> Response:
        org = request.form.get("organization_id", type=int)
        started = resync_services.resync_all_needing(actor=current_actor(), organization_id=org)
        flash_started(started, "resync")
        return self._back()

    @expose("/<int:company_id>/unlink", methods=["POST"])
    @has_access
    def unlink(self, company_id: int) -> Response:
        company = company_or_404(company_id)
        try:
            company_services.unlink_company(company.id, actor=current_actor())
            flash(f"Unlinked {company.name}: it is no longer synced. Its logs stay.", "success")
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        return self._back()

    @expose("/connections/<int:connection_id>/token-user", methods=["GET", "POST"])
    @has_access
    def token_user(self, connection_id: int) -> Any:
        connection = session.get(Connection, connection_id)
        if connection is None:
            flash("That connection no longer exists.", "danger")
            return redirect(url_for(".index"))
        sm = self.appbuilder.sm
        users = session.scalars(
            select(sm.user_model)
            .where(sm.user_model.active.is_(True))
            .order_by(sm.user_model.username)
        ).all()
        error = None
        if request.method == "POST":
            try:
                company_services.update_token_user(
                    connection.id, request.form.get("user_id", ""), actor=current_actor()
                )
                flash(
                    f"{connection.token_user} is now the token user of {connection.external_account}.",
                    "success",
                )
                return redirect(url_for(".index"))
            except SyncAdminError as exc:
                error = exc
        return self.render(
            "sync_admin/token_user.html",
            connection=connection,
            users=users,
            error=error,
            label=provider_label(connection.provider),
        ), (400 if error else 200)

    def _back(self) -> Response:
        target = request.form.get("next") or ""
        if not target.startswith("/sync-admin/") or target.startswith("//"):
            target = url_for(".index")
        return redirect(target)
