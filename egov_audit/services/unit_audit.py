"""Audit one unit in one run: crawl, probes, checks, screenshots, findings; the unit of work of every mode.

``audit_unit`` is what a local run does for each unit and what a worker of the distributed mode does for
one job. Every exchange goes to the storage sink as it arrives, so a killed unit keeps what it fetched and
is resumed without fetching it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from egov_audit import checks
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Finding, Need, Status
from egov_audit.crawler import SiteTarget, crawl_site
from egov_audit.crawler.warc import WarcRecorder
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import ProgressCallback, Workspace, log
from egov_audit.storage import findings_repo, pages_repo, runs_repo, units_repo
from egov_audit.storage.db import session


@dataclass
class UnitOutcome:
    code: str
    crawl_status: str
    pages: int
    error: str | None
    findings: list[Finding]


class StoringSink:
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


@dataclass
class Gatherers:
    """What every unit of a run shares: one HTTP client and one limiter (so per-host and per-IP limits hold
    across units on one server), the run's Chromium (None without a browser) and the progress callback."""

    client: Any
    limiter: Any
    browser: Any = None
    screenshots: bool = True
    progress: ProgressCallback | None = None
    before_outcome: Callable[[Session, str, CapturedSite], None] | None = None
    """Called in the transaction that stores a unit's outcome, before it is written; raising aborts it."""


async def audit_unit(ws: Workspace, run_id: str, unit: Any, check_options: checks.CheckOptions,
                     gatherers: Gatherers) -> UnitOutcome:
    """Crawl, probe, check and store one unit in one run; resumes what a killed attempt stored."""
    settings = ws.settings
    browser, client, limiter, progress = gatherers.browser, gatherers.client, gatherers.limiter, gatherers.progress
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
    sink = StoringSink(ws, run_id, unit.code, warc, progress)
    try:
        # Portals whose menu only appears after scripts run are rendered in the shared Chromium.
        renderer = browser.render if browser is not None else None
        site = await crawl_site(target, settings.crawler, sink, resume=resume_site.pages if resume_site else None,
                                client=client, limiter=limiter, renderer=renderer)
        # Probe requests go through the same sink: the WARC shows every request the auditor made.
        await gather_probes(site, settings, client, limiter, check_options, browser, sink)
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
    if ws.evidence is not None:
        ws.evidence.publish(warc_files)  # a remote store holds the evidence before the outcome is stored

    findings = checks.run_checks(site, options=check_options)
    if browser is not None and gatherers.screenshots:
        await _take_screenshots(browser, ws, findings)
    with session(ws.engine) as s:
        if gatherers.before_outcome is not None:
            # The distributed mode's fence: only the attempt holding the unit's lease stores an outcome.
            gatherers.before_outcome(s, run_id, site)
        runs_repo.finish_unit_crawl(s, run_id, site, warc_files)
        findings_repo.save_findings(s, run_id, unit.code, findings)
    pages = sum(1 for p in site.pages.values() if p.status is not None)
    if progress:
        progress("unit_finished", {"unit": unit.code, "status": str(site.crawl_status), "pages": pages,
                                   "error": site.crawl_error})
    return UnitOutcome(unit.code, str(site.crawl_status), pages, site.crawl_error, findings)


async def gather_probes(site: CapturedSite, settings: Settings, client: Any, limiter: Any,
                        check_options: checks.CheckOptions, browser: Any = None, sink: Any = None) -> None:
    """Every probe the checks declared, for a crawled site, as an audit gathers them: the network probes
    (DNS, HTTPS, site search, link statuses), then the rendering probes of the shared browser (if any).
    Nothing is probed for a site whose home page could not be fetched."""
    if site.crawl_status not in (CrawlStatus.OK, CrawlStatus.PARTIAL):
        return
    await _gather_network_probes(site, settings, client, limiter, check_options, sink)
    if browser is not None:
        await _gather_browser_probes(browser, site, checks.needs_for(checks.CHECK_IDS))


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
    # Its two requests take a politeness slot of the host like every other request (the per-host and per-IP
    # limits of a server hold for probes too, across workers as well).
    async with limiter.slot(parts.hostname, await _address_of(parts, settings), settings.crawler.delay_seconds):
        site.probes[Need.HTTPS.value] = await probes.https_probe(
            parts.netloc, client, allow_private_networks=settings.crawler.allow_private_networks,
            timeout=settings.crawler.timeout_seconds)
    # The search probe records "no_form" / "foreign_host" itself; checks stay pure, the crawler judges nothing.
    site.probes[Need.SEARCH.value] = await probes.search_probe(
        plan_search(site, check_options), client, settings.crawler, limiter=limiter, sink=sink)
    site.probes[Need.LINK_STATUS.value] = await probes.link_status_probe(
        site, _links_to_check(site), client, settings.crawler, limiter=limiter, sink=sink)


async def _address_of(parts: Any, settings: Settings) -> str | None:
    """The address the limiter counts a probe's requests against (None when it does not resolve)."""
    from egov_audit.crawler.safety import Resolver

    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        return await Resolver(settings.crawler.allow_private_networks).check(parts.hostname, port)
    except Exception:  # noqa: BLE001 - the probe itself records why the host cannot be reached
        return None


def _links_to_check(site: CapturedSite) -> list[str]:
    from egov_audit.checks.search_plan import link_check_urls

    try:
        return link_check_urls(site)
    except Exception:  # noqa: BLE001 - a page the parser chokes on must not break the audit
        log.warning("links of %s could not be listed for the link-status probe", site.unit_code, exc_info=True)
        return []
