"""Review app users: username, salted scrypt password hash, role (viewer, reviewer, admin).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        # Matches storage.models.UTCDateTime (a DateTime(timezone=True) underneath).
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username"),
        sa.CheckConstraint("role IN ('viewer', 'reviewer', 'admin')", name="ck_app_user_role"),
    )


def downgrade() -> None:
    op.drop_table("app_user")
