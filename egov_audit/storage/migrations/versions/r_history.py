"""History that is never overwritten: survey versions (the original file kept as evidence), reviewers' picks
of a survey version, and score sets (immutable publications keyed by framework name@version, digest, year
and the runs they used). Scores stored before this revision become one published set per framework and year.

Revision ID: r_history
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "r_history"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    # Matches storage.models.UTCDateTime (a DateTime(timezone=True) underneath).
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "survey_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_digest", sa.String(), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.String(), nullable=True),
        sa.Column("forms", sa.Integer(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("skipped_json", sa.Text(), nullable=False),
        _ts("imported_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("self_report") as batch:
        batch.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cell", sa.String(), nullable=True))
        batch.drop_constraint("uq_self_report_unit_year_field", type_="unique")
        batch.create_unique_constraint("uq_self_report_version_unit_year_field",
                                       ["version_id", "unit_code", "year", "field"])
        batch.create_foreign_key("fk_self_report_version_id", "survey_version", ["version_id"], ["id"])
    op.create_index("ix_self_report_year_unit", "self_report", ["year", "unit_code"])
    op.create_table(
        "survey_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _ts("decided_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"]),
        sa.ForeignKeyConstraint(["version_id"], ["survey_version.id"]),
        sa.CheckConstraint("length(reason) > 0", name="ck_survey_choice_reason"),
    )
    op.create_table(
        "score_set",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("framework_id", sa.String(), nullable=False),
        sa.Column("framework_name", sa.String(), nullable=False),
        sa.Column("framework_title", sa.String(), nullable=False),
        sa.Column("framework_version", sa.String(), nullable=False),
        sa.Column("framework_digest", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.String(), nullable=False),
        _ts("as_of", nullable=True),
        sa.Column("runs_json", sa.Text(), nullable=False),
        sa.Column("survey_versions_json", sa.Text(), nullable=False),
        sa.Column("content_digest", sa.String(), nullable=False),
        _ts("created_at"),
        _ts("published_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("score") as batch:
        batch.add_column(sa.Column("score_set_id", sa.String(), nullable=True))
        batch.drop_constraint("uq_score_unit_framework_year", type_="unique")
        batch.create_unique_constraint("uq_score_set_unit", ["score_set_id", "unit_code"])
        batch.create_foreign_key("fk_score_score_set_id", "score_set", ["score_set_id"], ["id"])
    op.create_index("ix_score_score_set_id", "score", ["score_set_id"])
    _sets_for_existing_scores()


def _sets_for_existing_scores() -> None:
    """Scores stored before score sets were kept: one set per (framework file, year), published, since it
    was the only result there was. Its framework version is the newest registered under that name."""
    bind = op.get_bind()
    groups = bind.execute(sa.text(
        "SELECT framework_id, year, MAX(computed_at) FROM score GROUP BY framework_id, year")).fetchall()
    for framework_file, year, computed_at in groups:
        name = framework_file.split("@", 1)[0]
        registered = bind.execute(sa.text(
            "SELECT id, version, digest FROM framework WHERE name = :name ORDER BY loaded_at DESC"),
            {"name": name}).first()
        framework_id, version, digest = registered if registered else (framework_file, "", "")
        set_id = hashlib.sha256(f"{framework_file}|{year}|before-score-sets".encode()).hexdigest()[:32]
        bind.execute(sa.text(
            "INSERT INTO score_set (id, framework_id, framework_name, framework_title, framework_version, "
            "framework_digest, year, evidence, runs_json, survey_versions_json, content_digest, created_at, "
            "published_at) VALUES (:id, :fid, :name, :name, :version, :digest, :year, 'latest', '[]', '[]', '', "
            ":at, :at)"),
            {"id": set_id, "fid": framework_id, "name": name, "version": version, "digest": digest, "year": year,
             "at": computed_at})
        bind.execute(sa.text("UPDATE score SET score_set_id = :id, framework_id = :fid "
                             "WHERE framework_id = :old AND year = :year"),
                     {"id": set_id, "fid": framework_id, "old": framework_file, "year": year})


def downgrade() -> None:
    op.drop_index("ix_score_score_set_id", table_name="score")
    with op.batch_alter_table("score") as batch:
        batch.drop_constraint("fk_score_score_set_id", type_="foreignkey")
        batch.drop_constraint("uq_score_set_unit", type_="unique")
        batch.drop_column("score_set_id")
        batch.create_unique_constraint("uq_score_unit_framework_year", ["unit_code", "framework_id", "year"])
    op.drop_table("score_set")
    op.drop_table("survey_choice")
    op.drop_index("ix_self_report_year_unit", table_name="self_report")
    with op.batch_alter_table("self_report") as batch:
        batch.drop_constraint("fk_self_report_version_id", type_="foreignkey")
        batch.drop_constraint("uq_self_report_version_unit_year_field", type_="unique")
        batch.drop_column("cell")
        batch.drop_column("version_id")
        batch.create_unique_constraint("uq_self_report_unit_year_field", ["unit_code", "year", "field"])
    op.drop_table("survey_version")
