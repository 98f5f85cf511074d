"""sync_failure_count: open failures per catalog entry and company, for failure groups

The failure groups screen grouped every open failure of sync_result per view; it now
reads this table, which the application keeps in step (sync_admin.failure_counts).
Filled here from the existing results.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from sync_admin.models.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sync_failure_count",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("catalog_code", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_seen", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_result_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id", "catalog_code"),
    )
    # The same recount as sync_admin.failure_counts.recount_all, over the open failures.
    op.execute(
        "INSERT INTO sync_failure_count"
        " (company_id, catalog_code, failures, first_seen, last_seen, last_result_id)"
        " SELECT company_id, coalesce(catalog_code, ''), count(*),"
        " min(coalesce(failed_since, last_attempt_at)), max(last_attempt_at), max(id)"
        " FROM sync_result WHERE outcome = 'failed' AND excluded = false"
        " GROUP BY company_id, coalesce(catalog_code, '')"
    )


def downgrade():
    op.drop_table("sync_failure_count")
