"""Published contact details anywhere on the site outside article bodies (shared by interact.email and
interact.hotline, which any published address or number satisfies, a leader's included: CRITERIA.md §5)."""

from __future__ import annotations

from collections.abc import Iterator

from egov_audit.checks.analysis import ARTICLE, SiteAnalysis
from egov_audit.checks.contact_details import Found, contact_details
from egov_audit.checks.findings import not_found
from egov_audit.core.artifacts import Evidence, Finding, Status
from egov_audit.core.text import excerpt


def _details(analysis: SiteAnalysis, kind: str) -> Iterator[Found]:
    for page in analysis.html_pages:
        for item in contact_details(analysis, page):
            if item.kind == kind and analysis.region_of(page, item.element) != ARTICLE:
                yield item


def detail_finding(analysis: SiteAnalysis, check_id: str, kind: str, label: str) -> Finding:
    """pass with the first published detail of ``kind`` (``email``, ``phone``), else not found."""
    for item in _details(analysis, kind):
        return Finding(check_id, Status.PASS, value=item.value, reason=f"{label} published",
                       evidence=[Evidence(url=item.page.final_url, excerpt=excerpt(f"{item.value} — {item.context}"),
                                          snapshot=item.page.body_digest,
                                          locator=analysis.locator_for(item.page, item.element))])
    return not_found(analysis, check_id, f"no {label} published")
