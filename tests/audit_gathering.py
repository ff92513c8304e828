"""Crawl, probe and check portals served on loopback exactly as an audit does, without writing a workspace.

``audit_sites`` is ``services.unit_audit.audit_unit`` minus storage: the crawler with the shared Chromium as its
renderer, every probe the checks declare (``services.gathering.gather_probes``: DNS, HTTPS, site search, link statuses,
the 390 px view and axe-core), and ``checks.run_checks`` with the check options of the framework that scores the
unit's tier. Agreement harnesses use it so that a measured figure is the figure an audit would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from config import CONFIG_DIR
from egov_audit import checks
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Finding
from egov_audit.crawler import HostLimiter, Sender, SiteTarget, crawl_site, make_client
from egov_audit.crawler.browser import Browser
from egov_audit.crawler.settings import BrowserSettings, CrawlerSettings
from egov_audit.scoring import load_framework
from egov_audit.services.frameworks import default_framework_for
from egov_audit.services.gathering import gather_probes
from egov_audit.services.settings import Settings


@dataclass
class AuditedSite:
    site: CapturedSite
    findings: list[Finding]

    def by_check(self) -> dict[str, Finding]:
        return {finding.check: finding for finding in self.findings}


def loopback_crawler_settings(sites: int) -> CrawlerSettings:
    """The audit's defaults (depth 4, 200 pages, robots.txt obeyed) with a politeness sized for loopback: a fixed
    short delay (the adaptive one would read the load of a shared test machine as a slow server)."""
    return CrawlerSettings(allow_private_networks=True, delay_seconds=0.01, adaptive_delay=False, per_host_concurrency=4,
                           per_ip_concurrency=4 * max(1, sites), concurrent_sites=max(1, sites), timeout_seconds=15,
                           retries=1, backoff_base_seconds=0.1, max_site_seconds=300)


def tier_options(level: str, config_dir: Path = CONFIG_DIR) -> checks.CheckOptions:
    """The check thresholds an audit uses for a unit of ``level`` (config/checks.yaml + its framework)."""
    framework = load_framework(default_framework_for(level, None), config_dir)
    return checks.CheckOptions.from_config(config_dir, framework.check_options)


async def audit_sites(targets: Sequence[SiteTarget], crawler: CrawlerSettings | None = None,
                      browser: Browser | None = None, config_dir: Path = CONFIG_DIR) -> dict[str, AuditedSite]:
    """Audit every target concurrently (one client, one limiter, one Chromium); keyed by unit code.

    ``browser``: a running Chromium to share with other harnesses; one is started when None.
    """
    crawler = crawler or loopback_crawler_settings(len(targets))
    settings = Settings(crawler=crawler, browser=BrowserSettings(screenshots=False), config_dir=config_dir)
    options = {level: tier_options(level, config_dir) for level in {t.unit_level for t in targets}}
    limiter = HostLimiter.from_settings(crawler)
    audited: dict[str, AuditedSite] = {}
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(make_client(crawler))
        if browser is None:
            browser = await stack.enter_async_context(Browser(settings.browser))
        needs = checks.needs_for(None)

        async def one(target: SiteTarget) -> None:
            sender = Sender(client, crawler, limiter=limiter)  # the unit's one request path, as in an audit
            site = await crawl_site(target, crawler, sender=sender, renderer=browser.render)
            level_options = options[target.unit_level]
            if site.crawl_status in (CrawlStatus.OK, CrawlStatus.PARTIAL):  # as audit_unit: no probes of a dead site
                await gather_probes(site, needs, sender, browser, level_options)
            audited[target.unit_code] = AuditedSite(site, checks.run_checks(site, options=level_options))

        await asyncio.gather(*(one(target) for target in targets))
    return audited
