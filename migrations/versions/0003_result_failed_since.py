"""sync_result.failed_since: when a record's current failure was first recorded

Failure groups showed min(last_attempt_at) as "first seen", which every retry reset.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from sync_admin.models.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FAILED = {
    "postgresql_where": sa.text("outcome = 'failed' AND excluded = false"),
    "sqlite_where": sa.text("outcome = 'failed' AND excluded = 0"),
}


def upgrade():
    with op.batch_alter_table("sync_result") as batch:
        batch.add_column(sa.Column("failed_since", UTCDateTime(timezone=True), nullable=True))
    # Best estimate for failures recorded before the column existed.
    op.execute("UPDATE sync_result SET failed_since = last_attempt_at WHERE outcome = 'failed'")
    op.drop_index("ix_sync_result_failed", table_name="sync_result", **FAILED)
    op.create_index(
        "ix_sync_result_failed",
        "sync_result",
        ["catalog_code", "company_id", "last_attempt_at", "failed_since", "id"],
        unique=False,
        **FAILED,
    )


def downgrade():
    op.drop_index("ix_sync_result_failed", table_name="sync_result", **FAILED)
    op.create_index(
        "ix_sync_result_failed",
        "sync_result",
        ["catalog_code", "company_id", "last_attempt_at", "id"],
        unique=False,
        **FAILED,
    )
    with op.batch_alter_table("sync_result") as batch:
        batch.drop_column("failed_since")
