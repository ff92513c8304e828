"""Merge point: the review app's tables join the merged nightly and history revisions.

Revision ID: m2_merge_review
Revises: m1_merge_nightly_history, v_review
"""

from __future__ import annotations

revision = "m2_merge_review"
down_revision = ("m1_merge_nightly_history", "v_review")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
