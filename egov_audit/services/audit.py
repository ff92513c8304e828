"""Service functions that wire crawler → storage → checks → scoring → reports.

The CLI, the scheduler and (later) the review app call these; nothing here parses arguments or prints
(progress goes through a callback), so every step can be called from a test directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from egov_audit import checks
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Finding, Need, Status
from egov_audit.core.errors import InputError
from egov_audit.crawler import SiteTarget, crawl_site
from egov_audit.crawler.warc import WarcRecorder
from egov_audit.services.settings import Settings
from egov_audit.storage import repo
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.db import open_database, session

log = logging.getLogger("egov_audit")

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""Called with an event name ("unit_started", "page", "unit_finished", ...) and its details."""


@dataclass
class Workspace:
    """The database and evidence store of one data directory."""

    settings: Settings
    engine: Engine
    blobs: BlobStore

    @classmethod
    def open(cls, settings: Settings) -> Workspace:
        if settings.data_dir.exists() and not settings.data_dir.is_dir():
            raise InputError("--data-dir", f"{settings.data_dir} is a file, not a directory")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            engine = open_database(settings.database_url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise InputError("--db", f"not a usable database URL: {exc}") from None
        return cls(settings=settings, engine=engine, blobs=BlobStore(settings.evidence_dir / "blobs"))

    @property
    def warc_dir(self) -> Path:
        return self.settings.evidence_dir / "warc"


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


@dataclass
class UnitOutcome:
    code: str
    crawl_status: str
    pages: int
    error: str | None
    findings: list[Finding]


@dataclass
class AuditOutcome:
    run_id: str
    resumed: bool
    units: list[UnitOutcome]

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
        units = repo.list_units(s, codes=options.unit_codes)
        missing = sorted(set(options.unit_codes) - {u.code for u in units})
        if missing:
            raise InputError("--unit", f"unknown unit code(s): {', '.join(missing)} (import them with `units import`)")
        return units
    if options.province:
        units = repo.list_units(s, province=options.province)
        if not units:
            raise InputError("--province", f"no units of province {options.province!r} in the database")
        return units
    if options.all_units:
        return repo.list_units(s)
    raise InputError("audit", "say which units to audit: --unit CODE, --province CODE or --all")


class _CheckOptionsCache:
    """Check thresholds per tier for one audit or recheck: config/checks.yaml overridden by the framework
    that scores the tier; each framework file is read once per job, not once per unit."""

    def __init__(self, ws: Workspace, framework_name: str | None) -> None:
        self.ws, self.framework_name = ws, framework_name
        self._by_name: dict[str, checks.CheckOptions] = {}

    def for_level(self, level: str) -> checks.CheckOptions:
        from egov_audit.scoring import load_framework

        name = self.framework_name or default_framework_for(level, None)
        if name not in self._by_name:
            overrides = load_framework(name, self.ws.settings.config_dir).check_options
            self._by_name[name] = checks.CheckOptions.from_config(self.ws.settings.config_dir, overrides)
        return self._by_name[name]


def default_framework_for(level: str, year: int | None) -> str:
    """The framework of CRITERIA.md §4 that applies to a tier and evaluation year."""
    if level in ("district", "province"):
        return "qd2392-district"
    if year is not None and year >= 2025:
        return "nd224-commune"
    return "qd2392-commune"


class _StoringSink:
    """Persists every exchange as it arrives (page row + body blob + WARC records), so a killed run
    keeps everything it fetched and a resumed run refetches nothing."""

    def __init__(self, ws: Workspace, run_id: str, unit_code: str, warc: WarcRecorder,
                 progress: ProgressCallback | None) -> None:
        self.ws, self.run_id, self.unit_code, self.warc, self.progress = ws, run_id, unit_code, warc, progress
        self.count = 0

    def record(self, exchange: Any) -> None:
        page = exchange.page
        if page is not None:
            # Database row (and body blob) first: a run killed between the two writes then never fetches
            # the page again on resume; the body it relies on is already in the blob store.
            with session(self.ws.engine) as s:
                repo.record_page(s, self.run_id, self.unit_code, page, dict(exchange.response_headers or []),
                                 self.ws.blobs, exchange.body)
        self.warc.record(exchange)
        if page is None:  # robots.txt, sitemap and probe requests: WARC only
            return
        self.count += 1
        if self.progress:
            self.progress("page", {"unit": self.unit_code, "url": page.url, "status": page.status,
                                   "error": page.error})


async def _gather_browser_probes(browser: Any, site: CapturedSite, needs: set[Need]) -> None:
    """Fill the rendering probes the checks declared (mobile view, axe-core) from the shared browser."""
    home = site.home
    if browser is None or home is None or not home.ok:
        return
    url = home.final_url or home.url
    # A probe that failed leaves its key out: the check then says `unknown`, never `fail`.
    if Need.MOBILE in needs:
        result = await browser.mobile_probe(url)
        if "error" not in result:
            site.probes[Need.MOBILE.value] = result
    if Need.AXE in needs:
        result = await browser.axe_probe(url)
        if "error" not in result:
            site.probes[Need.AXE.value] = result


SCREENSHOTS_PER_FINDING = 3
"""Evidence items shot per finding: the link that leads to a section and the page that proves it."""


async def _take_screenshots(browser: Any, ws: Workspace, findings: list[Finding]) -> None:
    """Screenshots of the pages that prove a finding, the matched element outlined; one navigation per
    page for all its elements, each image stored once per digest."""
    shown = [e for f in findings if f.status in (Status.PASS, Status.PARTIAL)
             for e in f.evidence[:SCREENSHOTS_PER_FINDING]]
    wanted: dict[str, list[str | None]] = {}
    for evidence in shown:
        locators = wanted.setdefault(evidence.url, [])
        if evidence.locator not in locators:
            locators.append(evidence.locator)
    digests: dict[tuple[str, str | None], str | None] = {}
    for url, locators in wanted.items():
        shots = await browser.screenshot_results(url, locators)
        for locator, shot in shots.items():
            digests[(url, locator)] = ws.blobs.put(shot["png"]) if shot.get("png") else None
    for evidence in shown:
        evidence.screenshot = digests.get((evidence.url, evidence.locator))


async def _audit_unit(ws: Workspace, run_id: str, unit: Any, options: AuditOptions, check_options: checks.CheckOptions,
                      browser: Any, client: Any, limiter: Any, progress: ProgressCallback | None) -> UnitOutcome:
    settings = ws.settings
    with session(ws.engine) as s:
        resume_site = repo.load_site(s, run_id, unit.code, ws.blobs) if repo.stored_urls(s, run_id, unit.code) else None
        repo.start_unit_crawl(s, run_id, unit.code)
        nested = repo.nested_scopes(s, unit)
    if progress:
        progress("unit_started", {"unit": unit.code, "name": unit.name, "resumed_pages": len(resume_site.pages) if resume_site else 0})
    target = SiteTarget(unit_code=unit.code, unit_level=unit.level, portal_url=unit.portal_url or None,
                        scope=unit.scope or None, other_unit_scopes=nested)
    warc_dir = ws.warc_dir / run_id
    warc_dir.mkdir(parents=True, exist_ok=True)
    segment = 0
    while (warc_dir / f"{unit.code}-{segment:02d}.warc.gz").exists():
        segment += 1
    warc_path = warc_dir / f"{unit.code}-{segment:02d}.warc.gz"
    with session(ws.engine) as s:
        known_digests = repo.previous_digests(s, unit.code, run_id)
    warc = WarcRecorder(warc_path, known_digests=known_digests)
    sink = _StoringSink(ws, run_id, unit.code, warc, progress)
    try:
        # Portals whose menu only appears after scripts run are rendered in the shared Chromium.
        renderer = browser.render if (browser is not None and options.use_browser) else None
        site = await crawl_site(target, settings.crawler, sink, resume=resume_site.pages if resume_site else None,
                                client=client, limiter=limiter, renderer=renderer)
        if site.crawl_status in (CrawlStatus.OK, CrawlStatus.PARTIAL):
            # Probe requests go through the same sink: the WARC shows every request the auditor made.
            await _gather_network_probes(site, settings, client, limiter, check_options, sink)
            if options.use_browser:
                await _gather_browser_probes(browser, site, checks.needs_for(checks.CHECK_IDS))
    finally:
        warc.close()
    # The DOM after scripts ran is set on a page after its exchange was stored: store it too, so recheck and
    # resume see the menu a script built.
    rendered = [p for p in site.pages.values() if p.rendered_html]
    if rendered:
        with session(ws.engine) as s:
            for page in rendered:
                repo.record_page(s, run_id, unit.code, page, None, ws.blobs, None)
    warc_files = sorted(str(p.relative_to(ws.settings.evidence_dir)) for p in warc_dir.glob(f"{unit.code}-*.warc.gz"))

    findings = checks.run_checks(site, options=check_options)
    if browser is not None and options.screenshots:
        await _take_screenshots(browser, ws, findings)
    with session(ws.engine) as s:
        repo.finish_unit_crawl(s, run_id, site, warc_files)
        repo.save_findings(s, run_id, unit.code, findings)
    pages = sum(1 for p in site.pages.values() if p.status is not None)
    if progress:
        progress("unit_finished", {"unit": unit.code, "status": str(site.crawl_status), "pages": pages,
                                   "error": site.crawl_error})
    return UnitOutcome(unit.code, str(site.crawl_status), pages, site.crawl_error, findings)


async def _gather_network_probes(site: CapturedSite, settings: Settings, client: Any, limiter: Any,
                                 check_options: checks.CheckOptions, sink: Any) -> None:
    """The probes the checks declared that need the network but not a browser."""
    from egov_audit.checks.search_plan import plan_search
    from egov_audit.crawler import probes

    parts = urlsplit(site.home_url or site.portal_url or "")
    if not parts.hostname:
        return
    site.probes[Need.DNS.value] = await probes.dns_probe(parts.hostname)
    # host:port when the portal names a port, so the probe never knocks on ports the unit does not serve.
    site.probes[Need.HTTPS.value] = await probes.https_probe(
        parts.netloc, client, allow_private_networks=settings.crawler.allow_private_networks,
        timeout=settings.crawler.timeout_seconds)
    # The search probe records "no_form" / "foreign_host" itself; checks stay pure, the crawler judges nothing.
    site.probes[Need.SEARCH.value] = await probes.search_probe(
        plan_search(site, check_options), client, settings.crawler, limiter=limiter, sink=sink)
    site.probes[Need.LINK_STATUS.value] = await probes.link_status_probe(
        site, client, settings.crawler, limiter=limiter, sink=sink)


async def audit(ws: Workspace, options: AuditOptions, progress: ProgressCallback | None = None) -> AuditOutcome:
    """Crawl and check the selected units in one run (resuming an unfinished run unless ``fresh``)."""
    from egov_audit.crawler import HostLimiter, make_client

    check_options = _CheckOptionsCache(ws, options.framework)
    with session(ws.engine) as s:
        units = _select_units(s, options)
        # A bad --framework is bad input: found before a run is created or anything is written.
        for level in {u.level for u in units}:
            check_options.for_level(level)
        unfinished = None if options.fresh else repo.find_unfinished_run(s)
        if options.fresh:
            for stale in repo.unfinished_runs(s):
                repo.finish_run(s, stale.id, "abandoned")
        if unfinished is not None:
            wanted = _selection(dataclasses.asdict(options))
            stored = _selection(json.loads(unfinished.options_json or "{}"))
            if stored != wanted:
                # Resuming would audit another selection under that run's name; say so instead of guessing.
                raise InputError("audit", f"run {unfinished.id} was killed while auditing {stored}; run the same "
                                 "command again to resume it, or add --fresh to abandon it")
            run_id, resumed = unfinished.id, True
        else:
            run = repo.create_run(s, options=dataclasses.asdict(options),
                                  settings=_settings_snapshot(ws.settings), framework_name=options.framework)
            run_id, resumed = run.id, False
        done = repo.finished_unit_codes(s, run_id) if resumed else set()
    if progress:
        progress("run_started", {"run": run_id, "resumed": resumed, "units": len(units), "already_done": len(done)})

    browser_cm = None
    browser = None
    if options.use_browser and ws.settings.browser.enabled:
        from egov_audit.crawler.browser import Browser

        ws.settings.browser.screenshots = options.screenshots
        browser_cm = Browser(ws.settings.browser, allow_private_networks=ws.settings.crawler.allow_private_networks)
        try:
            browser = await browser_cm.__aenter__()
        except Exception as exc:  # noqa: BLE001 - no browser degrades rendering checks to `unknown`, never `fail`
            log.warning("Chromium could not start (%s); rendering checks will be unknown", exc)
            browser_cm = None
    # One client and one limiter for all sites crawled at once, so per-IP limits hold across communes
    # that share a hosting server.
    crawl_settings = ws.settings.crawler
    limiter = HostLimiter.from_settings(crawl_settings)
    client = make_client(crawl_settings)
    semaphore = asyncio.Semaphore(max(1, ws.settings.crawler.concurrent_sites))
    outcomes: list[UnitOutcome] = []

    async def one(unit: Any) -> None:
        async with semaphore:
            outcomes.append(await _audit_unit(ws, run_id, unit, options, check_options.for_level(unit.level),
                                              browser, client, limiter, progress))

    try:
        # Every unit runs to its end even if another one raised: the shared client and browser close only
        # after all of them, and a failed unit stays "running" so the next `audit` resumes it.
        results = await asyncio.gather(*(one(u) for u in units if u.code not in done), return_exceptions=True)
    finally:
        await client.aclose()
        if browser_cm is not None:
            await browser_cm.__aexit__(None, None, None)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]
    with session(ws.engine) as s:
        repo.finish_run(s, run_id, "finished")
        for code in done:
            crawl = repo.unit_crawl(s, run_id, code)
            outcomes.append(UnitOutcome(code, crawl.status, crawl.pages, crawl.error, []))
    outcomes.sort(key=lambda o: o.code)
    return AuditOutcome(run_id=run_id, resumed=resumed, units=outcomes)


