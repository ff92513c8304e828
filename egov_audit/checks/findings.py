"""Parts of a finding every family builds alike: evidence from a page or a section match, a status from
two thresholds, and the ``fail`` (or ``unknown``, CRITERIA.md §5) of something not found.
"""

from __future__ import annotations

from lxml import etree

from egov_audit.checks.analysis import SectionMatch, SiteAnalysis
from egov_audit.core.artifacts import CapturedPage, Evidence, Finding, Status
from egov_audit.core.text import excerpt


def page_evidence(analysis: SiteAnalysis, page: CapturedPage, text: str | None = None,
                  element: etree._Element | None = None) -> Evidence:
    return Evidence(
        url=page.final_url or page.url,
        excerpt=excerpt(text) if text else None,
        snapshot=page.body_digest,
        locator=analysis.locator_for(page, element) if element is not None else None,
    )


def match_evidence(analysis: SiteAnalysis, match: SectionMatch) -> Evidence:
    source = analysis.page(match.source_url)
    return Evidence(
        url=match.source_url,
        excerpt=excerpt(match.excerpt) if match.excerpt else None,
        snapshot=source.body_digest if source else None,
        locator=match.locator,
    )


def grade_at_most(value: float, pass_limit: float, partial_limit: float) -> Status:
    """``pass`` up to ``pass_limit``, ``partial`` up to ``partial_limit``, else ``fail`` (ages, times, shares of
    broken links)."""
    if value <= pass_limit:
        return Status.PASS
    if value <= partial_limit:
        return Status.PARTIAL
    return Status.FAIL


def grade_at_least(value: float, pass_limit: float, partial_limit: float) -> Status:
    """``pass`` from ``pass_limit`` up, ``partial`` from ``partial_limit`` up, else ``fail`` (shares of good items)."""
    if value >= pass_limit:
        return Status.PASS
    if value >= partial_limit:
        return Status.PARTIAL
    return Status.FAIL


def not_found(analysis: SiteAnalysis, check_id: str, reason: str) -> Finding:
    """``fail`` with the pages looked at, or ``unknown`` when the crawl was cut short before every
    navigation link of the home page was fetched (CRITERIA.md §5)."""
    looked = [p.final_url or p.url for p in analysis.html_pages][:100]
    if analysis.site.budget_exhausted and analysis.nav_links_unfetched():
        return Finding(check_id, Status.UNKNOWN, reason=f"{reason}; crawl cut short", looked_at=looked)
    if analysis.home is None or not analysis.home.ok:
        return Finding(check_id, Status.UNKNOWN, reason="home page not captured", looked_at=looked)
    return Finding(check_id, Status.FAIL, reason=reason, looked_at=looked)
