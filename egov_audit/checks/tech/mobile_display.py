"""tech.mobile: ``<meta name="viewport">`` with device width, and at 390 px width the home page needs no
horizontal scrolling (CRITERIA.md §2; measured in Chromium by the mobile probe)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status


def mobile(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("mobile") or {}
    viewport = (probe.get("viewport_meta") or "").lower().replace(" ", "")
    scroll, client = probe.get("scroll_width"), probe.get("client_width")
    if scroll is None or client is None:
        return Finding("tech.mobile", Status.UNKNOWN, reason="mobile rendering not measured")
    has_viewport = "width=device-width" in viewport
    fits = scroll <= client + 1
    value = {"viewport": has_viewport, "scroll_width": scroll, "client_width": client}
    url = analysis.home.final_url if analysis.home else analysis.site.portal_url or ""
    status = Status.PASS if has_viewport and fits else Status.FAIL
    reason = "fits 390 px" if status == Status.PASS else (
        "no device-width viewport" if not has_viewport else f"horizontal scroll ({scroll} > {client} px)")
    return Finding("tech.mobile", status, value=value, reason=reason, evidence=[Evidence(url=url, excerpt=viewport or None)])


CHECK = Check(id="tech.mobile", title_vi="Hiển thị trên di động", title_en="Mobile display",
              needs=frozenset({Need.HOME, Need.MOBILE}), run=mobile)
