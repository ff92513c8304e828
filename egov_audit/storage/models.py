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
    """The probes' results: a JSON object whose long members are ``{"$stored": digest}`` naming a ``url_list``
    row (``storage.shared_json``; read it with ``runs_repo.probes_of``)."""
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
    """The run whose stored row this one copies (``not_modified`` and ``carried`` rows); on a row written as a
    reference (``copy_of``) it is the run of the row referred to, filled in when read."""
    # Migration y_page_copies: a copy refers to the row holding its content instead of repeating it.
    copy_of: int | None = None
    """For ``not_modified`` and ``carried`` rows: the id of the row holding the content (URL answered, status,
    type, digests, validators, timings of the fetch), whose columns are then left empty here. Read page rows
    through ``storage.pages_repo`` (``unit_pages``, ``get_page``, ``content_of``), which fills them in."""


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
    """The evidence: a JSON list, or (when long) a JSON string naming a ``url_list`` row by digest
    (``storage.shared_json``)."""
    looked_at_json: str = Field(default="[]", sa_type=sa.Text)
    """The URLs the check looked at: a JSON list, or (written since ``x_url_lists``) a JSON string naming a
    ``url_list`` row by digest when the list is long."""


class UrlList(SQLModel, table=True):
    """A long JSON value stored once by the digest of its text (``storage.shared_json``): the URLs a check
    looked at (its first use, hence the name), a finding's evidence, a unit's probe results. They are
    mostly the same for many checks of a unit and from one night to the next: stored inline they were
    most of the ``finding`` table and the largest part of what an incremental night wrote."""

    __tablename__ = "url_list"

    digest: str = Field(primary_key=True)
    urls_json: str = Field(sa_type=sa.Text)


