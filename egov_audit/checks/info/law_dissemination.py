"""info.law_dissemination: law dissemination (*Phổ biến giáo dục pháp luật*): dated entries or real text."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import EITHER, section_check
from egov_audit.core.artifacts import Finding, Need


def law_dissemination(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.law_dissemination", ("law_dissemination",), EITHER)


CHECK = Check(id="info.law_dissemination", title_vi="Phổ biến giáo dục pháp luật", title_en="Law dissemination",
              needs=frozenset({Need.PAGES}), run=law_dissemination)
