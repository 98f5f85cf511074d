"""The support bundle: the facts of one company's sync in one JSON document.

Seed 004's escalation asks for the organisation id, error messages and
timestamps; support also needs the connection and token *state*, recent runs,
recent errors with their catalog codes, and the mappings. What it does not
need stays out: tokens and their ciphertext, secrets, request and response
bodies (they carry the product's customer data), record labels (customer
names), staff names and addresses; the provider account's email is masked and
every quoted message passes through ``redact``. Messages name records by their
labels ("Contact Pam Seitz: ...") and providers echo names ("Name=Pam Seitz"):
each label of a record the bundle mentions becomes its entity and local id, and
the names providers quote become ``[name]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from ..db import session
from ..errors import NotFound
from ..models import Company, Connection, Log, Mapping, Run, SyncResult, utcnow
from ..redaction import mask_email, redact
from ..vocabulary import Level, Outcome
from . import audit

__all__ = ["RECENT_ERRORS", "RECENT_RUNS", "build_bundle", "bundle_filename"]

RECENT_RUNS = 20
RECENT_ERRORS = 50
FORMAT_VERSION = 1


# Names providers quote in their messages: QuickBooks' "DisplayName=…"/"Name=…" and Xero's
# "The contact name … is already assigned".
_PROVIDER_NAMES = (
    re.compile(
        r"(?i)(\b(?:display|given|family|company|print\s?on\s?check)?\s?name\s*=\s*)[^;|\]\n\"]+"
    ),
    re.compile(r"(?i)(\bcontact name\s+)(?:(?!\s+is already).)+(?=\s+is already)"),
)
MIN_LABEL = 3  # shorter labels are not names and would match inside other words


def _record_labels(company_id: int, keys: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{label: "entity local_id"}`` for the records named by ``keys`` (entity, local id)."""
    wanted = {(e, i) for e, i in keys if e and i}
    if not wanted:
        return {}
    rows = session.execute(
        select(SyncResult.entity, SyncResult.local_id, SyncResult.label).where(
            SyncResult.company_id == company_id,
            SyncResult.label.is_not(None),
            or_(*(and_(SyncResult.entity == e, SyncResult.local_id == i) for e, i in wanted)),
        )
    ).all()
    return {
        label: f"{entity} {local_id}"
        for entity, local_id, label in rows
        if len(label.strip()) >= MIN_LABEL and label != local_id
    }


def _cleaner(labels: dict[str, str]) -> Callable[[str | None], str | None]:
    """``redact`` plus: record labels replaced by entity and id, provider-quoted names removed."""
    by_length = sorted(labels, key=len, reverse=True)
    names = (
        re.compile("|".join(rf"(?<!\w){re.escape(label)}(?!\w)" for label in by_length))
        if by_length
        else None
    )

    def clean(text: str | None) -> str | None:
        text = redact(text)
        if not text:
            return text
        if names is not None:
            text = names.sub(lambda m: labels[m.group(0)], text)
        for pattern in _PROVIDER_NAMES:
            text = pattern.sub(lambda m: f"{m.group(1)}[name]", text)
        return text

    return clean


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _connection(
    conn: Connection | None, clean: Callable[[str | None], str | None]
) -> dict[str, Any] | None:
    if conn is None:
        return None
    return {
        "id": conn.id,
        "provider": conn.provider,
        "status": conn.status,
        "external_account": mask_email(conn.external_account),
        "has_token": bool(conn.token_ciphertext),
        "token_version": conn.token_version,
        "scopes": conn.scopes,
        "access_expires_at": _iso(conn.access_expires_at),
        "refresh_expires_at": _iso(conn.refresh_expires_at),
        "refresh_hard_expires_at": _iso(conn.refresh_hard_expires_at),
        "last_refreshed_at": _iso(conn.last_refreshed_at),
        "last_error": clean(conn.last_error),
        "connected_at": _iso(conn.connected_at),
        "disconnected_at": _iso(conn.disconnected_at),
    }


