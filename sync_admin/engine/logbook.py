"""A run's story written in batches, with the summary counters kept in step.

Log lines are buffered and inserted with one ``executemany``; the per-company
and per-day counters get one upsert each per flush, in the same transaction as
the lines and the sync results the engine changed meanwhile. A crash between
flushes loses the buffered lines and the counters together, never one without
the other.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.dialects import postgresql, sqlite

from ..db import session
from ..models import Company, CompanyStats, DailyStats, Log, utcnow
from ..vocabulary import Level, LogType

__all__ = ["Logbook", "write_lines"]


class Logbook:
    def __init__(self, company: Company, run_id: int | None, external_account: str = "") -> None:
        self.company_id = company.id
        self.organization_id = company.organization_id
        self.provider = company.provider
        self.company_name = company.name or ""
        self.external_account = external_account
        self.run_id = run_id
        self._lines: list[dict[str, Any]] = []
        self._records: dict[date, Counter[str]] = defaultdict(Counter)

    def milestone(self, message: str, level: Level = Level.SUCCESS, **fields: Any) -> None:
        self.add(LogType.MILESTONE, level, message, **fields)

    def event(self, message: str, level: Level = Level.INFO, **fields: Any) -> None:
        self.add(LogType.EVENT, level, message, **fields)

    def add(
        self,
        type: LogType,
        level: Level,
        message: str,
        *,
        body: str | None = None,
        entity: str | None = None,
        direction: str | None = None,
        local_id: str | None = None,
        catalog_code: str | None = None,
    ) -> None:
        self._lines.append(
            {
                "created_at": utcnow(),
                "organization_id": self.organization_id,
                "company_id": self.company_id,
                "run_id": self.run_id,
                "provider": self.provider,
                "company_name": self.company_name,
                "external_account": self.external_account,
                "type": str(type),
                "level": str(level),
                "message": message,
                "body": body,
                "entity": None if entity is None else str(entity),
                "direction": None if direction is None else str(direction),
                "local_id": local_id,
                "catalog_code": catalog_code,
            }
        )

    def record(self, synced: bool) -> None:
        """Count a record that reached synced or failed today (the 30-day chart)."""
        self._records[utcnow().date()]["synced" if synced else "failed"] += 1

    @property
    def pending(self) -> int:
        return len(self._lines)

    def flush(self) -> None:
        """Write the buffered lines and counters in the session's transaction (no commit)."""
        lines, self._lines = self._lines, []
        records, self._records = self._records, defaultdict(Counter)
        write_lines(lines, records)


def write_lines(
    lines: list[dict[str, Any]], records: dict[date, Counter[str]] | None = None
) -> None:
    """Insert log lines and add them (and record outcomes) to the counters."""
    if lines:
        session.execute(insert(Log), lines)
    by_company: dict[int, Counter[str]] = defaultdict(Counter)
    last: dict[int, datetime] = {}
    daily: dict[tuple[int, date], Counter[str]] = defaultdict(Counter)
    for line in lines:
        cid = line["company_id"]
        c = by_company[cid]
        c["logs_total"] += 1
        c["logs_errors"] += line["level"] == Level.ERROR
        c["logs_warnings"] += line["level"] == Level.WARNING
        c["logs_milestones"] += line["type"] == LogType.MILESTONE
        last[cid] = max(last.get(cid, line["created_at"]), line["created_at"])
        d = daily[(cid, line["created_at"].date())]
        d["logs_total"] += 1
        d["logs_errors"] += line["level"] == Level.ERROR
    if records and lines:
        cid = lines[0]["company_id"]
        for day, counts in records.items():
            daily[(cid, day)]["records_synced"] += counts["synced"]
            daily[(cid, day)]["records_failed"] += counts["failed"]
    for cid, counts in by_company.items():
        _upsert(
            CompanyStats.__table__,
            {"company_id": cid},
            dict(counts),
            {"last_activity_at": last[cid], "updated_at": utcnow()},
        )
    for (cid, day), counts in daily.items():
        _upsert(DailyStats.__table__, {"company_id": cid, "day": day}, dict(counts), {})


def _upsert(table: Any, keys: dict[str, Any], add: dict[str, int], replace: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    columns = [c.name for c in table.columns if c.name not in keys]
    values = {**keys, **{c: 0 for c in columns if c in _COUNTERS}, **add, **replace}
    if table.c.get("updated_at") is not None and "updated_at" not in values:
        values["updated_at"] = utcnow()
    stmt = module.insert(table).values(**values)
    update = {c: table.c[c] + stmt.excluded[c] for c in add}
    if "last_activity_at" in replace:
        update["last_activity_at"] = func.coalesce(
            stmt.excluded.last_activity_at, table.c.last_activity_at
        )
    for name, value in replace.items():
        update.setdefault(name, value)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=update)
    session.execute(stmt)


_COUNTERS = {
    "logs_total",
    "logs_errors",
    "logs_warnings",
    "logs_milestones",
    "records_synced",
    "records_failed",
}