def _selection(options: dict[str, Any]) -> dict[str, Any]:
    """Which units an audit covers, as stored with its run (what a resume must match)."""
    return {"unit_codes": sorted(options.get("unit_codes") or []), "province": options.get("province"),
            "all_units": bool(options.get("all_units"))}


def _settings_snapshot(settings: Settings) -> dict[str, Any]:
    data = dataclasses.asdict(settings)
    return json.loads(json.dumps(data, default=str))


def recheck(ws: Workspace, run_id: str, framework: str | None = None) -> list[tuple[str, list[Finding]]]:
    """Re-run the checks on what a past run captured, without the network; replaces its findings."""
    results = []
    with session(ws.engine) as s:
        codes = sorted(repo.finished_unit_codes(s, run_id))
        if not codes:
            raise InputError("--run", f"run {run_id!r} has no audited units")
        units = {u.code: u for u in repo.list_units(s, codes=codes)}
        check_options = _CheckOptionsCache(ws, framework)
        for code in codes:
            site = repo.load_site(s, run_id, code, ws.blobs)
            old = {f["check"]: f for f in repo.load_findings(s, run_id, code)}
            level = units[code].level if code in units else site.unit_level
            findings = checks.run_checks(site, options=check_options.for_level(level))
            # Screenshots belong to the evidence of the original run; keep them where the page still proves it.
            for finding in findings:
                before = old.get(finding.check)
                if not before:
                    continue
                shots = {(e.get("url"), e.get("locator")): e.get("screenshot") for e in before.get("evidence", [])}
                for evidence in finding.evidence:
                    evidence.screenshot = shots.get((evidence.url, evidence.locator))
            repo.save_findings(s, run_id, code, findings)
            results.append((code, findings))
    return results


