"""The pages of the items a section page lists (shared by interact.qa and interact.question_form: an answer
or a form is often one click below the section's listing)."""

from __future__ import annotations

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.core.artifacts import CapturedPage


def item_pages(analysis: SiteAnalysis, page: CapturedPage, limit: int = 20) -> list[CapturedPage]:
    """Pages of the items a section page lists (in scope, fetched, opened)."""
    result: list[CapturedPage] = []
    for link in analysis.links(page):
        if link.region not in CONTENT_REGIONS or link.block_title or not analysis.in_scope(link.url):
            continue
        target = analysis.page(link.url)
        if target is not None and target.ok and target is not page and all(target is not r for r in result):
            result.append(target)
            if len(result) >= limit:
                break
    return result
