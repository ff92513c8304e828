"""Crawl every farm portal with the real crawler, run the real checks, and compare with the labels.

``measure_agreement(province)`` returns an ``AgreementReport``: per check, the share of portals where the
finding's status equals the label (agreement) and, of the portals the check calls ``pass``, the share
labelled ``pass`` (pass precision), plus every disagreement with the check's reason. A bench script can
call it on a running ``FarmProvince`` and print ``format_table(report)`` or save ``report.to_json()``.

What is compared, and what is not (so a figure never hides a skipped case):

- only checks of ``COVERED_CHECKS`` (the ones whose outcome the spec fixes);
- a check whose finding says "not implemented yet" is listed as such and not counted;
- the probes are gathered as the pipeline gathers them: HTTPS, site search, and the 390 px mobile view in
  the shared Chromium, so ``tech.https``, ``tech.search`` and ``tech.mobile`` are measured; a check whose
  probe is still absent (``tech.accessibility``, which the labels do not cover) is listed "probe absent";
- ``tech.response_time`` is compared but reported as ``timing``: a wall-clock figure is never asserted;
- on a portal whose main menu is built by a script, the checks that rest on sections only that menu links
  (``rendering_dependent_checks(portal)``) are skipped unless the pages were rendered.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from egov_audit import checks
from egov_audit.checks.search_plan import plan_search
from egov_audit.core.artifacts import CapturedSite, Finding, Need
from egov_audit.crawler import HostLimiter, Sender, SiteTarget, crawl_site, make_client
from egov_audit.crawler.browser import Browser
from egov_audit.crawler.probes import https_probe, search_probe
from egov_audit.crawler.settings import BrowserSettings, CrawlerSettings
from egov_audit.demo.expected_labels import (
    COVERED_CHECKS,
    expected_values,
    province_labels,
    rendering_dependent_checks,
)
from egov_audit.demo.server import DemoProvince

NOT_IMPLEMENTED = "not implemented yet"
# Reasons run_checks gives when a declared need was not met (checks/registry.py).
PROBE_ABSENT = ("browser not available", "probe not run")
# Values compared besides the status; ages may differ by one day when a run straddles midnight in Vietnam.
VALUE_TOLERANCE = {"fresh.news": 1, "fresh.documents": 1, "service.levels_shown": 0}
# Wall-clock measures: reported, never asserted (ARCHITECTURE.md: tests never assert wall-clock times; 34
# portals served and crawled on two shared cores make loopback TTFB depend on the machine's load).
TIMING_CHECKS = frozenset({"tech.response_time"})


def farm_crawler_settings(sites: int) -> CrawlerSettings:
    """Polite enough for loopback, fast enough for a test: every portal has its own port (host)."""
    return CrawlerSettings(
        allow_private_networks=True, delay_seconds=0.01, per_host_concurrency=4, per_ip_concurrency=4 * sites,
        concurrent_sites=sites, max_pages=200, max_depth=4, timeout_seconds=15, retries=1,
        backoff_base_seconds=0.1, max_site_seconds=120,
    )


@dataclass
class CheckRow:
    check: str
    state: str = "measured"
    """``measured``, ``timing`` (compared, not asserted), ``not implemented`` or ``probe absent``."""
    compared: int = 0
    agreed: int = 0
    called_pass: int = 0
    pass_correct: int = 0
    skipped: int = 0
    """Portals left out of this check's figures (rendering-dependent on a script-menu portal)."""
    values_compared: int = 0
    values_agreed: int = 0
    labelled_pass: int = 0
    pass_found: int = 0
    """Of the portals labelled ``pass``, how many the check called ``pass`` (pass recall)."""
    disagreements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    @property
    def pass_precision(self) -> float | None:
        return self.pass_correct / self.called_pass if self.called_pass else None

    @property
    def pass_recall(self) -> float | None:
        return self.pass_found / self.labelled_pass if self.labelled_pass else None

    def tally(self, label: str, got: str) -> bool:
        """Count one labelled portal; True when the statuses agree."""
        self.compared += 1
        self.agreed += got == label
        if got == "pass":
            self.called_pass += 1
            self.pass_correct += label == "pass"
        if label == "pass":
            self.labelled_pass += 1
            self.pass_found += got == "pass"
        return got == label

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "state": self.state, "compared": self.compared, "agreed": self.agreed,
                "agreement": self.agreement, "called_pass": self.called_pass, "pass_precision": self.pass_precision,
                "labelled_pass": self.labelled_pass, "pass_recall": self.pass_recall,
                "skipped": self.skipped, "values_compared": self.values_compared, "values_agreed": self.values_agreed,
                "disagreements": self.disagreements}


@dataclass
class AgreementReport:
    rows: dict[str, CheckRow]
    portals: int
    crawl_seconds: float
    crawl_status: dict[str, str]
    pages: dict[str, int]

    def measured(self) -> list[CheckRow]:
        return [row for row in self.rows.values() if row.state == "measured" and row.compared]

    def to_json(self) -> dict[str, Any]:
        return {"portals": self.portals, "crawl_seconds": round(self.crawl_seconds, 2),
                "crawl_status": self.crawl_status, "pages": self.pages,
                "checks": [row.to_json() for row in self.rows.values()]}