def build_bundle(company_id: int, *, actor: audit.Actor | None = None) -> dict[str, Any]:
    """The bundle of ``company_id``; records an audit event when an actor is given."""
    company = session.get(Company, company_id) if 0 < company_id < 2**31 else None
    if company is None:
        raise NotFound(f"company {company_id} does not exist", field="company_id")
    runs = session.scalars(
        select(Run)
        .where(Run.company_id == company.id)
        .order_by(Run.created_at.desc(), Run.id.desc())
        .limit(RECENT_RUNS)
    ).all()
    error_logs = session.scalars(
        select(Log)
        .where(Log.company_id == company.id, Log.level == Level.ERROR.value)
        .order_by(Log.created_at.desc(), Log.id.desc())
        .limit(RECENT_ERRORS)
    ).all()
    failed = session.scalars(
        select(SyncResult)
        .where(SyncResult.company_id == company.id, SyncResult.outcome == Outcome.FAILED.value)
        .order_by(SyncResult.last_attempt_at.desc(), SyncResult.id.desc())
        .limit(RECENT_ERRORS)
    ).all()
    keys = [(log.entity, log.local_id) for log in error_logs]
    for r in failed:
        keys.append((r.entity, r.local_id))
        for ref in [*(r.facts or {}).get("depends_on", []), r.blocked_by or ""]:
            entity, _, local_id = str(ref).partition(":")
            keys.append((entity, local_id))
    clean = _cleaner(_record_labels(company.id, keys))
    mappings = session.scalars(
        select(Mapping).where(Mapping.company_id == company.id).order_by(Mapping.kind, Mapping.id)
    ).all()
    bundle = {
        "format": "sync-admin support bundle",
        "version": FORMAT_VERSION,
        "generated_at": utcnow().isoformat(),
        "organization": {"id": company.organization_id, "name": company.organization.name},
        "company": {
            "id": company.id,
            "name": company.name,
            "provider": company.provider,
            "provider_company_id": company.provider_company_id,
            "host_company_key": company.host_company_key,
            "base_currency": company.base_currency,
            "linked": company.linked,
            "status": company.status,
            "auto_resync": company.auto_resync,
            "last_synced_at": _iso(company.last_synced_at),
            "last_successful_sync_at": _iso(company.last_successful_sync_at),
            "cursors": company.cursors or {},
            "mapping_changed_at": _iso(company.mapping_changed_at),
        },
        "connection": _connection(company.connection, clean),
        "runs": [
            {
                "id": r.id,
                "kind": r.kind,
                "trigger": r.trigger,
                "status": r.status,
                "flag": r.flag,
                "total": r.total,
                "succeeded": r.succeeded,
                "failed": r.failed,
                "skipped": r.skipped,
                "attempts": r.attempts,
                "message": clean(r.message),
                "created_at": _iso(r.created_at),
                "started_at": _iso(r.started_at),
                "finished_at": _iso(r.finished_at),
            }
            for r in runs
        ],
        "errors": [
            {
                "timestamp": _iso(log.created_at),
                "run_id": log.run_id,
                "type": log.type,
                "message": clean(log.message),
                "entity": log.entity,
                "direction": log.direction,
                "local_id": log.local_id,
                "catalog_code": log.catalog_code,
            }
            for log in error_logs
        ],
        "failed_records": [
            {
                "id": r.id,
                "entity": r.entity,
                "direction": r.direction,
                "local_id": r.local_id,
                "external_id": r.external_id,
                "catalog_code": r.catalog_code,
                "category": r.category,
                "details": clean(r.details),
                "excluded": r.excluded,
                "attempts": r.attempts,
                "last_attempt_at": _iso(r.last_attempt_at),
            }
            for r in failed
        ],
        "mappings": [
            {
                "kind": m.kind,
                "host_key": m.host_key,
                "host_label": m.host_label,
                "provider_id": m.provider_id,
                "provider_name": m.provider_name,
                "updated_at": _iso(m.updated_at),
            }
            for m in mappings
        ],
    }
    if actor is not None:
        audit.record(
            actor,
            "support_bundle.download",
            "company",
            company.id,
            organization_id=company.organization_id,
            company_id=company.id,
        )
        session.commit()
    return bundle


def bundle_filename(bundle: dict[str, Any]) -> str:
    stamp = bundle["generated_at"][:19].replace(":", "").replace("-", "")
    return f"support-bundle-org{bundle['organization']['id']}-company{bundle['company']['id']}-{stamp}.json"
