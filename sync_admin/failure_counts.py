"""Keep ``sync_failure_count`` in step with the failures in ``sync_result``.

Why: the failure groups screen grouped every open failure of the ledger per
view (155 ms at 1 million results); it now reads this small table instead.

Every write to sync results goes through the ORM (the engine's runner, the
record services), so a session hook sees them all: before each flush it notes the
(company, catalog code) keys whose open failures change (the row's old key, read
from the database when the session does not know it, and its new key), and just
before the transaction commits it recounts those keys, once, from the partial
index ``ix_sync_result_failed``. A recount rather than +1/-1 keeps "first seen"
and "last seen" exact when a failure goes away. On PostgreSQL the keys'
companies are locked for the transaction first (an advisory lock, taken before
the rows change), so that two transactions changing one company's failures
cannot each recount without the other's change. Rows that stay out of failure
(a pending record that syncs) cost nothing. Bulk loads outside the ORM
(``sync_admin.seed``) call ``recount_all``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, event, false, func, insert, inspect, literal, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from .models import FailureCount, SyncResult
from .vocabulary import Outcome

__all__ = ["install", "recount", "recount_all"]

Key = tuple[int, str]

# A change to any of these can move a result into, out of or within a failure group.
_TRACKED = ("outcome", "excluded", "catalog_code", "company_id", "failed_since", "last_attempt_at")
_PENDING = "sync_admin.failure_keys"
_LOCKED = "sync_admin.failure_companies_locked"
# First half of the advisory lock key (the company id is the second).
_LOCK_SPACE = 0x5F0C


def _grouped(*where: Any) -> Any:
    """Open (failed, not excluded) results per company and code: rows of the table."""
    code = func.coalesce(SyncResult.catalog_code, literal(""))
    return (
        select(
            SyncResult.company_id,
            code,
            func.count(),
            func.min(func.coalesce(SyncResult.failed_since, SyncResult.last_attempt_at)),
            func.max(SyncResult.last_attempt_at),
            func.max(SyncResult.id),
        )
        # Spelled as the partial index ix_sync_result_failed is, so the planner uses it.
        .where(SyncResult.outcome == Outcome.FAILED.value, SyncResult.excluded == false(), *where)
        .group_by(SyncResult.company_id, code)
    )


def _open_failures(company_ids: Iterable[int], codes: Iterable[str]) -> Any:
    """The recount of the given companies x codes."""
    codes = set(codes)
    named = sorted(c for c in codes if c)
    code_filter = [SyncResult.catalog_code.in_(named)] if named else []
    if "" in codes:
        code_filter += [SyncResult.catalog_code.is_(None), SyncResult.catalog_code == ""]
    return _grouped(SyncResult.company_id.in_(sorted(set(company_ids))), or_(*code_filter))


_COLUMNS = ["company_id", "catalog_code", "failures", "first_seen", "last_seen", "last_result_id"]


def recount(connection: Connection, keys: Iterable[Key]) -> None:
    """Recount these (company, catalog code) keys from ``sync_result``.

    The companies x codes of the keys are recounted together (two statements
    whatever the number of keys); recounting a key that did not change is harmless.
    """
    keys = set(keys)
    if not keys:
        return
    company_ids = {k[0] for k in keys}
    codes = {k[1] for k in keys}
    table = FailureCount.__table__
    connection.execute(
        delete(table).where(
            table.c.company_id.in_(sorted(company_ids)), table.c.catalog_code.in_(sorted(codes))
        )
    )
    connection.execute(insert(table).from_select(_COLUMNS, _open_failures(company_ids, codes)))


def recount_all(connection: Connection) -> None:
    """Rebuild the whole table from ``sync_result`` (after a bulk load)."""
    connection.execute(delete(FailureCount.__table__))
    connection.execute(insert(FailureCount.__table__).from_select(_COLUMNS, _grouped()))


def _key(company_id: Any, code: Any) -> Key:
    return int(company_id), code or ""


_KEY_PARTS = ("outcome", "company_id", "catalog_code")


def _states(row: SyncResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """The key parts the session knows, as last flushed and as they are now.

    A part missing from the first was set while expired (its old value never
    loaded) or is not loaded at all; missing from the second, it is not loaded
    (so unchanged): the database has both.
    """
    state = inspect(row)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in _KEY_PARTS:
        if name in state.dict:
            after[name] = state.dict[name]
        if name in state.committed_state:  # changed since loaded: the value it had
            if state.committed_state[name] is not NO_VALUE:
                before[name] = state.committed_state[name]
        elif name in after:
            before[name] = after[name]
    return before, after


def _settled(values: dict[str, Any]) -> bool:
    """Known enough: not a failure (its group does not matter), or all parts known."""
    if "outcome" not in values:
        return False
    return values["outcome"] != Outcome.FAILED or len(values) == len(_KEY_PARTS)


def _keys_of(before: dict[str, Any], after: dict[str, Any]) -> set[Key]:
    return {
        _key(values["company_id"], values["catalog_code"])
        for values in (before, after)
        if values and values["outcome"] == Outcome.FAILED
    }


def _changed_keys(session: Session) -> set[Key]:
    """The keys whose open failures this flush may change."""
    keys: set[Key] = set()
    unknown: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for row in session.new:
        if isinstance(row, SyncResult) and row.outcome == Outcome.FAILED:
            keys.add(_key(row.company_id, row.catalog_code))
    for row in session.dirty:
        if not isinstance(row, SyncResult):
            continue
        state = inspect(row)
        if not any(state.attrs[name].history.has_changes() for name in _TRACKED):
            continue
        before, after = _states(row)
        if _settled(before) and _settled(after):
            keys |= _keys_of(before, after)
        else:
            unknown[row.id] = (before, after)
    for row in session.deleted:
        if isinstance(row, SyncResult):
            unknown[row.id] = ({}, {"outcome": None})
    if unknown:
        # Not flushed yet, so the database still holds the rows' old values.
        found = session.connection().execute(
            select(
                SyncResult.id, SyncResult.outcome, SyncResult.company_id, SyncResult.catalog_code
            ).where(SyncResult.id.in_(list(unknown)))
        )
        for row_id, *stored in found:
            before, after = unknown[row_id]
            for name, value in zip(_KEY_PARTS, stored, strict=True):
                before.setdefault(name, value)
                after.setdefault(name, value)
            keys |= _keys_of(before, after)
    return keys


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    keys = _changed_keys(session)
    if not keys:
        return
    connection = session.connection()
    locked: set[int] = session.info.setdefault(_LOCKED, set())
    companies = sorted({k[0] for k in keys} - locked)
    if companies and connection.dialect.name == "postgresql":
        # One statement, in company order (volatile calls run after the sort).
        connection.execute(
            text(
                "SELECT pg_advisory_xact_lock(:space, company)"
                " FROM unnest(CAST(:companies AS integer[])) AS company ORDER BY company"
            ),
            {"space": _LOCK_SPACE, "companies": companies},
        )
    locked.update(companies)
    session.info.setdefault(_PENDING, set()).update(keys)


def _before_commit(session: Session) -> None:
    """Recount what the transaction's flushes changed, once, just before it commits."""
    session.flush()  # the last changes, and their keys (nothing to do when clean)
    keys = session.info.pop(_PENDING, None)
    if keys:
        recount(session.connection(), keys)


def _transaction_over(session: Session, *args: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_LOCKED, None)


def install() -> None:
    """Hook every ORM session once (idempotent; called by ``SyncAdmin.init_app``)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _transaction_over)
        event.listen(Session, "after_rollback", _transaction_over)
