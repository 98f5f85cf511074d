"""Notification subscriptions (seed 002): per provider or per company.

Every staff member with ``read`` manages their own subscriptions; one with
``administer`` sees everyone's and may subscribe another address.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import providers
from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, NotificationSubscription
from ..notifications.subscribers import EVENTS, subscribe, unsubscribe
from ..security import ADMINISTER, can
from ..services.audit import current_actor
from .base import SyncView

__all__ = ["NotificationsView"]


class NotificationsView(SyncView):
    route_base = "/sync-admin/notifications"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        query = select(NotificationSubscription).order_by(NotificationSubscription.id)
        if not can(ADMINISTER):
            query = query.where(NotificationSubscription.user_id == g.user.id)
        subs = session.scalars(query).all()
        companies = session.scalars(select(Company).order_by(Company.provider, Company.name)).all()
        names = {c.id: f"{c.name} ({c.provider})" for c in companies}
        return self.render(
            "sync_admin/notifications.html",
            subs=subs,
            events=EVENTS,
            providers=providers.all(),
            companies=companies,
            company_names=names,
            is_admin=can(ADMINISTER),
        )

    @expose("/subscribe", methods=["POST"])
    @has_access
    def subscribe(self) -> Response:
        form = request.form
        email = form.get("email", "") if can(ADMINISTER) else g.user.email
        raw_company = (form.get("company_id") or "").strip()
        try:
            try:
                company_id = int(raw_company) if raw_company else None
            except ValueError:
                raise ValidationError(
                    "choose a company from the list", field="company_id"
                ) from None
            subscribe(
                actor=current_actor(),
                email=email or g.user.email,
                events=form.getlist("events"),
                provider=form.get("provider") or None,
                company_id=company_id,
                user_id=g.user.id,
            )
        except ValidationError as exc:
            session.rollback()
            flash(f"Not subscribed: {exc.message}", "danger")
        else:
            flash("Subscribed.", "success")
        return redirect(url_for(".index"))

    @expose("/<int:subscription_id>/delete", methods=["POST"])
    @has_access
    def delete(self, subscription_id: int) -> Response:
        try:
            unsubscribe(
                subscription_id,
                actor=current_actor(),
                user_id=None if can(ADMINISTER) else g.user.id,
            )
        except NotFound:
            session.rollback()
            flash("That subscription does not exist.", "warning")
        else:
            flash("Unsubscribed.", "success")
        return redirect(url_for(".index"))
