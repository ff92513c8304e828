"""The fetch loop of one site: robots.txt, home page, sitemap, then a bounded breadth-first crawl.

Composition only: scope (``core.urls``), order and traps (``frontier``), every request through the one
sender (``sender``: robots, SSRF guard, politeness, retries, redirects, limits, WARC), decoding
(``core.bodies``), link extraction (``links``) and, on incremental nights, the revisit plan
(``revisit``). The crawl judges nothing; it fills a ``CapturedSite`` for the checks.

Outcome (CRITERIA.md §5): ``no_portal`` when ``portal_url`` is empty; ``blocked`` when robots.txt
disallows the home page or the home page answers 401/403/429 (after retries); ``unreachable`` when the
home page could not be fetched (``crawl_error`` = ``"<failure class>: <detail>"``, the class first);
``partial`` when a budget (pages, bytes, time, trap share, query variants, a body over ``max_bytes`` or
a decompression bomb) cut the crawl or refused URLs (``budget_exhausted`` is then True), or pages got
no answer (DNS, refused, reset, timeout, TLS, protocol; a host the circuit breaker retired sets
``crawl_error`` to ``timeout: ...``); ``ok`` otherwise. An HTTP error status on an inner page is an
answer (a broken page the checks judge), so it does not make the crawl partial; nor does the depth
limit, which shapes the crawl rather than cutting it short.

JavaScript portals: with a ``renderer`` (the shared Chromium's ``render(url, sender)``), the home page and
pages at depth 1 whose static HTML lacks navigation (``links.navigation_gap``) are rendered, at most
``max_renders`` per site; ``page.rendered_html`` keeps the DOM and its links join the frontier as if
they were in the static HTML. The browser's requests go through the crawl's sender too.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, PriorCapture
from egov_audit.core.bodies import decode_body
from egov_audit.core.failures import FailureClass
from egov_audit.core.urls import Scope, normalize_url, origin_of
from egov_audit.crawler.exchange import ExchangeSink
from egov_audit.crawler.failures import NO_ANSWER
from egov_audit.crawler.frontier import Frontier, QueueItem
from egov_audit.crawler.links import Link, extract_links, is_skipped_file, navigation_gap
from egov_audit.crawler.politeness import HostLimiter
from egov_audit.crawler.request import Request, Response
from egov_audit.crawler.revisit import RevisitPlan, reused, validators_of
from egov_audit.crawler.sender import Sender, make_client
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.crawler.sitemap import fetch_sitemaps

log = logging.getLogger(__name__)

Renderer = Callable[[str, Sender], Awaitable[str | None]]
"""``await renderer(url, sender)`` → the DOM after scripts ran, or None when rendering failed."""

# Failures where the crawler itself cut a body at a size budget: the crawl is then partial.
_SIZE_CUTS = {FailureClass.TOO_LARGE.value, FailureClass.DECOMPRESSION_BOMB.value}
_NO_ANSWER = {f.value for f in NO_ANSWER}
_BLOCKING_STATUSES = {401, 403, 429}

__all__ = ["Renderer", "SiteTarget", "crawl_site", "make_client"]


@dataclass
class SiteTarget:
    """What to crawl for one unit (a row of the units file)."""

    unit_code: str
    unit_level: str
    portal_url: str | None
    scope: str | None = None
    other_unit_scopes: list[str] = field(default_factory=list)


def _portal_url(raw: str) -> str | None:
    raw = raw.strip()
    if "://" not in raw:
        raw = "http://" + raw  # units files often list bare host names ("ubnd.xyz.gov.vn")
    return normalize_url(raw)


async def crawl_site(
    target: SiteTarget,
    settings: CrawlerSettings,
    sink: ExchangeSink | None = None,
    resume: dict[str, CapturedPage] | None = None,
    client: httpx.AsyncClient | None = None,
    *,
    limiter: HostLimiter | None = None,
    sender: Sender | None = None,
    renderer: Renderer | None = None,
    prior: dict[str, PriorCapture] | None = None,
    revisit: RevisitPlan | None = None,
) -> CapturedSite:
    """Crawl one unit's site and return what was captured; never raises for network failures.

    Every request goes through ``sender`` (the unit's, shared with its probes and browser work) or, when
    none is given, a sender built here on ``client`` (or a client of its own), ``limiter`` and ``sink``;
    one of ``sender`` and ``limiter`` is required (the run's limiter: per-host and per-IP limits hold
    across the sites crawled at once). ``resume`` holds pages stored by a killed run (URL → page with
    html): they are not refetched, their links rebuild the frontier. ``prior`` (URL → the previous
    night's capture) makes the night incremental (see ``crawler.revisit``). ``renderer`` (optional)
    renders pages whose static HTML lacks navigation.
    """
    if sender is None and limiter is None:
        raise TypeError("crawl_site needs the run's limiter (limiter=) or the unit's sender (sender=)")
    site = CapturedSite(
        unit_code=target.unit_code,
        unit_level=target.unit_level,
        portal_url=target.portal_url,
        scope=target.scope,
        audited_at=datetime.now(UTC),
        other_unit_scopes=list(target.other_unit_scopes),
    )
    if not (target.portal_url or "").strip():
        site.crawl_status = CrawlStatus.NO_PORTAL
        return site
    own_client = sender is None and client is None
    http = client or (sender.client if sender is not None else make_client(settings))
    unit_sender = sender or Sender(http, settings, limiter=limiter, sink=sink)  # type: ignore[arg-type]
    try:
        plan = revisit or (RevisitPlan.from_settings(settings) if prior else None)
        crawl = _SiteCrawl(target, settings, site, unit_sender, resume or {}, renderer, prior or {}, plan)
        await crawl.run()
    finally:
        if own_client:
            await http.aclose()
    site.order_pages()
    return site


class _SiteCrawl:
    def __init__(
        self,
        target: SiteTarget,
        settings: CrawlerSettings,
        site: CapturedSite,
        sender: Sender,
        resume: dict[str, CapturedPage],
        renderer: Renderer | None,
        prior: dict[str, PriorCapture],
        plan: RevisitPlan | None,
    ) -> None:
        self.target = target
        self.renderer = renderer
        self.renders = 0
        # Links parsed while a page was fetched (for the render decision), reused when it is enqueued.
        self._parsed_links: dict[str, list[Link]] = {}
        self._home_failure_detail: str | None = None
        self.settings = settings
        self.site = site
        self.sender = sender
        self.resume = {normalize_url(k) or k: v for k, v in resume.items() if v.html is not None}
        self.prior = {normalize_url(k) or k: v for k, v in prior.items()}
        self.plan = plan
        self.frontier = Frontier(
            settings.max_pages, settings.max_query_variants, settings.trap_page_share, settings.max_repeated_segments
        )
        self.pages_started = 0
        self.deadline = time.monotonic() + settings.max_site_seconds
        self.scope: Scope | None = None

    # --- policy helpers -------------------------------------------------------------------------

    def _in_scope(self, url: str) -> bool:
        norm = normalize_url(url)
        return norm is not None and self.scope is not None and self.scope.contains(norm)

    async def robots_allows(self, url: str) -> bool:
        return not self.settings.respect_robots or await self.sender.robots.allows(url)

    # --- pages ----------------------------------------------------------------------------------

    def _request(self, item: QueueItem, home: bool, prior: PriorCapture | None) -> Request:
        # The home page may move to another host (new domain); robots.txt still applies there. Inner
        # pages' redirects must stay in scope.
        return Request(
            item.url, kind="page", html_only=True, scope=None if home else self._in_scope,
            validators=validators_of(prior) if prior is not None else None,
            describe=lambda response: self._page_from(response, item, prior),
        )

    async def _fetch_page(self, item: QueueItem, home: bool = False) -> tuple[CapturedPage, bool]:
        """Fetch one page; returns the page and whether it counted against ``max_pages``."""
        response = await self.sender.send(self._request(item, home, self.prior.get(item.url)))
        page = response.page
        assert page is not None
        if home:
            self._home_failure_detail = response.detail  # "why" for crawl_error (DNS message, TLS alert...)
        elif not page.revisit:  # the home page is rendered by run() once its final host joined the scope
            await self._maybe_render(page)
        # A URL robots.txt disallows was never requested: it does not use the page budget.
        return page, not (response.error is FailureClass.ROBOTS and not response.exchanges)

    async def _maybe_render(self, page: CapturedPage) -> None:
        """Render the page in the browser when its static HTML lacks navigation (JavaScript menus)."""
        settings = self.settings
        if (
            self.renderer is None
            or page.html is None
            or page.rendered_html is not None
            or page.depth > 1
            or self.renders >= settings.max_renders
            or (page.status is not None and page.status >= 400)
            or self.scope is None
        ):
            return
        links = self._static_links(page)
        in_scope = sum(1 for link in links if self.scope.contains(link.url))
        reason = navigation_gap(page.html, in_scope, settings.render_min_links)
        if reason is None:
            return
        self.renders += 1  # counted before awaiting: concurrent pages must not overshoot the bound
        url = page.final_url or page.url
        try:
            remaining = max(0.0, self.deadline - time.monotonic())
            # Chromium's requests for the page go through the sender: each takes its politeness slot.
            async with asyncio.timeout(min(settings.render_timeout_seconds, remaining)):
                rendered = await self.renderer(url, self.sender)
        except Exception as exc:  # noqa: BLE001 - a failed render leaves the static page as it is
            log.info("render of %s failed (%s): %s", url, reason, exc)
            return
        if rendered:
            page.rendered_html = rendered
            log.debug("rendered %s: %s", url, reason)

    def _set_origin(self, page: CapturedPage, item: QueueItem) -> None:
        page.depth = item.depth
        page.referrer = item.referrer
        page.link_text = item.link_text

    def _page_from(self, response: Response, item: QueueItem, prior: PriorCapture | None) -> CapturedPage:
        if prior is not None and response.not_modified:
            return reused(prior, "not_modified", depth=item.depth, referrer=item.referrer, link_text=item.link_text,
                          verified_at=response.exchanges[-1].started_at if response.exchanges else None,
                          ttfb=response.ttfb)
        error = response.error.value if response.error is not None else None
        if error is None and response.status is not None and response.status >= 400:
            error = FailureClass.HTTP_STATUS.value
        # When the page's own exchange went out: the WARC-Date of its response record (a revisit refers to it).
        sent_at = response.exchanges[-1].started_at if response.exchanges else response.started_at
        page = CapturedPage(
            url=item.url,
            final_url=response.final_url,
            status=response.status,
            error=error,
            content_type=response.content_type,
            redirects=list(response.redirects),
            ttfb_seconds=response.ttfb,
            elapsed_seconds=response.elapsed,
            fetched_at=sent_at,
            size_bytes=response.wire_bytes if response.status is not None else None,
            verified_at=sent_at,
        )
        self._set_origin(page, item)
        if response.status is not None and response.exchanges:
            page.body_digest = "sha256:" + hashlib.sha256(response.exchanges[-1].body).hexdigest()
        if prior is not None and page.body_digest == prior.page.body_digest and error is None and prior.page.html:
            return reused(prior, "unchanged", depth=item.depth, referrer=item.referrer, link_text=item.link_text,
                          verified_at=sent_at, ttfb=response.ttfb)
        if response.body_kept:
            decoded = decode_body(response.body, response.content_type)
            page.html = decoded.text
            page.encoding = decoded.encoding
            page.legacy_font_encoding = decoded.legacy_font_encoding
        return page

    def _static_links(self, page: CapturedPage) -> list[Link]:
        links = self._parsed_links.get(page.url)
        if links is None:
            base = normalize_url(page.final_url) or page.url
            links = self._parsed_links[page.url] = extract_links(page.html or "", base)
        return links

    def _page_links(self, page: CapturedPage) -> list[Link]:
        """Links of the static HTML, then those only the rendered DOM has (navigation wins on merge)."""
        links = self._static_links(page)
        self._parsed_links.pop(page.url, None)
        if not page.rendered_html:
            return links
        base = normalize_url(page.final_url) or page.url
        merged = {link.url: link for link in links}
        for link in extract_links(page.rendered_html, base):
            known = merged.get(link.url)
            if known is None:
                merged[link.url] = link
            elif link.nav and not known.nav:
                known.nav, known.text = True, known.text or link.text
        return list(merged.values())

    def _enqueue_links(self, page: CapturedPage) -> None:
        if page.html is None or page.depth + 1 > self.settings.max_depth or self.scope is None:
            self._parsed_links.pop(page.url, None)
            return
        base = normalize_url(page.final_url) or page.url
        if not self.scope.contains(base) and page.depth > 0:
            self._parsed_links.pop(page.url, None)
            return  # a page that landed outside the unit: its links are not the unit's
        for link in self._page_links(page):
            if not self.scope.contains(link.url) or is_skipped_file(link.url):
                continue  # other hosts and files stay recorded in the referring page's HTML only
            self._add(link.url, page.depth + 1, link.nav, page.url, link.text or None)

    def _add(self, url: str, depth: int, nav: bool, referrer: str | None, text: str | None) -> None:
        reason = self.frontier.add(url, depth, nav, referrer, text)
        if reason is not None:
            trap = CapturedPage(url=url, final_url=url, status=None, error=FailureClass.TRAP.value,
                                depth=depth, referrer=referrer, link_text=text)
            self.site.pages.setdefault(url, trap)

    def _without_request(self, item: QueueItem) -> CapturedPage | None:
        """The page stored by a killed attempt of this run, or the previous night's when it is not due."""
        page = self.resume.pop(item.url, None)
        if page is None and self.plan is not None:
            prior = self.prior.get(item.url)
            if prior is not None and self.plan.reason_to_ask(item, prior) is None:
                page = reused(prior, "carried", depth=item.depth, referrer=item.referrer, link_text=item.link_text)
        if page is not None:
            self.site.pages[item.url] = page
        return page

    # --- the crawl ------------------------------------------------------------------------------

    async def run(self) -> None:
        site = self.site
        home = _portal_url(self.target.portal_url or "")
        if home is None:
            site.crawl_status = CrawlStatus.UNREACHABLE
            site.crawl_error = f"{FailureClass.OTHER.value}: invalid portal URL {self.target.portal_url!r}"
            return
        scope = Scope.build(home, self.target.scope, self.target.other_unit_scopes)
        if self.target.scope and not scope.contains(home):
            home = normalize_url(self.target.scope) or home
        self.scope = scope
        site.home_url = home
        self.frontier.mark_seen(home)
        home_item = QueueItem(0, 0, 0, home)
        page = self.resume.pop(home, None)
        if page is None:
            page, _ = await self._fetch_page(home_item, home=True)
        site.pages[home] = page
        self.pages_started = 1
        site.robots_txt = self.sender.robots.texts.get(origin_of(home))
        if not self._judge_home(page):
            return
        if page.final_url:
            final = normalize_url(page.final_url)
            if final:
                scope.add_origin(final)
                self.frontier.mark_seen(final)
        await self._maybe_render(page)
        self._enqueue_links(page)
        if self.settings.fetch_sitemap:
            site.sitemap = await fetch_sitemaps(self, home)
        cut = await self._crawl_loop()
        self._finish(cut)

    def _finish(self, cut: bool) -> None:
        site = self.site
        # Resumed pages not reached this time were still fetched by the killed run: keep them.
        for url, old in self.resume.items():
            site.pages.setdefault(url, old)
        failed = any(p.error in _NO_ANSWER for p in site.pages.values())
        size_cut = any(p.error in _SIZE_CUTS for p in site.pages.values())
        site.budget_exhausted = cut or self.frontier.trap_refused > 0 or size_cut
        if site.budget_exhausted or failed:
            site.crawl_status = CrawlStatus.PARTIAL
        site.robots_txt = site.robots_txt or self.sender.robots.texts.get(origin_of(site.home_url or ""))
        hosts = {urlsplit(p.final_url or u).hostname for u, p in site.pages.items()}
        retired = [reason for host in sorted(h for h in hosts if h) if (reason := self.sender.limiter.retired(host))]
        if retired:
            site.crawl_status = CrawlStatus.PARTIAL
            site.crawl_error = f"{FailureClass.TIMEOUT.value}: {retired[0]}"

    def _judge_home(self, page: CapturedPage) -> bool:
        """Set blocked/unreachable from the home page; True when the crawl can go on."""
        site = self.site
        if page.error == FailureClass.ROBOTS.value:
            site.crawl_status = CrawlStatus.BLOCKED
            site.crawl_error = f"{FailureClass.ROBOTS.value}: robots.txt disallows the home page"
            return False
        if page.status in _BLOCKING_STATUSES:
            site.crawl_status = CrawlStatus.BLOCKED
            site.crawl_error = f"{FailureClass.HTTP_STATUS.value}: HTTP {page.status}"
            return False
        if page.html is None or (page.status is not None and page.status >= 400):
            failure = page.error or FailureClass.OTHER.value
            detail = f"HTTP {page.status}" if failure == FailureClass.HTTP_STATUS.value else self._home_detail(page)
            site.crawl_status = CrawlStatus.UNREACHABLE
            site.crawl_error = f"{failure}: {detail}"
            return False
        return True

    def _home_detail(self, page: CapturedPage) -> str:
        if page.redirects:
            return page.final_url
        return self._home_failure_detail or page.content_type or "no response"

    def _start_next(self, running: dict[asyncio.Task[tuple[CapturedPage, bool]], QueueItem]) -> None:
        """Start fetches up to ``per_host_concurrency``; pages that need no request are taken at once."""
        settings = self.settings
        while len(self.frontier) and len(running) < max(1, settings.per_host_concurrency):
            if self.pages_started >= settings.max_pages or self.sender.bytes_total >= settings.max_site_bytes:
                break
            item = self.frontier.pop()
            self.pages_started += 1
            page = self._without_request(item)
            if page is not None:
                self._enqueue_links(page)
                continue
            running[asyncio.create_task(self._fetch_page(item))] = item

    async def _crawl_loop(self) -> bool:
        """Breadth-first crawl with ``per_host_concurrency`` fetches in flight; True when a budget cut it."""
        running: dict[asyncio.Task[tuple[CapturedPage, bool]], QueueItem] = {}
        timed_out = False
        try:
            while True:
                self._start_next(running)
                if not running:
                    break
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                done, _pending = await asyncio.wait(running, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    item = running.pop(task)
                    page, counted = task.result()
                    if not counted:
                        self.pages_started -= 1
                    self.site.pages[item.url] = page
                    self._enqueue_links(page)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)
        return timed_out or len(self.frontier) > 0

    def add_seed(self, url: str, referrer: str) -> None:
        """A URL the sitemap listed: queued at depth 1 like a link of the home page."""
        if not is_skipped_file(url):
            self._add(url, 1, False, referrer, None)
