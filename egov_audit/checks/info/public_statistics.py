"""info.statistics: socio-economic statistics the unit publishes (*Thông tin thống kê, Số liệu thống kê*)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import LISTING_TEXT_OR_FILES, section_check
from egov_audit.core.artifacts import Finding, Need


def statistics(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.statistics", ("statistics",), LISTING_TEXT_OR_FILES)


CHECK = Check(id="info.statistics", title_vi="Thông tin thống kê", title_en="Statistics",
              needs=frozenset({Need.PAGES}), run=statistics)
