"""Provider webhooks in: verify, drop replays, start incremental syncs.

QuickBooks signs with ``intuit-signature`` (HMAC-SHA256 of the raw body with the
app's verifier token), Xero with ``x-xero-signature`` (the same with the webhook
key); the provider plugin checks it in constant time over the exact bytes
received. Xero's "intent to receive" is a signed delivery with no events: a
valid one gets 200, a forged one 401. Each event id is remembered in Redis with
``SET NX`` for ``REPLAY_TTL`` so that a redelivered event starts nothing. The
work done in the request is small (rows and RQ jobs), well inside the
providers' deadlines (Intuit 3 s, Xero 5 s); the sync itself runs in a worker.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select

from .. import providers
from ..db import session
from ..errors import AlreadyRunning, NotFound, ValidationError
from ..models import Company, Run
from ..providers import Provider, WebhookEvent
from ..queue import get_redis
from ..vocabulary import RunKind
from . import audit
from .resync import resync_company

log = logging.getLogger(__name__)

__all__ = [
    "MAX_BODY",
    "REPLAY_TTL",
    "Delivery",
    "InvalidSignature",
    "on_run_finished",
    "pending_key",
    "receive",
    "webhook_secret",
]

REPLAY_TTL = 7 * 24 * 3600
MAX_BODY = 1024 * 1024


class InvalidSignature(Exception):
    """The delivery is not signed with this app's webhook secret."""


@dataclass
class Delivery:
    provider: str
    events: int = 0
    duplicates: int = 0
    unknown_companies: list[str] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    already_running: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "events": self.events,
            "duplicates": self.duplicates,
            "runs": [{"id": r.id, "company_id": r.company_id} for r in self.runs],
            "already_running": self.already_running,
            "unknown_companies": self.unknown_companies,
            "skipped": [{"company_id": c, "reason": r} for c, r in self.skipped],
        }


def pending_key(company_id: int) -> str:
    """Set when a webhook arrived while the company was syncing."""
    return f"sync-admin:webhook:pending:{company_id}"


def on_run_finished(sender: Any, run_id: int, **_: Any) -> None:
    """After a run, start the incremental sync a webhook asked for meanwhile (once)."""
    try:
        run = session.get(Run, run_id)
        if run is None or not get_redis().delete(pending_key(run.company_id)):
            return
        actor = audit.Actor(name=f"{run.company.provider} webhook", source="webhook")
        resync_company(run.company_id, actor=actor, kind=RunKind.INCREMENTAL)
    except (AlreadyRunning, NotFound, ValidationError):
        return
    except Exception:
        log.exception("follow-up sync after run %s (webhook) not started", run_id)


def webhook_secret(provider: Provider) -> str:
    """The provider's webhook secret setting: the secret ``WEBHOOK*`` key it declares."""
    for setting in provider.settings:
        if setting.secret and setting.key.upper().startswith("WEBHOOK"):
            return str(provider.config(current_app.config, setting.key) or "")
    return ""


def _replay_key(provider: str, event: WebhookEvent) -> str:
    return (
        "sync-admin:webhook:" + hashlib.sha256(f"{provider}:{event.event_id}".encode()).hexdigest()
    )


def _first_time(provider: str, event: WebhookEvent) -> bool:
    try:
        return bool(get_redis().set(_replay_key(provider, event), 1, nx=True, ex=REPLAY_TTL))
    except RedisError:
        # Better a second incremental sync than a lost change.
        log.warning("webhook replay guard unavailable; processing event", exc_info=True)
        return True


def receive(provider_name: str, headers: Mapping[str, str], raw_body: bytes) -> Delivery:
    """Verify one delivery and start an incremental run per affected company."""
    if provider_name not in providers.names():
        raise NotFound(f"unknown provider {provider_name!r}", field="provider")
    provider = providers.get(provider_name)
    secret = webhook_secret(provider)
    if not secret:
        log.warning("%s webhook refused: its webhook secret is not configured", provider_name)
        raise InvalidSignature("webhook secret not configured")
    if not provider.verify_webhook(headers, raw_body, secret):
        raise InvalidSignature("bad signature")
    delivery = Delivery(provider=provider_name)
    fresh: dict[str, list[WebhookEvent]] = {}
    for event in provider.parse_webhook(raw_body):
        delivery.events += 1
        if not _first_time(provider_name, event):
            delivery.duplicates += 1
            continue
        fresh.setdefault(event.provider_company_id, []).append(event)
    if not fresh:
        return delivery
    # One provider company may be linked in more than one organisation.
    companies: dict[str, list[Company]] = {}
    for company in session.scalars(
        select(Company)
        .where(
            Company.provider == provider_name,
            Company.provider_company_id.in_(list(fresh)),
            Company.linked.is_(True),
        )
        .order_by(Company.id)
    ):
        companies.setdefault(company.provider_company_id, []).append(company)
    actor = audit.Actor(name=f"{provider_name} webhook", source="webhook")
    pending = list(fresh)
    try:
        _start(delivery, fresh, companies, pending, actor)
    except Exception:
        # Forget the events not acted on, so that the provider's redelivery is processed.
        keys = [_replay_key(provider_name, e) for x in pending for e in fresh[x]]
        if keys:
            get_redis().delete(*keys)
        raise
    return delivery


def _start(
    delivery: Delivery,
    fresh: dict[str, list[WebhookEvent]],
    companies: dict[str, list[Company]],
    pending: list[str],
    actor: audit.Actor,
) -> None:
    for external_id in fresh:
        if external_id not in companies:
            delivery.unknown_companies.append(external_id)
            continue
        for company in companies[external_id]:
            try:
                run = resync_company(company.id, actor=actor, kind=RunKind.INCREMENTAL)
            except AlreadyRunning:
                # The active run may have read past this change: sync again when it ends.
                get_redis().set(pending_key(company.id), 1, ex=REPLAY_TTL)
                delivery.already_running.append(company.id)
                continue
            except (NotFound, ValidationError) as exc:
                delivery.skipped.append((company.id, exc.message))
                continue
            delivery.runs.append(run)
        pending.remove(external_id)
