"""One OAuth grant from one provider account, and the provider companies it reaches."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from ..vocabulary import CompanyStatus, ConnectionStatus
from .types import JSONType, ScrubbedText, UTCDateTime, utcnow


class Connection(Model):
    """The row is the only copy of the token; it is stored as Fernet ciphertext.

    Staff user ids are kept as plain integers with a name snapshot (no foreign key
    to ``ab_user``) so that the plugin's migrations never depend on how the host
    product stores its users.
    """

    __tablename__ = "sync_connection"

    id = Column(Integer, primary_key=True)
    organization_id = Column(
        Integer, ForeignKey("sync_organization.id", ondelete="CASCADE"), nullable=False
    )
    provider = Column(String(40), nullable=False)
    external_account = Column(String(255), nullable=False, default="")
    external_account_id = Column(String(255))
    status = Column(String(20), nullable=False, default=ConnectionStatus.CONNECTED.value)
    token_ciphertext = Column(Text)
    # Bumped on every stored token: a worker that lost a refresh race sees it changed.
    token_version = Column(Integer, nullable=False, default=0)
    scopes = Column(Text)
    access_expires_at = Column(UTCDateTime)
    refresh_expires_at = Column(UTCDateTime)
    refresh_hard_expires_at = Column(UTCDateTime)
    last_refreshed_at = Column(UTCDateTime)
    last_error = Column(ScrubbedText)
    connected_by_id = Column(Integer)
    connected_by = Column(String(255))
    token_user_id = Column(Integer)
    token_user = Column(String(255))
    connected_at = Column(UTCDateTime, nullable=False, default=utcnow)
    disconnected_at = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    organization = relationship("Organization")
    companies = relationship("Company", back_populates="connection")

    __table_args__ = (Index("ix_sync_connection_org_provider", "organization_id", "provider"),)

    def __repr__(self) -> str:
        return f"{self.provider}:{self.external_account}"


class Company(Model):
    """A provider company (QBO realm, Xero tenant) linked to a host company."""

    __tablename__ = "sync_company"

    id = Column(Integer, primary_key=True)
    organization_id = Column(
        Integer, ForeignKey("sync_organization.id", ondelete="CASCADE"), nullable=False
    )
    connection_id = Column(Integer, ForeignKey("sync_connection.id", ondelete="SET NULL"))
    provider = Column(String(40), nullable=False)
    provider_company_id = Column(String(64), nullable=False)
    # Xero's per-tenant connection id (DELETE /connections/{id}); unused by QBO.
    provider_connection_id = Column(String(64))
    name = Column(String(255), nullable=False)
    host_company_key = Column(String(128))
    base_currency = Column(String(3))
    linked = Column(Boolean, nullable=False, default=True)
    status = Column(String(20), nullable=False, default=CompanyStatus.NEEDS_RESYNC.value)
    auto_resync = Column(Boolean, nullable=False, default=True)
    last_synced_at = Column(UTCDateTime)
    last_successful_sync_at = Column(UTCDateTime)
    # Where the next incremental run starts, per entity (and "cdc" for QBO).
    cursors = Column(JSONType, nullable=False, default=dict)
    mapping_changed_at = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    organization = relationship("Organization")
    connection = relationship("Connection", back_populates="companies")

    __table_args__ = (
        UniqueConstraint(
            "organization_id", "provider", "provider_company_id", name="uq_sync_company_provider"
        ),
        Index("ix_sync_company_status", "status"),
        Index("ix_sync_company_connection", "connection_id"),
    )

    def __repr__(self) -> str:
        return self.name
