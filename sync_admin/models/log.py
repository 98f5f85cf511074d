"""The run's story, and the counters that let screens avoid counting it.

At 10 million rows, a page view may not count or group the log table: the
summary cards read ``CompanyStats``, the charts read ``DailyStats``, and both are
kept in step by one upsert per written batch (see ``sync_admin.logbook``).
Pages are read by keyset on ``(created_at, id)`` through the indexes below.
"""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String

from .types import BigId, ScrubbedText, UTCDateTime, utcnow


class Log(Model):
    __tablename__ = "sync_log"

    id = Column(BigId, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    organization_id = Column(Integer, nullable=False)
    company_id = Column(Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), nullable=False)
    run_id = Column(Integer)
    # Snapshots taken when the line is written, so filters need no join.
    provider = Column(String(40), nullable=False)
    company_name = Column(String(255), nullable=False, default="")
    external_account = Column(String(255), nullable=False, default="")
    type = Column(String(10), nullable=False)
    level = Column(String(10), nullable=False)
    message = Column(ScrubbedText, nullable=False)
    body = Column(ScrubbedText)
    entity = Column(String(30))
    direction = Column(String(4))
    local_id = Column(String(64))
    catalog_code = Column(String(80))

    __table_args__ = (
        Index("ix_sync_log_company_created", "company_id", "created_at", "id"),
        Index("ix_sync_log_company_level_created", "company_id", "level", "created_at", "id"),
        Index("ix_sync_log_company_type_created", "company_id", "type", "created_at", "id"),
        Index("ix_sync_log_created", "created_at", "id"),
        Index("ix_sync_log_level_created", "level", "created_at", "id"),
        Index("ix_sync_log_run", "run_id"),
        # Message text search: trigram GIN on PostgreSQL; SQLite scans (still correct).
        Index(
            "ix_sync_log_message_trgm",
            "message",
            postgresql_using="gin",
            postgresql_ops={"message": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_sync_log_external_account_trgm",
            "external_account",
            postgresql_using="gin",
            postgresql_ops={"external_account": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )


class CompanyStats(Model):
    """Per-company totals for the log summary cards."""

    __tablename__ = "sync_company_stats"

    company_id = Column(
        Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), primary_key=True
    )
    logs_total = Column(BigInteger, nullable=False, default=0)
    logs_errors = Column(BigInteger, nullable=False, default=0)
    logs_warnings = Column(BigInteger, nullable=False, default=0)
    logs_milestones = Column(BigInteger, nullable=False, default=0)
    last_activity_at = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class DailyStats(Model):
    """Per-company, per-day counts for the 30-day chart on the company page."""

    __tablename__ = "sync_daily_stats"

    company_id = Column(
        Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), primary_key=True
    )
    day = Column(Date, primary_key=True)
    records_synced = Column(Integer, nullable=False, default=0)
    records_failed = Column(Integer, nullable=False, default=0)
    logs_total = Column(Integer, nullable=False, default=0)
    logs_errors = Column(Integer, nullable=False, default=0)
