"""Initial schema: units, frameworks, runs, crawls, pages, findings, self-reports, decisions, scores.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    # Matches storage.models.UTCDateTime (a DateTime(timezone=True) underneath).
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "unit",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("province_code", sa.String(), nullable=False),
        sa.Column("parent_code", sa.String(), nullable=True),
        sa.Column("portal_url", sa.String(), nullable=True),
        sa.Column("scope", sa.String(), nullable=True),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("code"),
        sa.CheckConstraint("level IN ('province', 'district', 'commune')", name="ck_unit_level"),
    )
    op.create_table(
        "framework",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        _ts("loaded_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_run",
        sa.Column("id", sa.String(), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("framework_name", sa.String(), nullable=True),
        sa.Column("options_json", sa.Text(), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("status IN ('running', 'finished', 'failed', 'abandoned')", name="ck_audit_run_status"),
    )
    op.create_table(
        "unit_crawl",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("home_url", sa.String(), nullable=True),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("probes_json", sa.Text(), nullable=False),
        sa.Column("budget_exhausted", sa.Boolean(), nullable=False),
        sa.Column("robots_txt", sa.Text(), nullable=True),
        sa.Column("sitemap_json", sa.Text(), nullable=True),
        sa.Column("warc_files_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.UniqueConstraint("run_id", "unit_code", name="uq_unit_crawl_run_unit"),
    )
    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("content_type", sa.String(), nullable=True),
        sa.Column("encoding", sa.String(), nullable=True),
        sa.Column("legacy_font_encoding", sa.String(), nullable=True),
        sa.Column("headers_digest", sa.String(), nullable=True),
        sa.Column("body_digest", sa.String(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("link_text", sa.Text(), nullable=True),
        sa.Column("redirects_json", sa.Text(), nullable=False),
        sa.Column("ttfb_seconds", sa.Float(), nullable=True),
        sa.Column("elapsed_seconds", sa.Float(), nullable=True),
        _ts("fetched_at", nullable=True),
        sa.Column("rendered_digest", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.UniqueConstraint("run_id", "unit_code", "url", name="uq_page_run_unit_url"),
    )
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("check_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.Column("looked_at_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["run_id"], ["audit_run.id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.UniqueConstraint("run_id", "unit_code", "check_id", name="uq_finding_run_unit_check"),
    )
    op.create_table(
        "self_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        _ts("imported_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.UniqueConstraint("unit_code", "year", "field", name="uq_self_report_unit_year_field"),
    )
    op.create_table(
        "reviewer_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=True),
        sa.Column("check_id", sa.String(), nullable=True),
        sa.Column("indicator_id", sa.String(), nullable=True),
        sa.Column("framework_name", sa.String(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        _ts("decided_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.CheckConstraint("length(reason) > 0", name="ck_reviewer_decision_reason"),
    )
    op.create_index("ix_reviewer_decision_unit_code", "reviewer_decision", ["unit_code"])
    op.create_table(
        "score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("framework_id", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("achieved_level", sa.String(), nullable=True),
        sa.Column("readiness_level", sa.Integer(), nullable=True),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("ranked", sa.Boolean(), nullable=False),
        sa.Column("details_json", sa.Text(), nullable=False),
        _ts("computed_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.UniqueConstraint("unit_code", "framework_id", "year", name="uq_score_unit_framework_year"),
    )


def downgrade() -> None:
    op.drop_table("score")
    op.drop_index("ix_reviewer_decision_unit_code", table_name="reviewer_decision")
    for table in ("reviewer_decision", "self_report", "finding", "page", "unit_crawl", "audit_run", "framework",
                  "unit"):
        op.drop_table(table)
