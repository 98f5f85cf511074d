"""Failed records, one company's list and groups by catalog entry across companies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

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
    ids = [r[5] for r in rows]
    samples = {s.id: s for s in session.scalars(select(SyncResult).where(SyncResult.id.in_(ids)))}
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
                fix_url=fix_link(entry, sample, group=True),
                fix_label=fix_label(entry),
                sample_id=sample_id,
            )
        )
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
