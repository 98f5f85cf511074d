"""Who did it: the actor of an operation, and the audit trail it leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request

from ..db import session
from ..models import AuditEvent

__all__ = ["SYSTEM", "Actor", "current_actor", "record"]


@dataclass(frozen=True)
class Actor:
    name: str
    id: int | None = None
    source: str = "view"  # view, api, cli, schedule, webhook
    remote_addr: str | None = None


SYSTEM = Actor(name="system", source="schedule")


def current_actor(source: str = "view") -> Actor:
    """The logged-in staff member (session or JWT) of the current request."""
    from flask_login import current_user

    remote = request.remote_addr if has_request_context() else None
    if current_user and getattr(current_user, "is_authenticated", False):
        return Actor(
            name=current_user.username, id=current_user.id, source=source, remote_addr=remote
        )
    return Actor(name="anonymous", source=source, remote_addr=remote)


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    *,
    organization_id: int | None = None,
    company_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        actor=actor.name,
        actor_id=actor.id,
        source=actor.source,
        remote_addr=actor.remote_addr,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        organization_id=organization_id,
        company_id=company_id,
        details=details or {},
    )
    session.add(event)
    return event
