"""Who did what to which object, when, and from which screen or API."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, Index, Integer, String

from .types import BigId, JSONType, UTCDateTime, utcnow


class AuditEvent(Model):
    __tablename__ = "sync_audit_event"

    id = Column(BigId, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    actor_id = Column(Integer)
    actor = Column(String(255), nullable=False, default="system")
    action = Column(String(60), nullable=False)
    object_type = Column(String(40), nullable=False)
    object_id = Column(String(64))
    organization_id = Column(Integer)
    company_id = Column(Integer)
    # view, api, cli, schedule, webhook
    source = Column(String(20), nullable=False, default="view")
    remote_addr = Column(String(64))
    details = Column(JSONType, nullable=False, default=dict)

    __table_args__ = (
        Index("ix_sync_audit_created", "created_at"),
        Index("ix_sync_audit_company_created", "company_id", "created_at"),
        Index("ix_sync_audit_actor_created", "actor", "created_at"),
    )
