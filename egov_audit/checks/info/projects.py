"""info.projects: investment projects, bidding, public procurement (*Dự án, Đầu tư công, Đấu thầu*)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import LISTING_TEXT_OR_FILES, section_check
from egov_audit.core.artifacts import Finding, Need


def projects(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.projects", ("projects",), LISTING_TEXT_OR_FILES)


CHECK = Check(id="info.projects", title_vi="Dự án, đầu tư, đấu thầu, mua sắm công", title_en="Projects and procurement",
              needs=frozenset({Need.PAGES}), run=projects)
