"""info.plans: strategies, plans, master plans (*Quy hoạch, Kế hoạch, Chiến lược*)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import LISTING_TEXT_OR_FILES, section_check
from egov_audit.core.artifacts import Finding, Need


def plans(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.plans", ("plans",), LISTING_TEXT_OR_FILES)


CHECK = Check(id="info.plans", title_vi="Chiến lược, quy hoạch, kế hoạch", title_en="Strategies and plans",
              needs=frozenset({Need.PAGES}), run=plans)
