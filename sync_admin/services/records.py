"""Operations on sync results: retry, exclude/include, link/unlink, link by hand.

Retries start one ``retry`` run per company with the chosen result ids;
excluded errors and unlinked records are left out (seeds 001, 002). Unlinking a
contact also unlinks the records that depend on it (its invoices, their
payments, credits and write-offs): ``unlink_cascade`` previews that set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, SyncResult, utcnow
from ..vocabulary import Direction, Entity, LinkStatus, Outcome, RunKind
from . import audit
from .resync import Started, _why_not, trigger_for
from .runs import start_runs

__all__ = [
    "Cascade",
    "exclude",
    "include",
    "link",
    "link_by_hand",
    "retry",
    "retry_all",
    "unlink",
    "unlink_cascade",
]

RETRYABLE_OUTCOMES = (Outcome.FAILED.value, Outcome.SKIPPED.value)


@dataclass
class Cascade:
    """The results an unlink touches: those chosen, and the records depending on them."""

    results: list[SyncResult] = field(default_factory=list)
    dependents: list[SyncResult] = field(default_factory=list)

    @property
    def all(self) -> list[SyncResult]:
        return [*self.results, *self.dependents]

    @property
    def count(self) -> int:
        return len(self.results) + len(self.dependents)


def _ids(result_ids: Iterable[int]) -> list[int]:
    try:
        ids = list(dict.fromkeys(int(i) for i in result_ids))
    except (TypeError, ValueError):
        raise ValidationError("result ids must be integers", field="result_ids") from None
    if not ids:
        raise ValidationError("choose at least one sync result", field="result_ids")
    return ids


def _results(result_ids: Iterable[int]) -> list[SyncResult]:
    ids = _ids(result_ids)
    rows = session.scalars(select(SyncResult).where(SyncResult.id.in_(ids))).all()
    missing = set(ids) - {r.id for r in rows}
    if missing:
        raise NotFound(
            f"sync result {', '.join(map(str, sorted(missing)))} does not exist",
            field="result_ids",
        )
    return sorted(rows, key=lambda r: r.id)


def _audit_each(
    actor: audit.Actor, action: str, rows: Iterable[SyncResult], **details: object
) -> None:
    companies = {
        c.id: c
        for c in session.scalars(
            select(Company).where(Company.id.in_({r.company_id for r in rows}))
        )
    }
    for row in rows:
        company = companies.get(row.company_id)
        audit.record(
            actor,
            action,
            "sync_result",
            row.id,
            organization_id=company.organization_id if company else None,
            company_id=row.company_id,
            details={"entity": row.entity, "local_id": row.local_id, **details},
        )


def _start_retries(by_company: dict[int, list[int]], actor: audit.Actor) -> Started:
    started = Started()
    ready: dict[int, dict[str, list[int]]] = {}
    companies = {
        c.id: c
        for c in session.scalars(
            select(Company)
            .where(Company.id.in_(list(by_company)))
            .options(selectinload(Company.connection))
        )
    }
    for company_id, ids in by_company.items():
        company = companies.get(company_id)
        reason = _why_not(company) if company else "the company does not exist"
        if reason:
            started.skipped.append((company_id, reason))
        else:
            ready[company_id] = {"result_ids": ids}
    if ready:
        runs, already = start_runs(ready, RunKind.RETRY, trigger_for(actor), actor)
        started.runs.extend(runs)
        started.already_running.extend(already)
    return started


def retry(result_ids: Iterable[int], *, actor: audit.Actor) -> Started:
    """One retry run per company for the chosen results (excluded/unlinked left out)."""
    rows = _results(result_ids)
    by_company: dict[int, list[int]] = {}
    started_skips: list[tuple[int, str]] = []
    for row in rows:
        if row.excluded:
            started_skips.append((row.company_id, f"result {row.id} is excluded"))
        elif row.link_status == LinkStatus.UNLINKED:
            started_skips.append((row.company_id, f"result {row.id} is unlinked"))
        else:
            by_company.setdefault(row.company_id, []).append(row.id)
    started = _start_retries(by_company, actor)
    started.skipped.extend(started_skips)
    return started


def retry_all(
    *,
    actor: audit.Actor,
    company_id: int | None = None,
    organization_id: int | None = None,
    catalog_code: str | None = None,
) -> Started:
    """Every failure (failed or skipped, not excluded, linked) in the scope."""
    stmt = select(SyncResult.company_id, SyncResult.id).where(
        SyncResult.outcome.in_(RETRYABLE_OUTCOMES),
        SyncResult.excluded.is_(False),
        SyncResult.link_status == LinkStatus.LINKED.value,
    )
    if company_id is not None:
        stmt = stmt.where(SyncResult.company_id == company_id)
    if organization_id is not None:
        stmt = stmt.where(
            SyncResult.company_id.in_(
                select(Company.id).where(Company.organization_id == organization_id)
            )
        )
    if catalog_code:
        stmt = stmt.where(SyncResult.catalog_code == catalog_code)
    by_company: dict[int, list[int]] = {}
    for cid, rid in session.execute(stmt.order_by(SyncResult.id)):
        by_company.setdefault(cid, []).append(rid)
    return _start_retries(by_company, actor)


def _set_excluded(result_ids: Iterable[int], value: bool, actor: audit.Actor) -> int:
    rows = _results(result_ids)
    changed = [r for r in rows if r.excluded != value]
    for row in changed:
        row.excluded = value
    _audit_each(actor, "result.exclude" if value else "result.include", changed)
    session.commit()
    return len(changed)


def exclude(result_ids: Iterable[int], *, actor: audit.Actor) -> int:
    """Leave these errors out of "retry all" and of later runs."""
    return _set_excluded(result_ids, True, actor)


def failed_in_group(catalog_code: str, company_id: int | None = None) -> list[int]:
    """Ids of the failed, included records of one failure group (optionally one company)."""
    stmt = select(SyncResult.id).where(
        SyncResult.outcome == Outcome.FAILED.value,
        SyncResult.excluded.is_(False),
        SyncResult.catalog_code == catalog_code,
    )
    if company_id is not None:
        stmt = stmt.where(SyncResult.company_id == company_id)
    return list(session.scalars(stmt.order_by(SyncResult.id)))


def exclude_group(catalog_code: str, *, actor: audit.Actor, company_id: int | None = None) -> int:
    """Exclude a whole failure group: errors whose fix is "exclude this error" (seed 002)."""
    ids = failed_in_group(catalog_code, company_id)
    if not ids:
        raise ValidationError(
            f"no failed records left for catalog entry {catalog_code}", field="catalog_code"
        )
    return _set_excluded(ids, True, actor)


def include(result_ids: Iterable[int], *, actor: audit.Actor) -> int:
    return _set_excluded(result_ids, False, actor)


def unlink_cascade(result_ids: Iterable[int]) -> Cascade:
    """The chosen results and, transitively, the linked results that depend on them."""
    chosen = _results(result_ids)
    cascade = Cascade(results=chosen)
    seen = {r.id for r in chosen}
    frontier = chosen
    while frontier:
        by_company: dict[int, set[str]] = {}
        for row in frontier:
            by_company.setdefault(row.company_id, set()).add(f"{row.entity}:{row.local_id}")
        frontier = []
        for company_id, keys in by_company.items():
            candidates = session.scalars(
                select(SyncResult)
                .where(
                    SyncResult.company_id == company_id,
                    SyncResult.direction == Direction.PUSH.value,
                    SyncResult.entity != Entity.CONTACT.value,
                    SyncResult.link_status == LinkStatus.LINKED.value,
                )
                .order_by(SyncResult.id)
            )
            for row in candidates:
                if row.id in seen:
                    continue
                if keys & set((row.facts or {}).get("depends_on", [])):
                    seen.add(row.id)
                    cascade.dependents.append(row)
                    frontier.append(row)
    return cascade


def unlink(result_ids: Iterable[int], *, actor: audit.Actor) -> Cascade:
    """Unlink the records (and their cascade): they are left out of syncs until linked."""
    cascade = unlink_cascade(result_ids)
    for row in cascade.all:
        row.link_status = LinkStatus.UNLINKED.value
    _audit_each(actor, "result.unlink", cascade.results, cascade=[r.id for r in cascade.dependents])
    _audit_each(actor, "result.unlink_cascade", cascade.dependents)
    session.commit()
    return cascade


def link(result_ids: Iterable[int], *, actor: audit.Actor) -> int:
    """Link unlinked records again; they take part in the next sync."""
    rows = [r for r in _results(result_ids) if r.link_status == LinkStatus.UNLINKED]
    for row in rows:
        row.link_status = LinkStatus.LINKED.value
    _audit_each(actor, "result.link", rows)
    session.commit()
    return len(rows)


def link_by_hand(
    company_id: int,
    entity: Entity | str,
    local_id: str,
    external_id: str,
    *,
    actor: audit.Actor,
) -> SyncResult:
    """Link a local record to an existing provider record (seed 002's manual link)."""
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} does not exist", field="company_id")
    try:
        entity = Entity(entity)
    except ValueError:
        raise ValidationError(f"unknown entity {entity!r}", field="entity") from None
    local_id, external_id = str(local_id).strip(), str(external_id).strip()
    if not local_id:
        raise ValidationError("the local record id is required", field="local_id")
    if not external_id or len(external_id) > 64:
        raise ValidationError(
            "the provider record id is required (at most 64 characters)", field="external_id"
        )
    taken = session.scalars(
        select(SyncResult).where(
            SyncResult.company_id == company_id,
            SyncResult.entity == entity.value,
            SyncResult.external_id == external_id,
            SyncResult.local_id != local_id,
            SyncResult.link_status == LinkStatus.LINKED.value,
        )
    ).first()
    if taken is not None:
        raise ValidationError(
            f"{external_id} is already linked to {entity} {taken.local_id}", field="external_id"
        )
    row = session.scalars(
        select(SyncResult).where(
            SyncResult.company_id == company_id,
            SyncResult.entity == entity.value,
            SyncResult.direction == Direction.PUSH.value,
            SyncResult.local_id == local_id,
        )
    ).first()
    if row is None:
        row = SyncResult(
            company_id=company_id,
            entity=entity.value,
            direction=Direction.PUSH.value,
            local_id=local_id,
            label=local_id,
            attempts=0,
            facts={},
        )
        session.add(row)
    now = utcnow()
    previous = row.external_id
    row.external_id = external_id
    row.external_version = None
    row.link_status = LinkStatus.LINKED.value
    row.outcome = Outcome.SYNCED.value
    row.catalog_code = row.category = row.details = row.response_body = None
    row.blocked_by = None
    row.failed_since = None
    row.idempotency_key = None
    row.payload_hash = None  # the next run pushes the local data onto the linked record
    row.last_success_at = now
    session.flush()
    audit.record(
        actor,
        "result.link_by_hand",
        "sync_result",
        row.id,
        organization_id=company.organization_id,
        company_id=company_id,
        details={
            "entity": entity.value,
            "local_id": local_id,
            "external_id": external_id,
            "previous_external_id": previous,
        },
    )
    session.commit()
    return row
