"""The audit of a selection of units in one run: crawl, probes, checks, evidence and findings.

The CLI, the scheduler and the review app call ``audit``; nothing here parses arguments or prints
(progress goes through a callback), so every step can be called from a test directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from egov_audit.core.artifacts import CrawlStatus
from egov_audit.core.errors import InputError
from egov_audit.services.frameworks import CheckOptionsByTier
from egov_audit.services.settings import Settings
from egov_audit.services.unit_audit import Gatherers, UnitOutcome, audit_unit
from egov_audit.services.workspace import ProgressCallback, Workspace, log
from egov_audit.storage import (
    runs_repo,
    units_repo,
)
from egov_audit.storage.db import session


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
    """Crawl and check the selected units in one run (resuming an unfinished run unless ``fresh``)."""
    check_options = CheckOptionsByTier(ws, options.framework)
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
        unfinished = None if options.fresh else runs_repo.find_unfinished_run(s)
        if options.fresh:
            for stale in runs_repo.unfinished_runs(s):
                runs_repo.finish_run(s, stale.id, "abandoned")
        if unfinished is not None:
            wanted = _selection(dataclasses.asdict(options))
            stored = _selection(json.loads(unfinished.options_json or "{}"))
            if stored != wanted:
                # Resuming would audit another selection under that run's name; say so instead of guessing.
                raise InputError("audit", f"run {unfinished.id} was killed while auditing {stored}; run the same "
                                 "command again to resume it, or add --fresh to abandon it")
            return unfinished.id, True, units, runs_repo.finished_unit_codes(s, unfinished.id)
        run = runs_repo.create_run(s, options=dataclasses.asdict(options),
                                   settings=_settings_snapshot(ws.settings), framework_name=options.framework)
        return run.id, False, units, set()


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


def _selection(options: dict[str, Any]) -> dict[str, Any]:
    """Which units an audit covers, as stored with its run (what a resume must match)."""
    return {"unit_codes": sorted(options.get("unit_codes") or []), "province": options.get("province"),
            "all_units": bool(options.get("all_units"))}


def _settings_snapshot(settings: Settings) -> dict[str, Any]:
    data = dataclasses.asdict(settings)
    return json.loads(json.dumps(data, default=str))
