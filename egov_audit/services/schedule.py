"""Nightly jobs (`egov-audit schedule`): audit every unit, then score and write the reports.

APScheduler 3 runs the job on a cron trigger in the province's time zone. The job itself is
``nightly_job`` so it can be run once by hand or by a test without waiting for the night.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from egov_audit.core.errors import InputError
from egov_audit.services.audit import AuditOptions, audit
from egov_audit.services.frameworks import default_framework_for
from egov_audit.services.outputs import findings_export
from egov_audit.services.scoring import score
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace

log = logging.getLogger("egov_audit.schedule")


@dataclass
class NightlyResult:
    run_id: str
    pages: int
    exit_code: int
    frameworks: list[str]


def _parse_time(text: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in text.split(":"))
    except ValueError:
        raise InputError("schedule.audit_at", f"expected HH:MM, got {text!r}") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise InputError("schedule.audit_at", f"not a time of day: {text!r}")
    return hour, minute


def _frameworks_to_score(ws: Workspace, year: int) -> list[str]:
    configured = [f.strip() for f in ws.settings.schedule.frameworks.split(",") if f.strip()]
    if configured:
        return configured
    from egov_audit.storage import units_repo
    from egov_audit.storage.db import session

    with session(ws.engine) as s:
        levels = {u.level for u in units_repo.list_units(s)}
    tiers = sorted({default_framework_for(level, year) for level in levels})
    return tiers


def nightly_job(settings: Settings, today: dt.date | None = None) -> NightlyResult:
    """One night: resume or start the audit of all units, then score each framework and write reports."""
    zone = _zone(settings.schedule.timezone)
    today = today or dt.datetime.now(zone).date()
    ws = Workspace.open(settings)
    try:
        outcome = asyncio.run(audit(ws, AuditOptions(all_units=True)))
        log.info("nightly audit finished", extra={"fields": {"run": outcome.run_id, "pages": outcome.pages}})
        names = score_and_report(ws, outcome.run_id, today)
    finally:
        # A scheduler process lives for months: each night's connections are closed, not left to pile up.
        ws.engine.dispose()
    return NightlyResult(outcome.run_id, outcome.pages, outcome.exit_code, names)


def score_and_report(ws: Workspace, run_id: str, today: dt.date | None = None) -> list[str]:
    """After a run: score each framework to score (``[schedule] frameworks``, else each tier's default) and
    write the night's reports under ``<data_dir>/reports/<date>/``; returns the frameworks scored."""
    today = today or dt.datetime.now(_zone(ws.settings.schedule.timezone)).date()
    year = ws.settings.schedule.year or today.year
    names = _frameworks_to_score(ws, year)
    exports = [score(ws, name, year) for name in names]
    if exports:
        from egov_audit.reports import write_report

        night = ws.settings.reports_dir / today.isoformat()
        write_report("html", exports, findings_export(ws, run_id), night / "report.html")
        write_report("json", exports, None, night / "scores.json")
    return names


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("schedule.timezone", f"unknown time zone {name!r}") from None


def build_scheduler(settings: Settings, blocking: bool = True):  # noqa: ANN201 - APScheduler has no stubs
    """A scheduler with the nightly job on a cron trigger at ``schedule.audit_at`` local time."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = _parse_time(settings.schedule.audit_at)
    zone = _zone(settings.schedule.timezone)
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=zone)
    # One instance at a time: a night that overruns is not started twice; a missed night runs late once.
    scheduler.add_job(nightly_job, CronTrigger(hour=hour, minute=minute, timezone=zone), args=[settings],
                      id="nightly-audit", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)
    return scheduler