def score(ws: Workspace, framework_name: str, year: int) -> dict[str, Any]:
    """Score every unit of the framework's tier with the latest findings, self-reports and decisions."""
    from egov_audit.scoring import FindingInput, UnitInput, load_framework, score_units, scores_export

    framework = load_framework(framework_name, ws.settings.config_dir)
    with session(ws.engine) as s:
        repo.register_framework(s, framework.id, framework.version, framework.content)
        units = [u for u in repo.list_units(s) if u.level in framework.levels_audited]
        latest = repo.latest_findings_by_unit(s, [u.code for u in units])
        latest_runs = repo.latest_run_by_unit(s, [u.code for u in units])
        unit_inputs = [
            UnitInput(code=u.code, name=u.name, level=u.level, province_code=u.province_code,
                      parent_code=u.parent_code, crawl_status=latest[u.code][0] if u.code in latest else None)
            for u in units
        ]
        findings = {code: {f["check"]: FindingInput(f["status"], f["value"]) for f in rows}
                    for code, (_, rows) in latest.items()}
        selfreports = repo.load_selfreports(s, year)
        decisions = _decisions_by_unit(repo.load_decisions(s, framework_name=framework.id, year=year), latest_runs)
        unit_scores = score_units(framework, unit_inputs, findings, selfreports, decisions, year)
        export = scores_export(framework, year, unit_scores)
        repo.save_scores(s, framework.id, year, export["units"])
    return export


