"""Benchmark of the checks: ``run_checks`` over a 100-portal capture, against the crawl time of the same sites.

The capture is built without the network: every farm portal (tests/farm/specs.py, 34 portals in 5 platform
styles) is walked breadth-first through ``Portal.handle`` (the generator's own request handler) and its pages
become ``CapturedPage`` objects, as the crawler would have stored them; the 34 captures are repeated (with
their own unit codes) up to 100 sites. Each site is checked with a fresh ``SiteAnalysis`` (no shared cache),
so the figure is what an audit of 100 units costs.

The crawl side is estimated at the default politeness (settings.crawler: delay 0.5 s, 2 requests per host):
pages × delay / concurrency per site, sites crawled in parallel batches of ``concurrent_sites``; network
time is left out, so the estimate is a lower bound on the real crawl.

    .venv/bin/python bench/checks.py [--sites 100] [--repeat 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from egov_audit.checks import CHECK_IDS, CheckOptions, run_checks  # noqa: E402
from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus  # noqa: E402
from egov_audit.core.urls import normalize_url  # noqa: E402
from egov_audit.crawler.settings import CrawlerSettings  # noqa: E402
from egov_audit.demo.sitegen import Portal  # noqa: E402
from tests.farm.specs import farm_units  # noqa: E402

MAX_PAGES = 200  # the farm crawl's page budget (tests/farm/agreement.py)


def capture(portal: Portal, origin: str, max_pages: int = MAX_PAGES) -> CapturedSite:
    """Walk one generated portal through its handler, as the crawler would (in scope, login area excluded)."""
    start = urljoin(origin, portal.home_path)
    pages: dict[str, CapturedPage] = {}
    queue: deque[tuple[str, str | None]] = deque([(start, None)])
    seen = {normalize_url(start)}
    now = datetime.now(UTC)
    while queue and len(pages) < max_pages:
        url, referrer = queue.popleft()
        parts = urlsplit(url)
        response = portal.handle("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        html = response.body.decode("utf-8", "replace") if response.content_type.startswith("text/html") else None
        key = normalize_url(url) or url
        pages[key] = CapturedPage(url=key, final_url=key, status=response.status, content_type=response.content_type,
                                  encoding="utf-8", html=html, body_digest=f"sha256:{hash(response.body):x}",
                                  referrer=referrer, ttfb_seconds=0.05, fetched_at=now)
        if not html or response.status >= 400:
            continue
        for href in lxml.html.document_fromstring(html).xpath("//a/@href"):
            target = normalize_url(urljoin(url, href))
            if target and target.startswith(origin) and "login" not in target.lower() and target not in seen:
                seen.add(target)
                queue.append((target, url))
    return CapturedSite(unit_code=portal.spec.code, unit_level=portal.spec.level, portal_url=start, home_url=start,
                        crawl_status=CrawlStatus.OK, pages=pages, audited_at=now)


def build_sites(count: int) -> list[CapturedSite]:
    units = farm_units()
    base = [capture(Portal(unit.spec), f"http://127.0.0.{i + 2}:8080") for i, unit in enumerate(units)]  # type: ignore[arg-type]
    return [replace(base[i % len(base)], unit_code=f"{base[i % len(base)].unit_code}-{i}") for i in range(count)]


def crawl_estimate(sites: list[CapturedSite], settings: CrawlerSettings) -> float:
    """Seconds the politeness delay alone imposes: each site takes pages × delay / per-host concurrency, and
    ``concurrent_sites`` sites are crawled at once."""
    per_site = sorted((len(s.pages) * settings.delay_seconds / settings.per_host_concurrency for s in sites), reverse=True)
    lanes = [0.0] * max(1, settings.concurrent_sites)
    for seconds in per_site:  # longest first onto the least loaded lane
        lanes[lanes.index(min(lanes))] += seconds
    return max(lanes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="timed passes (the best is reported)")
    args = parser.parse_args()
    started = time.perf_counter()
    sites = build_sites(args.sites)
    built = time.perf_counter() - started
    options = CheckOptions.from_config()
    run_checks(sites[0], options=options)  # load vocabulary and registry outside the timing
    best = float("inf")
    for _ in range(args.repeat):
        fresh = [replace(site) for site in sites]  # new objects: no analysis cached between passes
        t0 = time.perf_counter()
        for site in fresh:
            run_checks(site, options=options)
        best = min(best, time.perf_counter() - t0)
    pages = sum(len(s.pages) for s in sites)
    checks_run = len(sites) * len(CHECK_IDS)
    settings = CrawlerSettings()
    crawl = crawl_estimate(sites, settings)
    print(f"capture: {len(sites)} sites, {pages} pages (built in {built:.1f} s without network)")
    print(f"run_checks: {best:.2f} s for {checks_run} checks -> {checks_run / best:.0f} checks/s, "
          f"{len(sites) / best:.1f} sites/s, {pages / best:.0f} pages/s")
    print(f"crawl at default politeness (delay {settings.delay_seconds} s, {settings.per_host_concurrency} per host, "
          f"{settings.concurrent_sites} sites at once): >= {crawl:.0f} s (politeness alone)")
    print(f"crawl / checks ratio: {crawl / best:.0f}x")


if __name__ == "__main__":
    main()
