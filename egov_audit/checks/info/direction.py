"""info.direction: direction and administration items (*Chỉ đạo điều hành*): a listing with dated entries."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import listing_content, section_check
from egov_audit.core.artifacts import Finding, Need


def direction(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.direction", ("direction",), listing_content)


CHECK = Check(id="info.direction", title_vi="Thông tin chỉ đạo điều hành", title_en="Direction and administration",
              needs=frozenset({Need.PAGES}), run=direction)
