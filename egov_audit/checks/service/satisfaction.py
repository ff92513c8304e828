"""service.satisfaction: satisfaction rating of services (*Đánh giá mức độ hài lòng*): a form or a link to one."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.service.service_functions import function_check
from egov_audit.core.artifacts import Finding, Need


def satisfaction(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return function_check(analysis, options, "service.satisfaction", "satisfaction")


CHECK = Check(id="service.satisfaction", title_vi="Đánh giá mức độ hài lòng", title_en="Satisfaction rating",
              needs=frozenset({Need.PAGES}), run=satisfaction)
