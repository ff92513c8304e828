"""Distributed mode: runs put on the task queue, each unit's state and lease, per-host start turns.

The task queue's own tables (Procrastinate) live in the PostgreSQL schema ``egov_queue`` and are
installed by ``services.task_queue.ensure_queue_schema``, not here: they follow Procrastinate's own
versioned migrations.

Revision ID: w_distributed
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w_distributed"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    # Matches storage.models.UTCDateTime (a DateTime(timezone=True) underneath).
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "distributed_run",
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        _ts("enqueued_at", nullable=False),
        _ts("completed_at"),
        _ts("scored_at"),
        sa.Column("scoring_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_table(
        "distributed_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(), nullable=True),
        sa.Column("worker", sa.String(), nullable=True),
        _ts("heartbeat_at"),
        _ts("queued_at", nullable=False),
        _ts("started_at"),
        _ts("finished_at"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "unit_code", name="uq_distributed_unit_run_unit"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="ck_distributed_unit_state"),
    )
    op.create_table(
        "crawl_host_turn",
        sa.Column("host", sa.String(), nullable=False),
        _ts("next_start", nullable=False),
        sa.PrimaryKeyConstraint("host"),
    )


def downgrade() -> None:
    op.drop_table("crawl_host_turn")
    op.drop_table("distributed_unit")
    op.drop_table("distributed_run")
