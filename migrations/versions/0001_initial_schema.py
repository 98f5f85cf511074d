"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sync_admin.models.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sync_audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sync_audit_actor_created", "sync_audit_event", ["actor", "created_at"], unique=False
    )
    op.create_index(
        "ix_sync_audit_company_created",
        "sync_audit_event",
        ["company_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_sync_audit_created", "sync_audit_event", ["created_at"], unique=False)
    op.create_table(
        "sync_organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("host_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("host_key"),
    )
    op.create_table(
        "sync_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("external_account", sa.String(length=255), nullable=False),
        sa.Column("external_account_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("token_ciphertext", sa.Text(), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=True),
        sa.Column(
            "access_expires_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "refresh_expires_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "refresh_hard_expires_at",
            sync_admin.models.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "last_refreshed_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("connected_by_id", sa.Integer(), nullable=True),
        sa.Column("connected_by", sa.String(length=255), nullable=True),
        sa.Column("token_user_id", sa.Integer(), nullable=True),
        sa.Column("token_user", sa.String(length=255), nullable=True),
        sa.Column(
            "connected_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "disconnected_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("updated_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["sync_organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sync_connection_org_provider",
        "sync_connection",
        ["organization_id", "provider"],
        unique=False,
    )
    op.create_table(
        "sync_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("provider_company_id", sa.String(length=64), nullable=False),
        sa.Column("provider_connection_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("host_company_key", sa.String(length=128), nullable=True),
        sa.Column("base_currency", sa.String(length=3), nullable=True),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("auto_resync", sa.Boolean(), nullable=False),
        sa.Column(
            "last_synced_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_successful_sync_at",
            sync_admin.models.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "cursors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "mapping_changed_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["sync_connection.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["sync_organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "organization_id", "provider", "provider_company_id", name="uq_sync_company_provider"
        ),
    )
    op.create_index("ix_sync_company_connection", "sync_company", ["connection_id"], unique=False)
    op.create_index("ix_sync_company_status", "sync_company", ["status"], unique=False)
    op.create_table(
        "sync_company_stats",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("logs_total", sa.BigInteger(), nullable=False),
        sa.Column("logs_errors", sa.BigInteger(), nullable=False),
        sa.Column("logs_warnings", sa.BigInteger(), nullable=False),
        sa.Column("logs_milestones", sa.BigInteger(), nullable=False),
        sa.Column(
            "last_activity_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("updated_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id"),
    )
    op.create_table(
        "sync_daily_stats",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("records_synced", sa.Integer(), nullable=False),
        sa.Column("records_failed", sa.Integer(), nullable=False),
        sa.Column("logs_total", sa.Integer(), nullable=False),
        sa.Column("logs_errors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id", "day"),
    )
    op.create_table(
        "sync_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("company_name", sa.String(length=255), nullable=False),
        sa.Column("external_account", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("entity", sa.String(length=30), nullable=True),
        sa.Column("direction", sa.String(length=4), nullable=True),
        sa.Column("local_id", sa.String(length=64), nullable=True),
        sa.Column("catalog_code", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sync_log_company_created", "sync_log", ["company_id", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_sync_log_company_level_created",
        "sync_log",
        ["company_id", "level", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_sync_log_company_type_created",
        "sync_log",
        ["company_id", "type", "created_at", "id"],
        unique=False,
    )
    op.create_index("ix_sync_log_created", "sync_log", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_sync_log_level_created", "sync_log", ["level", "created_at", "id"], unique=False
    )
    op.create_index("ix_sync_log_run", "sync_log", ["run_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Message and external account text search (ILIKE '%term%') by trigram.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_sync_log_message_trgm",
            "sync_log",
            ["message"],
            postgresql_using="gin",
            postgresql_ops={"message": "gin_trgm_ops"},
        )
        op.create_index(
            "ix_sync_log_external_account_trgm",
            "sync_log",
            ["external_account"],
            postgresql_using="gin",
            postgresql_ops={"external_account": "gin_trgm_ops"},
        )
    op.create_table(
        "sync_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("host_key", sa.String(length=128), nullable=False),
        sa.Column("host_label", sa.String(length=255), nullable=True),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("provider_name", sa.String(length=255), nullable=True),
        sa.Column("updated_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "kind", "host_key", name="uq_sync_mapping_key"),
    )
    op.create_table(
        "sync_notification_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "entity", "external_id", name="uq_sync_reference"),
    )
    op.create_table(
        "sync_result",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("local_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("external_version", sa.String(length=32), nullable=True),
        sa.Column("link_status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("catalog_code", sa.String(length=80), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column(
            "facts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=True),
        sa.Column("blocked_by", sa.String(length=100), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column(
            "last_attempt_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_success_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "company_id", "entity", "direction", "local_id", name="uq_sync_result_record"
        ),
    )
    op.create_index(
        "ix_sync_result_code_outcome", "sync_result", ["catalog_code", "outcome"], unique=False
    )
    op.create_index(
        "ix_sync_result_company_attempt",
        "sync_result",
        ["company_id", "last_attempt_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_sync_result_company_outcome",
        "sync_result",
        ["company_id", "outcome", "category"],
        unique=False,
    )
    op.create_index(
        "ix_sync_result_external",
        "sync_result",
        ["company_id", "entity", "external_id"],
        unique=False,
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("flag", sa.String(length=10), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("triggered_by_id", sa.Integer(), nullable=True),
        sa.Column("triggered_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "heartbeat_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("finished_at", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("not_before", sync_admin.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["sync_company.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sync_run_company_created", "sync_run", ["company_id", "created_at"], unique=False
    )
    op.create_index("ix_sync_run_status", "sync_run", ["status"], unique=False)
    op.create_index(
        "uq_sync_run_one_active",
        "sync_run",
        ["company_id"],
        unique=True,
        sqlite_where=sa.text("status IN ('queued', 'running')"),
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )


def downgrade():
    op.drop_index(
        "uq_sync_run_one_active",
        table_name="sync_run",
        sqlite_where=sa.text("status IN ('queued', 'running')"),
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.drop_index("ix_sync_run_status", table_name="sync_run")
    op.drop_index("ix_sync_run_company_created", table_name="sync_run")
    op.drop_table("sync_run")
    op.drop_index("ix_sync_result_external", table_name="sync_result")
    op.drop_index("ix_sync_result_company_outcome", table_name="sync_result")
    op.drop_index("ix_sync_result_company_attempt", table_name="sync_result")
    op.drop_index("ix_sync_result_code_outcome", table_name="sync_result")
    op.drop_table("sync_result")
    op.drop_table("sync_reference")
    op.drop_table("sync_notification_subscription")
    op.drop_table("sync_mapping")
    op.drop_index("ix_sync_log_run", table_name="sync_log")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_sync_log_message_trgm", table_name="sync_log")
        op.drop_index("ix_sync_log_external_account_trgm", table_name="sync_log")
    op.drop_index("ix_sync_log_level_created", table_name="sync_log")
    op.drop_index("ix_sync_log_created", table_name="sync_log")
    op.drop_index("ix_sync_log_company_type_created", table_name="sync_log")
    op.drop_index("ix_sync_log_company_level_created", table_name="sync_log")
    op.drop_index("ix_sync_log_company_created", table_name="sync_log")
    op.drop_table("sync_log")
    op.drop_table("sync_daily_stats")
    op.drop_table("sync_company_stats")
    op.drop_index("ix_sync_company_status", table_name="sync_company")
    op.drop_index("ix_sync_company_connection", table_name="sync_company")
    op.drop_table("sync_company")
    op.drop_index("ix_sync_connection_org_provider", table_name="sync_connection")
    op.drop_table("sync_connection")
    op.drop_table("sync_organization")
    op.drop_index("ix_sync_audit_created", table_name="sync_audit_event")
    op.drop_index("ix_sync_audit_company_created", table_name="sync_audit_event")
    op.drop_index("ix_sync_audit_actor_created", table_name="sync_audit_event")
    op.drop_table("sync_audit_event")