async def crawl_all(province: DemoProvince, settings: CrawlerSettings,
                    browser: Browser | None = None) -> dict[str, CapturedSite]:
    """Crawl every live portal of ``province`` concurrently as the pipeline does: one shared client, one
    shared Chromium (rendering pages whose menu a script builds, and the 390 px mobile probe), and the
    HTTPS and site-search probes. ``browser``: a running Chromium to share (else one is started)."""
    sites: dict[str, CapturedSite] = {}
    limiter = HostLimiter.from_settings(settings)
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(make_client(settings))
        if browser is None:
            browser = await stack.enter_async_context(Browser(BrowserSettings(screenshots=False)))

        async def one(code: str) -> None:
            unit = province.unit(code)
            target = SiteTarget(code, unit.level, province.portal_url(code), province.scope(code) or None)
            # One sender per unit, as in an audit: the crawl, its probes and the browser's requests share it.
            sender = Sender(client, settings, limiter=limiter)
            site = await crawl_site(target, settings, sender=sender, renderer=browser.render)
            host = urlsplit(province.portal_url(code)).netloc
            site.probes[Need.HTTPS.value] = await https_probe(host, sender)
            site.probes[Need.SEARCH.value] = await search_probe(plan_search(site), sender)
            if site.home is not None and site.home.ok:
                mobile = await browser.mobile_probe(site.home.final_url or site.home.url, sender)
                if "error" not in mobile:
                    site.probes[Need.MOBILE.value] = mobile
            sites[code] = site

        await asyncio.gather(*(one(code) for code in province.portals))
    return sites


def _value_matches(check: str, expected: object, got: object) -> bool:
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return abs(float(expected) - float(got)) <= VALUE_TOLERANCE.get(check, 0)
    return expected == got


def compare(province: DemoProvince, sites: dict[str, CapturedSite],
            findings: dict[str, list[Finding]]) -> dict[str, CheckRow]:
    labels = province_labels(province)
    rows = {check: CheckRow(check, "timing" if check in TIMING_CHECKS else "measured") for check in COVERED_CHECKS}
    for code, by_unit in findings.items():
        portal = province.portal(code)
        rendered = any(page.rendered_html for page in sites[code].pages.values())
        skip = set() if rendered else rendering_dependent_checks(portal)
        values = expected_values(portal)
        for finding in by_unit:
            row = rows.get(finding.check)
            if row is None:
                continue
            if finding.reason == NOT_IMPLEMENTED:
                row.state = "not implemented"
                continue
            if finding.status == "unknown" and finding.reason in PROBE_ABSENT:
                row.state = "probe absent"
                continue
            if finding.check in skip:
                row.skipped += 1
                continue
            label = labels[code][finding.check]
            if not row.tally(label, str(finding.status)):
                row.disagreements.append({"unit": code, "style": portal.style.name, "label": label,
                                          "got": str(finding.status), "reason": finding.reason})
            if finding.check in VALUE_TOLERANCE and values.get(finding.check) is not None and label != "fail":
                row.values_compared += 1
                if _value_matches(finding.check, values[finding.check], finding.value):
                    row.values_agreed += 1
                else:
                    row.disagreements.append({"unit": code, "style": portal.style.name, "value_expected":
                                              values[finding.check], "value_got": finding.value})
    return rows


def measure_agreement(province: DemoProvince, config_dir: str | Path | None = None,
                      overrides: dict[str, dict[str, Any]] | None = None,
                      settings: CrawlerSettings | None = None) -> AgreementReport:
    """Crawl, check and compare every portal of a running farm (or demo) province."""
    return asyncio.run(measure_agreement_async(province, config_dir, overrides, settings))


async def measure_agreement_async(province: DemoProvince, config_dir: str | Path | None = None,
                                  overrides: dict[str, dict[str, Any]] | None = None,
                                  settings: CrawlerSettings | None = None,
                                  browser: Browser | None = None) -> AgreementReport:
    """``measure_agreement`` inside a running event loop, optionally sharing a running Chromium."""
    settings = settings or farm_crawler_settings(len(province.portals))
    started = time.monotonic()
    sites = await crawl_all(province, settings, browser)
    crawl_seconds = time.monotonic() - started
    options = checks.CheckOptions.from_config(config_dir, overrides)
    findings = {code: checks.run_checks(site, options=options) for code, site in sites.items()}
    return AgreementReport(
        rows=compare(province, sites, findings), portals=len(sites), crawl_seconds=crawl_seconds,
        crawl_status={code: str(site.crawl_status) for code, site in sites.items()},
        pages={code: sum(1 for p in site.pages.values() if p.status is not None) for code, site in sites.items()},
    )


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.1%}"


def format_table(report: AgreementReport) -> str:
    """The per-check table pytest -s prints (and a bench script can reuse)."""
    lines = [f"farm: {report.portals} portals, crawled in {report.crawl_seconds:.1f} s",
             f"{'check':28} {'state':16} {'n':>3} {'agree':>7} {'pass prec':>9} {'skip':>4} {'values':>7}"]
    for row in report.rows.values():
        values = f"{row.values_agreed}/{row.values_compared}" if row.values_compared else ""
        lines.append(f"{row.check:28} {row.state:16} {row.compared:3d} {_pct(row.agreement):>7} "
                     f"{_pct(row.pass_precision):>9} {row.skipped:4d} {values:>7}")
    for row in report.rows.values():
        for item in row.disagreements:
            lines.append(f"  {row.check}: {item}")
    return "\n".join(lines)
