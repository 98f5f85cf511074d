"""The membership product's record pages, read-only: where a sync result's local id leads.

``MembershipHost.record_url`` points at ``/membership/<entity>/<id>``; this blueprint
serves those pages in the standalone and demo admin (``create_app`` registers the
blueprint a host adapter offers). Staff must be logged in and allowed to read sync
data; every value comes from the product's own tables and is escaped by Jinja.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from . import models as m

__all__ = ["ENTITIES", "blueprint"]

# URL segment (the sync entity) -> model and the heading a person reads.
ENTITIES: dict[str, tuple[Any, str]] = {
    "contact": (m.Member, "Member"),
    "invoice": (m.Invoice, "Invoice"),
    "payment": (m.Payment, "Payment"),
    "credit_note": (m.CreditNote, "Credit note"),
    "write_off": (m.WriteOff, "Write-off"),
}


def blueprint(engine: Callable[[], Any], url_prefix: str = "/membership") -> Blueprint:
    """The record pages, reading through ``engine()`` (the host adapter's engine)."""
    pages = Blueprint("membership", __name__, template_folder="templates", url_prefix=url_prefix)

    @pages.before_request
    def _staff_only() -> Response | None:
        from sync_admin.security import READ, can

        if not current_user.is_authenticated:
            return redirect(current_app.appbuilder.get_url_for_login_with(request.full_path))
        if not can(READ):
            abort(403)
        return None

    @pages.get("/<entity>/<int:local_id>")
    def record(entity: str, local_id: int) -> str:
        if entity not in ENTITIES:
            abort(404)
        model, heading = ENTITIES[entity]
        with Session(engine()) as db:
            row = db.get(model, local_id)
            if row is None:
                abort(404)
            context = _context(db, entity, row)
            organisation = db.get(m.Organisation, row.org_key)
            return render_template(
                "membership/record.html",
                base_template=current_app.appbuilder.base_template,
                appbuilder=current_app.appbuilder,
                entity=entity,
                heading=heading,
                row=row,
                organisation=organisation,
                **context,
            )

    return pages


def _context(db: Session, entity: str, row: Any) -> dict[str, Any]:
    """The record's neighbours: its member, the documents it applies to or that follow it."""
    member = row if entity == "contact" else db.get(m.Member, row.member_id)
    context: dict[str, Any] = {"member": member}
    if entity == "contact":
        for name, model in (
            ("invoices", m.Invoice),
            ("payments", m.Payment),
            ("credit_notes", m.CreditNote),
            ("write_offs", m.WriteOff),
        ):
            context[name] = list(
                db.scalars(select(model).where(model.member_id == row.id).order_by(model.id))
            )
    elif entity == "invoice":
        context["payments"] = [
            p
            for p in db.scalars(select(m.Payment).where(m.Payment.member_id == row.member_id))
            if any(int(a["invoice_id"]) == row.id for a in p.applications)
        ]
        context["credit_notes"] = list(
            db.scalars(select(m.CreditNote).where(m.CreditNote.applied_invoice_id == row.id))
        )
        context["write_offs"] = list(
            db.scalars(select(m.WriteOff).where(m.WriteOff.invoice_id == row.id))
        )
    elif entity == "payment":
        ids = [int(a["invoice_id"]) for a in row.applications]
        invoices = {i.id: i for i in db.scalars(select(m.Invoice).where(m.Invoice.id.in_(ids)))}
        context["applications"] = [
            (invoices.get(int(a["invoice_id"])), a) for a in row.applications
        ]
    elif entity == "credit_note" and row.applied_invoice_id:
        context["invoice"] = db.get(m.Invoice, row.applied_invoice_id)
    elif entity == "write_off":
        context["invoice"] = db.get(m.Invoice, row.invoice_id)
    return context
