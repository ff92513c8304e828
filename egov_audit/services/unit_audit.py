"""Audit one unit in one run: crawl, probes, checks, screenshots, findings; the unit of work of every mode.

``audit_unit`` is what a local run does for each unit and what a worker of the distributed mode does for
one job. Every exchange (pages, robots.txt, sitemaps, probes, the browser's requests) goes through the
unit's one ``crawler.Sender`` and so to the storage sink as it arrives: a killed unit keeps what it
fetched and is resumed without fetching it again. Only what the selected checks need is gathered
(``checks.needs_for``). On an incremental night (``[crawler] incremental``) the unit's previous capture
drives conditional requests and carries over the pages not due tonight (``crawler.revisit``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from egov_audit import checks
from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Finding, Need, PriorCapture, Status
from egov_audit.core.urls import normalize_url
from egov_audit.crawler import Sender, SiteTarget, crawl_site
from egov_audit.crawler.revisit import RevisitPlan
from egov_audit.crawler.warc import WarcRecorder, capture_digests
from egov_audit.services.gathering import gather_probes
from egov_audit.services.judging import off_loop
from egov_audit.services.workspace import ProgressCallback, Workspace
from egov_audit.storage import findings_repo, pages_repo, runs_repo, units_repo
from egov_audit.storage.db import session


@dataclass
class UnitOutcome:
    code: str
    crawl_status: str
    pages: int
    error: str | None
    findings: list[Finding]


@dataclass
class PriorNight:
    """A unit's previous capture, as an incremental night starts from it (empty on a first night)."""

    run_id: str | None = None
    crawled_at: datetime | None = None
    pages: dict[str, PriorCapture] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)
    warc_files: list[Path] = field(default_factory=list)
    screenshots: dict[tuple[str, str | None], str] = field(default_factory=dict)
    """(URL, locator) → screenshot digest of the previous findings' evidence."""


def load_prior_night(ws: Workspace, run_id: str, unit_code: str) -> PriorNight:
    with session(ws.engine) as s:
        crawl = runs_repo.prior_crawl(s, unit_code, run_id)
        if crawl is None:
            return PriorNight()
        shots = {(e.get("url"), e.get("locator")): e["screenshot"]
                 for f in findings_repo.load_findings(s, crawl.run_id, unit_code)
                 for e in f.get("evidence", []) if e.get("screenshot")}
        return PriorNight(
            run_id=crawl.run_id, crawled_at=crawl.finished_at or crawl.started_at,
            pages=pages_repo.prior_captures(s, crawl.run_id, unit_code, ws.blobs),
            probes=runs_repo.probes_of(s, crawl),
            warc_files=[ws.settings.evidence_dir / name for name in json.loads(crawl.warc_files_json or "[]")],
            screenshots=shots,
        )


class StoringSink:
    """Persists every exchange as it arrives (page row + body blob + WARC records), so a killed run
    keeps everything it fetched and a resumed run refetches nothing. A page a 304 confirmed is stored as
    a copy of the previous night's row (its body is already in the blob store).

    The writes (SQLite, the blob store, the gzip of the WARC file) run in a thread: on the event loop
    they would delay every other portal's answers in flight, and the adaptive per-IP limit would read
    that delay as the server slowing down. One lock keeps a unit's writes in order and whole: a WARC
    record is never interleaved with another, and ``close`` waits for the last one."""

    def __init__(self, ws: Workspace, run_id: str, unit_code: str, warc: WarcRecorder,
                 progress: ProgressCallback | None, prior: PriorNight | None = None) -> None:
        self.ws, self.run_id, self.unit_code, self.warc, self.progress = ws, run_id, unit_code, warc, progress
        self.prior = prior or PriorNight()
        self.count = 0
        self._writing = threading.Lock()

    def _changed_at(self, page: Any) -> datetime | None:
        before = self.prior.pages.get(normalize_url(page.url) or page.url)
        if before is None:
            return None
        if before.page.body_digest != page.body_digest and page.status is not None:
            return page.fetched_at
        return before.changed_at

    def _store(self, exchange: Any) -> None:
        page = exchange.page
        with self._writing:
            if page is not None:
                # Database row (and body blob) first: a run killed between the two writes then never fetches
                # the page again on resume; the body it relies on is already in the blob store.
                with session(self.ws.engine) as s:
                    if page.revisit == "not_modified" and self.prior.run_id:
                        pages_repo.copy_page(s, self.prior.run_id, self.run_id, self.unit_code, page)
                    else:
                        pages_repo.record_page(s, self.run_id, self.unit_code, page,
                                               dict(exchange.response_headers or []), self.ws.blobs, exchange.body,
                                               changed_at=self._changed_at(page))
            self.warc.record(exchange)

    async def record(self, exchange: Any) -> None:
        writing = asyncio.ensure_future(asyncio.to_thread(self._store, exchange))
        try:
            await asyncio.shield(writing)
        except asyncio.CancelledError:
            # A cancelled crawl (its time budget) still lets the write end before it goes on, as the
            # synchronous write did: what comes after (the pages not fetched, the outcome) sees it stored.
            await asyncio.wait({writing})
            raise
        page = exchange.page
        if page is None:  # robots.txt, sitemap, probe and browser requests: WARC only
            return
        self.count += 1
        if self.progress:
            self.progress("page", {"unit": self.unit_code, "url": page.url, "status": page.status,
                                   "error": page.error})

    def close(self) -> None:
        """Close the WARC file once the write in progress (if any) has ended."""
        with self._writing:
            self.warc.close()


