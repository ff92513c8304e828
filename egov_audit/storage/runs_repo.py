"""Audit runs and each unit's crawl in a run: start, finish, resume, and which run a unit's results come from."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from egov_audit.core.artifacts import CapturedSite
from egov_audit.storage import shared_json
from egov_audit.storage.columns import dumps
from egov_audit.storage.models import (
    RUN_STATUSES,
    AuditRun,
    UnitCrawl,
    utcnow,
)


def create_run(
    s: Session, options: dict[str, Any], settings: dict[str, Any], framework_name: str | None = None
) -> AuditRun:
    run = AuditRun(
        id=uuid.uuid4().hex,
        started_at=utcnow(),
        status="running",
        framework_name=framework_name,
        options_json=dumps(options),
        settings_json=dumps(settings),
    )
    s.add(run)
    s.flush()
    return run


def get_run(s: Session, run_id: str) -> AuditRun | None:
    return s.get(AuditRun, run_id)


def find_unfinished_run(s: Session) -> AuditRun | None:
    """The most recent run still marked ``running`` (killed or in progress), for resuming."""
    query = select(AuditRun).where(AuditRun.status == "running")
    return s.exec(query.order_by(AuditRun.started_at.desc(), AuditRun.id)).first()


def unfinished_runs(s: Session) -> list[AuditRun]:
    """Every run still marked ``running``, newest first."""
    query = select(AuditRun).where(AuditRun.status == "running")
    return list(s.exec(query.order_by(AuditRun.started_at.desc(), AuditRun.id)))


def finish_run(s: Session, run_id: str, status: str) -> None:
    """Close a run: ``finished``, ``failed``, or ``abandoned`` (an unfinished run not resumed)."""
    if status not in RUN_STATUSES or status == "running":
        raise ValueError(f"a run finishes as one of {RUN_STATUSES[1:]}, not {status!r}")
    run = s.get(AuditRun, run_id)
    if run is None:
        raise KeyError(run_id)
    run.status = status
    run.finished_at = utcnow()
    s.add(run)
    s.flush()


def latest_run_id(s: Session) -> str | None:
    """The newest run that has findings or crawls (the one ``findings`` exports by default)."""
    run = s.exec(select(AuditRun).order_by(AuditRun.started_at.desc(), AuditRun.id)).first()
    return run.id if run else None


def newest_of(s: Session, run_ids: Iterable[str]) -> str | None:
    """The newest of some runs (by start time)."""
    ids = list(run_ids)
    if not ids:
        return None
    run = s.exec(select(AuditRun).where(AuditRun.id.in_(ids)).order_by(AuditRun.started_at.desc(), AuditRun.id)).first()
    return run.id if run else None


def unit_crawl(s: Session, run_id: str, unit_code: str) -> UnitCrawl | None:
    """The crawl record of a unit in a run, if it was started."""
    query = select(UnitCrawl).where(UnitCrawl.run_id == run_id, UnitCrawl.unit_code == unit_code)
    return s.exec(query).first()


def start_unit_crawl(s: Session, run_id: str, unit_code: str) -> UnitCrawl:
    """Mark a unit's crawl as running; on resume the row (and its stored pages) are kept."""
    crawl = unit_crawl(s, run_id, unit_code)
    if crawl is None:
        crawl = UnitCrawl(run_id=run_id, unit_code=unit_code, started_at=utcnow())
    crawl.status = "running"
    crawl.finished_at = None
    s.add(crawl)
    s.flush()
    return crawl


def finish_unit_crawl(s: Session, run_id: str, site: CapturedSite, warc_files: list[str]) -> UnitCrawl:
    """Record how a unit's crawl ended, with its probes, robots.txt, sitemap and WARC file names."""
    crawl = unit_crawl(s, run_id, site.unit_code) or start_unit_crawl(s, run_id, site.unit_code)
    crawl.status = str(site.crawl_status)
    crawl.error = site.crawl_error
    crawl.pages = len(site.pages)
    crawl.home_url = site.home_url
    crawl.finished_at = utcnow()
    crawl.probes_json = shared_json.members_column_for(s, site.probes)
    crawl.budget_exhausted = site.budget_exhausted
    crawl.robots_txt = site.robots_txt
    crawl.sitemap_json = dumps(site.sitemap) if site.sitemap is not None else None
    crawl.warc_files_json = dumps(list(warc_files))
    s.add(crawl)
    s.flush()
    return crawl


