"""Starting runs, and keeping the ``sync_run`` rows true to what RQ holds.

The row is committed before the job is enqueued: if Redis loses the job (a
restart without persistence, a killed worker), the sweeper finds the row and
enqueues it again. A partial unique index allows one active run per company.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from rq import RateLimit
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.rate_limit import RateLimitRegistry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import session
from ..errors import AlreadyRunning, NotFound
from ..models import Company, Run, utcnow
from ..queue import get_queue, get_redis
from ..vocabulary import RunKind, RunStatus, Trigger
from . import audit

log = logging.getLogger(__name__)

__all__ = ["active_run", "enqueue", "start_run", "start_runs", "sweep"]

RUN_JOB = "sync_admin.jobs.run_sync"


def active_run(company_id: int) -> Run | None:
    return session.scalars(
        select(Run).where(Run.company_id == company_id, Run.status.in_(RunStatus.active()))
    ).first()


def start_run(
    company_id: int,
    kind: RunKind | str,
    trigger: Trigger | str,
    actor: audit.Actor = audit.SYSTEM,
    params: dict[str, Any] | None = None,
) -> Run:
    """Create and enqueue a run; ``AlreadyRunning`` when the company has one."""
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} does not exist", field="company_id")
    existing = active_run(company_id)
    if existing is not None:
        raise AlreadyRunning(existing.id, company_id)
    run = Run(
        company_id=company_id,
        kind=RunKind(kind).value,
        trigger=Trigger(trigger).value,
        status=RunStatus.QUEUED.value,
        params=params or {},
        triggered_by=actor.name,
        triggered_by_id=actor.id,
    )
    session.add(run)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = active_run(company_id)
        raise AlreadyRunning(existing.id if existing else 0, company_id) from None
    if actor is not audit.SYSTEM:
        audit.record(
            actor,
            f"run.{run.kind}",
            "company",
            company_id,
            organization_id=company.organization_id,
            company_id=company_id,
            details={"run_id": run.id, "trigger": run.trigger, "params": run.params},
        )
    session.commit()
    enqueue(run)
    return run


def start_runs(
    wanted: dict[int, dict[str, Any]],
    kind: RunKind | str,
    trigger: Trigger | str,
    actor: audit.Actor = audit.SYSTEM,
) -> tuple[list[Run], list[int]]:
    """Many runs at once (Retry All over 1,000 companies): one transaction for the rows
    and audit events, then the jobs, then one commit of their ids. ``wanted`` maps
    company id to the run's params. Returns (runs, company ids that already had one)."""
    ids = list(wanted)
    busy = set(
        session.scalars(
            select(Run.company_id).where(
                Run.company_id.in_(ids), Run.status.in_(RunStatus.active())
            )
        )
    )
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}
    runs = [
        Run(
            company_id=cid,
            kind=RunKind(kind).value,
            trigger=Trigger(trigger).value,
            status=RunStatus.QUEUED.value,
            params=wanted[cid],
            triggered_by=actor.name,
            triggered_by_id=actor.id,
        )
        for cid in ids
        if cid not in busy and cid in companies
    ]
    session.add_all(runs)
    try:
        session.flush()
    except IntegrityError:  # a run started meanwhile: fall back to one at a time
        session.rollback()
        started, already = [], []
        for cid in ids:
            try:
                started.append(start_run(cid, kind, trigger, actor, wanted[cid]))
            except AlreadyRunning:
                already.append(cid)
        return started, already
    for run in runs:
        company = companies[run.company_id]
        audit.record(
            actor,
            f"run.{run.kind}",
            "company",
            run.company_id,
            organization_id=company.organization_id,
            company_id=run.company_id,
            details={"run_id": run.id, "trigger": run.trigger, "params": run.params},
        )
        run.company = company
    run_ids = [run.id for run in runs]
    session.commit()
    # The commit expired every row; reload them in two queries, not two per run.
    runs = list(session.scalars(select(Run).where(Run.id.in_(run_ids)).order_by(Run.id)))
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}
    for run in runs:
        run.company = companies[run.company_id]
        _enqueue_job(run)
    session.commit()
    return runs, sorted(busy & set(ids))


def _enqueue_job(run: Run, at: Any = None) -> str | None:
    """Enqueue without committing (``enqueue`` commits; bulk callers commit once)."""
    run.attempts = (run.attempts or 0) + 1
    job_id = f"sync-run-{run.id}-{run.attempts}"
    timeout = int(current_app.config["SYNC_ADMIN_RUN_TIMEOUT_SECONDS"])
    options = {"job_id": job_id, "job_timeout": timeout, "rate_limit": _rate_limit(run)}
    try:
        queue = get_queue()
        if at is not None:
            queue.enqueue_at(at, RUN_JOB, run.id, **options)
        else:
            queue.enqueue(RUN_JOB, run.id, **options)
    except RedisError:
        log.warning("could not enqueue run %s; the sweeper will retry", run.id, exc_info=True)
        return None
    run.job_id = job_id
    return job_id


