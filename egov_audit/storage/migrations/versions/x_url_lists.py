"""Long lists of URLs a check looked at are stored once, by digest, in ``url_list``.

Existing ``finding.looked_at_json`` values (JSON lists) stay as they are and are read as before.

Revision ID: x_url_lists
Revises: m4_merge_incremental
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "x_url_lists"
down_revision = "m4_merge_incremental"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "url_list",
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("urls_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )


def downgrade() -> None:
    # Findings that name a list get the list back inline, so nothing written since is lost.
    op.execute("UPDATE finding SET looked_at_json = (SELECT urls_json FROM url_list "
               "WHERE '\"' || url_list.digest || '\"' = finding.looked_at_json) WHERE looked_at_json LIKE '\"%'")
    op.drop_table("url_list")