def _decisions_by_unit(rows: list[dict[str, Any]], latest_runs: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Reviewer decisions keyed as scoring expects: unit → check or indicator id (or ``__unit__`` for an
    exclusion from ranking) → the latest decision. Rows come oldest first, so later ones win.

    A decision made on a finding of one run judged that run's evidence: it applies while the unit's
    scored findings come from that run, not to a later night's fresh evidence. Decisions without a run
    (exclusions, indicator decisions) apply whatever the run."""
    from egov_audit.scoring.engine import DecisionInput

    by_unit: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["run_id"] is not None and row["check_id"] and row["run_id"] != latest_runs.get(row["unit_code"]):
            continue
        target = row["indicator_id"] or row["check_id"] or "__unit__"
        by_unit.setdefault(row["unit_code"], {})[target] = DecisionInput(
            status=row["status"], reason=row["reason"], reviewer=row["reviewer"], decided_at=row["decided_at"])
    return by_unit


def latest_scores(ws: Workspace, year: int | None = None) -> list[dict[str, Any]]:
    """The stored score exports of the latest (or given) year, one per framework."""
    with session(ws.engine) as s:
        return repo.load_score_exports(s, year=year)


def findings_export(ws: Workspace, run_id: str | None = None) -> dict[str, Any]:
    with session(ws.engine) as s:
        run_id = run_id or repo.latest_run_id(s)
        if run_id is None:
            raise InputError("findings", "no audit run yet: run `egov-audit audit` first")
        if repo.get_run(s, run_id) is None:
            raise InputError("--run", f"no audit run with id {run_id!r}")
        return repo.findings_export(s, run_id)
