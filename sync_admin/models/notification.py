"""Staff subscriptions to sync notifications (seed 002's "Sync Error" email)."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String

from .types import JSONType, UTCDateTime, utcnow


class NotificationSubscription(Model):
    """provider and company narrow the scope; both empty means everything."""

    __tablename__ = "sync_notification_subscription"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer)
    email = Column(String(255), nullable=False)
    provider = Column(String(40))
    company_id = Column(Integer, ForeignKey("sync_company.id", ondelete="CASCADE"))
    # Event names: sync_errors, reconnect_needed, token_expiring.
    events = Column(JSONType, nullable=False, default=list)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
