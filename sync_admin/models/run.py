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

    # One story for the counts, the flag's tooltip and the closing milestone: every record the
    # run counted is synced, failed, skipped or removed (deleted in the provider, so not
    # pushed until staff retry it); errors that belong to no record (a failed import, a record
    # found deleted in the provider) are counted apart as other errors.

    @property
    def removed(self) -> int:
        """Records counted done but neither synced, failed nor skipped: removed in the provider."""
        return max(
            0, (self.done or 0) - (self.succeeded or 0) - (self.failed or 0) - (self.skipped or 0)
        )

    @property
    def other_errors(self) -> int:
        """Errors of the run outside its records (the engine stores them when it finishes)."""
        return int((self.params or {}).get("other_errors", 0))

    @property
    def errors(self) -> int:
        return (self.failed or 0) + self.other_errors

    @property
    def counts_text(self) -> str:
        """``9 / 9: 4 synced, 0 failed, 4 skipped, 1 removed in the provider; 3 other errors``."""
        text = (
            f"{self.done or 0} / {self.total or 0}: {self.succeeded or 0} synced, "
            f"{self.failed or 0} failed, {self.skipped or 0} skipped"
        )
        if self.removed:
            text += f", {self.removed} removed in the provider"
        if self.other_errors:
            text += f"; {_count(self.other_errors, 'other error')}"
        return text

    @property
    def outcome_text(self) -> str:
        """The status and what came of it: ``succeeded with 3 errors``, ``failed``, ``running``."""
        if self.errors:
            return f"{self.status} with {_count(self.errors, 'error')}"
        return str(self.status)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
