"""failed results index: failure groups and retry-all read only failed records

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_sync_result_failed",
        "sync_result",
        ["catalog_code", "company_id", "last_attempt_at", "id"],
        unique=False,
        postgresql_where=sa.text("outcome = 'failed' AND excluded = false"),
        sqlite_where=sa.text("outcome = 'failed' AND excluded = 0"),
    )


def downgrade():
    op.drop_index(
        "ix_sync_result_failed",
        table_name="sync_result",
        postgresql_where=sa.text("outcome = 'failed' AND excluded = false"),
        sqlite_where=sa.text("outcome = 'failed' AND excluded = 0"),
    )
