"""Merge point: the distributed mode's tables (w_distributed) join the merged nightly, history and review revisions.

Revision ID: m3_merge_distributed
Revises: m2_merge_review, w_distributed
"""

from __future__ import annotations

revision = "m3_merge_distributed"
down_revision = ("m2_merge_review", "w_distributed")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
