"""Mappings of host keys to provider ids (accounts, fee items, bad debt, tax rates)."""

from __future__ import annotations

from sqlalchemy import select

from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, Mapping, ReferenceObject, utcnow
from ..vocabulary import Entity, Level, MappingKind
from . import audit
from .runs import active_run

__all__ = ["MAPPING_CHANGED", "set_mapping"]

MAPPING_CHANGED = "Mapping changed during resync"

# Which pulled reference data a mapping kind may point at.
TARGETS = {
    MappingKind.ACCOUNT: (Entity.ACCOUNT,),
    MappingKind.FEE_ITEM: (Entity.ITEM,),
    MappingKind.TAX_RATE: (Entity.TAX_RATE,),
    MappingKind.BAD_DEBT: (Entity.ITEM, Entity.ACCOUNT),
}


def set_mapping(
    company_id: int, kind: MappingKind | str, host_key: str, provider_id: str, *, actor: audit.Actor
) -> Mapping:
    """Map a host key; notes "mapping changed during resync" when the company is syncing."""
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} does not exist", field="company_id")
    try:
        kind = MappingKind(kind)
    except ValueError:
        raise ValidationError(f"unknown mapping kind {kind!r}", field="kind") from None
    host_key, provider_id = str(host_key or "").strip(), str(provider_id or "").strip()
    if not host_key or len(host_key) > 128:
        raise ValidationError("the host key is required (at most 128 characters)", field="host_key")
    if not provider_id:
        raise ValidationError("choose what to map it to", field="provider_id")
    target = _reference(company_id, kind, provider_id)
    mapping = session.scalars(
        select(Mapping).where(
            Mapping.company_id == company_id,
            Mapping.kind == kind.value,
            Mapping.host_key == host_key,
        )
    ).first()
    previous = mapping.provider_id if mapping else None
    if mapping is None:
        mapping = Mapping(company_id=company_id, kind=kind.value, host_key=host_key)
        session.add(mapping)
    mapping.provider_id = provider_id
    mapping.provider_name = target.name if target is not None else mapping.provider_name
    mapping.updated_by = actor.name
    running = active_run(company_id)
    details = {
        "kind": kind.value,
        "host_key": host_key,
        "provider_id": provider_id,
        "previous": previous,
    }
    if running is not None:
        company.mapping_changed_at = utcnow()
        details["run_id"] = running.id
        from ..engine.logbook import Logbook

        book = Logbook(company, running.id)
        book.event(
            f"{MAPPING_CHANGED}: {kind} '{host_key}' now maps to {mapping.provider_name or provider_id}",
            Level.WARNING,
        )
        book.flush()
    session.flush()
    audit.record(
        actor,
        "mapping.set",
        "mapping",
        mapping.id,
        organization_id=company.organization_id,
        company_id=company_id,
        details=details,
    )
    session.commit()
    return mapping


def _reference(company_id: int, kind: MappingKind, provider_id: str) -> ReferenceObject | None:
    """The pulled record the mapping points at; refused when reference data exists without it."""
    entities = [e.value for e in TARGETS[kind]]
    rows = session.scalars(
        select(ReferenceObject).where(
            ReferenceObject.company_id == company_id, ReferenceObject.entity.in_(entities)
        )
    ).all()
    if not rows:
        return None  # nothing pulled yet: accept the id as given
    for row in rows:
        if row.external_id == provider_id:
            if not row.active:
                raise ValidationError(
                    f"{row.name or provider_id} is inactive in the provider", field="provider_id"
                )
            return row
    raise ValidationError(
        f"{provider_id} is not a {' or '.join(entities)} of this company", field="provider_id"
    )
