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
from urllib.parse import urlsplit

from egov_audit import checks
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Finding, Need, Status
from egov_audit.core.errors import InputError
from egov_audit.crawler import SiteTarget, crawl_site
from egov_audit.crawler.warc import WarcRecorder
from egov_audit.services.frameworks import CheckOptionsByTier
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import ProgressCallback, Workspace, log
from egov_audit.storage import (
    findings_repo,
    pages_repo,
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
                pages_repo.record_page(s, self.run_id, self.unit_code, page, dict(exchange.response_headers or []),
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
        resume_site = pages_repo.load_site(s, run_id, unit.code, ws.blobs) if pages_repo.stored_urls(s, run_id, unit.code) else None
        runs_repo.start_unit_crawl(s, run_id, unit.code)
        nested = units_repo.nested_scopes(s, unit)
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
        known_digests = pages_repo.previous_digests(s, unit.code, run_id)
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
                pages_repo.record_page(s, run_id, unit.code, page, None, ws.blobs, None)
    warc_files = sorted(str(p.relative_to(ws.settings.evidence_dir)) for p in warc_dir.glob(f"{unit.code}-*.warc.gz"))

    findings = checks.run_checks(site, options=check_options)
    if browser is not None and options.screenshots:
        await _take_screenshots(browser, ws, findings)
    with session(ws.engine) as s:
        runs_repo.finish_unit_crawl(s, run_id, site, warc_files)
        findings_repo.save_findings(s, run_id, unit.code, findings)
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
        site, _links_to_check(site), client, settings.crawler, limiter=limiter, sink=sink)


def _links_to_check(site: CapturedSite) -> list[str]:
    from egov_audit.checks.search_plan import link_check_urls

    try:
        return link_check_urls(site)
    except Exception:  # noqa: BLE001 - a page the parser chokes on must not break the audit
        log.warning("links of %s could not be listed for the link-status probe", site.unit_code, exc_info=True)
        return []


async def audit(ws: Workspace, options: AuditOptions, progress: ProgressCallback | None = None) -> AuditOutcome:
    """Crawl and check the selected units in one run (resuming an unfinished run unless ``fresh``)."""
    from egov_audit.crawler import HostLimiter, make_client

    check_options = CheckOptionsByTier(ws, options.framework)
    with session(ws.engine) as s:
        units = _select_units(s, options)
        # A bad --framework is bad input: found before a run is created or anything is written.
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
            run_id, resumed = unfinished.id, True
        else:
            run = runs_repo.create_run(s, options=dataclasses.asdict(options),
                                  settings=_settings_snapshot(ws.settings), framework_name=options.framework)
            run_id, resumed = run.id, False
        done = runs_repo.finished_unit_codes(s, run_id) if resumed else set()
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
        runs_repo.finish_run(s, run_id, "finished")
        for code in done:
            crawl = runs_repo.unit_crawl(s, run_id, code)
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
