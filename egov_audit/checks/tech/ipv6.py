"""tech.ipv6: the host has an AAAA record (needs DNS; ``unknown`` where DNS is not available)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis, host_of
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status


def ipv6(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("dns") or {}
    if "aaaa" not in probe:
        return Finding("tech.ipv6", Status.UNKNOWN, reason=probe.get("error") or "DNS not available")
    records = [str(a) for a in probe["aaaa"]]
    host = host_of(analysis.site.portal_url or "")
    status = Status.PASS if records else Status.FAIL
    return Finding("tech.ipv6", status, value=records, reason="AAAA record found" if records else "no AAAA record",
                   evidence=[Evidence(url=analysis.site.portal_url or "", excerpt=f"{host} AAAA {', '.join(records)}"[:200])])


CHECK = Check(id="tech.ipv6", title_vi="IPv6", title_en="IPv6",
              needs=frozenset({Need.DNS}), run=ipv6)
