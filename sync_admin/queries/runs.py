"""Runs: the timeline of a company, and the run flag of seed 001."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..db import session
from ..models import Company, Run
from ..vocabulary import RunFlag, RunKind, RunStatus
from .filters import parse_choice, parse_int
from .paging import Page, decode_cursor, keyset_page

__all__ = ["RunFilter", "flag_of", "page_runs", "recent_runs", "run_flag"]


@dataclass(frozen=True)
class RunFilter:
    company_id: int | None = None
    organization_id: int | None = None
    status: str | None = None
    kind: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> RunFilter:
        return cls(
            company_id=parse_int(args, "company_id", "Company"),
            organization_id=parse_int(args, "organization_id", "Organization"),
            status=parse_choice(args, "status", "Status", RunStatus),
            kind=parse_choice(args, "kind", "Kind", RunKind),
        )

    def to_args(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v is not None}


def page_runs(f: RunFilter, cursor: str | None = None, size: int = 25) -> Page[Run]:
    """Runs newest first (keyset on ``(created_at, id)``)."""
    q = select(Run)
    if f.company_id is not None:
        q = q.where(Run.company_id == f.company_id)
    if f.organization_id is not None:
        q = q.where(
            Run.company_id.in_(
                select(Company.id).where(Company.organization_id == f.organization_id)
            )
        )
    if f.status:
        q = q.where(Run.status == f.status)
    if f.kind:
        q = q.where(Run.kind == f.kind)
    rows, next_c, prev_c = keyset_page(q, Run.created_at, Run.id, decode_cursor(cursor), size)
    return Page(rows=rows, size=size, next_cursor=next_c, prev_cursor=prev_c)


def recent_runs(company_id: int, limit: int = 10) -> list[Run]:
    return list(
        session.scalars(
            select(Run)
            .where(Run.company_id == company_id)
            .order_by(Run.created_at.desc(), Run.id.desc())
            .limit(limit)
        ).all()
    )


def flag_of(run: Run) -> RunFlag | None:
    """Blue: finished clean; orange: still running with errors; red: finished with errors.

    A run still going without errors has no flag yet (nothing to warn about).
    """
    if run.flag:
        return RunFlag(run.flag)
    active = run.status in RunStatus.active()
    errors = (run.failed or 0) > 0 or run.status == RunStatus.FAILED
    if active:
        return RunFlag.ORANGE if errors else None
    if run.status == RunStatus.CANCELLED and not errors:
        return None
    return RunFlag.RED if errors else RunFlag.BLUE


def run_flag(company_id: int) -> tuple[RunFlag | None, Run | None]:
    """The flag beside the search area: from the company's latest run."""
    runs = recent_runs(company_id, limit=1)
    if not runs:
        return None, None
    return flag_of(runs[0]), runs[0]
