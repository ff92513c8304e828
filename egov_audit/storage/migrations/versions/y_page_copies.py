"""A page row copied from an earlier night refers to the row holding its content (``page.copy_of``).

Most of an incremental night's pages are carried over or answered 304: as full copies their rows were the
largest part of what such a night wrote. Rows written before stay full copies and are read as before.

Revision ID: y_page_copies
Revises: x_url_lists
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "y_page_copies"
down_revision = "x_url_lists"
branch_labels = None
depends_on = None

_CONTENT = ("final_url", "status", "error", "content_type", "encoding", "legacy_font_encoding", "headers_digest",
            "body_digest", "size_bytes", "redirects_json", "elapsed_seconds", "fetched_at", "rendered_digest",
            "etag", "last_modified", "changed_at")


def upgrade() -> None:
    with op.batch_alter_table("page") as batch:
        batch.add_column(sa.Column("copy_of", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Copies get their content back, so nothing written since is lost.
    assignments = ", ".join(f"{name} = (SELECT src.{name} FROM page AS src WHERE src.id = page.copy_of)"
                            for name in _CONTENT)
    op.execute(f"UPDATE page SET {assignments}, carried_from = COALESCE(carried_from, "
               "(SELECT COALESCE(src.carried_from, src.run_id) FROM page AS src WHERE src.id = page.copy_of)) "
               "WHERE copy_of IS NOT NULL")
    with op.batch_alter_table("page") as batch:
        batch.drop_column("copy_of")
