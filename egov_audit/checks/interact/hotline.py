"""interact.hotline: a phone number or hotline (*Đường dây nóng*) is published in Vietnamese phone formats;
any published phone counts here, a leader's included (CRITERIA.md §5)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.interact.published_details import detail_finding
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Finding, Need


def hotline(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return detail_finding(analysis, "interact.hotline", "phone", "phone number")


CHECK = Check(id="interact.hotline", title_vi="Điện thoại, đường dây nóng", title_en="Phone or hotline",
              needs=frozenset({Need.PAGES}), run=hotline)
