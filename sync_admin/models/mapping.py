"""Host keys mapped to provider ids, and the provider's reference data to choose from."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from .types import JSONType, UTCDateTime, utcnow


class Mapping(Model):
    """kind is a ``MappingKind``: account, fee_item, bad_debt, tax_rate."""

    __tablename__ = "sync_mapping"

    id = Column(Integer, primary_key=True)
    company_id = Column(Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(20), nullable=False)
    host_key = Column(String(128), nullable=False)
    host_label = Column(String(255))
    provider_id = Column(String(64), nullable=False)
    provider_name = Column(String(255))
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by = Column(String(255))

    company = relationship("Company")

    __table_args__ = (
        UniqueConstraint("company_id", "kind", "host_key", name="uq_sync_mapping_key"),
    )


class ReferenceObject(Model):
    """An account, item, tax rate or currency pulled from the provider.

    Mapping screens offer these; preflight checks a mapping still points at an
    active one.
    """

    __tablename__ = "sync_reference"

    id = Column(Integer, primary_key=True)
    company_id = Column(Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), nullable=False)
    entity = Column(String(20), nullable=False)
    external_id = Column(String(64), nullable=False)
    code = Column(String(64))
    name = Column(String(255), nullable=False, default="")
    type = Column(String(64))
    active = Column(Boolean, nullable=False, default=True)
    data = Column(JSONType, nullable=False, default=dict)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("company_id", "entity", "external_id", name="uq_sync_reference"),
    )
