"""Review app: server-side sessions, the audit log, API clients, unit links, disputes and re-tests; the
cross-check field a decision settled.

Revision ID: v_review
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v_review"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    # Matches storage.models.UTCDateTime (a DateTime(timezone=True) underneath).
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("reviewer_decision") as batch:
        batch.add_column(sa.Column("crosscheck_field", sa.String(), nullable=True))
    op.create_table(
        "review_session",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("csrf_token", sa.String(), nullable=False),
        _ts("created_at"),
        _ts("last_seen_at"),
        _ts("expires_at"),
        _ts("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(), nullable=True),
        sa.Column("client", sa.String(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("flash_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["username"], ["app_user.username"]),
    )
    op.create_index("ix_review_session_username", "review_session", ["username"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=True),
        sa.Column("client", sa.String(), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_table(
        "api_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("scopes_json", sa.Text(), nullable=False),
        sa.Column("province_code", sa.String(), nullable=True),
        _ts("created_at"),
        _ts("expires_at", nullable=True),
        _ts("revoked_at", nullable=True),
        _ts("last_used_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "unit_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("contact", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("check_id", sa.String(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        _ts("filed_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.ForeignKeyConstraint(["link_id"], ["unit_link.id"]),
        sa.CheckConstraint("length(comment) > 0", name="ck_dispute_comment"),
    )
    op.create_index("ix_dispute_unit_code", "dispute", ["unit_code"])
    op.create_table(
        "retest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        _ts("requested_at"),
        sa.Column("status", sa.String(), nullable=False),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.Column("run_id", sa.String(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("dispute_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.ForeignKeyConstraint(["dispute_id"], ["dispute.id"]),
        sa.CheckConstraint("status IN ('queued', 'running', 'finished', 'failed')", name="ck_retest_status"),
    )
    op.create_table(
        "dispute_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("retest_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["dispute_id"], ["dispute.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["reviewer_decision.id"]),
        sa.ForeignKeyConstraint(["retest_id"], ["retest.id"]),
    )
    op.create_index("ix_dispute_event_dispute_id", "dispute_event", ["dispute_id"])


def downgrade() -> None:
    op.drop_index("ix_dispute_event_dispute_id", table_name="dispute_event")
    op.drop_table("dispute_event")
    op.drop_table("retest")
    op.drop_index("ix_dispute_unit_code", table_name="dispute")
    op.drop_table("dispute")
    op.drop_table("unit_link")
    op.drop_table("api_client")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index("ix_review_session_username", table_name="review_session")
    op.drop_table("review_session")
    with op.batch_alter_table("reviewer_decision") as batch:
        batch.drop_column("crosscheck_field")
