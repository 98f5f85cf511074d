"""Mappings (seeds 002, 004): accounts, fee items, the Bad Debt item and tax
rates of a company, each chosen from what was pulled from the provider; inactive
provider records are flagged; seed 000's banner shows while the company syncs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..db import session
from ..errors import SyncAdminError, ValidationError
from ..models import Company, Mapping, ReferenceObject
from ..queries.filters import parse_choice, parse_int, parse_text
from ..services import mappings as mapping_services
from ..services.audit import current_actor
from ..services.mappings import TARGETS
from ..services.runs import active_run
from ..vocabulary import MappingKind
from .base import SyncView
from .common import company_options, company_or_404, provider_label

KIND_LABELS = {
    MappingKind.ACCOUNT: "Accounts",
    MappingKind.FEE_ITEM: "Fee items",
    MappingKind.BAD_DEBT: "Bad Debt item",
    MappingKind.TAX_RATE: "Tax rates",
}


@dataclass
class MappingRow:
    host_key: str
    host_label: str
    mapping: Mapping | None
    target: ReferenceObject | None

    @property
    def inactive(self) -> bool:
        return self.target is not None and not self.target.active


class MappingsView(SyncView):
    route_base = "/sync-admin/mappings"
    default_view = "index"
    operate_methods = ("set",)

    @expose("/")
    @has_access
    def index(self) -> Any:
        companies = session.execute(
            select(Company.id, Company.name).order_by(Company.name, Company.id)
        ).all()
        try:
            company_id = parse_int(request.args, "company_id", "Company")
            kind = MappingKind(
                parse_choice(request.args, "kind", "Kind", MappingKind) or MappingKind.FEE_ITEM
            )
            selected = parse_text(request.args, "selected", "Selected")
        except ValidationError as exc:
            return self.render(
                "sync_admin/mappings.html",
                company_options=company_options(companies, None),
                company=None,
                error=exc,
            ), 400
        if company_id is None:
            return self.render(
                "sync_admin/mappings.html",
                company_options=company_options(companies, None),
                company=None,
            )
        company = company_or_404(company_id)
        choices = session.scalars(
            select(ReferenceObject)
            .where(
                ReferenceObject.company_id == company.id,
                ReferenceObject.entity.in_([e.value for e in TARGETS[kind]]),
            )
            .order_by(ReferenceObject.active.desc(), ReferenceObject.name)
        ).all()
        return self.render(
            "sync_admin/mappings.html",
            company_options=company_options(companies, company.id),
            company=company,
            kind=kind,
            kinds=KIND_LABELS,
            rows=_rows(company, kind, choices, selected),
            choices=choices,
            selected=selected,
            syncing=active_run(company.id),
            host_known=_host_keys(company, kind) is not None,
            label=provider_label(company.provider),
        )

    @expose("/set", methods=["POST"])
    @has_access
    def set(self) -> Response:
        company = company_or_404(request.form.get("company_id", type=int))
        kind = request.form.get("kind", "")
        host_key = request.form.get("host_key", "")
        try:
            mapping = mapping_services.set_mapping(
                company.id,
                kind,
                host_key,
                request.form.get("provider_id", ""),
                actor=current_actor(),
            )
            flash(
                f"Mapped {mapping.host_key} to {mapping.provider_name or mapping.provider_id}. "
                "Retry the failed records to sync them.",
                "success",
            )
        except SyncAdminError as exc:
            flash(str(exc), "danger")
        kind_arg = kind if kind in MappingKind._value2member_map_ else None
        return redirect(
            url_for(".index", company_id=company.id, kind=kind_arg, selected=host_key or None)
        )


def _host_keys(company: Company, kind: MappingKind) -> list[tuple[str, str]] | None:
    ext = current_app.extensions["sync_admin"]
    if not ext.has_host_adapter or not hasattr(ext.host_adapter, "mapping_choices"):
        return None
    try:
        return list(ext.host_adapter.mapping_choices(company.host_company_key or "", kind.value))
    except Exception:  # the host's bug must not break the page
        return None


def _rows(
    company: Company,
    kind: MappingKind,
    choices: list[ReferenceObject],
    selected: str | None = None,
) -> list[MappingRow]:
    """Every host key the host needs, plus any mapped key it no longer lists, plus the
    selected key (a fix link's, from a failed record) when neither has it: staff land on
    a row to map, never on a list without it."""
    existing = {
        m.host_key: m
        for m in session.scalars(
            select(Mapping).where(Mapping.company_id == company.id, Mapping.kind == kind.value)
        )
    }
    by_id = {c.external_id: c for c in choices}
    keys = _host_keys(company, kind) or []
    rows = []
    seen = set()
    for key, label in keys:
        m = existing.get(key)
        rows.append(MappingRow(key, label, m, by_id.get(m.provider_id) if m else None))
        seen.add(key)
    for key, m in sorted(existing.items()):
        if key not in seen:
            rows.append(MappingRow(key, m.host_label or key, m, by_id.get(m.provider_id)))
            seen.add(key)
    if selected and selected not in seen:
        rows.append(MappingRow(selected, selected, None, None))
    return rows
