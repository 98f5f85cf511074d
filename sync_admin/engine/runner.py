"""One run of one company: pull reference data, push records in dependency order.

``execute(run_id)`` is what the RQ job calls. The ``sync_run`` row says what to
do; the sync results say what is already done, so a run that is executed again
(a killed worker, a re-scheduled rate-limit wait, a sweeper re-enqueue) skips
records that are synced and unchanged, and reuses the idempotency key of a
record whose answer never arrived.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from .. import providers, signals
from ..db import get_db, session
from ..models import Company, Connection, Mapping, ReferenceObject, Run, SyncResult, utcnow
from ..models.result import DELETED_IN_PROVIDER
from ..providers import (
    ClientContext,
    Diagnosis,
    EntitySpec,
    ProviderChange,
    ProviderError,
    PushItem,
    Refs,
)
from ..queue import get_redis
from ..records import PushRecord
from ..tokens import ConnectionTokens
from ..vocabulary import (
    Action,
    Category,
    CompanyStatus,
    ConnectionStatus,
    Direction,
    Entity,
    Level,
    LinkStatus,
    MappingKind,
    Outcome,
    RunFlag,
    RunKind,
    RunStatus,
)
from .ledger import idempotency_key, load_results, payload_hash, synced_external_ids
from .logbook import Logbook
from .pacing import RedisPacer
from .policy import CallPolicy, Reschedule, Stop, retryable
from .preflight import MAPPING_ENTITY, claim, dependencies, diagnosis, preflight
from .scrub import scrub

__all__ = ["execute", "finish_run_timed_out"]

log = logging.getLogger(__name__)

MILESTONE_STARTED = "Data sync started"
MILESTONE_ACCOUNTS = "Chart of accounts imported"
MILESTONE_CONTACTS = "Contacts synced"
MILESTONE_TRANSACTIONS = "Transactions synced"
MILESTONE_FINISHED = "Data sync finished"
# The company cursor from which an incremental run reads the provider's changes.
CHANGES_CURSOR = "changes"
REMOVED_IN_PROVIDER = DELETED_IN_PROVIDER


def execute(run_id: int) -> dict[str, Any]:
    run = session.get(Run, run_id)
    if run is None:
        return {"run_id": run_id, "status": "missing"}
    if run.status not in RunStatus.active():
        return {"run_id": run_id, "status": run.status, "executed": False}
    # The run is the only writer of its rows: keep them loaded across the per-batch commits
    # instead of reloading every attribute row by row after each commit.
    db = get_db().session()
    previous, db.expire_on_commit = db.expire_on_commit, False
    try:
        return Runner(run).execute()
    finally:
        db.expire_on_commit = previous


class _TrackedTokens:
    """Remembers the token it handed out, so a 401 refreshes exactly that one."""

    def __init__(self, inner: ConnectionTokens) -> None:
        self.inner = inner
        self.last = ""

    def access_token(self) -> str:
        self.last = self.inner.access_token()
        return self.last

    def refresh(self, stale_access_token: str | None = None) -> str:
        self.last = self.inner.refresh(stale_access_token or self.last)
        return self.last


class Runner:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.company: Company = run.company
        self.config = current_app.config
        self.book = Logbook(self.company, run.id)
        self.started = utcnow()
        self.problems = 0  # errors that are not a record's (a failed pull)
        self.unwritten = 0
        self.sent = 0  # records sent to the provider (their writes come back as changes)
        self.pulled = 0
        self.refreshed: set[str] = set()  # reference entities brought up to date
        # Where the next incremental run reads the provider's changes from (None: keep).
        self.changes_since: datetime | None = None

    # --- the run ------------------------------------------------------------------

    def execute(self) -> dict[str, Any]:
        run, company = self.run, self.company
        run.status = RunStatus.RUNNING.value
        run.started_at = run.started_at or self.started
        run.heartbeat_at = self.started
        run.total = run.done = run.succeeded = run.failed = run.skipped = 0
        run.flag = None
        company.status = CompanyStatus.SYNCING.value
        session.commit()
        signals.send(signals.run_started, run_id=run.id)
        stopped: Stop | None = None
        try:
            self._prepare()
            self.book.milestone(MILESTONE_STARTED, Level.INFO)
            self._flush()
            if run.kind == RunKind.RETRY:
                self._retry_phase()
            else:
                self._pull_phase()
                if run.kind != RunKind.REFERENCE:
                    self._push_phase()
                    self._catch_up()
        except Reschedule as wait:
            return self._reschedule(wait)
        except Stop as exc:
            stopped = exc
        except Exception as exc:
            log.exception("run %s failed", run.id)
            session.rollback()
            message = f"{type(exc).__name__}: {exc}"[:2000]
            stopped = Stop(diagnosis("sync_admin.internal_error", message), "")
            self._finish(stopped, internal=True)
            raise
        return self._finish(stopped)

    def _prepare(self) -> None:
        company = self.company
        if not company.linked:
            raise Stop(_note("the company is unlinked; unlinked companies are not synced"))
        if not company.host_company_key:
            raise Stop(_note("the company is not linked to a company of the host product"))
        connection: Connection | None = company.connection
        if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
            raise Stop(_note("the company has no connection; connect the provider again"))
        self.connection = connection
        self.book.external_account = connection.external_account or ""
        self.provider = providers.get(company.provider)
        self.host = current_app.extensions["sync_admin"].host_adapter
        self.tokens = _TrackedTokens(ConnectionTokens(connection.id))
        self.pacer = RedisPacer(
            get_redis(),
            self.provider.name,
            company.provider_company_id,
            self.provider.limits,
            window_seconds=int(self.config["SYNC_ADMIN_RATE_WINDOW_SECONDS"]),
            share=float(self.config["SYNC_ADMIN_RATE_SHARE"]),
        )
        self.client = self.provider.build_client(
            ClientContext(
                provider_company_id=company.provider_company_id,
                tokens=self.tokens,
                pacer=self.pacer,
                config=self.config,
                company_name=company.name,
                provider_connection_id=company.provider_connection_id,
            )
        )
        self.policy = CallPolicy(
            refresh=self._refresh,
            on_wait=self._waited,
            on_retry=self._retrying,
            backoff=float(self.config["SYNC_ADMIN_RETRY_BACKOFF_SECONDS"]),
            max_retries=int(self.config["SYNC_ADMIN_MAX_TRANSIENT_RETRIES"]),
            max_inline_wait=float(self.config["SYNC_ADMIN_MAX_INLINE_WAIT_SECONDS"]),
        )
        self._load_mappings()

    def _load_mappings(self) -> None:
        rows = session.scalars(select(Mapping).where(Mapping.company_id == self.company.id)).all()
        self.mappings = {(m.kind, m.host_key): m.provider_id for m in rows}
        inactive = session.execute(
            select(ReferenceObject.entity, ReferenceObject.external_id, ReferenceObject.name).where(
                ReferenceObject.company_id == self.company.id,
                ReferenceObject.active.is_(False),
            )
        ).all()
        # The provider's name of each inactive object: errors name "Old Merchandise", not "8".
        self.inactive = {(e, x): name for e, x, name in inactive}

    def _mapping_active(self, kind: MappingKind, key: str) -> bool:
        entity = MAPPING_ENTITY.get(MappingKind(kind))
        if entity is None:
            return True
        return (str(entity), self.mappings.get((str(kind), key))) not in self.inactive

    def _mapped_name(self, kind: MappingKind, key: str) -> str | None:
        """The provider's name of the inactive object a host key is mapped to, if known."""
        entity = MAPPING_ENTITY.get(MappingKind(kind))
        return self.inactive.get((str(entity), self.mappings.get((str(kind), key)))) or None

    def _bad_debt_key(self, record: Any) -> str:
        """The Bad Debt mapping a write-off uses: its fee item's own, else ``default``."""
        key = str(getattr(record, "fee_item", "") or "default")
        return key if (MappingKind.BAD_DEBT.value, key) in self.mappings else "default"

    def _refresh(self) -> None:
        try:
            self.tokens.refresh()
        except ProviderError as exc:
            raise Stop(exc.diagnosis, exc.body) from exc

    def _retrying(self, d: Diagnosis, what: str) -> None:
        """A request the engine repeats on its own: the log keeps the provider's answer,
        so staff see the 401s, throttles and garbled bodies that retries hid."""
        self.book.event(
            f"{self.provider.label} answered: {d.entry.title} ({d.message}); {what}"[:4000],
            Level.WARNING,
            catalog_code=d.code,
        )

    def _waited(self, seconds: float, d: Diagnosis) -> None:
        signals.send(
            signals.rate_limit_waited,
            provider=self.provider.name,
            company_id=self.company.id,
            seconds=seconds,
        )

    # --- pull -----------------------------------------------------------------------

    def _entities(self) -> set[str] | None:
        chosen = (self.run.params or {}).get("entities")
        return {str(e) for e in chosen} if chosen else None

    def _since(self, key: str) -> datetime | None:
        if self.run.kind != RunKind.INCREMENTAL:
            return None
        since = (self.run.params or {}).get("since") or (self.company.cursors or {}).get(key)
        return datetime.fromisoformat(since) if since else None

    def _pull_phase(self) -> None:
        chosen = self._entities()
        specs = [s for s in self.provider.pull_entities() if not chosen or s.entity in chosen]
        if self.run.kind == RunKind.INCREMENTAL:
            whole = self._read_changes(specs)
        else:
            if self.run.kind != RunKind.REFERENCE:  # pushed records' changes are not read
                self.changes_since = self.started
            whole = specs
        for spec in whole:
            self._pull_whole(spec)
        if specs:
            self._load_mappings()
            self.book.milestone(MILESTONE_ACCOUNTS)
            self.book.event(f"Imported {message_count(self.pulled, 'reference record')}")
        self._flush()

    def _pull_whole(self, spec: EntitySpec) -> None:
        def pull_all() -> int:
            count = 0
            for page in self.client.pull(spec.entity, None):
                self._store_reference(spec.entity, page)
                count += len(page)
            return count

        try:
            self.pulled += self.policy.call(pull_all)
        except ProviderError as exc:
            self.problems += 1
            d = exc.diagnosis
            self.book.event(
                f"Could not import {spec.entity} records: {d.entry.title}: {d.message}",
                Level.ERROR,
                entity=spec.entity,
                direction=Direction.PULL,
                catalog_code=d.code,
                body=scrub(exc.body),
            )
        else:
            self.refreshed.add(str(spec.entity))

    # --- the provider's changes since the cursor ----------------------------------------------

    def _tracked_pushes(self) -> list[EntitySpec]:
        return [s for s in self._push_specs() if s.incremental != "none"]

    def _refresh_due(self, spec: EntitySpec) -> bool:
        """Reference data with no change feed: pulled whole once its last pull is old enough."""
        last = (self.company.cursors or {}).get(f"pull:{spec.entity}")
        seconds = int(self.config["SYNC_ADMIN_REFERENCE_REFRESH_SECONDS"])
        return not last or self.started - datetime.fromisoformat(last) >= timedelta(seconds=seconds)

    def _read_changes(self, specs: list[EntitySpec]) -> list[EntitySpec]:
        """One change feed read for the reference data and the pushed records (QBO: one CDC
        call); returns the reference entities that must be pulled whole instead."""
        tracked = [s for s in specs if s.incremental != "none"]
        whole = [s for s in specs if s.incremental == "none" and self._refresh_due(s)]
        since_text = (self.run.params or {}).get("since") or (self.company.cursors or {}).get(
            CHANGES_CURSOR
        )
        if not since_text:  # no cursor yet: everything whole, and the cursor starts now
            self.changes_since = self.started
            return whole + tracked
        answer = self._changes(tracked + self._tracked_pushes(), datetime.fromisoformat(since_text))
        if answer is None:
            return whole
        changes, self.changes_since = answer
        for spec in tracked:
            if spec.entity in changes:
                self._apply_reference(spec, changes[spec.entity])
            else:
                whole.append(spec)
        for spec in self._tracked_pushes():
            if spec.entity in changes:
                self._apply_pushed(spec, changes[spec.entity])
        return whole

    def _catch_up(self) -> None:
        """After writing, read the reference data's changes once more and move the cursor past
        this run's own writes: the next incremental run then reads only newer changes (one QBO
        CDC call) instead of this run's writes again. A change made in the provider to a record
        while the run that wrote it was still running is not reported."""
        if not self.sent or self.changes_since is None:
            return
        chosen = self._entities()
        tracked = [
            s
            for s in self.provider.pull_entities()
            if s.incremental != "none" and (not chosen or s.entity in chosen)
        ]
        if not tracked:
            self.changes_since = utcnow()
            return
        answer = self._changes(tracked, self.changes_since)
        if answer is None:
            return
        changes, since = answer
        for spec in tracked:
            if spec.entity in changes:
                self._apply_reference(spec, changes[spec.entity])
            else:
                self._pull_whole(spec)
        self._load_mappings()
        self.changes_since = since
        self._flush()

    def _changes(
        self, specs: list[EntitySpec], since: datetime
    ) -> tuple[dict[Entity, list[ProviderChange]], datetime] | None:
        """The provider's changes since the cursor; an empty answer with a fresh cursor when the
        provider no longer keeps changes that old (the caller pulls whole); None on failure."""
        if not specs:
            return {}, utcnow()
        before = utcnow()

        def read() -> tuple[dict[Entity, list[ProviderChange]], datetime] | ProviderError:
            try:
                return self.client.changed([s.entity for s in specs], since)
            except ProviderError as exc:
                if "stale_cursor" in exc.diagnosis.facts:
                    return exc  # asking again would be refused again: pull whole instead
                raise

        try:
            answer = self.policy.call(read)
        except ProviderError as exc:
            d = exc.diagnosis
            self.problems += 1
            self.book.event(
                f"Could not read the changes made in {self.provider.label}: "
                f"{d.entry.title}: {d.message}",
                Level.ERROR,
                direction=Direction.PULL,
                catalog_code=d.code,
                body=scrub(exc.body),
            )
            return None
        if isinstance(answer, ProviderError):
            self.book.event(
                f"{self.provider.label} no longer keeps changes since {since:%Y-%m-%d}: "
                "reference data is imported whole; changes made there to synced records "
                "until now are not reported",
                Level.WARNING,
                catalog_code=answer.diagnosis.code,
            )
            return {}, before
        return answer

    def _apply_reference(self, spec: EntitySpec, changes: list[ProviderChange]) -> None:
        records = [c.record for c in changes if c.record is not None]
        gone = [c.external_id for c in changes if c.record is None and c.removed]
        if records:
            notes = self._store_reference(spec.entity, records, describe=True)
            self.pulled += len(records)
            if notes:
                self.book.event(
                    f"Changed in {self.provider.label}: "
                    + "; ".join(notes[:20])
                    + (f"; and {len(notes) - 20} more" if len(notes) > 20 else ""),
                    entity=spec.entity,
                    direction=Direction.PULL,
                )
        if gone:
            for row in session.scalars(
                select(ReferenceObject).where(
                    ReferenceObject.company_id == self.company.id,
                    ReferenceObject.entity == str(spec.entity),
                    ReferenceObject.external_id.in_(gone),
                )
            ):
                row.active = False
        self.refreshed.add(str(spec.entity))

    def _apply_pushed(self, spec: EntitySpec, changes: list[ProviderChange]) -> None:
        """Synced records changed in the provider: a newer version is kept (the next update
        sends it, not a stale one) and reported; a deleted, voided or archived one fails with
        ``sync_admin.deleted_in_provider`` and loses its link, so a retry creates a fresh copy."""
        by_id = {c.external_id: c for c in changes if c.external_id}
        edited: list[str] = []
        for chunk in _chunks(iter(by_id), 500):
            for row in session.scalars(
                select(SyncResult).where(
                    SyncResult.company_id == self.company.id,
                    SyncResult.entity == str(spec.entity),
                    SyncResult.direction == Direction.PUSH.value,
                    SyncResult.external_id.in_(chunk),
                )
            ):
                change = by_id[row.external_id]
                if row.excluded or row.link_status == LinkStatus.UNLINKED:
                    continue
                if change.removed and row.outcome == Outcome.PENDING:
                    continue  # its last push got no answer: the retry (same key) decides
                if change.removed:
                    self._removed_in_provider(row, change)
                elif change.version and change.version != row.external_version:
                    if row.external_version is not None:
                        edited.append(row.label or row.local_id)
                        row.facts = {**(row.facts or {}), "changed_in_provider_at": _iso()}
                    row.external_version = change.version
        if edited:
            shown = ", ".join(edited[:20]) + (
                f" and {len(edited) - 20} more" if len(edited) > 20 else ""
            )
            self.book.event(
                f"{message_count(len(edited), str(spec.entity))} changed in "
                f"{self.provider.label} since the last sync: {shown}",
                entity=spec.entity,
                direction=Direction.PULL,
            )
        self._flush()

    def _removed_in_provider(self, row: SyncResult, change: ProviderChange) -> None:
        status = (change.status or "deleted").lower()
        d = diagnosis(
            REMOVED_IN_PROVIDER,
            f"{_label(row.entity)} {row.label or row.local_id} was {status} in "
            f"{self.provider.label} (id {row.external_id})",
        )
        now = utcnow()
        row.facts = {
            **(row.facts or {}),
            **d.facts,
            "removed_external_id": row.external_id,
        }
        row.run_id = self.run.id
        row.outcome = Outcome.FAILED.value
        row.catalog_code = d.code
        row.category = str(d.category)
        row.details = d.message
        row.external_id = None
        row.external_version = None
        row.response_body = None
        row.blocked_by = None
        row.last_attempt_at = now
        row.failed_since = row.failed_since or now
        self.problems += 1
        self.book.event(
            f"{d.message}: {d.entry.title}",
            Level.ERROR,
            entity=row.entity,
            direction=Direction.PULL,
            local_id=row.local_id,
            catalog_code=d.code,
        )

    def _store_reference(
        self, entity: Entity, page: list[Any], describe: bool = False
    ) -> list[str]:
        """Upsert pulled reference records; with ``describe``, say what changed (for staff:
        an item made inactive, an account renamed)."""
        # The host writes first, in its own transaction: on SQLite a second writer
        # would wait for ours.
        self.host.receive(self.company.host_company_key, entity, page)
        ids = [str(r.external_id) for r in page]
        existing = {
            r.external_id: r
            for r in session.scalars(
                select(ReferenceObject).where(
                    ReferenceObject.company_id == self.company.id,
                    ReferenceObject.entity == str(entity),
                    ReferenceObject.external_id.in_(ids),
                )
            )
        }
        notes: list[str] = []
        for record in page:
            row = existing.get(str(record.external_id))
            name = (record.name or "")[:255]
            active = bool(getattr(record, "active", True))
            if describe:
                notes.extend(_reference_notes(entity, row, name, active))
            if row is None:
                row = ReferenceObject(
                    company_id=self.company.id, entity=str(entity), external_id=record.external_id
                )
                session.add(row)
                existing[row.external_id] = row
            row.name = name
            row.code = (getattr(record, "code", "") or "")[:64] or None
            row.type = (getattr(record, "type", "") or "")[:64] or None
            row.active = active
            row.data = {k: v for k, v in (getattr(record, "raw", None) or {}).items()}
        self._flush()
        return notes

    # --- push ---------------------------------------------------------------------------

    def _push_specs(self) -> list[EntitySpec]:
        chosen = self._entities()
        return [s for s in self.provider.push_entities() if not chosen or s.entity in chosen]

    def _push_phase(self) -> None:
        key = self.company.host_company_key
        for spec in self._push_specs():
            since = self._since(str(spec.entity))
            for chunk in _chunks(self.host.records(key, spec.entity, since), spec.batch_size):
                self._push_chunk(spec, chunk)
            self._waiting(spec)
            self._phase_milestone(spec)

    def _retry_phase(self) -> None:
        ids = [int(i) for i in (self.run.params or {}).get("result_ids", [])]
        key = self.company.host_company_key
        wanted: dict[str, list[str]] = {}
        for chunk in _chunks(iter(ids), 500):
            for row in session.scalars(
                select(SyncResult).where(
                    SyncResult.id.in_(chunk), SyncResult.company_id == self.company.id
                )
            ):
                if row.excluded or row.link_status == LinkStatus.UNLINKED:
                    continue
                wanted.setdefault(row.entity, []).append(row.local_id)
        self.book.event(f"Retrying {message_count(sum(map(len, wanted.values())), 'record')}")
        for spec in self.provider.push_entities():
            local_ids = wanted.get(str(spec.entity), [])
            for chunk in _chunks(iter(local_ids), spec.batch_size):
                records = []
                for local_id in chunk:
                    record = self.host.record(key, spec.entity, local_id)
                    if record is None:
                        self._gone(spec.entity, local_id)
                    else:
                        records.append(record)
                if records:
                    self._push_chunk(spec, records, force=True)
            self._waiting(spec)
            if local_ids:
                self._phase_milestone(spec)

    def _waiting(self, spec: EntitySpec) -> None:
        """Records skipped or interrupted in earlier runs: try them again now."""
        key = self.company.host_company_key
        stmt = (
            select(SyncResult.local_id)
            .where(
                SyncResult.company_id == self.company.id,
                SyncResult.entity == str(spec.entity),
                SyncResult.direction == Direction.PUSH.value,
                SyncResult.outcome.in_([Outcome.SKIPPED.value, Outcome.PENDING.value]),
                SyncResult.excluded.is_(False),
                SyncResult.link_status == LinkStatus.LINKED.value,
                (SyncResult.run_id != self.run.id) | SyncResult.run_id.is_(None),
            )
            .order_by(SyncResult.id)
        )
        ids = list(session.scalars(stmt))
        for chunk in _chunks(iter(ids), spec.batch_size):
            records = []
            for local_id in chunk:
                record = self.host.record(key, spec.entity, local_id)
                if record is None:
                    self._gone(spec.entity, local_id)
                else:
                    records.append(record)
            if records:
                self._push_chunk(spec, records, force=True)

    def _phase_milestone(self, spec: EntitySpec) -> None:
        specs = self._push_specs()
        if spec.entity == Entity.CONTACT:
            self.book.milestone(MILESTONE_CONTACTS)
        elif specs and spec is specs[-1] and any(s.entity != Entity.CONTACT for s in specs):
            self.book.milestone(MILESTONE_TRANSACTIONS)
        self._flush()

    def _push_chunk(self, spec: EntitySpec, records: list[PushRecord], force: bool = False) -> None:
        entity = spec.entity
        results = load_results(
            self.company.id, entity, Direction.PUSH, [r.local_id for r in records]
        )
        deps = synced_external_ids(self.company.id, [d for r in records for d in dependencies(r)])
        items: list[PushItem] = []
        rows: dict[str, SyncResult] = {}
        now = utcnow()
        for record in records:
            local_id = str(record.local_id)
            row = results.get(local_id)
            if row is None:
                row = SyncResult(
                    company_id=self.company.id,
                    entity=str(entity),
                    direction=Direction.PUSH.value,
                    local_id=local_id,
                    outcome=Outcome.PENDING.value,
                    attempts=0,
                    facts={},
                )
                session.add(row)
                results[local_id] = row
            row.label = str(getattr(record, "label", local_id))[:255]
            if row.excluded or row.link_status == LinkStatus.UNLINKED:
                continue  # left out: staff excluded the error or unlinked the record
            digest = payload_hash(record)
            self.run.total += 1
            if not force and row.catalog_code == REMOVED_IN_PROVIDER:
                # Deleted in the provider on purpose, perhaps: staff retry it to re-create it.
                self.run.done += 1
                continue
            if (
                not force
                and row.outcome == Outcome.SYNCED
                and row.payload_hash == digest
                and row.external_id
            ):
                self.run.done += 1
                self.run.succeeded += 1
                continue
            row.run_id = self.run.id
            needed = dependencies(record)
            depends_on = [f"{e}:{i}" for e, i in needed]
            missing = [
                (e, i)
                for e, i in needed
                if deps.get((str(e), i), ("", None, "", ""))[0] != Outcome.SYNCED
                or not deps[(str(e), i)][1]
            ]
            if missing:
                self._skip(row, record, missing, deps, depends_on)
                continue
            refs = Refs(
                records={(str(e), i): deps[(str(e), i)][1] for e, i in needed},
                mappings=dict(self.mappings),
            )
            found = preflight(
                self.provider, spec, record, refs, self._mapping_active, self._mapped_name
            )
            if found:
                extra = "; ".join(d.message for d in found[1:])
                self._fail(row, record, found[0], body=None, extra=extra, depends_on=depends_on)
                continue
            row.idempotency_key = idempotency_key(row)
            row.outcome = Outcome.PENDING.value
            row.attempts = (row.attempts or 0) + 1
            row.last_attempt_at = now
            row.payload_hash = digest
            sent = (row.facts or {}).get("sent") if row.external_id else None
            row.facts = {"depends_on": depends_on, **({"sent": sent} if sent else {})}
            rows[local_id] = row
            items.append(
                PushItem(
                    record=record,
                    idempotency_key=row.idempotency_key,
                    refs=refs,
                    external_id=row.external_id,
                    external_version=row.external_version,
                    sent=sent,
                )
            )
        if items:
            self._flush()  # the idempotency keys are stored before the call
            self._send(spec, items, rows)
        self._maybe_flush()

    def _send(self, spec: EntitySpec, items: list[PushItem], rows: dict[str, SyncResult]) -> None:
        self.sent += len(items)
        pending = items
        rekeyed = False
        rounds = 0
        synced = failed = 0
        while pending:
            batch = pending
            try:
                outcomes = self.policy.call(
                    lambda batch=batch: self.client.push(spec.entity, batch)
                )
            except ProviderError as exc:
                for item in batch:
                    self._fail(rows[item.local_id], item.record, exc.diagnosis, body=exc.body)
                failed += len(batch)
                break
            by_id = {str(o.local_id): o for o in outcomes}
            again: list[PushItem] = []
            for item in batch:
                outcome = by_id.get(str(item.local_id))
                row = rows[item.local_id]
                if outcome is None:
                    d = self.provider.diagnose(502, "")
                    self._fail(row, item.record, d, body="no answer for this record")
                    failed += 1
                elif outcome.ok:
                    self._synced(row, outcome.external_id, outcome.external_version)
                    if outcome.sent:
                        row.facts = {**(row.facts or {}), "sent": outcome.sent}
                    if outcome.replaced:
                        self._replaced(row, outcome.replaced)
                    synced += 1
                elif (
                    outcome.diagnosis is not None
                    and retryable(outcome.diagnosis)
                    and rounds < self.policy.limit(outcome.diagnosis)
                ):
                    if outcome.diagnosis.category == Category.STALE_OBJECT:
                        # The stored version is out of date (a payment applied to the invoice,
                        # an edit in the provider): the client reads the current one. The answer
                        # was definite, so a fresh key: the old one would replay the refusal.
                        item.external_version = None
                        item.idempotency_key = row.idempotency_key = uuid.uuid4().hex
                        rekeyed = True
                    again.append(item)
                else:
                    if outcome.replaced:
                        # The old provider record is gone, the new one was refused: unlinked,
                        # so that the retry creates it (not "deleted in the provider").
                        row.external_id = row.external_version = None
                    d = outcome.diagnosis or self.provider.diagnose(400, outcome.body)
                    self._fail(row, item.record, d, body=outcome.body)
                    failed += 1
            pending = again
            if rekeyed:
                self._flush()  # the new keys are stored before the call that uses them
                rekeyed = False
            if pending:
                rounds += 1
                self.policy.retries += 1
                self.policy.sleep(self.policy.delay(rounds))
        self.book.event(
            f"Pushed {message_count(len(items), str(spec.entity))}: {synced} synced, {failed} failed",
            Level.INFO if not failed else Level.WARNING,
            entity=spec.entity,
            direction=Direction.PUSH,
        )

    # --- ledger outcomes ------------------------------------------------------------------

    def _synced(self, row: SyncResult, external_id: str | None, version: str | None) -> None:
        now = utcnow()
        row.outcome = Outcome.SYNCED.value
        row.external_id = external_id or row.external_id
        row.external_version = version or row.external_version
        row.catalog_code = row.category = row.details = row.response_body = None
        row.blocked_by = None
        row.last_success_at = now
        row.last_attempt_at = now
        row.failed_since = None
        self.book.record(True)
        self.run.done += 1
        self.run.succeeded += 1
        self.unwritten += 1

    def _replaced(self, row: SyncResult, old: str) -> None:
        """The provider could not edit the record in place (a Xero payment): the old one was
        deleted and a new one created; the sync result now points at the new one."""
        self.book.event(
            f"{_label(row.entity)} {row.label or row.local_id} replaced in "
            f"{self.provider.label}: {old} deleted, {row.external_id} created "
            "(it cannot be edited there)",
            entity=row.entity,
            direction=Direction.PUSH,
            local_id=row.local_id,
        )

    def _fail(
        self,
        row: SyncResult,
        record: Any,
        d: Diagnosis,
        *,
        body: str | None,
        extra: str = "",
        depends_on: list[str] | None = None,
    ) -> None:
        row.run_id = self.run.id
        row.outcome = Outcome.FAILED.value
        row.catalog_code = d.code
        row.category = str(d.category)
        row.details = (d.message + (f"; {extra}" if extra else ""))[:4000]
        facts = dict(d.facts)
        if (
            getattr(record, "entity", None) == Entity.WRITE_OFF
            and d.entry.action == Action.MAP_BAD_DEBT
            and not facts.get("host_key")
        ):
            # The provider names its Bad Debt item; the fix link selects the host key in use.
            facts["host_key"] = self._bad_debt_key(record)
        facts["depends_on"] = (
            depends_on if depends_on is not None else (row.facts or {}).get("depends_on", [])
        )
        if row.external_id and (row.facts or {}).get("sent"):
            facts["sent"] = row.facts["sent"]  # the provider still holds what was last sent
        row.facts = facts
        row.response_body = scrub(body)
        row.blocked_by = None
        row.last_attempt_at = utcnow()
        # A retry that fails again keeps the time the failure was first recorded.
        row.failed_since = row.failed_since or row.last_attempt_at
        self.book.record(False)
        self.run.done += 1
        self.run.failed += 1
        self.unwritten += 1
        self.book.event(
            f"{_label(row.entity)} {row.label or row.local_id}: {d.entry.title}: {d.message}"[
                :4000
            ],
            Level.ERROR,
            entity=row.entity,
            direction=Direction.PUSH,
            local_id=row.local_id,
            catalog_code=d.code,
            body=scrub(body),
        )

    def _skip(
        self,
        row: SyncResult,
        record: Any,
        missing: list[tuple[Entity, str]],
        deps: dict[tuple[str, str], tuple[str, str | None, str, str]],
        depends_on: list[str],
    ) -> None:
        entity, local_id = missing[0]
        state, _, _, label = deps.get((str(entity), local_id), ("not synced", None, "", local_id))
        if state == Outcome.PENDING:
            state = "not synced yet"
        blocked = f"{entity}:{local_id}"
        message = f"{entity} {local_id} is {state}; this record waits for it"
        if entity == Entity.INVOICE and row.entity in (Entity.PAYMENT, Entity.CREDIT_NOTE):
            ref = "Payment Ref#" if row.entity == Entity.PAYMENT else "Credit Ref#"
            message = (
                f"{ref}: {row.label or row.local_id} Could not find applied invoice Ref#: "
                f"{label} ({message})"
            )
        repeated = row.outcome == Outcome.SKIPPED and row.blocked_by == blocked
        d = claim(self.provider, diagnosis("sync_admin.dependency_not_synced", message))
        row.outcome = Outcome.SKIPPED.value
        row.catalog_code = d.code
        row.category = str(d.category)
        row.details = message
        row.blocked_by = blocked[:100]
        row.facts = {**d.facts, "depends_on": depends_on}
        row.response_body = None
        row.last_attempt_at = utcnow()
        row.failed_since = None
        self.run.done += 1
        self.run.skipped += 1
        self.unwritten += 1
        if not repeated:
            self.book.event(
                f"{_label(row.entity)} {row.label or row.local_id} skipped: {message}",
                Level.WARNING,
                entity=row.entity,
                direction=Direction.PUSH,
                local_id=row.local_id,
                catalog_code=d.code,
            )

    def _gone(self, entity: Entity, local_id: str) -> None:
        row = load_results(self.company.id, entity, Direction.PUSH, [local_id]).get(local_id)
        if row is None:
            return
        self.run.total += 1
        d = diagnosis("sync_admin.deleted_in_host", f"{entity} {local_id} was deleted")
        self._fail(row, None, d, body=None)

    # --- writing --------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        self.run.heartbeat_at = utcnow()

    def _flush(self) -> None:
        self.book.flush()
        self.run.heartbeat_at = utcnow()
        if self.run.failed or self.problems:
            self.run.flag = RunFlag.ORANGE.value
        session.commit()
        self.unwritten = 0

    def _maybe_flush(self) -> None:
        limit = int(self.config["SYNC_ADMIN_WRITE_BATCH"])
        if self.unwritten >= limit or self.book.pending >= limit:
            self._flush()

    # --- endings ----------------------------------------------------------------------------

    def _reschedule(self, wait: Reschedule) -> dict[str, Any]:
        from ..services.runs import enqueue

        run = self.run
        at = utcnow() + timedelta(seconds=wait.seconds)
        self.book.event(
            f"{self.provider.label} asked to wait {wait.seconds:.0f} s "
            f"({wait.diagnosis.entry.title}); the sync continues at {at:%H:%M:%S} UTC",
            Level.WARNING,
            catalog_code=wait.diagnosis.code,
        )
        self._waited(wait.seconds, wait.diagnosis)
        self.book.flush()
        run.status = RunStatus.QUEUED.value
        run.not_before = at
        run.message = f"re-scheduled: rate limited for {wait.seconds:.0f} s"
        session.commit()
        enqueue(run, at=at)
        return {"run_id": run.id, "status": run.status, "not_before": at.isoformat()}

    def _finish(self, stopped: Stop | None, internal: bool = False) -> dict[str, Any]:
        run, company = self.run, self.company
        now = utcnow()
        errors = run.failed + self.problems
        if self.problems:  # kept for the counts and the flag (Run.other_errors)
            run.params = {**(run.params or {}), "other_errors": self.problems}
        if stopped is not None:
            d = stopped.diagnosis
            self.book.milestone(
                f"Data sync stopped: {d.entry.title}: {d.message}"[:4000],
                Level.ERROR,
                catalog_code=d.code,
                body=scrub(stopped.body) or None,
            )
            if d.category in (Category.AUTH_REVOKED, Category.AUTH_EXPIRED) and not internal:
                self._connection_dead(d)
            run.status = RunStatus.FAILED.value
            run.message = d.message[:2000]
        else:
            level = Level.SUCCESS if not errors else Level.WARNING
            # The milestone counts what the run's counts show: its failed records, and apart
            # the errors outside records (Run.other_errors).
            parts = [message_count(run.failed, "failed record")] if run.failed else []
            if self.problems:
                parts.append(message_count(self.problems, "other error"))
            text = MILESTONE_FINISHED + (f" with {' and '.join(parts)}" if parts else "")
            self.book.milestone(text, level)
            run.status = RunStatus.SUCCEEDED.value
            run.message = run.counts_text.partition(": ")[2]
            if self._pull_only():
                # Not an empty sync: the chart of accounts, items and tax rates came in.
                run.message = (
                    f"reference data pull: {message_count(getattr(self, 'pulled', 0), 'record')}"
                    " imported"
                )
        remaining = self._failures_left()
        run.flag = (
            RunFlag.RED if stopped is not None or errors or remaining else RunFlag.BLUE
        ).value
        if stopped is None and not errors and remaining:
            self.book.milestone(
                f"{message_count(remaining, 'failed record')} of earlier runs still need "
                "attention (Failures lists them)",
                Level.WARNING,
            )
        run.finished_at = now
        run.not_before = None
        company.last_synced_at = now
        session.refresh(company, ["mapping_changed_at"])  # staff may have changed a mapping
        mapping_changed = company.mapping_changed_at and company.mapping_changed_at > self.started
        if stopped is None:
            company.last_successful_sync_at = now
            if run.kind != RunKind.RETRY:
                cursors = dict(company.cursors or {})
                stamp = self.started.isoformat()
                for spec in self.provider.entities:
                    key = str(spec.entity)
                    if spec.direction == Direction.PULL:
                        if key in self.refreshed:  # a failed pull keeps its old cursor
                            cursors[f"pull:{key}"] = stamp
                    elif run.kind != RunKind.REFERENCE and (
                        not self._entities() or spec.entity in self._entities()
                    ):
                        cursors[key] = stamp
                # A run of chosen entities read only their changes: the cursor stays.
                if self.changes_since is not None and not self._entities():
                    cursors[CHANGES_CURSOR] = self.changes_since.isoformat()
                company.cursors = cursors
        healthy = stopped is None and not errors and not remaining and not mapping_changed
        company.status = (CompanyStatus.SYNCED if healthy else CompanyStatus.NEEDS_RESYNC).value
        self.book.flush()
        session.commit()
        signals.send(signals.run_finished, run_id=run.id)
        return {
            "run_id": run.id,
            "status": run.status,
            "flag": run.flag,
            "succeeded": run.succeeded,
            "failed": run.failed,
            "skipped": run.skipped,
        }

    def _pull_only(self) -> bool:
        if self.run.kind == RunKind.REFERENCE:
            return True
        chosen = self._entities()
        pulls = {str(s.entity) for s in self.provider.pull_entities()}
        return bool(chosen) and chosen <= pulls

    def _failures_left(self) -> int:
        """The company's failed, non-excluded sync results, whichever run recorded them: a
        retry of one of several failures leaves the company needing attention."""
        return session.scalar(
            select(func.count())
            .select_from(SyncResult)
            .where(
                SyncResult.company_id == self.company.id,
                SyncResult.outcome == Outcome.FAILED.value,
                SyncResult.excluded.is_(False),
            )
        )

    def _connection_dead(self, d: Diagnosis) -> None:
        connection = getattr(self, "connection", None) or self.company.connection
        if connection is None:
            return
        session.refresh(connection)
        if connection.status != ConnectionStatus.NEEDS_RECONNECT:
            connection.status = ConnectionStatus.NEEDS_RECONNECT.value
            connection.last_error = d.message[:2000]
        signals.send(
            signals.token_refresh_failed,
            provider=self.company.provider,
            connection_id=connection.id,
        )
        signals.send(signals.connection_needs_reconnect, connection_id=connection.id)


