"""tech.gov_domain: the portal's host is under ``.gov.vn`` (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis, host_of, is_gov_vn
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status


def gov_domain(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    url = (analysis.home.final_url if analysis.home else None) or analysis.site.portal_url or ""
    host = host_of(url)
    if not host:
        return Finding("tech.gov_domain", Status.UNKNOWN, reason="no portal host")
    status = Status.PASS if is_gov_vn(host) else Status.FAIL
    return Finding("tech.gov_domain", status, value=host, evidence=[Evidence(url=url)],
                   reason="host under .gov.vn" if status == Status.PASS else "host not under .gov.vn")


CHECK = Check(id="tech.gov_domain", title_vi="Tên miền .gov.vn", title_en=".gov.vn domain",
              needs=frozenset({Need.HOME}), run=gov_domain)
