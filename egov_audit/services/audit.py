"""The audit of a selection of units in one run: crawl, probes, checks, evidence and findings.

The CLI, the scheduler and the review app call ``audit``; nothing here parses arguments or prints
(progress goes through a callback), so every step can be called from a test directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from egov_audit.core.artifacts import CrawlStatus
from egov_audit.core.errors import InputError
from egov_audit.core.failures import FailureClass
from egov_audit.services.frameworks import CheckOptionsByTier
from egov_audit.services.run_lock import AUDIT_LOCK, DatabaseLock
from egov_audit.services.settings import Settings
from egov_audit.services.unit_audit import Gatherers, UnitOutcome, audit_unit
from egov_audit.services.workspace import ProgressCallback, Workspace, log
from egov_audit.storage import (
    runs_repo,
    units_repo,
)
from egov_audit.storage.db import session
from egov_audit.storage.models import AuditRun, utcnow

SECRET_SETTINGS = {"notify": ("webhook_secret", "smtp_password")}
"""Settings never copied into a run's stored settings snapshot."""


@dataclass
class AuditOptions:
    unit_codes: list[str] = field(default_factory=list)
    province: str | None = None
    all_units: bool = False
    framework: str | None = None
    screenshots: bool = True
    use_browser: bool = True
    fresh: bool = False
    """Start a new run even when an unfinished one exists (otherwise it is resumed)."""
    year: int | None = None
    """Evaluation year: with no ``framework``, each tier's check thresholds come from the framework that
    covers this year (e.g. ``nd224-commune`` for communes from 2025)."""
    other_unfinished: str = "refuse"
    """An unfinished run of another selection: ``refuse`` (bad input naming it: the manual default) or
    ``abandon`` (close it and go on: the night, which must never be blocked by a killed manual audit)."""
    resume_within_hours: float | None = None
    """With ``abandon``: resume an unfinished run of the same selection only if it started this recently."""
    lock_wait_seconds: float = 0.0
    """How long to wait for another audit that is still running (0: refuse at once)."""
    distributed: bool = False
    """The run's units are put on the task queue for `egov-audit worker` (services.distributed)."""
    check_ids: list[str] | None = None
    """Checks to run (None: every check of CRITERIA.md §2); only what they need is gathered."""


@dataclass
class AuditOutcome:
    run_id: str
    resumed: bool
    units: list[UnitOutcome]
    politeness: Any = None
    """``crawler.politeness.PolitenessStats`` of the run: requests and peak in flight per host and per IP,
    the per-IP limits reached and the hosts the circuit breaker retired (for the run's metrics)."""

    @property
    def pages(self) -> int:
        return sum(u.pages for u in self.units)

    @property
    def exit_code(self) -> int:
        """1 when a unit could not be audited (unreachable or blocked); no_portal alone is fine."""
        bad = {CrawlStatus.UNREACHABLE.value, CrawlStatus.BLOCKED.value}
        return 1 if any(u.crawl_status in bad for u in self.units) else 0


def _select_units(s: Any, options: AuditOptions) -> list[Any]:
    if options.unit_codes:
        units = units_repo.list_units(s, codes=options.unit_codes)
        missing = sorted(set(options.unit_codes) - {u.code for u in units})
        if missing:
            raise InputError("--unit", f"unknown unit code(s): {', '.join(missing)} (import them with `units import`)")
        return units
    if options.province:
        units = units_repo.list_units(s, province=options.province)
        if not units:
            raise InputError("--province", f"no units of province {options.province!r} in the database")
        return units
    if options.all_units:
        return units_repo.list_units(s)
    raise InputError("audit", "say which units to audit: --unit CODE, --province CODE or --all")


async def audit(ws: Workspace, options: AuditOptions, progress: ProgressCallback | None = None) -> AuditOutcome:
    """Crawl and check the selected units in one run (resuming an unfinished run unless ``fresh``).

    One audit at a time: the audit lock in the database is held for the whole run (see ``run_lock``).
    When the run ends its metrics are computed and stored (``run_metrics``)."""
    check_options = CheckOptionsByTier(ws, options.framework, options.year)
    lock = DatabaseLock(ws.engine, AUDIT_LOCK, ws.settings.schedule.lock_stale_seconds,
                        purpose=json.dumps(_selection(dataclasses.asdict(options)), ensure_ascii=False))
    await asyncio.to_thread(lock.acquire, options.lock_wait_seconds)
    try:
        return await _audit_locked(ws, options, check_options, progress)
    finally:
        lock.release()


