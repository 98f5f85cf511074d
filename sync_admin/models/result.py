"""The per-record ledger: one row per (company, entity, direction, local record)."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)

from ..vocabulary import LinkStatus, Outcome
from .types import BigId, JSONType, ScrubbedText, UTCDateTime, utcnow

# The catalog entry the engine records when the provider reports a synced record deleted.
DELETED_IN_PROVIDER = "sync_admin.deleted_in_provider"
# The link state of such a record (not a stored link status: it still takes part in syncs).
DELETED = "deleted"


class SyncResult(Model):
    __tablename__ = "sync_result"

    id = Column(BigId, primary_key=True)
    company_id = Column(Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), nullable=False)
    entity = Column(String(30), nullable=False)
    direction = Column(String(4), nullable=False)
    local_id = Column(String(64), nullable=False)
    # A human label for the record (invoice number, contact name) for screens and search.
    label = Column(String(255))
    external_id = Column(String(64))
    # Provider concurrency token (QBO SyncToken), needed to update the record.
    external_version = Column(String(32))
    link_status = Column(String(10), nullable=False, default=LinkStatus.LINKED.value)
    outcome = Column(String(10), nullable=False, default=Outcome.PENDING.value)
    catalog_code = Column(String(80))
    category = Column(String(30))
    details = Column(ScrubbedText)
    # Record-level facts the catalog extracted (invoice number, amount, fee item, ...).
    facts = Column(JSONType, nullable=False, default=dict)
    response_body = Column(ScrubbedText)
    excluded = Column(Boolean, nullable=False, default=False)
    attempts = Column(Integer, nullable=False, default=0)
    # Stored before the provider call so that a retry after a crash reuses it.
    idempotency_key = Column(String(64))
    payload_hash = Column(String(64))
    # What this record waits for when it was skipped: "contact:42".
    blocked_by = Column(String(100))
    run_id = Column(Integer)
    last_attempt_at = Column(UTCDateTime)
    # When the record's current failure was first recorded: kept across retries that fail
    # again, cleared once it syncs, so failure groups show how long a problem has stood.
    failed_since = Column(UTCDateTime)
    last_success_at = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "company_id", "entity", "direction", "local_id", name="uq_sync_result_record"
        ),
        Index("ix_sync_result_company_attempt", "company_id", "last_attempt_at", "id"),
        Index("ix_sync_result_company_outcome", "company_id", "outcome", "category"),
        Index("ix_sync_result_code_outcome", "catalog_code", "outcome"),
        Index("ix_sync_result_external", "company_id", "entity", "external_id"),
        # Failure groups and "retry all" read only failed, included records: an
        # index-only scan of them instead of the whole ledger.
        Index(
            "ix_sync_result_failed",
            "catalog_code",
            "company_id",
            "last_attempt_at",
            "failed_since",
            "id",
            postgresql_where=text("outcome = 'failed' AND excluded = false"),
            sqlite_where=text("outcome = 'failed' AND excluded = 0"),
        ),
    )

    @property
    def link_state(self) -> str:
        """What the Link status column shows: ``linked``, ``unlinked``, or ``deleted`` for a
        linked record whose provider record was deleted (its external id is gone; a retry
        creates a fresh copy). ``queries.results.link_state_clause`` is the same in SQL."""
        if (
            self.link_status == LinkStatus.LINKED
            and self.external_id is None
            and self.catalog_code == DELETED_IN_PROVIDER
        ):
            return DELETED
        return self.link_status


class FailureCount(Model):
    """Open failures per catalog entry and company, so failure groups need no GROUP BY
    over the ledger; recounted from ``sync_result`` whenever a flush changes a failure
    (``sync_admin.failure_counts``)."""

    __tablename__ = "sync_failure_count"

    company_id = Column(
        Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), primary_key=True
    )
    # "" for failures without a catalog entry (a primary key column cannot be NULL).
    catalog_code = Column(String(80), primary_key=True)
    failures = Column(Integer, nullable=False)
    # min(failed_since or last_attempt_at), max(last_attempt_at), max(id) of the open
    # (failed, not excluded) results: what the failure groups show and link to.
    first_seen = Column(UTCDateTime)
    last_seen = Column(UTCDateTime)
    last_result_id = Column(BigInteger, nullable=False)