def probes_of(s: Session, crawl: UnitCrawl) -> dict[str, Any]:
    """A unit crawl's probe results (stored inline or once by digest)."""
    return shared_json.load_members(s, crawl.probes_json)


def finished_unit_codes(s: Session, run_id: str) -> set[str]:
    """Units whose crawl in this run ended (a resumed run skips them; ``recheck`` re-runs them)."""
    query = select(UnitCrawl.unit_code).where(UnitCrawl.run_id == run_id, UnitCrawl.status != "running")
    return set(s.exec(query))


def latest_run_by_unit(s: Session, unit_codes: Iterable[str] | None = None) -> dict[str, str]:
    """For each unit, the newest run in which its crawl ended (the run whose findings are scored)."""
    return {code: crawl.run_id for code, crawl in newest_crawls(s, unit_codes).items()}


def newest_crawls(s: Session, unit_codes: Iterable[str] | None, as_of: datetime | None = None,
                  runs: Iterable[str] | None = None, before_run: str | None = None) -> dict[str, UnitCrawl]:
    """For each unit, its ended crawl of the newest run: started by ``as_of``, among ``runs``, and in runs
    started before ``before_run`` (excluded itself), each when given."""
    query = (
        select(UnitCrawl, AuditRun.started_at)
        .join(AuditRun, AuditRun.id == UnitCrawl.run_id)
        .where(UnitCrawl.status != "running")
    )
    if unit_codes is not None:
        query = query.where(UnitCrawl.unit_code.in_(list(unit_codes)))
    if before_run is not None:
        current = s.get(AuditRun, before_run)
        if current is None:
            raise KeyError(before_run)
        query = query.where(UnitCrawl.run_id != before_run, AuditRun.started_at < current.started_at)
    if as_of is not None:
        query = query.where(AuditRun.started_at <= as_of)
    if runs is not None:
        query = query.where(UnitCrawl.run_id.in_(list(runs)))
    newest: dict[str, tuple[datetime, UnitCrawl]] = {}
    for crawl, started in s.exec(query):
        known = newest.get(crawl.unit_code)
        if known is None or (started, crawl.run_id) > (known[0], known[1].run_id):
            newest[crawl.unit_code] = (started, crawl)
    return {code: crawl for code, (_, crawl) in sorted(newest.items())}


def previous_crawls(s: Session, run_id: str, unit_codes: Iterable[str]) -> dict[str, UnitCrawl]:
    """For each unit, its newest ended crawl in a run that started before ``run_id`` (what a night is
    compared with: last night, or the last night the unit was audited)."""
    return newest_crawls(s, unit_codes, before_run=run_id)


def run_crawls(s: Session, run_id: str) -> list[UnitCrawl]:
    """Every unit crawl of a run, by unit code."""
    return list(s.exec(select(UnitCrawl).where(UnitCrawl.run_id == run_id).order_by(UnitCrawl.unit_code)))
def warc_files_of_unit(s: Session, unit_code: str) -> list[str]:
    """Every WARC file named by the unit's crawls, in all runs (what its evidence export may read)."""
    query = select(UnitCrawl.warc_files_json).where(UnitCrawl.unit_code == unit_code)
    return [name for files_json in s.exec(query) for name in json.loads(files_json or "[]")]
def prior_crawl(s: Session, unit_code: str, before_run: str) -> UnitCrawl | None:
    """The unit's newest crawl that reached its portal (``ok`` or ``partial``) in a run started before
    ``before_run``: the capture an incremental night starts from."""
    current = s.get(AuditRun, before_run)
    query = (
        select(UnitCrawl)
        .join(AuditRun, AuditRun.id == UnitCrawl.run_id)
        .where(UnitCrawl.unit_code == unit_code, UnitCrawl.run_id != before_run,
               UnitCrawl.status.in_(["ok", "partial"]))
        .order_by(AuditRun.started_at.desc(), AuditRun.id.desc())
    )
    if current is not None:
        query = query.where(AuditRun.started_at < current.started_at)
    return s.exec(query).first()
