"""interact.consultation: consultation on drafts (*Lấy ý kiến dự thảo*) with at least one draft item."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, listing_content, section_check
from egov_audit.core.artifacts import CapturedPage, Finding, Need


def _draft_items(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """At least one draft item (CRITERIA.md §2). A draft is often dated only by its comment deadline, a future
    date: that keeps it out of freshness (§5) but it is still a dated entry of the consultation listing."""
    entries = analysis.dated_entries(page)
    if entries:
        return Content(True, entries[0].text, entries[0].element, len(entries))
    return listing_content(analysis, page, options)


def consultation(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "interact.consultation", ("consultation",), _draft_items)


CHECK = Check(id="interact.consultation", title_vi="Lấy ý kiến dự thảo", title_en="Consultation on drafts",
              needs=frozenset({Need.PAGES}), run=consultation)
