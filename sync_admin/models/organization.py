"""The host product's customer: the multi-tenant scope of connections and companies."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String

from .types import UTCDateTime, utcnow


class Organization(Model):
    __tablename__ = "sync_organization"

    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    # The host product's own key for this customer (its primary key, slug, ...).
    host_key = Column(String(128), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return self.name
