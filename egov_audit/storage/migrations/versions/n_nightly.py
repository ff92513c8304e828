"""Nightly operations: database locks, per-run metrics, the scheduler's nights, notification deliveries.

The scheduler's own job table (``apscheduler_jobs``) is created by APScheduler's SQLAlchemyJobStore on
first start, in the same database; it is not described here because APScheduler owns its layout.

Revision ID: n_nightly
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "n_nightly"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    # Matches storage.models.UTCDateTime (a DateTime(timezone=True) underneath).
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "db_lock",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        _ts("acquired_at"),
        _ts("heartbeat_at"),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "run_metrics",
        sa.Column("run_id", sa.String(), nullable=False),
        _ts("computed_at"),
        sa.Column("metrics_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_table(
        "night",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("night_date", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("details_json", sa.Text(), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("status IN ('running', 'finished', 'failed', 'skipped')", name="ck_night_status"),
    )
    op.create_index("ix_night_night_date", "night", ["night_date"])
    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("delivery_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("payload_digest", sa.String(), nullable=True),
        _ts("created_at"),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_delivery_run_id", "notification_delivery", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_notification_delivery_run_id", table_name="notification_delivery")
    op.drop_table("notification_delivery")
    op.drop_index("ix_night_night_date", table_name="night")
    op.drop_table("night")
    op.drop_table("run_metrics")
    op.drop_table("db_lock")
