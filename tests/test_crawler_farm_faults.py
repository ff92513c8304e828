"""The whole crawl farm (tests/crawlfarm/) crawled at once, as an audit would: one shared client and
``HostLimiter``, private networks allowed, small delays and budgets.

One crawl serves every test in this module (a module fixture); the tests then read the crawler's
results and the server's own measurements (requests per portal, in-flight counts per host and per IP,
timestamps relative to each other).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from protego import Protego

from egov_audit.core.artifacts import CapturedSite, CrawlStatus
from egov_audit.core.failures import FailureClass
from egov_audit.crawler import HostLimiter, SiteTarget, crawl_site, make_client
from egov_audit.crawler.links import extract_links
from egov_audit.crawler.settings import CrawlerSettings
from tests.crawlfarm.portals import FarmPortal, GeneratedSite, RoutedSite, build_farm
from tests.crawlfarm.server import FarmServer

SETTINGS = CrawlerSettings(
    delay_seconds=0.02, per_host_concurrency=2, per_ip_concurrency=2, allow_private_networks=True,
    timeout_seconds=2.0, retries=2, backoff_base_seconds=0.05, max_site_seconds=12.0, max_pages=40,
    max_bytes=1_000_000, max_site_bytes=20_000_000, max_retry_after_seconds=5.0, max_query_variants=5,
)

# What each faulty portal must come out as: crawl status and failure class (CRITERIA.md §5).
EXPECTED: dict[str, tuple[CrawlStatus, str | None]] = {
    "F-slow": (CrawlStatus.PARTIAL, None),
    "F-hang": (CrawlStatus.UNREACHABLE, "timeout"),
    "F-reset": (CrawlStatus.UNREACHABLE, "connection_reset"),
    "F-429-then-ok": (CrawlStatus.OK, None),
    "F-429": (CrawlStatus.BLOCKED, "http_status"),
    "F-503": (CrawlStatus.UNREACHABLE, "http_status"),
    "F-403": (CrawlStatus.BLOCKED, "http_status"),
    "F-pdf-home": (CrawlStatus.UNREACHABLE, "not_html"),
    "F-redirect-loop": (CrawlStatus.UNREACHABLE, "redirect_loop"),
    "F-50mb": (CrawlStatus.PARTIAL, None),
    "F-gzip-bomb": (CrawlStatus.PARTIAL, None),
    "F-calendar": (CrawlStatus.PARTIAL, None),
    "F-session-ids": (CrawlStatus.OK, None),
    "F-cp1258": (CrawlStatus.OK, None),
    "F-tcvn3": (CrawlStatus.OK, None),
    "F-robots-section": (CrawlStatus.OK, None),
    "F-robots-home": (CrawlStatus.BLOCKED, "robots"),
    "F-js-menu": (CrawlStatus.OK, None),
    "F-tls": (CrawlStatus.UNREACHABLE, "tls"),
    "F-dns": (CrawlStatus.UNREACHABLE, "dns"),
    "F-refused": (CrawlStatus.UNREACHABLE, "connect_refused"),
}


@dataclass
class FarmRun:
    portals: dict[str, FarmPortal]
    sites: dict[str, CapturedSite]
    server: FarmServer
    renders: list[str]


@pytest_asyncio.fixture(scope="module")
async def run() -> AsyncIterator[FarmRun]:
    server = FarmServer()
    try:
        portals = {p.name: p for p in build_farm(server, healthy=16)}
        twins = {p.url: p.render_twin for p in portals.values() if p.render_twin is not None}
        renders: list[str] = []

        async def renderer(url: str, sender: object) -> str | None:
            # Stands in for Chromium: the JavaScript portal's DOM after its script ran is its twin with a
            # static menu (tests/test_crawler_render.py runs the real browser).
            renders.append(url)
            twin = twins.get(url)
            return twin.handle("GET", url.split(twin.origin, 1)[1]).body.decode() if twin else None

        limiter = HostLimiter(SETTINGS.per_host_concurrency, SETTINGS.per_ip_concurrency)
        client = make_client(SETTINGS)
        try:
            async def one(portal: FarmPortal) -> tuple[str, CapturedSite]:
                target = SiteTarget(portal.name, "commune", portal.url)
                return portal.name, await crawl_site(target, SETTINGS, None, client=client, limiter=limiter,
                                                     renderer=renderer)

            sites = dict(await asyncio.gather(*(one(p) for p in portals.values())))
        finally:
            await client.aclose()
        yield FarmRun(portals, sites, server, renders)
    finally:
        server.close()


def test_farm_is_big_enough(run: FarmRun) -> None:
    assert len(run.portals) >= 30
    assert set(EXPECTED) <= set(run.portals)


def test_each_portal_gets_its_status_and_failure_class(run: FarmRun) -> None:
    wrong = []
    for name, (status, failure) in EXPECTED.items():
        site = run.sites[name]
        got_failure = (site.crawl_error or "").split(":", 1)[0] or None
        if site.crawl_status != status or got_failure != failure:
            wrong.append((name, str(site.crawl_status), site.crawl_error))
    for name, portal in run.portals.items():
        if portal.healthy and run.sites[name].crawl_status not in (CrawlStatus.OK, CrawlStatus.PARTIAL):
            wrong.append((name, str(run.sites[name].crawl_status), run.sites[name].crawl_error))
    assert wrong == []


def test_healthy_portals_have_no_trap_or_failed_pages(run: FarmRun) -> None:
    """Generated portals (DotNetNuke's tabid/ItemID, SharePoint's dated article paths) are not traps."""
    for name, portal in run.portals.items():
        if not portal.healthy:
            continue
        site = run.sites[name]
        errors = {p.error for p in site.pages.values()} - {None, FailureClass.ROBOTS.value}
        assert errors == set(), name
        # Only the page budget may make a healthy portal partial.
        assert site.crawl_status == CrawlStatus.OK or len([p for p in site.pages.values() if p.status]) >= 40


def test_budgets_cut_what_they_should(run: FarmRun) -> None:
    for name in ("F-slow", "F-50mb", "F-gzip-bomb", "F-calendar"):
        assert run.sites[name].budget_exhausted, name
    big = run.sites["F-50mb"].pages
    assert any(p.error == FailureClass.TOO_LARGE.value for p in big.values())
    assert any(p.error == FailureClass.DECOMPRESSION_BOMB.value for p in run.sites["F-gzip-bomb"].pages.values())
    calendar = [p for p in run.server.paths("F-calendar") if p.startswith("/lich-cong-tac")]
    assert 1 <= len(calendar) <= max(2, int(SETTINGS.max_pages * SETTINGS.trap_page_share)) + 1
    assert any(p.error == FailureClass.TRAP.value for p in run.sites["F-calendar"].pages.values())
    for name, site in run.sites.items():
        fetched = [p for p in site.pages.values() if p.status is not None]
        assert len(fetched) <= SETTINGS.max_pages, name


def test_no_disallowed_url_is_ever_fetched(run: FarmRun) -> None:
    checked = 0
    for name, portal in run.portals.items():
        robots = ""
        if isinstance(portal.site, RoutedSite):
            robots = portal.site.robots
        elif isinstance(portal.site, GeneratedSite):
            robots = portal.site.portal.robots_txt()
        if not robots:
            continue
        parser = Protego.parse(robots)
        for path in run.server.paths(name):
            assert parser.can_fetch(path, SETTINGS.user_agent) or path == "/robots.txt", (name, path)
            checked += 1
    assert checked > 300
    section = run.sites["F-robots-section"]
    assert [p for p in run.server.paths("F-robots-section") if p.startswith("/noi-bo/")] == []
    assert {p.error for u, p in section.pages.items() if "/noi-bo/" in u} == {FailureClass.ROBOTS.value}
    assert run.server.paths("F-robots-home") == ["/robots.txt"]


def test_per_host_and_per_ip_concurrency_never_exceeded(run: FarmRun) -> None:
    assert max(run.server.max_host.values()) <= SETTINGS.per_host_concurrency, run.server.max_host
    assert max(run.server.max_ip.values()) <= SETTINGS.per_ip_concurrency, run.server.max_ip
    # The measurement works: shared addresses did run at the limit (so a third request would have shown).
    assert max(run.server.max_ip.values()) == SETTINGS.per_ip_concurrency
    hosts_on_loopback = {h.host for h in run.server.hits if h.ip == "127.0.0.1"}
    assert {"localhost", "127.0.0.1"} <= hosts_on_loopback  # two host names, one address, one limit


def test_slow_site_does_not_hold_up_the_others(run: FarmRun) -> None:
    slow_start = min(run.server.times("F-slow"))
    slow_budget_end = slow_start + SETTINGS.max_site_seconds
    assert run.sites["F-slow"].budget_exhausted  # its time budget did run out...
    for name, portal in run.portals.items():
        times = run.server.times(name)
        if portal.healthy and times:
            assert max(times) < slow_budget_end, name  # ...after every healthy portal had finished
    # No portal's requests spread beyond its own time budget (server timestamps, relative to each other).
    for name in run.portals:
        times = run.server.times(name)
        if times:
            assert max(times) - min(times) <= SETTINGS.max_site_seconds + SETTINGS.timeout_seconds, name


def test_retry_after_session_ids_and_encodings(run: FarmRun) -> None:
    assert run.server.paths("F-429-then-ok").count("/") == 3
    assert run.server.paths("F-429").count("/") == SETTINGS.retries + 1
    sessions = run.server.paths("F-session-ids")
    for i in range(6):
        assert len([p for p in sessions if p.startswith(f"/muc-{i}")]) == 1
    assert all(p.encoding == "windows-1258" for p in run.sites["F-cp1258"].pages.values() if p.html)
    assert run.sites["F-tcvn3"].home.legacy_font_encoding == "tcvn3"  # type: ignore[union-attr]


def test_javascript_menu_is_rendered_and_followed(run: FarmRun) -> None:
    portal = run.portals["F-js-menu"]
    site = run.sites["F-js-menu"]
    assert site.home is not None and site.home.rendered_html
    assert run.renders.count(portal.url) == 1
    static = {link.url for link in extract_links(site.home.html or "", portal.url)}
    rendered_only = {link.url for link in extract_links(site.home.rendered_html, portal.url)} - static
    assert rendered_only and rendered_only & {u for u, p in site.pages.items() if p.status == 200}
    # Portals with static menus are not sent to the browser; renders stay bounded per site.
    healthy_homes = {p.url for p in run.portals.values() if p.healthy}
    assert not healthy_homes & set(run.renders)
    assert all(run.renders.count(u) <= 1 for u in run.renders)
