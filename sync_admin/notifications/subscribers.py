"""Who hears about what: staff subscriptions per provider or company (seed 002)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from .. import providers
from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, NotificationSubscription
from ..services import audit

__all__ = ["EVENTS", "recipients", "subscribe", "unsubscribe"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Event names stored in NotificationSubscription.events, with what they cover.
EVENTS: dict[str, str] = {
    "sync_errors": "Sync errors: one email per failure episode, grouped by catalog entry",
    "reconnect_needed": "A connection needs reconnecting",
    "token_expiring": "Ahead of token expiry, and the 'reconnect every N days' reminder",
}


def recipients(event: str, provider: str, company_ids: Iterable[int] = ()) -> list[str]:
    """Emails of the active subscriptions to ``event`` that cover the provider or a company.

    A subscription with neither provider nor company covers everything; with a
    provider, that provider's companies; with a company, that company only.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    ids = set(company_ids)
    found = set()
    rows = session.scalars(
        select(NotificationSubscription).where(NotificationSubscription.active.is_(True))
    )
    for sub in rows:
        if event not in (sub.events or []):
            continue
        if sub.provider and sub.provider != provider:
            continue
        if sub.company_id is not None and sub.company_id not in ids:
            continue
        found.add(sub.email)
    return sorted(found)


def subscribe(
    *,
    actor: audit.Actor,
    email: str,
    events: Iterable[str],
    provider: str | None = None,
    company_id: int | None = None,
    user_id: int | None = None,
) -> NotificationSubscription:
    """Add a subscription; ``ValidationError`` names the field that is wrong."""
    email = (email or "").strip()
    if not _EMAIL.fullmatch(email):
        raise ValidationError(f"{email!r} is not an email address", field="email")
    chosen = sorted(set(events))
    if not chosen:
        raise ValidationError("choose at least one event", field="events")
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise ValidationError(f"unknown event(s) {', '.join(unknown)}", field="events")
    provider = provider or None
    if provider is not None and provider not in providers.names():
        raise ValidationError(f"unknown provider {provider!r}", field="provider")
    organization_id = None
    if company_id is not None:
        company = session.get(Company, company_id)
        if company is None:
            raise ValidationError(f"company {company_id} does not exist", field="company_id")
        if provider is not None and company.provider != provider:
            raise ValidationError(
                f"company {company.name} is not a {provider} company", field="company_id"
            )
        provider = company.provider
        organization_id = company.organization_id
    sub = NotificationSubscription(
        user_id=user_id,
        email=email,
        provider=provider,
        company_id=company_id,
        events=chosen,
        active=True,
    )
    session.add(sub)
    session.flush()
    audit.record(
        actor,
        "notification.subscribe",
        "subscription",
        sub.id,
        organization_id=organization_id,
        company_id=company_id,
        details={"email": email, "events": chosen, "provider": provider},
    )
    session.commit()
    return sub


def unsubscribe(subscription_id: int, *, actor: audit.Actor, user_id: int | None) -> None:
    """Remove a subscription: one's own, or anyone's when ``user_id`` is None (administer)."""
    sub = session.get(NotificationSubscription, subscription_id)
    if sub is None or (user_id is not None and sub.user_id != user_id):
        raise NotFound(f"subscription {subscription_id} does not exist", field="subscription_id")
    audit.record(
        actor,
        "notification.unsubscribe",
        "subscription",
        sub.id,
        company_id=sub.company_id,
        details={"email": sub.email, "events": list(sub.events or [])},
    )
    session.delete(sub)
    session.commit()