async def _audit_locked(ws: Workspace, options: AuditOptions, check_options: CheckOptionsByTier,
                        progress: ProgressCallback | None) -> AuditOutcome:
    from egov_audit.services.run_metrics import store_run_metrics

    run_id, resumed, units, done = _open_run(ws, options, check_options)
    if progress:
        progress("run_started", {"run": run_id, "resumed": resumed, "units": len(units), "already_done": len(done)})
    outcomes, politeness = await _audit_units(ws, run_id, [u for u in units if u.code not in done], options,
                                              check_options, progress)
    with session(ws.engine) as s:
        runs_repo.finish_run(s, run_id, "finished")
        for code in done:
            crawl = runs_repo.unit_crawl(s, run_id, code)
            outcomes.append(UnitOutcome(code, crawl.status, crawl.pages, crawl.error, []))
    outcomes.sort(key=lambda o: o.code)
    await asyncio.to_thread(store_run_metrics, ws, run_id)
    return AuditOutcome(run_id=run_id, resumed=resumed, units=outcomes, politeness=politeness)


def _open_run(ws: Workspace, options: AuditOptions,
              check_options: CheckOptionsByTier) -> tuple[str, bool, list[Any], set[str]]:
    """The run to work in (a new one, or the unfinished one of the same selection), its units and the
    codes already done in it. Bad input (units, framework, another selection's unfinished run) is found
    before anything is written."""
    with session(ws.engine) as s:
        units = _select_units(s, options)
        for level in {u.level for u in units}:
            check_options.for_level(level)
        unfinished = _run_to_resume(s, options)
        if unfinished is not None:
            _same_mode_or_refuse(unfinished, options)
            return unfinished.id, True, units, runs_repo.finished_unit_codes(s, unfinished.id)
        run = runs_repo.create_run(s, options=dataclasses.asdict(options),
                                   settings=_settings_snapshot(ws.settings), framework_name=options.framework)
        return run.id, False, units, set()


def _same_mode_or_refuse(unfinished: AuditRun, options: AuditOptions) -> None:
    """A local audit and the workers must never audit the same run at once."""
    stored_mode = bool(json.loads(unfinished.options_json or "{}").get("distributed"))
    if stored_mode != options.distributed:
        kind = "distributed run (see `egov-audit runs status`)" if stored_mode else "local audit"
        raise InputError("audit", f"run {unfinished.id} is an unfinished {kind}; resume it the way it "
                         "was started, or add --fresh to abandon it")


def _run_to_resume(s: Any, options: AuditOptions) -> AuditRun | None:
    """The unfinished run this audit continues, after closing (``abandoned``) those it must not resume.
    The audit lock is held, so an unfinished run here is a killed one, never one still running."""
    unfinished = runs_repo.unfinished_runs(s)  # newest first
    if options.fresh:
        for stale in unfinished:
            runs_repo.finish_run(s, stale.id, "abandoned")
        return None
    wanted = _selection(dataclasses.asdict(options))
    if options.other_unfinished != "abandon":
        if not unfinished:
            return None
        stored = _selection(json.loads(unfinished[0].options_json or "{}"))
        if stored != wanted:
            # Resuming would audit another selection under that run's name; say so instead of guessing.
            raise InputError("audit", f"run {unfinished[0].id} was killed while auditing {stored}; run the same "
                             "command again to resume it, or add --fresh to abandon it")
        return unfinished[0]
    hours = options.resume_within_hours
    cutoff = utcnow() - timedelta(hours=hours) if hours is not None else None
    keep = None
    for run in unfinished:
        same = _selection(json.loads(run.options_json or "{}")) == wanted
        if keep is None and same and (cutoff is None or run.started_at >= cutoff):
            keep = run
            continue
        # Its finished unit crawls stay valid evidence (scoring reads each unit's newest ended crawl).
        log.warning("closing unfinished run %s (%s) as abandoned", run.id, "too old to resume" if same else
                    "another selection")
        runs_repo.finish_run(s, run.id, "abandoned")
    return keep


