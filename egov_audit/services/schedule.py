"""Nightly jobs (`egov-audit schedule`): audit every unit, then score, report and notify what changed.

APScheduler 3 runs the job on a cron trigger in the province's time zone, with its job store in the
project database (``apscheduler_jobs``, SQLAlchemyJobStore on the same URL): a restarted scheduler keeps
the stored next run time, so a night missed while it was down runs late once (within
``MISFIRE_GRACE_SECONDS``) instead of being lost. The job itself is ``nightly_job``, so it can be run
once by hand (``schedule --once``) or by a test without waiting for the night.

One night, unattended:

1. The night lock (``run_lock.NIGHT_LOCK``): a second scheduler process, on this machine or another
   sharing the database, skips a night that is running or already finished.
2. The audit of all units (``services.audit``) under the audit lock; it waits for a manual audit that
   is still running, resumes an all-units run killed earlier tonight, and closes as ``abandoned`` an
   unfinished run of another selection (a killed ``audit --province X``) or an old one.
3. Scoring: per tier, the frameworks whose ``tier`` and ``years`` cover the evaluation year (``[schedule]
   frameworks`` overrides). A tier no framework covers that year (districts, provinces from 2025:
   CRITERIA.md §1) is audited and reported but not scored, and the night says so; it never fails.
4. Reports in ``<data_dir>/reports/<date>/``: ``report.html`` (with the night's changes and run
   metrics), ``scores.json``, ``changes.json``, ``metrics.json``.
5. Notifications of the changes (``services.notify``): failures are recorded, never fatal.

Every night is recorded in the ``night`` table (``health`` reads it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import pickle
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from egov_audit.core.errors import BadInput, InputError
from egov_audit.services.audit import AuditOptions, audit
from egov_audit.services.frameworks import frameworks_covering
from egov_audit.services.run_lock import NIGHT_LOCK, DatabaseLock, LockBusy
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import nights_repo, units_repo
from egov_audit.storage.db import session

log = logging.getLogger("egov_audit.schedule")

JOB_ID = "nightly-audit"
JOBS_TABLE = "apscheduler_jobs"
JOB_FUNC = "egov_audit.services.schedule:scheduled_night"
MISFIRE_GRACE_SECONDS = 6 * 3600
"""A night missed while the scheduler was down still runs if it restarts within this long."""


@dataclass
class NightlyResult:
    run_id: str | None
    pages: int
    exit_code: int
    frameworks: list[str]
    status: str = "finished"
    """``finished``, ``failed`` or ``skipped`` (another scheduler has the night, or it is done)."""
    skipped_frameworks: dict[str, str] = field(default_factory=dict)
    """Tier → why it was audited but not scored."""
    reports: list[str] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)


def _parse_time(text: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in text.split(":"))
    except ValueError:
        raise InputError("schedule.audit_at", f"expected HH:MM, got {text!r}") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise InputError("schedule.audit_at", f"not a time of day: {text!r}")
    return hour, minute


def plan_frameworks(ws: Workspace, year: int) -> tuple[list[str], dict[str, str]]:
    """The frameworks the night scores, and the tiers present that none covers (with why).

    Configured ids (``[schedule] frameworks``) must exist and cover the year: that is checked here, before
    anything is audited, and is bad input. Without them each tier present gets the frameworks covering it."""
    from egov_audit.scoring import list_frameworks, load_framework

    config_dir = ws.settings.config_dir
    configured = [f.strip() for f in ws.settings.schedule.frameworks.split(",") if f.strip()]
    for name in configured:
        framework = load_framework(name, config_dir)
        if not framework.applies_to(year):
            span = f"{framework.year_from or '…'}–{framework.year_to or '…'}"
            raise InputError("schedule.frameworks", f"{name} covers years {span}, not {year}")
    if configured:
        return configured, {}
    with session(ws.engine) as s:
        levels = sorted({u.level for u in units_repo.list_units(s)})
    chosen: list[str] = []
    skipped: dict[str, str] = {}
    for level in levels:
        covering = frameworks_covering(config_dir, level, year)
        chosen += [name for name in covering if name not in chosen]
        if not covering:
            own = [n for n in list_frameworks(config_dir) if level in load_framework(n, config_dir).levels_audited]
            skipped[level] = (f"no framework scores {level} units in {year}" +
                              (f" ({', '.join(own)} cover(s) other years)" if own else "") + "; audited, not scored")
    return chosen, skipped


def _night_date(settings: Settings, today: dt.date | None) -> dt.date:
    return today or dt.datetime.now(_zone(settings.schedule.timezone)).date()


def nightly_job(settings: Settings, today: dt.date | None = None, scheduled: bool = False) -> NightlyResult:
    """One night: audit all units (resuming a killed night), score, write the reports, notify the changes.

    ``scheduled``: fired by the scheduler, so a night another scheduler already finished is skipped;
    ``schedule --once`` always runs."""
    today = _night_date(settings, today)
    year = settings.schedule.year or today.year
    ws = Workspace.open(settings)
    try:
        frameworks, skipped = plan_frameworks(ws, year)
        lock = DatabaseLock(ws.engine, NIGHT_LOCK, settings.schedule.lock_stale_seconds, purpose=f"night {today}")
        try:
            lock.acquire()
        except LockBusy as busy:
            log.warning("night %s skipped: %s", today, busy)
            return NightlyResult(None, 0, 0, [], status="skipped")
        try:
            return _locked_night(ws, today, year, frameworks, skipped, scheduled)
        finally:
            lock.release()
    finally:
        # A scheduler process lives for months: each night's connections are closed, not left to pile up.
        ws.engine.dispose()


def _locked_night(ws: Workspace, today: dt.date, year: int, frameworks: list[str], skipped: dict[str, str],
                  scheduled: bool) -> NightlyResult:
    with session(ws.engine) as s:
        if scheduled and nights_repo.night_done(s, today.isoformat()):
            log.info("night %s already done (by another scheduler); skipped", today)
            return NightlyResult(None, 0, 0, [], status="skipped")
        night_id = nights_repo.start_night(s, today.isoformat()).id
    result = NightlyResult(None, 0, 0, frameworks, skipped_frameworks=skipped)
    try:
        _run_night(ws, today, year, result)
    except LockBusy as busy:
        # A manual audit still running after lock_wait_seconds: tonight gives way to it, and says so.
        log.warning("night %s skipped: %s", today, busy)
        with session(ws.engine) as s:
            nights_repo.finish_night(s, night_id, "skipped", exit_code=0, error=str(busy), details=_details(result))
        result.status = "skipped"
        return result
    except BaseException as exc:
        status = "failed"
        with session(ws.engine) as s:
            nights_repo.finish_night(s, night_id, status, run_id=result.run_id, exit_code=2 if isinstance(
                exc, BadInput) else 1, error=f"{type(exc).__name__}: {exc}", details=_details(result))
        log.exception("night %s failed", today)
        raise
    with session(ws.engine) as s:
        nights_repo.finish_night(s, night_id, "finished", run_id=result.run_id, exit_code=result.exit_code,
                                 details=_details(result))
    return result


def _details(result: NightlyResult) -> dict[str, Any]:
    return {"frameworks": result.frameworks, "not_scored": result.skipped_frameworks, "reports": result.reports,
            "notifications": result.notifications, "pages": result.pages}


def _run_night(ws: Workspace, today: dt.date, year: int, result: NightlyResult) -> None:
    schedule = ws.settings.schedule
    options = AuditOptions(all_units=True, year=year, other_unfinished="abandon",
                           resume_within_hours=schedule.resume_within_hours, lock_wait_seconds=schedule.lock_wait_seconds)
    outcome = asyncio.run(audit(ws, options))
    result.run_id, result.pages, result.exit_code = outcome.run_id, outcome.pages, outcome.exit_code
    log.info("nightly audit finished", extra={"fields": {"run": outcome.run_id, "pages": outcome.pages}})
    _score_report_notify(ws, outcome.run_id, today, year, result)


def _score_report_notify(ws: Workspace, run_id: str, today: dt.date, year: int, result: NightlyResult) -> None:
    """After a complete run: score the planned frameworks on that run's evidence, write the night's reports
    (scores, changes, metrics) under ``<reports_dir>/<date>/`` and send the changes to the configured channels."""
    from egov_audit.reports import write_json, write_report
    from egov_audit.services.changes import run_changes
    from egov_audit.services.notify import notify_changes
    from egov_audit.services.outputs import findings_export
    from egov_audit.services.run_metrics import run_metrics
    from egov_audit.services.scoring import score

    for tier, why in result.skipped_frameworks.items():
        log.warning("%s: %s", tier, why)
    # Tonight's evidence: the nightly job never reuses the runs of an earlier score set.
    now = dt.datetime.now(dt.UTC)
    exports = [score(ws, name, year, as_of=now) for name in result.frameworks]
    changes = run_changes(ws, run_id)
    metrics = run_metrics(ws, run_id)
    night_dir = ws.settings.reports_dir / today.isoformat()
    night = {"changes": changes, "metrics": metrics, "not_scored": result.skipped_frameworks}
    paths = [write_report("html", exports, findings_export(ws, run_id), night_dir / "report.html", night=night)]
    if exports:
        paths.append(write_report("json", exports, None, night_dir / "scores.json"))
    paths += [write_json(changes, night_dir / "changes.json"), write_json(metrics, night_dir / "metrics.json")]
    result.reports = [str(p) for p in paths]
    deliveries = notify_changes(ws, changes, night=today.isoformat(), report=str(paths[0]))
    result.notifications = [{"channel": d.channel, "status": d.status, "attempts": d.attempts, "error": d.error}
                            for d in deliveries]


def score_and_report(ws: Workspace, run_id: str, today: dt.date | None = None) -> list[str]:
    """What a night does after its audit, for a run completed elsewhere (a distributed run's last worker):
    score each planned framework (the units' tier and the year decide; ``[schedule] frameworks`` overrides),
    write the reports and notify the changes; returns the frameworks scored."""
    today = _night_date(ws.settings, today)
    year = ws.settings.schedule.year or today.year
    frameworks, skipped = plan_frameworks(ws, year)
    result = NightlyResult(run_id, 0, 0, frameworks, skipped_frameworks=skipped)
    _score_report_notify(ws, run_id, today, year, result)
    return frameworks


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("schedule.timezone", f"unknown time zone {name!r}") from None


# ---------------------------------------------------------------- the scheduler process

_PROCESS_SETTINGS: dict[str, Settings] = {}
"""The settings of the scheduler running in this process. The stored job carries no arguments (settings
hold secrets and change between releases, neither of which belongs in a pickled row); it reads them here."""


def scheduled_night() -> None:
    """The stored job's function: tonight's ``nightly_job`` with this process's settings."""
    settings = _PROCESS_SETTINGS.get(JOB_ID)
    if settings is None:
        raise RuntimeError("the nightly job fired in a process that did not build the scheduler")
    nightly_job(settings, scheduled=True)


def _stored_job_state(engine: sa.Engine) -> dict[str, Any] | None:
    """The state APScheduler stored for the nightly job (trigger, next run time), or None."""
    if not sa.inspect(engine).has_table(JOBS_TABLE):
        return None
    table = sa.table(JOBS_TABLE, sa.column("id"), sa.column("job_state"))
    with engine.connect() as conn:
        blob = conn.execute(sa.select(table.c.job_state).where(table.c.id == JOB_ID)).scalar()
    if blob is None:
        return None
    try:
        # Written by APScheduler in this database (it unpickles the same rows itself).
        return pickle.loads(blob)  # noqa: S301
    except Exception:  # noqa: BLE001 - a row from an incompatible version is replaced
        log.warning("stored nightly job could not be read; it is replaced")
        return None


def next_scheduled_run(engine: sa.Engine) -> dt.datetime | None:
    """When the stored nightly job fires next (``health``), or None when there is none."""
    state = _stored_job_state(engine)
    return state.get("next_run_time") if state else None


def build_scheduler(settings: Settings, blocking: bool = True, engine: sa.Engine | None = None):  # noqa: ANN201
    """A scheduler with the nightly job on a cron trigger at ``schedule.audit_at`` local time, its job store
    in the project database (``engine``, default: one opened on ``settings.database_url``).

    A stored job with the same trigger keeps its next run time (a missed night then fires on start); a
    changed ``audit_at`` or time zone replaces it."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    from egov_audit.storage.db import open_database

    hour, minute = _parse_time(settings.schedule.audit_at)
    zone = _zone(settings.schedule.timezone)
    engine = engine or open_database(settings.database_url)
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=zone, jobstores={"default": store})
    trigger = CronTrigger(hour=hour, minute=minute, timezone=zone)
    stored = _stored_job_state(engine)
    keep = stored is not None and str(stored.get("trigger")) == str(trigger) and getattr(
        stored.get("trigger"), "timezone", None) == trigger.timezone and stored.get("next_run_time") is not None
    extra = {"next_run_time": stored["next_run_time"]} if keep and stored else {}
    _PROCESS_SETTINGS[JOB_ID] = settings
    # One instance at a time: a night that overruns is not started twice; a missed night runs late once.
    scheduler.add_job(JOB_FUNC, trigger, id=JOB_ID, name="egov-audit nightly", max_instances=1, coalesce=True,
                      misfire_grace_time=MISFIRE_GRACE_SECONDS, replace_existing=True, **extra)
    return scheduler
