"""info.work_schedule: leaders' work schedule or citizen-reception schedule (*Lịch làm việc, Lịch tiếp công dân*)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import LISTING_TEXT_OR_FILES, section_check
from egov_audit.core.artifacts import Finding, Need


def work_schedule(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.work_schedule", ("work_schedule",), LISTING_TEXT_OR_FILES)


CHECK = Check(id="info.work_schedule", title_vi="Lịch làm việc", title_en="Work schedule",
              needs=frozenset({Need.PAGES}), run=work_schedule)
