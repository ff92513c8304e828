"""The database tables of egov-audit (SQLModel), readable by someone opening the SQLite file.

JSON-valued columns end in ``_json`` and hold text written with ``json.dumps`` so the schema is the same
on SQLite and PostgreSQL. Every timestamp is stored and returned as a timezone-aware UTC datetime
(``UTCDateTime``), because SQLite has no time zones and would otherwise hand back naive values.
The Alembic migration ``storage/migrations/versions/0001_initial.py`` must describe exactly these tables;
``tests/test_storage.py`` checks that autogenerate finds no difference.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

UNIT_LEVELS = ("province", "district", "commune")
RUN_STATUSES = ("running", "finished", "failed", "abandoned")
EXCLUDE = "exclude"
"""Reviewer decision status that excludes a unit from ranking (besides the ``Status`` values)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A ``DateTime(timezone=True)`` that always stores UTC and always returns aware UTC datetimes."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: egov-audit stores timezone-aware UTC times only")
        value = value.astimezone(UTC)
        # SQLite would keep the offset as text and compare strings; store plain UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Unit(SQLModel, table=True):
    """An administrative unit (province, district or commune) and its portal."""

    __tablename__ = "unit"
    __table_args__ = (sa.CheckConstraint("level IN ('province', 'district', 'commune')", name="ck_unit_level"),)

    code: str = Field(primary_key=True)
    name: str
    level: str
    province_code: str
    parent_code: str | None = None
    portal_url: str | None = None
    scope: str | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Framework(SQLModel, table=True):
    """A scoring framework file as loaded, kept verbatim so past scores can be reproduced."""

    __tablename__ = "framework"

    id: str = Field(primary_key=True)
    """``<name>@<version>``."""
    name: str
    version: str
    digest: str
    """``sha256:<hex>`` of the file content."""
    content: str = Field(sa_type=sa.Text)
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditRun(SQLModel, table=True):
    """One audit job (usually one night) over a set of units; status running, finished, failed or
    abandoned (an unfinished run that a fresh run replaced)."""

    __tablename__ = "audit_run"
    __table_args__ = (
        sa.CheckConstraint("status IN ('running', 'finished', 'failed', 'abandoned')", name="ck_audit_run_status"),
    )

    id: str = Field(primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = "running"
    framework_name: str | None = None
    options_json: str = Field(default="{}", sa_type=sa.Text)
    settings_json: str = Field(default="{}", sa_type=sa.Text)


class UnitCrawl(SQLModel, table=True):
    """The crawl of one unit's portal within a run: outcome, probes and the WARC files written."""

    __tablename__ = "unit_crawl"
    __table_args__ = (sa.UniqueConstraint("run_id", "unit_code", name="uq_unit_crawl_run_unit"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="audit_run.id")
    unit_code: str = Field(foreign_key="unit.code")
    status: str = "running"
    """A ``CrawlStatus`` value, or ``running`` while the crawl is under way (or was killed)."""
    error: str | None = None
    pages: int = 0
    home_url: str | None = None
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    probes_json: str = Field(default="{}", sa_type=sa.Text)
    budget_exhausted: bool = False
    robots_txt: str | None = Field(default=None, sa_type=sa.Text)
    sitemap_json: str | None = Field(default=None, sa_type=sa.Text)
    warc_files_json: str = Field(default="[]", sa_type=sa.Text)


class Page(SQLModel, table=True):
    """One fetched URL of a unit in a run; bodies and headers live in the blob store by digest."""

    __tablename__ = "page"
    __table_args__ = (sa.UniqueConstraint("run_id", "unit_code", "url", name="uq_page_run_unit_url"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="audit_run.id")
    unit_code: str = Field(foreign_key="unit.code")
    url: str = Field(sa_type=sa.Text)
    final_url: str = Field(sa_type=sa.Text)
    status: int | None = None
    error: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    legacy_font_encoding: str | None = None
    headers_digest: str | None = None
    body_digest: str | None = None
    size_bytes: int | None = None
    depth: int = 0
    referrer: str | None = Field(default=None, sa_type=sa.Text)
    link_text: str | None = Field(default=None, sa_type=sa.Text)
    redirects_json: str = Field(default="[]", sa_type=sa.Text)
    ttfb_seconds: float | None = None
    elapsed_seconds: float | None = None
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rendered_digest: str | None = None
    # Incremental nights (migration s_incremental): the validators the next night's conditional request
    # sends, when the server last confirmed the body, when it last changed, and how tonight's row was got.
    etag: str | None = Field(default=None, sa_type=sa.Text)
    last_modified: str | None = None
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revisit: str | None = None
    """None (fetched), ``not_modified`` (304), ``unchanged`` (same body again) or ``carried`` (not asked)."""
    carried_from: str | None = None
    """The run whose stored row this one copies (``not_modified`` and ``carried`` rows)."""


class FindingRow(SQLModel, table=True):
    """The outcome of one check for one unit in one run (``checks.model.Finding`` persisted)."""

    __tablename__ = "finding"
    __table_args__ = (sa.UniqueConstraint("run_id", "unit_code", "check_id", name="uq_finding_run_unit_check"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="audit_run.id")
    unit_code: str = Field(foreign_key="unit.code")
    check_id: str
    status: str
    value_json: str = Field(default="null", sa_type=sa.Text)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    evidence_json: str = Field(default="[]", sa_type=sa.Text)
    looked_at_json: str = Field(default="[]", sa_type=sa.Text)


class SelfReport(SQLModel, table=True):
    """One self-reported survey value (CRITERIA.md §3) of a unit for a year."""

    __tablename__ = "self_report"
    __table_args__ = (sa.UniqueConstraint("unit_code", "year", "field", name="uq_self_report_unit_year_field"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    year: int
    field: str
    value_json: str = Field(sa_type=sa.Text)
    source_file: str | None = Field(default=None, sa_type=sa.Text)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReviewerDecision(SQLModel, table=True):
    """A reviewer's override or exclusion, with who, when and why. Append-only: the latest per target wins."""

    __tablename__ = "reviewer_decision"
    __table_args__ = (
        sa.CheckConstraint("length(reason) > 0", name="ck_reviewer_decision_reason"),
        sa.Index("ix_reviewer_decision_unit_code", "unit_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    run_id: str | None = None
    check_id: str | None = None
    indicator_id: str | None = None
    framework_name: str | None = None
    year: int | None = None
    status: str
    """A ``Status`` value, or ``exclude`` to exclude the unit from ranking."""
    reason: str = Field(sa_type=sa.Text)
    reviewer: str
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Score(SQLModel, table=True):
    """The computed result of a unit under a framework version for an evaluation year."""

    __tablename__ = "score"
    __table_args__ = (sa.UniqueConstraint("unit_code", "framework_id", "year", name="uq_score_unit_framework_year"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    framework_id: str
    year: int
    achieved_level: str | None = None
    readiness_level: int | None = None
    total: float = 0.0
    rank: int | None = None
    ranked: bool = True
    details_json: str = Field(default="{}", sa_type=sa.Text)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


USER_ROLES = ("viewer", "reviewer", "admin")
"""Roles of review-app users, weakest first: viewers read; reviewers and admins also record decisions."""


class User(SQLModel, table=True):
    """A person who may sign in to the review web app; the password is kept only as a salted scrypt hash.

    The table is ``app_user`` because ``user`` is a reserved word in PostgreSQL.
    """

    __tablename__ = "app_user"
    __table_args__ = (sa.CheckConstraint("role IN ('viewer', 'reviewer', 'admin')", name="ck_app_user_role"),)

    username: str = Field(primary_key=True)
    password_hash: str
    """``scrypt$<n>$<r>$<p>$<salt hex>$<key hex>`` (see ``services.accounts.hash_password``)."""
    role: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
