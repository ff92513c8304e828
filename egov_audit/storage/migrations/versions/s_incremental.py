"""Incremental nights: validators, confirmation and change times, and how each page row was obtained.

Revision ID: s_incremental
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s_incremental"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("page") as batch:
        batch.add_column(sa.Column("etag", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_modified", sa.String(), nullable=True))
        # Matches storage.models.UTCDateTime (a DateTime(timezone=True) underneath).
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revisit", sa.String(), nullable=True))
        batch.add_column(sa.Column("carried_from", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("page") as batch:
        for name in ("carried_from", "revisit", "changed_at", "verified_at", "last_modified", "etag"):
            batch.drop_column(name)
