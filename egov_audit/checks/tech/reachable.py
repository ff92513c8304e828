"""tech.reachable: the home page answers 200; ``value`` = the final URL after redirects (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status


def reachable(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    home = analysis.home
    if home is None:
        return Finding("tech.reachable", Status.UNKNOWN, reason="home page not captured")
    evidence = [Evidence(url=home.final_url or home.url, snapshot=home.body_digest)]
    if home.ok:
        return Finding("tech.reachable", Status.PASS, value=home.final_url, evidence=evidence,
                       reason=f"HTTP {home.status}")
    if home.status is None:
        return Finding("tech.reachable", Status.FAIL, evidence=evidence, reason=home.error or "no response")
    return Finding("tech.reachable", Status.FAIL, value=home.final_url, evidence=evidence, reason=f"HTTP {home.status}")


CHECK = Check(id="tech.reachable", title_vi="Truy cập được", title_en="Reachable",
              needs=frozenset({Need.HOME}), run=reachable)
