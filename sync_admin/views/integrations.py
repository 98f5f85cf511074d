"""Integrations (seed 000): a card per provider, Connect, Manage (Reconnect,
Disconnect), the OAuth callback, the organisation picker and its guidance."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask import session as browser_session
from flask_appbuilder import expose, has_access
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import oauth, providers
from ..db import session
from ..errors import SyncAdminError, ValidationError
from ..models import Company, Connection, Organization
from ..providers import ProviderCompanyInfo
from ..services.audit import current_actor
from ..vocabulary import ConnectionStatus
from .base import SyncView
from .common import selected_organization

_CHOICES = "sync_admin_company_choices"


class IntegrationsView(SyncView):
    route_base = "/sync-admin/integrations"
    default_view = "index"
    connect_methods = ("connect", "reconnect", "disconnect", "callback", "choose")

    # --- the page ----------------------------------------------------------------

    @expose("/")
    @has_access
    def index(self) -> Any:
        organizations = session.scalars(select(Organization).order_by(Organization.name)).all()
        try:
            org = selected_organization(organizations, request.args)
        except ValidationError as exc:
            page = self.render(
                "sync_admin/integrations.html",
                providers=providers.all(),
                organizations=organizations,
                org=None,
                error=exc,
            )
            return page, 400
        connections: dict[str, Connection] = {}
        company_counts: dict[int, int] = {}
        if org is not None:
            rows = session.scalars(
                select(Connection)
                .where(
                    Connection.organization_id == org.id,
                    Connection.status != ConnectionStatus.DISCONNECTED.value,
                )
                .order_by(Connection.connected_at)
            ).all()
            connections = {c.provider: c for c in rows}
            company_counts = dict(
                session.execute(
                    select(Company.connection_id, func.count())
                    .where(
                        Company.connection_id.in_([c.id for c in rows]), Company.linked.is_(True)
                    )
                    .group_by(Company.connection_id)
                ).all()
            )
        return self.render(
            "sync_admin/integrations.html",
            providers=providers.all(),
            organizations=organizations,
            org=org,
            connections=connections,
            company_counts=company_counts,
        )

    # --- connect, reconnect, disconnect -----------------------------------------------

    @expose("/<provider>/connect", methods=["POST"])
    @has_access
    def connect(self, provider: str) -> Response:
        org_id = request.form.get("organization_id", type=int)
        return self._begin(provider, org_id, None)

    @expose("/connections/<int:connection_id>/reconnect", methods=["POST"])
    @has_access
    def reconnect(self, connection_id: int) -> Response:
        conn = session.get(Connection, connection_id)
        if conn is None:
            flash("That connection no longer exists.", "danger")
            return redirect(url_for(".index"))
        return self._begin(conn.provider, conn.organization_id, conn.id)

    @expose("/connections/<int:connection_id>/disconnect", methods=["POST"])
    @has_access
    def disconnect(self, connection_id: int) -> Response:
        try:
            conn = oauth.disconnect(connection_id, current_actor())
        except SyncAdminError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".index"))
        label = providers.get(conn.provider).label
        if conn.last_error:
            flash(
                f"Disconnected {label} here; the provider could not confirm: {conn.last_error}",
                "warning",
            )
        else:
            flash(f"Disconnected {label} ({conn.external_account}).", "success")
        return redirect(url_for(".index", org=conn.organization_id))

    def _begin(self, provider: str, org_id: int | None, reconnect_id: int | None) -> Response:
        try:
            redirect_uri = url_for(".callback", provider=provider, _external=True)
            return redirect(
                oauth.begin(provider, org_id or 0, redirect_uri, reconnect_id=reconnect_id)
            )
        except oauth.DuplicateConnection as exc:
            flash(str(exc), "warning")
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".index", org=org_id))

    # --- the provider sends the browser back here ----------------------------------

    @expose("/<provider>/callback")
    @has_access
    def callback(self, provider: str) -> Any:
        try:
            label = providers.get(provider).label
            result = oauth.complete(provider, request.args, current_actor())
        except oauth.AuthorizationDenied as exc:
            return self.render(
                "sync_admin/connect_denied.html", error=exc.error, description=exc.description
            ), 400
        except SyncAdminError as exc:
            return self.render(
                "sync_admin/connect_denied.html", error="error", description=str(exc)
            ), 400
        conn = result.connection
        if not result.companies:
            return self.render("sync_admin/connect_no_companies.html", connection=conn, label=label)
        if result.needs_choice:
            choices = dict(browser_session.get(_CHOICES, {}))
            choices[str(conn.id)] = [vars(c) for c in result.companies]
            browser_session[_CHOICES] = choices
            return redirect(url_for(".choose", connection_id=conn.id))
        names = ", ".join(c.name for c in result.linked)
        flash(f"Connected {label} as {conn.external_account}: linked {names}.", "success")
        return redirect(url_for(".index", org=conn.organization_id))

    @expose("/connections/<int:connection_id>/companies", methods=["GET", "POST"])
    @has_access
    def choose(self, connection_id: int) -> Any:
        conn = session.get(Connection, connection_id)
        offered = [
            ProviderCompanyInfo(**c)
            for c in browser_session.get(_CHOICES, {}).get(str(connection_id), [])
        ]
        if conn is None or not offered:
            flash("Nothing to choose: connect again to see the organisations.", "warning")
            return redirect(url_for(".index"))
        label = providers.get(conn.provider).label
        if request.method == "POST":
            wanted = set(request.form.getlist("company"))
            chosen = [c for c in offered if c.provider_company_id in wanted]
            if not chosen:
                flash("Choose at least one organisation to link.", "warning")
            else:
                linked = oauth.link_companies(conn.id, chosen, current_actor())
                session.commit()
                choices = dict(browser_session.get(_CHOICES, {}))
                choices.pop(str(connection_id), None)
                browser_session[_CHOICES] = choices
                flash(f"Linked {', '.join(c.name for c in linked)} from {label}.", "success")
                return redirect(url_for(".index", org=conn.organization_id))
        return self.render(
            "sync_admin/connect_choose.html", connection=conn, offered=offered, label=label
        )
