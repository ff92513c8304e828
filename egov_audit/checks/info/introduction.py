"""info.introduction: a page about the unit (*Giới thiệu*) with real text (CRITERIA.md §2 section rule)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import section_check, text_content
from egov_audit.core.artifacts import Finding, Need


def introduction(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.introduction", ("introduction",), text_content)


CHECK = Check(id="info.introduction", title_vi="Thông tin giới thiệu", title_en="Introduction of the unit",
              needs=frozenset({Need.PAGES}), run=introduction)