async def _start_browser(ws: Workspace, options: AuditOptions) -> Any:
    """The run's Chromium, or None (``--no-browser``, or it cannot start: rendering checks become
    ``unknown``, never ``fail``)."""
    if not (options.use_browser and ws.settings.browser.enabled):
        return None
    from egov_audit.crawler.browser import Browser

    ws.settings.browser.screenshots = options.screenshots
    # Whether it may reach private addresses is the crawler's setting: its requests go through the sender.
    browser = Browser(ws.settings.browser)
    try:
        return await browser.__aenter__()
    except Exception as exc:  # noqa: BLE001
        log.warning("Chromium could not start (%s); rendering checks will be unknown", exc)
        return None


async def _audit_units(ws: Workspace, run_id: str, units: list[Any], options: AuditOptions,
                       check_options: CheckOptionsByTier, progress: ProgressCallback | None) -> tuple[list[UnitOutcome], Any]:
    from egov_audit.crawler import HostLimiter, make_client

    browser = await _start_browser(ws, options)
    # One client and one limiter for all sites crawled at once, so per-IP limits hold across communes
    # that share a hosting server.
    gatherers = Gatherers(client=make_client(ws.settings.crawler), limiter=HostLimiter.from_settings(ws.settings.crawler),
                          browser=browser, screenshots=options.screenshots, progress=progress,
                          check_ids=options.check_ids)
    semaphore = asyncio.Semaphore(max(1, ws.settings.crawler.concurrent_sites))
    outcomes: list[UnitOutcome] = []
    units = _night_order(ws, run_id, units, gatherers.limiter)

    async def one(unit: Any) -> None:
        async with semaphore:
            outcomes.append(await audit_unit(ws, run_id, unit, check_options.for_level(unit.level), gatherers))

    try:
        # Every unit runs to its end even if another one raised: the shared client and browser close only
        # after all of them, and a failed unit stays "running" so the next `audit` resumes it.
        results = await asyncio.gather(*(one(u) for u in units), return_exceptions=True)
    finally:
        await gatherers.client.aclose()
        if browser is not None:
            await browser.__aexit__(None, None, None)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]
    return outcomes, gatherers.limiter.stats()


def _night_order(ws: Workspace, run_id: str, units: list[Any], limiter: Any) -> list[Any]:
    """The units in the order they start tonight, longest previous crawl first (units never crawled first
    of all): a slow or hanging portal then waits while the others are crawled, instead of holding the
    night open at its end. Breakers are armed from the previous crawls (``arm_breakers``)."""
    with session(ws.engine) as s:
        previous = runs_repo.previous_crawls(s, run_id, [u.code for u in units])

    def expected_seconds(unit: Any) -> float:
        crawl = previous.get(unit.code)
        if crawl is None or crawl.finished_at is None:
            return float("inf")
        return (crawl.finished_at - crawl.started_at).total_seconds()

    arm_breakers(previous, units, limiter)
    return sorted(units, key=expected_seconds, reverse=True)  # stable: ties keep the selection's order


def arm_breakers(previous: dict[str, Any], units: list[Any], limiter: Any) -> None:
    """A portal whose previous crawl ended in a timeout starts one timeout short of the circuit breaker
    (``HostLimiter.arm_breaker``): if it still never answers it costs one timeout, not several."""
    local = getattr(limiter, "local", limiter)  # the distributed mode wraps this worker's own limiter
    for unit in units:
        crawl = previous.get(unit.code)
        if crawl is None or not (crawl.status == FailureClass.TIMEOUT.value
                                 or (crawl.error or "").startswith(FailureClass.TIMEOUT.value)):
            continue
        for url in {unit.portal_url, crawl.home_url} - {None}:
            if host := urlsplit(url).hostname:
                local.arm_breaker(host)


def _selection(options: dict[str, Any]) -> dict[str, Any]:
    """Which units an audit covers, as stored with its run (what a resume must match)."""
    return {"unit_codes": sorted(options.get("unit_codes") or []), "province": options.get("province"),
            "all_units": bool(options.get("all_units"))}


def _settings_snapshot(settings: Settings) -> dict[str, Any]:
    data = json.loads(json.dumps(dataclasses.asdict(settings), default=str))
    for section, names in SECRET_SETTINGS.items():
        for name in names:
            if data.get(section, {}).get(name):
                data[section][name] = "(set)"
    return data
