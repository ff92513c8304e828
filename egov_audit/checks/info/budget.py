"""info.budget: budget or financial disclosure (*Công khai ngân sách*): dated entries, report files or text."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import (
    any_content,
    file_content,
    listing_content,
    section_check,
    text_content,
)
from egov_audit.core.artifacts import Finding, Need


def budget(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.budget", ("budget",),
                         any_content(listing_content, file_content, text_content))


CHECK = Check(id="info.budget", title_vi="Công khai ngân sách", title_en="Budget disclosure",
              needs=frozenset({Need.PAGES}), run=budget)