def finish_run_timed_out(run: Run) -> None:
    """The sweeper's verdict on a run past its timeout: failed, red, company needs resync."""
    seconds = int(current_app.config["SYNC_ADMIN_RUN_TIMEOUT_SECONDS"])
    book = Logbook(run.company, run.id)
    d = diagnosis("sync_admin.run_timed_out", f"the run did not finish within {seconds} s")
    book.milestone(
        f"Data sync stopped: {d.entry.title}: {d.message}", Level.ERROR, catalog_code=d.code
    )
    run.status = RunStatus.FAILED.value
    run.flag = RunFlag.RED.value
    run.message = d.message
    run.finished_at = utcnow()
    run.company.status = CompanyStatus.NEEDS_RESYNC.value
    book.flush()
    session.commit()
    signals.send(signals.run_finished, run_id=run.id)


def _reference_notes(entity: Entity, row: Any, name: str, active: bool) -> list[str]:
    noun = str(entity).replace("_", " ")
    if row is None:
        return [f"new {noun} '{name}'" + ("" if active else " (inactive)")]
    notes = []
    if row.name and row.name != name:
        notes.append(f"{noun} '{row.name}' renamed to '{name}'")
    if row.active and not active:
        notes.append(f"{noun} '{name}' made inactive")
    elif not row.active and active:
        notes.append(f"{noun} '{name}' made active again")
    return notes


def _iso() -> str:
    return utcnow().isoformat()


def _note(message: str) -> Diagnosis:
    return diagnosis("sync_admin.not_ready", message)


def _label(entity: str) -> str:
    return str(entity).replace("_", " ").capitalize()


def message_count(n: int, noun: str) -> str:
    noun = noun.replace("_", " ")
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _chunks(iterable: Iterable[Any] | Iterator[Any], size: int) -> Iterator[list[Any]]:
    it = iter(iterable)
    while chunk := list(islice(it, max(1, size))):
        yield chunk
