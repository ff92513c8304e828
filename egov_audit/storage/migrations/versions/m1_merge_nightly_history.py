"""Merge point: the nightly-operations tables and the score/survey history (two branches of revisions).

Revision ID: m1_merge_nightly_history
Revises: n_nightly, r_history
"""

from __future__ import annotations

revision = "m1_merge_nightly_history"
down_revision = ("n_nightly", "r_history")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
