"""Resync: start runs for one company, a selection, or all that need it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..db import session
from ..errors import AlreadyRunning, NotFound, ValidationError
from ..models import Company, Connection, Run
from ..vocabulary import CompanyStatus, ConnectionStatus, Entity, RunKind, Trigger
from . import audit
from .runs import start_run

__all__ = ["Started", "resync_all_needing", "resync_companies", "resync_company", "trigger_for"]


@dataclass
class Started:
    """What a bulk operation started, and what it did not (with the reason)."""

    runs: list[Run] = field(default_factory=list)
    already_running: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def trigger_for(actor: audit.Actor) -> Trigger:
    return {
        "api": Trigger.API,
        "schedule": Trigger.SCHEDULE,
        "scheduler": Trigger.SCHEDULE,
        "webhook": Trigger.WEBHOOK,
    }.get(actor.source, Trigger.MANUAL)


def _kind(kind: RunKind | str) -> RunKind:
    try:
        return RunKind(kind)
    except ValueError:
        raise ValidationError(f"unknown run kind {kind!r}", field="kind") from None


def _honest_kind(company: Company, kind: RunKind, entities: list[str] | None) -> RunKind:
    """A run asked for reference entities only pushes nothing: it is a reference pull, and the
    Runs screen and the API say so instead of "full"."""
    if kind == RunKind.RETRY or not entities:
        return kind
    from .. import providers

    try:
        pulled = {str(s.entity) for s in providers.get(company.provider).pull_entities()}
    except Exception:  # a provider no longer installed: its run fails in the engine
        return kind
    return RunKind.REFERENCE if set(entities) <= pulled else kind


def _params(entities: Iterable[str] | None, since: datetime | str | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if entities:
        chosen = []
        for name in entities:
            try:
                chosen.append(Entity(name).value)
            except ValueError:
                raise ValidationError(f"unknown entity {name!r}", field="entities") from None
        params["entities"] = chosen
    if since:
        if isinstance(since, str):
            try:
                since = datetime.fromisoformat(since)
            except ValueError:
                raise ValidationError(
                    f"since={since!r} is not an ISO date or timestamp", field="since"
                ) from None
        params["since"] = since.isoformat()
    return params


def _why_not(company: Company) -> str | None:
    if not company.linked:
        return "the company is unlinked"
    connection: Connection | None = company.connection
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        return "the company has no connection"
    if connection.status == ConnectionStatus.NEEDS_RECONNECT:
        return "the connection needs reconnecting"
    return None


def resync_company(
    company_id: int,
    *,
    actor: audit.Actor,
    kind: RunKind | str = RunKind.RESYNC,
    entities: Iterable[str] | None = None,
    since: datetime | str | None = None,
) -> Run:
    """Start a run; ``AlreadyRunning`` when the company has an active one."""
    run_kind = _kind(kind)
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} does not exist", field="company_id")
    reason = _why_not(company)
    if reason:
        raise ValidationError(f"cannot sync {company.name}: {reason}", field="company_id")
    params = _params(entities, since)
    run_kind = _honest_kind(company, run_kind, params.get("entities"))
    run = start_run(company_id, run_kind, trigger_for(actor), actor, params)
    if actor is audit.SYSTEM:
        # start_run leaves the system's own runs out of the trail; resync asks for one.
        audit.record(
            actor,
            f"run.{run.kind}",
            "company",
            company_id,
            organization_id=company.organization_id,
            company_id=company_id,
            details={"run_id": run.id, "trigger": run.trigger},
        )
        session.commit()
    return run


def resync_companies(
    company_ids: Iterable[int],
    *,
    actor: audit.Actor,
    kind: RunKind | str = RunKind.RESYNC,
    entities: Iterable[str] | None = None,
    since: datetime | str | None = None,
) -> Started:
    started = Started()
    for company_id in dict.fromkeys(int(c) for c in company_ids):
        try:
            started.runs.append(
                resync_company(company_id, actor=actor, kind=kind, entities=entities, since=since)
            )
        except AlreadyRunning:
            started.already_running.append(company_id)
        except (NotFound, ValidationError) as exc:
            started.skipped.append((company_id, exc.message))
    return started


def resync_all_needing(*, actor: audit.Actor, organization_id: int | None = None) -> Started:
    """Every linked company whose status is needs_resync."""
    stmt = select(Company.id).where(
        Company.status == CompanyStatus.NEEDS_RESYNC.value, Company.linked.is_(True)
    )
    if organization_id is not None:
        stmt = stmt.where(Company.organization_id == organization_id)
    return resync_companies(session.scalars(stmt.order_by(Company.id)).all(), actor=actor)