SCREENSHOTS_PER_FINDING = 3
"""Evidence items shot per finding: the link that leads to a section and the page that proves it."""


async def _take_screenshots(browser: Any, ws: Workspace, site: CapturedSite, findings: list[Finding],
                            sender: Sender, prior: PriorNight) -> None:
    """Screenshots of the pages that prove a finding, the matched element outlined; one navigation per
    page for all its elements, each image stored once per digest. A page the server confirmed unchanged
    since the previous night keeps that night's screenshot of the same element."""
    shown = [e for f in findings if f.status in (Status.PASS, Status.PARTIAL)
             for e in f.evidence[:SCREENSHOTS_PER_FINDING]]
    wanted: dict[str, list[str | None]] = {}
    digests: dict[tuple[str, str | None], str | None] = {}
    for evidence in shown:
        key = (evidence.url, evidence.locator)
        page = site.pages.get(normalize_url(evidence.url) or evidence.url)
        if page is not None and page.revisit and key in prior.screenshots:
            digests[key] = prior.screenshots[key]
            continue
        locators = wanted.setdefault(evidence.url, [])
        if evidence.locator not in locators:
            locators.append(evidence.locator)
    for url, locators in wanted.items():
        shots = await browser.screenshot_results(url, locators, sender=sender)
        for locator, shot in shots.items():
            digests[(url, locator)] = ws.blobs.put(shot["png"]) if shot.get("png") else None
    for evidence in shown:
        evidence.screenshot = digests.get((evidence.url, evidence.locator))


@dataclass
class Gatherers:
    """What every unit of a run shares: one HTTP client and one limiter (so per-host and per-IP limits hold
    across units on one server), the run's Chromium (None without a browser), the progress callback and
    the checks selected (None: all of them; only what they need is gathered)."""

    client: Any
    limiter: Any
    browser: Any = None
    screenshots: bool = True
    progress: ProgressCallback | None = None
    check_ids: list[str] | None = None
    before_outcome: Callable[[Session, str, CapturedSite], None] | None = None
    """Called in the transaction that stores a unit's outcome, before it is written; raising aborts it."""


def crawl_settings_for(crawler: Any, needs: set[Need]) -> Any:
    """The crawl the checks need: without a check of the pages, the home page (and the sitemap when a
    check reads it) is all there is to fetch."""
    if needs & {Need.PAGES, Need.RENDERED}:
        return crawler
    return dataclasses.replace(crawler, max_pages=1, fetch_sitemap=crawler.fetch_sitemap and Need.SITEMAP in needs)


def _open_warc(ws: Workspace, run_id: str, unit_code: str, prior: PriorNight) -> WarcRecorder:
    warc_dir = ws.warc_dir / run_id
    warc_dir.mkdir(parents=True, exist_ok=True)
    segment = 0
    while (warc_dir / f"{unit_code}-{segment:02d}.warc.gz").exists():
        segment += 1
    with session(ws.engine) as s:
        known = pages_repo.previous_digests(s, unit_code, run_id)
    # Everything the previous night wrote (robots.txt, sitemaps, probes too): identical answers tonight
    # become revisit records.
    for digest, where in capture_digests(prior.warc_files).items():
        known.setdefault(digest, where)
    return WarcRecorder(warc_dir / f"{unit_code}-{segment:02d}.warc.gz", known_digests=known)


def _store_pages_not_fetched(ws: Workspace, run_id: str, unit_code: str, site: CapturedSite,
                             prior: PriorNight) -> None:
    """Rows for tonight's pages no exchange stored: those carried over (copies of the previous night's)
    and those whose DOM after scripts ran was set after their exchange."""
    carried = [p for p in site.pages.values() if p.revisit == "carried"]
    rendered = [p for p in site.pages.values() if p.rendered_html and p.revisit != "carried"]
    if not carried and not rendered:
        return
    with session(ws.engine) as s:
        if carried and prior.run_id:
            pages_repo.copy_pages(s, prior.run_id, run_id, unit_code, carried)
        for page in rendered:
            pages_repo.record_page(s, run_id, unit_code, page, None, ws.blobs, None)