class SurveyVersion(SQLModel, table=True):
    """One import of a survey file: a version of the answers it holds, with the original file kept in the
    blob store (``file_digest``) as evidence. Versions are never edited or deleted."""

    __tablename__ = "survey_version"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(sa_type=sa.Text)
    file_digest: str
    """``sha256:<hex>`` of the file as received (``BlobStore``)."""
    file_size: int
    sheet: str | None = None
    forms: int = 0
    """Unit forms (rows with at least one answer) the version holds."""
    partial: bool = False
    skipped_json: str = Field(default="[]", sa_type=sa.Text)
    """With ``--partial``: the rows left out and why."""
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SelfReport(SQLModel, table=True):
    """One self-reported survey value (CRITERIA.md §3) of a unit for a year, in one survey version."""

    __tablename__ = "self_report"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "unit_code", "year", "field", name="uq_self_report_version_unit_year_field"),
        sa.Index("ix_self_report_year_unit", "year", "unit_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    year: int
    field: str
    value_json: str = Field(sa_type=sa.Text)
    source_file: str | None = Field(default=None, sa_type=sa.Text)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version_id: int | None = Field(default=None, foreign_key="survey_version.id")
    """None only for answers imported before versions were kept (the oldest version)."""
    cell: str | None = None
    """Where the answer stood in the file (``'Phieu khao sat'!D5``, or ``row 5, column 4`` of a CSV)."""


class SurveyChoice(SQLModel, table=True):
    """A reviewer's pick of the survey version that counts for a unit and year (otherwise the latest wins).
    Append-only: the latest pick wins."""

    __tablename__ = "survey_choice"
    __table_args__ = (sa.CheckConstraint("length(reason) > 0", name="ck_survey_choice_reason"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    year: int
    version_id: int = Field(foreign_key="survey_version.id")
    reviewer: str
    reason: str = Field(sa_type=sa.Text)
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
    crosscheck_field: str | None = None
    """The survey field whose cross-check this decision settled (the decision itself judges ``check_id``)."""


class ScoreSet(SQLModel, table=True):
    """One scoring of a framework version for a year: an immutable publication. Re-scoring adds a set and
    never deletes one; ``published_at`` marks the sets officials published (the latest publication of a
    framework and year is the published result)."""

    __tablename__ = "score_set"

    id: str = Field(primary_key=True)
    framework_id: str
    """``<name>@<version>`` (``framework`` table)."""
    framework_name: str
    """The framework's id in config/ (``qd2392-commune``): what ``--framework`` takes."""
    framework_title: str = ""
    """The framework's own ``name`` (``QĐ 2392/QĐ-BTTTT – cấp xã``)."""
    framework_version: str
    framework_digest: str
    year: int
    evidence: str = "latest"
    """How findings were chosen: ``latest`` (each unit's newest), ``run`` or ``as_of``."""
    as_of: datetime | None = Field(default=None, sa_type=UTCDateTime)
    runs_json: str = Field(default="[]", sa_type=sa.Text)
    """The audit runs whose findings were scored."""
    survey_versions_json: str = Field(default="[]", sa_type=sa.Text)
    """The survey versions whose answers were scored."""
    content_digest: str = ""
    """``sha256:<hex>`` of the units' scores as exported: equal digests, equal results."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Score(SQLModel, table=True):
    """The computed result of a unit in one score set (a framework version, an evaluation year, its runs)."""

    __tablename__ = "score"
    __table_args__ = (sa.UniqueConstraint("score_set_id", "unit_code", name="uq_score_set_unit"),)

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
    score_set_id: str | None = Field(default=None, foreign_key="score_set.id", index=True)


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


class DbLock(SQLModel, table=True):
    """A named lock held by one process (``host:pid:token``) while it audits or runs the night; the
    holder renews ``heartbeat_at``, and a lock whose holder stopped renewing (or died on this host) is
    taken over, so a killed process never blocks the next night."""

    __tablename__ = "db_lock"

    name: str = Field(primary_key=True)
    holder: str
    host: str
    pid: int
    purpose: str | None = Field(default=None, sa_type=sa.Text)
    acquired_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RunMetrics(SQLModel, table=True):
    """What one run cost and met (units, pages, bytes, errors by failure class, durations, requests per IP),
    computed from its stored pages, crawls and WARC records when the run ends."""

    __tablename__ = "run_metrics"

    run_id: str = Field(primary_key=True, foreign_key="audit_run.id")
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    metrics_json: str = Field(default="{}", sa_type=sa.Text)


NIGHT_STATUSES = ("running", "finished", "failed", "skipped")


class Night(SQLModel, table=True):
    """One night of the scheduler (``schedule`` or ``schedule --once``): its run, outcome and reports.
    Append-only history; ``health`` reads the latest."""

    __tablename__ = "night"
    __table_args__ = (
        sa.CheckConstraint("status IN ('running', 'finished', 'failed', 'skipped')", name="ck_night_status"),
        sa.Index("ix_night_night_date", "night_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    night_date: str
    """The local date (YYYY-MM-DD) the night belongs to."""
    status: str = "running"
    run_id: str | None = None
    exit_code: int | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)
    details_json: str = Field(default="{}", sa_type=sa.Text)
    """Frameworks scored and skipped (with why), report files, notification outcome."""
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationDelivery(SQLModel, table=True):
    """One attempt series to deliver a run's changes to a channel (webhook or e-mail): sent or failed, and why."""

    __tablename__ = "notification_delivery"
    __table_args__ = (sa.Index("ix_notification_delivery_run_id", "run_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="audit_run.id")
    channel: str
    """``webhook`` or ``email``."""
    target: str = Field(sa_type=sa.Text)
    """Where it went (the webhook URL without credentials, or the recipients)."""
    delivery_id: str
    status: str
    """``sent`` or ``failed``."""
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=sa.Text)
    payload_digest: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
# ---------------------------------------------------------------- review app: sessions, audit log, API, disputes


class ReviewSession(SQLModel, table=True):
    """A signed-in browser of the review app. The cookie holds a random token; only its SHA-256 is kept here,
    so the table cannot be used to sign in. Ending the row (sign-out, password change, timeout) ends every
    copy of the cookie."""

    __tablename__ = "review_session"
    __table_args__ = (sa.Index("ix_review_session_username", "username"),)

    id: str = Field(primary_key=True)
    """SHA-256 (hex) of the cookie token."""
    username: str = Field(foreign_key="app_user.username")
    csrf_token: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    """The absolute end of the session, whatever its use."""
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = None
    """``signed_out``, ``password_changed``, ``idle``, ``expired`` or ``user_removed``."""
    client: str | None = None
    user_agent: str | None = Field(default=None, sa_type=sa.Text)
    flash_json: str = Field(default="[]", sa_type=sa.Text)
    """Notices to show on the next page (set by one request, shown and cleared by the next)."""


class AuditEvent(SQLModel, table=True):
    """Who did what in the review app and when: sign-ins (failed ones too), sign-outs, password changes,
    decisions, disputes, re-tests, links and API clients. Append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str
    actor: str
    """A user name, ``api:<client>``, ``unit-link:<id>`` or ``cli``."""
    unit_code: str | None = None
    client: str | None = None
    detail_json: str = Field(default="{}", sa_type=sa.Text)


class ApiClient(SQLModel, table=True):
    """A system of the department that reads the JSON API with its own token (only the SHA-256 is kept)."""

    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    token_hash: str = Field(unique=True)
    scopes_json: str = Field(default="[]", sa_type=sa.Text)
    province_code: str | None = None
    """When set, the client sees only the units of this province (and their runs, findings and scores)."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UnitLink(SQLModel, table=True):
    """An expiring link a unit's contact uses to read its own findings and dispute them (token hashed)."""

    __tablename__ = "unit_link"

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    token_hash: str = Field(unique=True)
    contact: str | None = None
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Dispute(SQLModel, table=True):
    """A unit's challenge of one finding of one run, with its comment and a URL that shows its case."""

    __tablename__ = "dispute"
    __table_args__ = (sa.CheckConstraint("length(comment) > 0", name="ck_dispute_comment"),
                      sa.Index("ix_dispute_unit_code", "unit_code"))

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    run_id: str = Field(foreign_key="audit_run.id")
    check_id: str
    comment: str = Field(sa_type=sa.Text)
    url: str | None = Field(default=None, sa_type=sa.Text)
    link_id: int | None = Field(default=None, foreign_key="unit_link.id")
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Retest(SQLModel, table=True):
    """A re-audit of one unit asked for from the review app, run in the background."""

    __tablename__ = "retest"
    __table_args__ = (sa.CheckConstraint("status IN ('queued', 'running', 'finished', 'failed')",
                                         name="ck_retest_status"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code")
    requested_by: str
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = "queued"
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    run_id: str | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)
    dispute_id: int | None = Field(default=None, foreign_key="dispute.id")


class DisputeEvent(SQLModel, table=True):
    """What happened to a dispute, appended: a re-test asked for or done, upheld or rejected by a decision."""

    __tablename__ = "dispute_event"
    __table_args__ = (sa.Index("ix_dispute_event_dispute_id", "dispute_id"),)

    id: int | None = Field(default=None, primary_key=True)
    dispute_id: int = Field(foreign_key="dispute.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str
    """``retest_requested``, ``upheld`` or ``rejected``."""
    actor: str
    note: str | None = Field(default=None, sa_type=sa.Text)
    decision_id: int | None = Field(default=None, foreign_key="reviewer_decision.id")
    retest_id: int | None = Field(default=None, foreign_key="retest.id")
# ---------------------------------------------------------------- distributed mode (egov-audit worker)

UNIT_JOB_STATES = ("queued", "running", "done", "failed")
"""A unit's place in a distributed run: waiting for a worker, held by one, outcome stored, given up."""


class DistributedRun(SQLModel, table=True):
    """A run whose units are audited by `egov-audit worker` processes: its queue and when it completed."""

    __tablename__ = "distributed_run"

    run_id: str = Field(primary_key=True, foreign_key="audit_run.id")
    queue: str
    enqueued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the last unit's outcome was stored and the run was finished."""
    scored_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When scoring and reports ran for the completed run (once)."""
    scoring_json: str = Field(default="{}", sa_type=sa.Text)
    """``{"frameworks": [...], "error": null}``: what scoring after completion did, or why it could not."""


class DistributedUnit(SQLModel, table=True):
    """One unit of a distributed run: its state, the lease of the attempt working on it, its attempts.

    The lease (``lease_token``, ``heartbeat_at``) fences outcomes: only the attempt holding the current
    token may store the unit's outcome, in the same transaction that marks the row ``done``.
    """

    __tablename__ = "distributed_unit"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "unit_code", name="uq_distributed_unit_run_unit"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="ck_distributed_unit_state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="audit_run.id")
    unit_code: str = Field(foreign_key="unit.code")
    state: str = "queued"
    attempts: int = 0
    lease_token: str | None = None
    worker: str | None = None
    """``host:pid`` of the worker process holding (or last holding) the lease."""
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    queued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_type=sa.Text)
    """Why the last attempt did not store an outcome (retry pending, or why the unit failed)."""


class CrawlHostTurn(SQLModel, table=True):
    """When the next request to a host may start, shared by every worker (per-host delay across machines)."""

    __tablename__ = "crawl_host_turn"

    host: str = Field(primary_key=True)
    next_start: datetime = Field(sa_type=UTCDateTime)
