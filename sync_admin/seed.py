"""Seed data at production scale: companies with years of runs, logs and sync results.

Why: the screens promise speed at 10 million log rows and can only be built and
judged against data of that size and shape. ``seed()`` writes organizations,
connections (tokens encrypted like real ones), companies, runs, logs and sync
results with a realistic spread (providers, statuses, levels, entities, catalog
messages, dates over two years, a few very big companies and many small ones),
then the summary counters (``sync_company_stats``, ``sync_daily_stats``) added up
from the very rows it wrote, so a screen reading them shows what a COUNT would.

PostgreSQL is filled with COPY (psycopg 3 ``cursor.copy``); a big load drops the
log and result indexes first and builds them again after, inside the same
transaction. SQLite gets executemany in batches.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from .failure_counts import recount_all
from .models import (
    Company,
    CompanyStats,
    DailyStats,
    Log,
    Organization,
    Run,
    SyncResult,
)
from .models import Connection as ConnectionModel
from .seed_words import (
    ACCOUNTS,
    FAILED,
    FEE_ITEMS,
    FINISHED,
    FIRST_NAMES,
    INFOS,
    LAST_NAMES,
    MILESTONES,
    ORG_KINDS,
    ORG_WORDS,
    PROVIDER_LABELS,
    SITES,
    TAX_RATES,
    WARNINGS,
    SeedError,
    errors_for,
)

__all__ = ["SeedReport", "seed"]

YEARS = 2
PROVIDERS = (("quickbooks", 0.6), ("xero", 0.4))
COMPANY_STATUSES = (("synced", 0.7), ("needs_resync", 0.2), ("syncing", 0.1))
# Record entities of a log event or a sync result, with how often they occur.
ENTITIES = (
    ("invoice", 0.40),
    ("payment", 0.24),
    ("contact", 0.20),
    ("credit_note", 0.05),
    ("write_off", 0.02),
    ("item", 0.04),
    ("account", 0.03),
    ("tax_rate", 0.02),
)
PULLED = {"item", "account", "tax_rate"}
ENTITY_NAMES = {
    "invoice": ("Invoice", "invoices"),
    "payment": ("Payment", "payments"),
    "contact": ("Contact", "contacts"),
    "credit_note": ("Credit note", "credit notes"),
    "write_off": ("Write-off", "write-offs"),
    "item": ("Item", "items"),
    "account": ("Account", "accounts"),
    "tax_rate": ("Tax rate", "tax rates"),
}
# Company size follows a power law: a handful of companies hold most of the rows.
SIZE_EXPONENT = 0.8
LOGS_PER_RUN = 40
BULK_THRESHOLD = 200_000
BATCH = 5_000


@dataclass
class SeedReport:
    organizations: int = 0
    connections: int = 0
    companies: int = 0
    runs: int = 0
    logs: int = 0
    results: int = 0
    seconds: float = 0.0
    company_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.organizations} organizations, {self.connections} connections, "
            f"{self.companies} companies, {self.runs} runs, {self.logs} logs, "
            f"{self.results} sync results in {self.seconds:.1f}s"
        )


def seed(
    target: Session | scoped_session | Engine | Connection,
    companies: int = 20,
    logs: int = 10_000,
    results: int | None = None,
    runs: int | None = None,
    random_seed: int = 1,
    *,
    cipher: Any = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Add ``companies`` new companies with ``logs`` log lines, ``results`` sync
    results and ``runs`` runs between them; return what was written.

    ``results`` defaults to a tenth of the logs and ``runs`` to one per 40 logs
    (at least one per company). The same ``random_seed`` gives the same data.
    ``cipher`` encrypts the fake tokens (default: the current app's).
    """
    if companies < 1:
        raise ValueError("companies must be at least 1")
    if logs < 0:
        raise ValueError("logs must not be negative")
    results = logs // 10 if results is None else results
    if results < 0:
        raise ValueError("results must not be negative")
    runs = max(companies, logs // LOGS_PER_RUN) if runs is None else runs
    if runs < companies:
        raise ValueError("runs must be at least the number of companies (one run each)")
    started = time.monotonic()
    say = progress or (lambda _message: None)
    cipher = cipher or _app_cipher()
    args = (companies, logs, results, runs, random_seed, cipher, now, say)
    if isinstance(target, Engine):
        with target.begin() as conn:
            report = _seed(conn, *args)
    elif isinstance(target, Connection):
        report = _seed(target, *args)
    else:  # a Session or a scoped session: write in its transaction, then commit
        report = _seed(target.connection(), *args)
        target.commit()
    report.seconds = time.monotonic() - started
    return report


def _app_cipher() -> Any:
    from flask import current_app, has_app_context

    if has_app_context() and "sync_admin" in current_app.extensions:
        return current_app.extensions["sync_admin"].cipher
    from .crypto import TokenCipher, generate_key

    # Outside an app the tokens are fake anyway: a throwaway key keeps them ciphertext.
    return TokenCipher([generate_key()])


# --- the plan: organizations, connections, companies, runs -------------------------------


@dataclass
class _Company:
    id: int
    organization_id: int
    connection_id: int
    provider: str
    name: str
    external_account: str
    status: str
    weight: float
    runs: list[_Run] = field(default_factory=list)


@dataclass
class _Run:
    id: int
    company: _Company
    start: float
    kind: str = "incremental"
    trigger: str = "schedule"
    status: str = "succeeded"
    logs: int = 0
    error_rate: float = 0.0
    aborted: bool = False
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    end: float = 0.0


class _Seeder:
    def __init__(
        self,
        conn: Connection,
        companies: int,
        logs: int,
        results: int,
        runs: int,
        rng: random.Random,
        cipher: Any,
        now: datetime,
        say: Callable[[str], None],
    ) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.n_companies = companies
        self.n_logs = logs
        self.n_results = results
        self.n_runs = runs
        self.rng = rng
        self.cipher = cipher
        self.end = now.timestamp()
        self.start = (now - timedelta(days=365 * YEARS)).timestamp()
        self.say = say
        self.errors = {p: errors_for(p) for p, _ in PROVIDERS}
        self.error_weights = {
            p: [1 / (i + 1) for i in range(len(errs))] for p, errs in self.errors.items()
        }
        self.company_stats: dict[int, list[Any]] = {}
        self.daily: dict[tuple[int, date], list[int]] = {}
        self.companies: list[_Company] = []
        self.runs: list[_Run] = []

    def when(self) -> float:
        """A moment in the last two years; activity grows towards today."""
        return self.start + (self.end - self.start) * math.sqrt(self.rng.random())

    def next_id(self, table: Table) -> int:
        return (self.conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1

    # organizations, connections, companies

    def plan_companies(self, report: SeedReport) -> None:
        rng = self.rng
        n_orgs = max(1, math.ceil(self.n_companies / 25))
        org_id = self.next_id(Organization.__table__)
        conn_id = self.next_id(ConnectionModel.__table__)
        company_id = self.next_id(Company.__table__)
        now = datetime.fromtimestamp(self.end, UTC)
        orgs, connections, companies = [], [], []
        org_names = []
        for i in range(n_orgs):
            name = f"{ORG_WORDS[i % len(ORG_WORDS)]} {ORG_KINDS[(i // len(ORG_WORDS)) % len(ORG_KINDS)]}"
            if i >= len(ORG_WORDS) * len(ORG_KINDS):
                name += f" {i // (len(ORG_WORDS) * len(ORG_KINDS)) + 1}"
            org_names.append(name)
            orgs.append((org_id + i, name, f"seed-org-{org_id + i}", now - timedelta(days=800)))
        # One connection per organization and provider, made when first needed.
        conn_of: dict[tuple[int, str], tuple[int, str]] = {}
        sizes = list(range(1, self.n_companies + 1))
        rng.shuffle(sizes)
        for i in range(self.n_companies):
            org_index = i % n_orgs
            org = orgs[org_index][0]
            provider = rng.choices([p for p, _ in PROVIDERS], [w for _, w in PROVIDERS])[0]
            key = (org, provider)
            if key not in conn_of:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                slug = "".join(ch for ch in org_names[org_index].lower() if ch.isalnum())
                account = f"{_ascii(first)}.{_ascii(last)}@{slug}.example.com"
                token = self.cipher.encrypt(
                    {
                        "access_token": f"seed-access-{rng.getrandbits(64):016x}",
                        "refresh_token": f"seed-refresh-{rng.getrandbits(64):016x}",
                        "token_type": "Bearer",
                        "expires_at": int(self.end) + 3600,
                    }
                )
                cid = conn_id + len(connections)
                connections.append(
                    (
                        cid,
                        org,
                        provider,
                        account,
                        f"seed-{cid}",
                        "connected",
                        token,
                        1,
                        now - timedelta(days=rng.randint(1, 700)),
                        now,
                    )
                )
                conn_of[key] = (cid, account)
            cid, account = conn_of[key]
            status = rng.choices(
                [s for s, _ in COMPANY_STATUSES], [w for _, w in COMPANY_STATUSES]
            )[0]
            site = SITES[i % len(SITES)]
            name = f"{org_names[org_index]} {site}"
            if i >= n_orgs * len(SITES):
                name += f" {i // (n_orgs * len(SITES)) + 1}"
            company = _Company(
                id=company_id + i,
                organization_id=org,
                connection_id=cid,
                provider=provider,
                name=name,
                external_account=account,
                status=status,
                weight=sizes[i] ** -SIZE_EXPONENT,
            )
            companies.append(company)
        self.companies = companies
        self._write(
            Organization.__table__,
            ("id", "name", "host_key", "created_at"),
            orgs,
        )
        self._write(
            ConnectionModel.__table__,
            (
                "id",
                "organization_id",
                "provider",
                "external_account",
                "external_account_id",
                "status",
                "token_ciphertext",
                "token_version",
                "connected_at",
                "updated_at",
            ),
            connections,
        )
        report.organizations, report.connections = len(orgs), len(connections)
        report.company_ids = [c.id for c in companies]

    def write_companies(self) -> None:
        """Written before the logs (their foreign key); sync times are set at the end."""
        rows = []
        for c in self.companies:
            realm = (
                str(9130350000000000 + c.id)
                if c.provider == "quickbooks"
                else f"{c.id:08x}-5eed-4000-8000-{c.organization_id:012x}"
            )
            rows.append(
                (
                    c.id,
                    c.organization_id,
                    c.connection_id,
                    c.provider,
                    realm,
                    c.name,
                    f"host-{c.id}",
                    "USD" if c.provider == "quickbooks" else "AUD",
                    True,
                    c.status,
                    True,
                    {},
                    _dt(c.runs[0].start - 86400),
                    _dt(c.runs[-1].start),
                )
            )
        self._write(
            Company.__table__,
            (
                "id",
                "organization_id",
                "connection_id",
                "provider",
                "provider_company_id",
                "name",
                "host_company_key",
                "base_currency",
                "linked",
                "status",
                "auto_resync",
                "cursors",
                "created_at",
                "updated_at",
            ),
            rows,
        )

    # runs

    def plan_runs(self) -> None:
        rng = self.rng
        companies = self.companies
        owners = list(companies) + rng.choices(
            companies, [c.weight for c in companies], k=self.n_runs - len(companies)
        )
        runs = [_Run(id=0, company=c, start=self.when()) for c in owners]
        runs.sort(key=lambda r: r.start)
        for run in runs:
            run.company.runs.append(run)
        for c in companies:
            c.runs[0].kind = "full"
            if c.status == "syncing":
                # The company's latest run is still going: it started minutes ago.
                c.runs[-1].start = self.end - rng.uniform(120, 1800)
                c.runs[-1].status = "running"
        runs.sort(key=lambda r: r.start)
        first_id = self.next_id(Run.__table__)
        for i, run in enumerate(runs):
            run.id = first_id + i
            if run.kind != "full":
                run.kind = rng.choices(("incremental", "retry", "resync"), (0.88, 0.06, 0.06))[0]
            run.trigger = rng.choices(
                ("schedule", "manual", "webhook", "api"), (0.8, 0.12, 0.05, 0.03)
            )[0]
            profile = rng.random()
            # Most runs are clean; some fail a few records; a few fail many.
            run.error_rate = 0.0 if profile < 0.55 else 0.03 if profile < 0.9 else 0.3
            if run.status != "running" and rng.random() < 0.02:
                run.aborted, run.status = True, "failed"
        # Share the log lines out: every run some, a few runs many.
        factors = [rng.lognormvariate(0, 0.6) for _ in runs]
        scale = self.n_logs / sum(factors)
        counts = [int(f * scale) for f in factors]
        for i in rng.sample(range(len(runs)), self.n_logs - sum(counts)):
            counts[i] += 1
        for run, count in zip(runs, counts, strict=True):
            run.logs = count
        self.runs = runs

    def write_runs(self) -> None:
        def rows() -> Iterator[tuple]:
            for r in self.runs:
                running = r.status == "running"
                if running:
                    flag = "orange" if r.failed else None
                elif r.aborted:
                    flag = "red"
                else:
                    flag = "red" if r.failed else "blue"
                yield (
                    r.id,
                    r.company.id,
                    r.kind,
                    r.trigger,
                    r.status,
                    flag,
                    r.total,
                    r.total,
                    r.succeeded,
                    r.failed,
                    0,
                    {},
                    f"sync-run-{r.id}",
                    1,
                    "Token expired; reconnect needed" if r.aborted else None,
                    "Staff Member" if r.trigger == "manual" else None,
                    _dt(r.start - 2),
                    _dt(r.start),
                    _dt(r.end),
                    None if running else _dt(r.end),
                )

        self._write(
            Run.__table__,
            (
                "id",
                "company_id",
                "kind",
                "trigger",
                "status",
                "flag",
                "total",
                "done",
                "succeeded",
                "failed",
                "skipped",
                "params",
                "job_id",
                "attempts",
                "message",
                "triggered_by",
                "created_at",
                "started_at",
                "heartbeat_at",
                "finished_at",
            ),
            rows(),
        )

    # logs

    def log_rows(self, first_id: int) -> Iterator[tuple]:
        rng = self.rng
        random_ = rng.random
        log_id = first_id
        end = self.end
        for run in self.runs:
            c = run.company
            n = run.logs
            t = run.start
            if n == 0:
                run.end = t
                continue
            stats = self.company_stats.setdefault(c.id, [0, 0, 0, 0, None])
            errors = self.errors[c.provider]
            error_weights = self.error_weights[c.provider]
            label = PROVIDER_LABELS.get(c.provider, c.provider)
            running = run.status == "running"
            marks = {0: MILESTONES[0]}
            if n >= 5:
                for k, message in enumerate(MILESTONES[1:], 1):
                    marks[n * k // 4] = message
            last = None if running or n < 2 else n - 1
            head = (c.organization_id, c.id, run.id, c.provider, c.name, c.external_account)
            for k in range(n):
                t = min(t + 0.05 + 2 * random_(), end)
                moment = _dt(t)
                entity = direction = local_id = code = body = None
                if k == last:
                    kind = "milestone"
                    if run.aborted:
                        err = next((e for e in errors if e.category == "auth_expired"), errors[0])
                        level, message, code = "error", f"{FAILED}: {err.title}", err.code
                        body = _body(c.provider, err, moment)
                    else:
                        level, message = "success", FINISHED
                elif k in marks:
                    kind, level, message = "milestone", "success", marks[k]
                else:
                    kind = "event"
                    entity = _pick_entity(random_())
                    direction = "pull" if entity in PULLED else "push"
                    number = rng.randint(1, 50_000)
                    local_id = str(number)
                    name, plural = ENTITY_NAMES[entity]
                    roll = random_()
                    if roll < run.error_rate:
                        err = rng.choices(errors, error_weights)[0]
                        level, code = "error", err.code
                        message = f"{name} {_label(entity, number)}: {err.title}"
                        body = _body(c.provider, err, moment)
                        run.failed += 1
                        run.total += 1
                    elif roll < run.error_rate + 0.05:
                        level = "warning"
                        message = rng.choice(WARNINGS).format(
                            entity=name, label=_label(entity, number), seconds=rng.randint(2, 60)
                        )
                        run.succeeded += 1
                        run.total += 1
                    elif roll < run.error_rate + 0.25:
                        level, local_id = "info", None
                        message = rng.choice(INFOS).format(
                            entity_plural=plural,
                            page=rng.randint(1, 40),
                            count=rng.randint(1, 1000),
                            seconds=rng.randint(2, 60),
                        )
                    else:
                        level = "success"
                        verb = (
                            f"imported from {label}"
                            if direction == "pull"
                            else f"{'created' if random_() < 0.7 else 'updated'} in {label}"
                        )
                        message = f"{name} {_label(entity, number)} {verb}"
                        run.succeeded += 1
                        run.total += 1
                self._count(stats, c.id, moment, kind, level, entity)
                yield (
                    log_id,
                    moment,
                    *head,
                    kind,
                    level,
                    message,
                    body,
                    entity,
                    direction,
                    local_id,
                    code,
                )
                log_id += 1
            run.end = t

    def _count(
        self,
        stats: list[Any],
        company_id: int,
        moment: datetime,
        kind: str,
        level: str,
        entity: str | None,
    ) -> None:
        stats[0] += 1
        if level == "error":
            stats[1] += 1
        elif level == "warning":
            stats[2] += 1
        if kind == "milestone":
            stats[3] += 1
        if stats[4] is None or moment > stats[4]:
            stats[4] = moment
        day = self.daily.get((company_id, moment.date()))
        if day is None:
            day = self.daily[(company_id, moment.date())] = [0, 0, 0, 0]
        day[2] += 1
        if level == "error":
            day[3] += 1
            if entity is not None and kind == "event":
                day[1] += 1
        elif entity is not None and kind == "event" and level in ("success", "warning"):
            day[0] += 1

    def write_stats(self) -> None:
        updated = _dt(self.end)
        self._write(
            CompanyStats.__table__,
            (
                "company_id",
                "logs_total",
                "logs_errors",
                "logs_warnings",
                "logs_milestones",
                "last_activity_at",
                "updated_at",
            ),
            (
                (c.id, *self.company_stats.get(c.id, (0, 0, 0, 0, None)), updated)
                for c in self.companies
            ),
        )
        self._write(
            DailyStats.__table__,
            (
                "company_id",
                "day",
                "records_synced",
                "records_failed",
                "logs_total",
                "logs_errors",
            ),
            ((cid, day, *counts) for (cid, day), counts in sorted(self.daily.items())),
        )

    # sync results

    def result_rows(self, first_id: int) -> Iterator[tuple]:
        rng = self.rng
        random_ = rng.random
        companies = self.companies
        per_company = Counter(
            rng.choices(range(len(companies)), [c.weight for c in companies], k=self.n_results)
        )
        result_id = first_id
        for index in sorted(per_company):
            c = companies[index]
            starts = [r.start for r in c.runs]
            numbers: Counter[str] = Counter()
            errors = self.errors[c.provider]
            error_weights = self.error_weights[c.provider]
            for _ in range(per_company[index]):
                entity = _pick_entity(random_())
                numbers[entity] += 1
                number = numbers[entity]
                label = _label(entity, number)
                roll = random_()
                outcome = (
                    "synced"
                    if roll < 0.88
                    else "failed"
                    if roll < 0.95
                    else "skipped"
                    if roll < 0.97
                    else "pending"
                )
                t = self.when()
                run = c.runs[max(0, bisect.bisect_right(starts, t) - 1)]
                created = t - rng.uniform(0, 30 * 86400)
                external = None
                code = category = details = response = None
                facts: dict[str, str] = {}
                attempts = 1
                if outcome == "synced":
                    external = str(100_000 + number)
                elif outcome == "failed":
                    err = rng.choices(errors, error_weights)[0]
                    code, category, details = err.code, err.category, err.message
                    response = _body(c.provider, err, _dt(t))
                    attempts = rng.randint(1, 4)
                    if entity == "invoice":
                        facts = {"invoice_number": label}
                    elif entity == "contact":
                        facts = {"name": label}
                elif outcome == "skipped":
                    details = f"Waiting for contact {rng.randint(1, 5000)}"
                attempted = None if outcome == "pending" else _dt(t)
                yield (
                    result_id,
                    c.id,
                    entity,
                    "pull" if entity in PULLED else "push",
                    str(number),
                    label,
                    external,
                    str(rng.randint(0, 9)) if external and c.provider == "quickbooks" else None,
                    "unlinked" if external is None and outcome != "synced" else "linked",
                    outcome,
                    code,
                    category,
                    details,
                    facts,
                    response,
                    outcome == "failed" and random_() < 0.08,
                    0 if outcome == "pending" else attempts,
                    f"{c.id}-{entity}-{number}-{attempts}",
                    f"blocked:contact:{number}" if outcome == "skipped" else None,
                    None if outcome == "pending" else run.id,
                    attempted,
                    # first failed when the record was first pushed
                    _dt(min(created, t)) if outcome == "failed" else None,
                    attempted if outcome == "synced" else None,
                    _dt(min(created, t)),
                    attempted or _dt(created),
                )
                result_id += 1

    # writing

    def _write(self, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        """COPY on PostgreSQL, executemany in batches elsewhere; returns the row count."""
        json_columns = [
            i for i, name in enumerate(columns) if table.c[name].type.__class__.__name__ == "JSON"
        ]
        count = 0
        if self.pg:
            raw = self.conn.connection.driver_connection
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for i in json_columns:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
                    count += 1
            return count
        insert = table.insert()
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) >= BATCH:
                self.conn.execute(insert, batch)
                count += len(batch)
                batch = []
        if batch:
            self.conn.execute(insert, batch)
            count += len(batch)
        return count

    def bulk(self, table: Table, rows: int) -> list[Any]:
        """Drop the table's secondary indexes before a big PostgreSQL load."""
        if not self.pg or rows < BULK_THRESHOLD:
            return []
        indexes = list(table.indexes)
        for index in indexes:
            self.conn.execute(text(f'DROP INDEX IF EXISTS "{index.name}"'))
        return indexes

    def rebuild(self, indexes: list[Any]) -> None:
        if not indexes:
            return
        self.conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for index in indexes:
            started = time.monotonic()
            index.create(self.conn)
            self.say(f"  index {index.name}: {time.monotonic() - started:.1f}s")

    def fix_sequences(self) -> None:
        if not self.pg:
            return
        for table in (
            Organization.__table__,
            ConnectionModel.__table__,
            Company.__table__,
            Run.__table__,
            Log.__table__,
            SyncResult.__table__,
        ):
            name = table.name  # our own table names, never input
            sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"  # noqa: S608
            self.conn.execute(text(sql))


def _seed(
    conn: Connection,
    companies: int,
    logs: int,
    results: int,
    runs: int,
    random_seed: int,
    cipher: Any,
    now: datetime | None,
    say: Callable[[str], None],
) -> SeedReport:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    seeder = _Seeder(
        conn, companies, logs, results, runs, random.Random(random_seed), cipher, now, say
    )
    if seeder.pg:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
    report = SeedReport(companies=companies)
    seeder.plan_companies(report)
    seeder.plan_runs()
    seeder.write_companies()
    stage = time.monotonic()
    dropped = seeder.bulk(Log.__table__, logs)
    report.logs = seeder._write(
        Log.__table__, _LOG_COLUMNS, seeder.log_rows(seeder.next_id(Log.__table__))
    )
    say(f"logs: {report.logs} rows in {time.monotonic() - stage:.1f}s")
    seeder.rebuild(dropped)
    report.runs = len(seeder.runs)
    seeder.write_runs()
    stage = time.monotonic()
    dropped = seeder.bulk(SyncResult.__table__, results)
    report.results = seeder._write(
        SyncResult.__table__,
        _RESULT_COLUMNS,
        seeder.result_rows(seeder.next_id(SyncResult.__table__)),
    )
    say(f"sync results: {report.results} rows in {time.monotonic() - stage:.1f}s")
    seeder.rebuild(dropped)
    # COPY bypasses the session hook that keeps the failure counts: recount them all.
    recount_all(conn)
    seeder.write_stats()
    # The last sync times of the companies depend on where their runs ended.
    _update_company_times(seeder)
    seeder.fix_sequences()
    return report


def _update_company_times(seeder: _Seeder) -> None:
    table = Company.__table__
    for c in seeder.companies:
        finished = [r for r in c.runs if r.status != "running"]
        good = [r for r in finished if r.status == "succeeded"]
        seeder.conn.execute(
            table.update()
            .where(table.c.id == c.id)
            .values(
                last_synced_at=_dt(finished[-1].end) if finished else None,
                last_successful_sync_at=_dt(good[-1].end) if good else None,
                updated_at=_dt(c.runs[-1].end),
            )
        )


_LOG_COLUMNS = (
    "id",
    "created_at",
    "organization_id",
    "company_id",
    "run_id",
    "provider",
    "company_name",
    "external_account",
    "type",
    "level",
    "message",
    "body",
    "entity",
    "direction",
    "local_id",
    "catalog_code",
)
_RESULT_COLUMNS = (
    "id",
    "company_id",
    "entity",
    "direction",
    "local_id",
    "label",
    "external_id",
    "external_version",
    "link_status",
    "outcome",
    "catalog_code",
    "category",
    "details",
    "facts",
    "response_body",
    "excluded",
    "attempts",
    "idempotency_key",
    "blocked_by",
    "run_id",
    "last_attempt_at",
    "failed_since",
    "last_success_at",
    "created_at",
    "updated_at",
)

_ENTITY_CUMULATIVE: list[tuple[float, str]] = []
_total = 0.0
for _entity, _share in ENTITIES:
    _total += _share
    _ENTITY_CUMULATIVE.append((_total, _entity))


def _pick_entity(roll: float) -> str:
    for bound, entity in _ENTITY_CUMULATIVE:
        if roll < bound:
            return entity
    return ENTITIES[0][0]


def _label(entity: str, number: int) -> str:
    """What staff recognise a record by: invoice number, contact name, item name."""
    if entity == "invoice":
        return f"INV-{number:06d}"
    if entity == "payment":
        return f"PMT-{number:06d}"
    if entity == "credit_note":
        return f"CN-{number:05d}"
    if entity == "write_off":
        return f"WO-{number:05d}"
    if entity == "contact":
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]
        return f"{first} {last} #{number}"
    if entity == "item":
        return FEE_ITEMS[number % len(FEE_ITEMS)]
    if entity == "account":
        return ACCOUNTS[number % len(ACCOUNTS)]
    return TAX_RATES[number % len(TAX_RATES)]


def _body(provider: str, err: SeedError, moment: datetime) -> str:
    """The provider's error body, shaped like the real one."""
    if provider == "xero":
        return json.dumps(
            {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [{"ValidationErrors": [{"Message": err.message}]}],
            }
        )
    return json.dumps(
        {
            "Fault": {
                "Error": [
                    {"Message": err.title, "Detail": err.message, "code": err.provider_code or "0"}
                ],
                "type": "ValidationFault",
            },
            "time": moment.isoformat(),
        }
    )


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _ascii(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isascii() and ch.isalpha())