def _store_outcome(ws: Workspace, run_id: str, unit_code: str, site: Any, warc_files: list[str], findings: list[Any],
                   before_outcome: Any) -> None:
    """The unit's crawl and findings in one transaction (run in a thread: a province's findings are many rows)."""
    with session(ws.engine) as s:
        if before_outcome is not None:
            # The distributed mode's fence: only the attempt holding the unit's lease stores an outcome.
            before_outcome(s, run_id, site)
        runs_repo.finish_unit_crawl(s, run_id, site, warc_files)
        findings_repo.save_findings(s, run_id, unit_code, findings)


async def audit_unit(ws: Workspace, run_id: str, unit: Any, check_options: checks.CheckOptions,
                     gatherers: Gatherers) -> UnitOutcome:
    """Crawl, probe, check and store one unit in one run; resumes what a killed attempt stored."""
    settings, browser, progress = ws.settings, gatherers.browser, gatherers.progress
    with session(ws.engine) as s:
        resume_site = pages_repo.load_site(s, run_id, unit.code, ws.blobs) if pages_repo.stored_urls(s, run_id, unit.code) else None
        runs_repo.start_unit_crawl(s, run_id, unit.code)
        nested = units_repo.nested_scopes(s, unit)
    if progress:
        progress("unit_started", {"unit": unit.code, "name": unit.name, "resumed_pages": len(resume_site.pages) if resume_site else 0})
    target = SiteTarget(unit_code=unit.code, unit_level=unit.level, portal_url=unit.portal_url or None,
                        scope=unit.scope or None, other_unit_scopes=nested)
    # Reading the previous night (rows, bodies) and storing the carried pages are database and disk work of
    # hundreds of rows a portal: in threads, so the event loop goes on with the other portals' answers.
    prior = await asyncio.to_thread(load_prior_night, ws, run_id, unit.code) if settings.crawler.incremental else PriorNight()
    plan = RevisitPlan.from_settings(settings.crawler, datetime.now(UTC))
    # Opening the WARC reads the previous night's records of the unit (their digests): disk and gzip work.
    warc = await asyncio.to_thread(_open_warc, ws, run_id, unit.code, prior)
    sink = StoringSink(ws, run_id, unit.code, warc, progress, prior)
    sender = Sender(gatherers.client, settings.crawler, limiter=gatherers.limiter, sink=sink)
    needs = checks.needs_for(gatherers.check_ids)
    try:
        # Portals whose menu only appears after scripts run are rendered in the shared Chromium.
        renderer = browser.render if browser is not None and needs & {Need.PAGES, Need.RENDERED} else None
        site = await crawl_site(target, crawl_settings_for(settings.crawler, needs), sender=sender,
                                resume=resume_site.pages if resume_site else None, renderer=renderer,
                                prior=prior.pages, revisit=plan)
        # One analysis of the site (its pages parsed once) plans the probes and then runs the checks.
        analysis = SiteAnalysis(site)
        if site.crawl_status in (CrawlStatus.OK, CrawlStatus.PARTIAL):
            await gather_probes(site, needs, sender, browser, check_options, prior.probes, prior.crawled_at, plan,
                                analysis)
        # The DOM after scripts ran is set on a page after its exchange was stored: store it too, so recheck
        # and resume see the menu a script built.
        await asyncio.to_thread(_store_pages_not_fetched, ws, run_id, unit.code, site, prior)
        # Judging is CPU work of up to a second or two a portal: off the event loop (services/judging.py).
        findings = await off_loop(checks.run_checks, site, ids=gatherers.check_ids, options=check_options,
                                          analysis=analysis)
        if browser is not None and gatherers.screenshots:
            await _take_screenshots(browser, ws, site, findings, sender, prior)
    finally:
        # In a thread, and shielded: a cancelled unit still waits for its last write to end and closes the
        # WARC file whole (a resumed run appends a new segment).
        await asyncio.shield(asyncio.to_thread(sink.close))
    warc_dir = ws.warc_dir / run_id
    warc_files = sorted(str(p.relative_to(ws.settings.evidence_dir)) for p in warc_dir.glob(f"{unit.code}-*.warc.gz"))
    if ws.evidence is not None:
        ws.evidence.publish(warc_files)  # a remote store holds the evidence before the outcome is stored
    await asyncio.to_thread(_store_outcome, ws, run_id, unit.code, site, warc_files, findings, gatherers.before_outcome)
    pages = sum(1 for p in site.pages.values() if p.status is not None)
    if progress:
        progress("unit_finished", {"unit": unit.code, "status": str(site.crawl_status), "pages": pages,
                                   "error": site.crawl_error})
    return UnitOutcome(unit.code, str(site.crawl_status), pages, site.crawl_error, findings)
