"""Merge point: the incremental nights' page validators (s_incremental) join the merged revisions.

Revision ID: m4_merge_incremental
Revises: m3_merge_distributed, s_incremental
"""

from __future__ import annotations

revision = "m4_merge_incremental"
down_revision = ("m3_merge_distributed", "s_incremental")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