def enqueue(run: Run, at: Any = None) -> str | None:
    """Put the run's job on the queue (again); the row must be committed first."""
    job_id = _enqueue_job(run, at)
    session.commit()
    return job_id


def _rate_limit(run: Run) -> RateLimit:
    """RQ's own cap on concurrent runs per connection (one OAuth grant, one app quota):
    the provider's published concurrency. Runs of one company are already one at a time."""
    from .. import providers

    company = run.company
    try:
        concurrency = providers.get(company.provider).limits.concurrency
    except Exception:  # a provider no longer installed: its run fails in the engine
        concurrency = 1
    key = f"sync-admin:connection:{company.connection_id or f'company-{company.id}'}"
    return RateLimit(key, concurrency=max(1, int(concurrency)))


def _drop_job(job_id: str | None) -> None:
    if not job_id:
        return
    try:
        Job.fetch(job_id, connection=get_redis()).cancel()
    except Exception:  # already gone, or finished meanwhile
        log.debug("could not cancel job %s", job_id, exc_info=True)


def _job_alive(job_id: str | None) -> bool:
    if not job_id:
        return False
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    return status not in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, None)


def sweep(stale_after: timedelta = timedelta(minutes=2)) -> dict[str, int]:
    """Re-enqueue active runs whose job vanished; fail runs past their timeout; free the
    rate-limit slots that vanished jobs still hold, so that waiting runs go on."""
    now = utcnow()
    timeout = timedelta(seconds=int(current_app.config["SYNC_ADMIN_RUN_TIMEOUT_SECONDS"]))
    counts = {"requeued": 0, "timed_out": 0, "slots_freed": 0}
    runs = session.scalars(select(Run).where(Run.status.in_(RunStatus.active()))).all()
    for run in runs:
        started = run.started_at or run.created_at
        if now - started > timeout:
            from ..engine import finish_run_timed_out

            finish_run_timed_out(run)
            counts["timed_out"] += 1
            continue
        if run.not_before and run.not_before > now:
            continue
        beat = run.heartbeat_at or run.started_at or run.created_at
        alive = _job_alive(run.job_id)
        if run.status == RunStatus.RUNNING and alive:
            if now - beat < stale_after:
                continue
            # No heartbeat for a while: the worker died (a SIGKILLed worker leaves its
            # job STARTED for minutes). Drop the old job; the run resumes from its ledger.
            _drop_job(run.job_id)
        elif alive:
            continue
        run.status = RunStatus.QUEUED.value
        session.commit()
        enqueue(run)
        counts["requeued"] += 1
    counts["slots_freed"] = _free_slots()
    return counts


def _free_slots() -> int:
    """RQ's ``RateLimit`` counts a job in its registry until the job ends. A worker killed
    mid-job (its execution key left behind) or a job whose key Redis lost keeps its slot
    until RQ's own clean-up, at most every 10 minutes, or longer while the dead execution
    looks alive; meanwhile the connection's next run waits in ``rate_limited`` and stays
    queued. A slot is freed when no active run owns its job: the job's run is finished, or
    the run has moved on to a newer attempt (the sweeper re-enqueued it), or the job is not
    a run's and RQ itself would free it (no key, not queued or started)."""
    active = session.execute(
        select(Run.id, Run.attempts, Run.job_id).where(Run.status.in_(RunStatus.active()))
    ).all()
    if not active:
        return 0
    connection = get_redis()
    attempts = {run_id: n or 0 for run_id, n, _ in active}
    waiting_keys: set[str] = set()
    for _, _, job_id in active:
        if not job_id:
            continue
        try:
            job = Job.fetch(job_id, connection=connection)
        except NoSuchJobError:
            continue
        if job.rate_limit_key and job.get_status(refresh=False) == JobStatus.RATE_LIMITED:
            waiting_keys.add(job.rate_limit_key)
    freed = 0
    for key in waiting_keys:
        registry = RateLimitRegistry(key, connection)
        for job_id in registry.get_allowed_job_ids():
            if _owned(job_id, attempts, connection):
                continue
            registry.release_and_enqueue(job_id)
            freed += 1
            log.warning("freed the %s slot held by job %s, which no active run owns", key, job_id)
        if registry.concurrency:
            registry.acquire_and_enqueue(registry.concurrency)
    return freed


def _owned(job_id: str, attempts: dict[int, int], connection: Any) -> bool:
    """Whether an active run still counts on this job (``sync-run-<run id>-<attempt>``)."""
    prefix, _, rest = job_id.partition("sync-run-")
    run_id, _, attempt = rest.partition("-")
    if not prefix and run_id.isdigit() and attempt.isdigit():
        # The run's latest attempt, or one being enqueued right now (its row not yet saved).
        return int(run_id) in attempts and int(attempt) >= attempts[int(run_id)]
    status = connection.hget(Job.key_for(job_id), "status")
    return status is not None and status.decode() in (JobStatus.QUEUED, JobStatus.STARTED)
