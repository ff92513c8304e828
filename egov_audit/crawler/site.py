"""The fetch loop of one site: robots.txt, home page, sitemap, then a bounded breadth-first crawl.

Composition only: scope (``urls``), order and traps (``frontier``), politeness (``politeness``), the
SSRF guard (``safety``), fetching (``fetch``), decoding (``encoding``) and link extraction (``links``)
are separate pieces. The crawl judges nothing; it fills a ``CapturedSite`` for the checks.

Outcome (CRITERIA.md §5): ``no_portal`` when ``portal_url`` is empty; ``blocked`` when robots.txt
disallows the home page or the home page answers 401/403/429 (after retries); ``unreachable`` when the
home page could not be fetched (``crawl_error`` = ``"<failure class>: <detail>"``, the class first);
``partial`` when a budget (pages, bytes, time, trap share, query variants, a body over ``max_bytes`` or
a decompression bomb) cut the crawl or refused URLs (``budget_exhausted`` is then True), or pages got
no answer (DNS, refused, reset, timeout, TLS, protocol); ``ok`` otherwise. An HTTP error status on an inner page is
an answer (a broken page the checks judge), so it does not make the crawl partial; nor does the
depth limit, which shapes the crawl rather than cutting it short.

JavaScript portals: with a ``renderer`` (the shared Chromium's ``render(url)``), the home page and pages
at depth 1 whose static HTML lacks navigation (``links.navigation_gap``) are rendered, at most
``max_renders`` per site; ``page.rendered_html`` keeps the DOM and its links join the frontier as if
they were in the static HTML.
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
from protego import Protego

from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus
from egov_audit.core.bodies import decode_body
from egov_audit.core.failures import FailureClass
from egov_audit.core.urls import Scope, normalize_url, origin_of
from egov_audit.crawler.exchange import ExchangeSink, deliver
from egov_audit.crawler.failures import NO_ANSWER, FetchRefused
from egov_audit.crawler.fetch import Fetcher, FetchResult
from egov_audit.crawler.frontier import Frontier, QueueItem
from egov_audit.crawler.links import Link, extract_links, is_skipped_file, navigation_gap
from egov_audit.crawler.politeness import HostLimiter
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.crawler.sitemap import maybe_gunzip, parse_sitemap
from egov_audit.crawler.transport import PerOriginTransport

log = logging.getLogger(__name__)

Renderer = Callable[[str], Awaitable[str | None]]
"""``await renderer(url)`` → the DOM after scripts ran, or None when rendering failed."""

_ROBOTS_MAX_BYTES = 512 * 1024
# Failures where the crawler itself cut a body at a size budget: the crawl is then partial.
_SIZE_CUTS = {FailureClass.TOO_LARGE.value, FailureClass.DECOMPRESSION_BOMB.value}
_BLOCKING_STATUSES = {401, 403, 429}


@dataclass
class SiteTarget:
    """What to crawl for one unit (a row of the units file)."""

    unit_code: str
    unit_level: str
    portal_url: str | None
    scope: str | None = None
    other_unit_scopes: list[str] = field(default_factory=list)


def make_client(settings: CrawlerSettings) -> httpx.AsyncClient:
    """The HTTP client the crawler expects: no automatic redirects, no proxies from the environment."""
    timeout = httpx.Timeout(settings.timeout_seconds)
    # A pool per origin (see crawler.transport): one shared pool of every site's connections costs CPU
    # quadratic in its size. The limiter caps requests per host, so per_host connections per origin
    # are what a crawl uses; twice that leaves room for a caller holding its own limiter (a probe run
    # beside a crawl) without requests queueing inside the pool.
    transport = PerOriginTransport(
        verify=settings.verify_tls,
        per_origin=2 * max(1, settings.per_host_concurrency),
        max_idle_origins=max(16, 4 * settings.concurrent_sites),
    )
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=timeout,
        trust_env=False,
        transport=transport,
        headers={"User-Agent": settings.user_agent},
    )


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
    limiter: HostLimiter | None = None,
    renderer: Renderer | None = None,
) -> CapturedSite:
    """Crawl one unit's site and return what was captured; never raises for network failures.

    ``sink`` receives every exchange as it happens; ``resume`` holds pages stored by a killed run
    (URL → page with html): they are not refetched, their links rebuild the frontier. Pass a shared
    ``limiter`` (and ``client``) when crawling several sites at once so per-host and per-IP limits
    hold across them. ``renderer`` (optional) renders pages whose static HTML lacks navigation.
    """
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
    own_client = client is None
    http = client or make_client(settings)
    try:
        crawl = _SiteCrawl(target, settings, site, sink, resume or {}, http, limiter, renderer)
        await crawl.run()
    finally:
        if own_client:
            await http.aclose()
    return site


class _SiteCrawl:
    def __init__(
        self,
        target: SiteTarget,
        settings: CrawlerSettings,
        site: CapturedSite,
        sink: ExchangeSink | None,
        resume: dict[str, CapturedPage],
        client: httpx.AsyncClient,
        limiter: HostLimiter | None,
        renderer: Renderer | None = None,
    ) -> None:
        self.target = target
        self.renderer = renderer
        self.renders = 0
        # Links parsed while a page was fetched (for the render decision), reused when it is enqueued.
        self._parsed_links: dict[str, list[Link]] = {}
        self._home_failure_detail: str | None = None
        self.settings = settings
        self.site = site
        self.sink = sink
        self.resume = {normalize_url(k) or k: v for k, v in resume.items() if v.html is not None}
        self.limiter = limiter or HostLimiter.from_settings(settings)
        self.host_delay: dict[str, float] = {}
        self.fetcher = Fetcher(client, settings, self.limiter, Resolver(settings.allow_private_networks), self._delay_for)
        self.robots: dict[str, Protego | None] = {}
        self.robots_locks: dict[str, asyncio.Lock] = {}
        self.frontier = Frontier(
            settings.max_pages, settings.max_query_variants, settings.trap_page_share, settings.max_repeated_segments
        )
        self.pages_started = 0
        self.deadline = time.monotonic() + settings.max_site_seconds
        self.scope: Scope | None = None

    # --- policy helpers -------------------------------------------------------------------------

    def _delay_for(self, host: str) -> float:
        return max(self.settings.delay_seconds, self.host_delay.get(host, 0.0))

    async def _robots_for(self, url: str) -> Protego | None:
        """robots.txt of the URL's origin, fetched once (concurrent callers wait for the first)."""
        origin = origin_of(url)
        if origin in self.robots:
            return self.robots[origin]
        lock = self.robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin in self.robots:
                return self.robots[origin]
            result = await self.fetcher.fetch(origin + "/robots.txt", kind="robots", max_bytes=_ROBOTS_MAX_BYTES)
            await self._deliver(result, None)
            parser: Protego | None = None
            # 4xx: no rules (RFC 9309). 5xx/unreachable: we also crawl (a public portal whose robots.txt
            # errors is still audited; the home page fetch shows whether the server is really down).
            if result.error is None and result.status == 200 and result.body:
                text = result.body.decode("utf-8", errors="replace")
                if "<html" not in text[:2000].lower():  # soft-404 HTML pages are not robots files
                    try:
                        parser = Protego.parse(text)
                    except Exception:  # noqa: BLE001 - a garbled robots.txt means no rules
                        parser = None
                    if self.site.robots_txt is None and origin == origin_of(self.site.home_url or ""):
                        self.site.robots_txt = text
            if parser is not None:
                delay = parser.crawl_delay(self.settings.user_agent)
                if delay:
                    host = urlsplit(origin).hostname or ""
                    self.host_delay[host] = max(self.host_delay.get(host, 0.0), float(delay))
            self.robots[origin] = parser
            return parser

    async def _robots_allows(self, url: str) -> bool:
        if not self.settings.respect_robots:
            return True
        parser = await self._robots_for(url)
        return parser is None or parser.can_fetch(url, self.settings.user_agent)

    async def _check_hop(self, url: str) -> None:
        """Redirect targets of inner pages must stay in scope and be allowed by robots.txt."""
        norm = normalize_url(url)
        if norm is None or self.scope is None or not self.scope.contains(norm):
            raise FetchRefused(FailureClass.OUT_OF_SCOPE, f"redirect to {url[:200]}")
        if not await self._robots_allows(url):
            raise FetchRefused(FailureClass.ROBOTS, f"redirect to {url[:200]}")

    async def _check_home_hop(self, url: str) -> None:
        # The home page may move to another host (new domain); robots.txt still applies there.
        if not await self._robots_allows(url):
            raise FetchRefused(FailureClass.ROBOTS, f"redirect to {url[:200]}")

    async def _deliver(self, result: FetchResult, page: CapturedPage | None) -> None:
        for exchange in result.exchanges:
            exchange.page = page
            await deliver(self.sink, exchange)

    # --- pages ----------------------------------------------------------------------------------

    async def _fetch_page(self, item: QueueItem, home: bool = False) -> tuple[CapturedPage, bool]:
        """Fetch one page; returns the page and whether it counted against ``max_pages``."""
        if not await self._robots_allows(item.url):
            page = CapturedPage(url=item.url, final_url=item.url, status=None, error=FailureClass.ROBOTS.value)
            self._set_origin(page, item)
            return page, False
        result = await self.fetcher.fetch(
            item.url, kind="page", hop_check=self._check_home_hop if home else self._check_hop
        )
        page = self._page_from(result, item)
        if home:
            self._home_failure_detail = result.detail  # "why" for crawl_error (DNS message, TLS alert...)
        await self._deliver(result, page)
        if not home:  # the home page is rendered by run() once its final host has joined the scope
            await self._maybe_render(page)
        return page, True

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
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            ip = await self.fetcher.resolver.check(host, parts.port or (443 if parts.scheme == "https" else 80))
            remaining = max(0.0, self.deadline - time.monotonic())
            # Chromium fetching the page is a request to the same host: it takes a politeness slot too.
            async with self.limiter.slot(host, ip, self._delay_for(host)):
                async with asyncio.timeout(min(settings.render_timeout_seconds, remaining)):
                    rendered = await self.renderer(url)
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

    def _page_from(self, result: FetchResult, item: QueueItem) -> CapturedPage:
        error = result.error.value if result.error is not None else None
        if error is None and result.status is not None and result.status >= 400:
            error = FailureClass.HTTP_STATUS.value
        page = CapturedPage(
            url=item.url,
            final_url=result.final_url,
            status=result.status,
            error=error,
            content_type=result.content_type,
            redirects=list(result.redirects),
            ttfb_seconds=result.ttfb,
            elapsed_seconds=result.elapsed,
            fetched_at=result.started_at,
            size_bytes=result.wire_bytes if result.status is not None else None,
        )
        self._set_origin(page, item)
        if result.status is not None and result.exchanges:
            page.body_digest = "sha256:" + hashlib.sha256(result.exchanges[-1].body).hexdigest()
        if result.body_kept:
            decoded = decode_body(result.body, result.content_type)
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

    def _use_resumed(self, item: QueueItem) -> CapturedPage | None:
        page = self.resume.pop(item.url, None)
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
        page = self._use_resumed(home_item)
        if page is None:
            page, _ = await self._fetch_page(home_item, home=True)
            site.pages[home] = page
        self.pages_started = 1
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
            await self._sitemap()
        cut = await self._crawl_loop()
        # Resumed pages not reached this time were still fetched by the killed run: keep them.
        for url, old in self.resume.items():
            site.pages.setdefault(url, old)
        failed = any(p.error in {f.value for f in NO_ANSWER} for p in site.pages.values())
        size_cut = any(p.error in _SIZE_CUTS for p in site.pages.values())
        site.budget_exhausted = cut or self.frontier.trap_refused > 0 or size_cut
        if site.budget_exhausted or failed:
            site.crawl_status = CrawlStatus.PARTIAL

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

    async def _crawl_loop(self) -> bool:
        """Breadth-first crawl with ``per_host_concurrency`` fetches in flight; True when a budget cut it."""
        settings = self.settings
        workers = max(1, settings.per_host_concurrency)
        running: dict[asyncio.Task[tuple[CapturedPage, bool]], QueueItem] = {}
        timed_out = False
        try:
            while True:
                while len(self.frontier) and len(running) < workers:
                    if self.pages_started >= settings.max_pages or self.fetcher.bytes_total >= settings.max_site_bytes:
                        break
                    item = self.frontier.pop()
                    self.pages_started += 1
                    resumed = self._use_resumed(item)
                    if resumed is not None:
                        self._enqueue_links(resumed)
                        continue
                    running[asyncio.create_task(self._fetch_page(item))] = item
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

    async def _sitemap(self) -> None:
        """Fetch sitemaps (scope's, origin's, robots.txt's), fill ``site.sitemap``, queue seeds at depth 1."""
        site, scope, settings = self.site, self.scope, self.settings
        assert scope is not None and site.home_url
        home_page = site.home
        home_origin = origin_of((normalize_url(home_page.final_url) if home_page else None) or site.home_url)
        candidates: list[str] = []
        if self.target.scope:
            prefix = normalize_url(self.target.scope)
            if prefix:
                candidates.append(prefix if prefix.endswith("/") else prefix + "/")
                candidates[-1] += "sitemap.xml"
        candidates.append(home_origin + "/sitemap.xml")
        robots = self.robots.get(home_origin)
        if robots is not None:
            for named in robots.sitemaps:
                norm = normalize_url(named, home_origin + "/")
                if norm and scope.same_site(norm):
                    candidates.append(norm)
        queue = list(dict.fromkeys(c for c in candidates if c))
        fetched = 0
        first: dict | None = None
        chosen: dict | None = None
        urls: list[str] = []
        seen_urls: set[str] = set()
        while queue and fetched < settings.max_sitemap_files:
            url = queue.pop(0)
            fetched += 1
            info: dict = {"url": url, "status": None, "ok": False, "urls": [], "error": None}
            if not await self._robots_allows(url):
                info["error"] = FailureClass.ROBOTS.value
            else:
                result = await self.fetcher.fetch(url, kind="sitemap")
                await self._deliver(result, None)
                info["status"] = result.status
                if result.error is not None:
                    info["error"] = result.error.value
                elif result.status != 200:
                    info["error"] = f"{FailureClass.HTTP_STATUS.value}: HTTP {result.status}"
                else:
                    pages, children, error = parse_sitemap(maybe_gunzip(result.body, settings.max_bytes))
                    info["error"] = error
                    if error is None:
                        info["ok"] = True
                        # A sitemap index is followed one level deep only.
                        if url in candidates:
                            queue.extend(c for c in (normalize_url(x) for x in children) if c and scope.same_site(c))
                        for loc in pages:
                            norm = normalize_url(loc)
                            if norm and scope.contains(norm) and norm not in seen_urls:
                                seen_urls.add(norm)
                                if len(urls) < settings.max_sitemap_urls:
                                    urls.append(norm)
            first = first or info
            if info["ok"] and chosen is None and url in candidates:
                chosen = info
        report = dict(chosen or first or {"url": candidates[0], "status": None, "ok": False, "error": "not fetched"})
        report["urls"] = urls
        if self.target.scope and report.get("ok") and not urls:
            # A sub-site's sitemap must list the sub-site's pages; the district's alone does not count.
            report["ok"] = False
            report["error"] = "no URL of the scope in the sitemap"
        site.sitemap = report
        for url in urls[: settings.max_pages]:
            if not is_skipped_file(url):
                self._add(url, 1, False, report["url"], None)
