"""Support bundles: a download per company, for escalations (seed 004)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_appbuilder import expose, has_access
from sqlalchemy import select

from .. import providers
from ..api.status import bundle_response
from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, Organization
from ..services.audit import current_actor
from ..services.support_bundle import build_bundle
from .base import SyncView
from .common import selected_organization

__all__ = ["SupportView"]


class SupportView(SyncView):
    route_base = "/sync-admin/support"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        organizations = session.scalars(select(Organization).order_by(Organization.name)).all()
        try:
            org = selected_organization(organizations, request.args)
        except ValidationError as exc:
            page = self.render(
                "sync_admin/support.html", organizations=organizations, org=None, error=exc
            )
            return page, 400
        companies = (
            session.scalars(
                select(Company)
                .where(Company.organization_id == org.id)
                .order_by(Company.provider, Company.name)
            ).all()
            if org
            else []
        )
        return self.render(
            "sync_admin/support.html",
            organizations=organizations,
            org=org,
            companies=companies,
            labels={p.name: p.label for p in providers.all()},
        )

    @expose("/companies/<int:company_id>/bundle")
    @has_access
    def bundle(self, company_id: int) -> Any:
        try:
            bundle = build_bundle(company_id, actor=current_actor("view"))
        except NotFound:
            abort(404)
        return bundle_response(bundle)
