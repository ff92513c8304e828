"""interact.email: an email address of the unit is published (a ``mailto:`` link or visible text)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.interact.published_details import detail_finding
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Finding, Need


def email(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return detail_finding(analysis, "interact.email", "email", "email address")


CHECK = Check(id="interact.email", title_vi="Thư điện tử", title_en="Email address",
              needs=frozenset({Need.PAGES}), run=email)
