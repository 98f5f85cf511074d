"""Failed records, one company's list and groups by catalog entry across companies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from ..db import session
from ..models import Company, FailureCount, SyncResult
from ..providers import CatalogEntry
from ..vocabulary import Outcome
from .catalog import entry_for
from .fix_links import fix_label, fix_link
from .paging import Page
from .results import ResultFilter, page_results

__all__ = ["FailureGroup", "failure_groups", "failures"]


@dataclass
class FailureGroup:
    catalog_code: str
    title: str
    entry: CatalogEntry | None
    count: int
    companies: int
    first_seen: datetime | None
    last_seen: datetime | None
    fix_url: str | None
    fix_label: str | None
    sample_id: int


def failure_groups(
    organization_id: int | None = None,
    provider: str | None = None,
    company_id: int | None = None,
) -> list[FailureGroup]:
    """Failed, not excluded records grouped by catalog entry, biggest group first.

    Reads ``sync_failure_count`` (one row per company and catalog entry, kept by
    ``sync_admin.failure_counts``), never the ledger itself.
    """
    q = (
        select(
            FailureCount.catalog_code,
            func.sum(FailureCount.failures),
            func.count(),
            func.min(FailureCount.first_seen),
            func.max(FailureCount.last_seen),
            func.max(FailureCount.last_result_id),
        )
        .group_by(FailureCount.catalog_code)
        .order_by(func.sum(FailureCount.failures).desc(), FailureCount.catalog_code)
    )
    if company_id is not None:
        q = q.where(FailureCount.company_id == company_id)
    if organization_id is not None or provider:
        q = q.join(Company, Company.id == FailureCount.company_id)
        if organization_id is not None:
            q = q.where(Company.organization_id == organization_id)
        if provider:
            q = q.where(Company.provider == provider)
    rows = session.execute(q).all()
    # One newest result per group stands for it in the fix link: the columns that
    # need, and their companies (the reconnect link reads them), in two queries.
    samples = {
        s.id: s
        for s in session.scalars(
            select(SyncResult)
            .options(
                load_only(
                    SyncResult.company_id,
                    SyncResult.entity,
                    SyncResult.local_id,
                    SyncResult.facts,
                )
            )
            .where(SyncResult.id.in_([r[5] for r in rows]))
        )
    }
    loaded = session.scalars(  # kept referenced: the session's identity map is weak
        select(Company).where(Company.id.in_({s.company_id for s in samples.values()}))
    ).all()
    groups = []
    for code, count, companies, first, last, sample_id in rows:
        code = code or None
        entry = entry_for(code)
        sample = samples.get(sample_id)
        groups.append(
            FailureGroup(
                catalog_code=code or "",
                title=entry.title if entry else (code or "Unclassified"),
                entry=entry,
                count=int(count),
                companies=int(companies),
                first_seen=first,
                last_seen=last,
                fix_url=fix_link(entry, sample, group=True, companies=int(companies)),
                fix_label=fix_label(entry, sample, companies=int(companies)),
                sample_id=sample_id,
            )
        )
    del loaded
    return groups


def failures(
    company_id: int,
    cursor: str | None = None,
    size: int = 25,
    catalog_code: str | None = None,
) -> Page[SyncResult]:
    """A company's failed records (excluded ones too, so they can be included again)."""
    f = ResultFilter(company_id=company_id, outcome=Outcome.FAILED.value, catalog_code=catalog_code)
    return page_results(f, cursor, size)
