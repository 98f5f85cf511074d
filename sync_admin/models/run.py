"""One sync job execution for a company: the record of intent.

The row exists before the RQ job does; the sweeper re-enqueues a queued or
running run whose job vanished, so a Redis restart loses nothing.
"""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import relationship

from ..vocabulary import RunStatus
from .types import JSONType, ScrubbedText, UTCDateTime, utcnow

_ACTIVE = "status IN ('queued', 'running')"


class Run(Model):
    __tablename__ = "sync_run"

    id = Column(Integer, primary_key=True)
    company_id = Column(Integer, ForeignKey("sync_company.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(20), nullable=False)
    trigger = Column(String(20), nullable=False)
    status = Column(String(20), nullable=False, default=RunStatus.QUEUED.value)
    flag = Column(String(10))
    # Progress and counts, kept in step with the sync results the run writes.
    total = Column(Integer, nullable=False, default=0)
    done = Column(Integer, nullable=False, default=0)
    succeeded = Column(Integer, nullable=False, default=0)
    failed = Column(Integer, nullable=False, default=0)
    skipped = Column(Integer, nullable=False, default=0)
    # kind-specific input: entities, since, result ids for a retry.
    params = Column(JSONType, nullable=False, default=dict)
    job_id = Column(String(64))
    attempts = Column(Integer, nullable=False, default=0)
    message = Column(ScrubbedText)
    triggered_by_id = Column(Integer)
    triggered_by = Column(String(255))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    started_at = Column(UTCDateTime)
    heartbeat_at = Column(UTCDateTime)
    finished_at = Column(UTCDateTime)
    # A rate-limited run is re-scheduled instead of holding a worker.
    not_before = Column(UTCDateTime)

    company = relationship("Company")

    __table_args__ = (
        Index("ix_sync_run_company_created", "company_id", "created_at"),
        Index("ix_sync_run_status", "status"),
        # The database guard behind "a company has at most one active run".
        Index(
            "uq_sync_run_one_active",
            "company_id",
            unique=True,
            sqlite_where=text(_ACTIVE),
            postgresql_where=text(_ACTIVE),
        ),
    )

    @property
    def active(self) -> bool:
        return self.status in RunStatus.active()
