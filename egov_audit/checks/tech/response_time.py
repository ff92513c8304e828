"""tech.response_time: ``value`` = median time to first byte of the pages fetched, in seconds (CRITERIA.md §2)."""

from __future__ import annotations

import statistics as stats

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.findings import grade_at_most, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Finding, Need, Status

# The thresholds this check reads: checks.tech.response_time in config/checks.yaml, which holds these defaults.
OPTIONS = {
    "pass_seconds": Option(1.5, "Median time to first byte, in seconds, up to which the portal passes."),
    "partial_seconds": Option(5.0, "Median time to first byte up to which it is partial; slower is a fail."),
}


def response_time(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    timed = [p for p in analysis.site.pages.values() if p.ttfb_seconds is not None and p.status is not None]
    times = [p.ttfb_seconds for p in timed if p.ttfb_seconds is not None]
    if not times:
        return Finding("tech.response_time", Status.UNKNOWN, reason="no timings recorded")
    median = round(stats.median(times), 3)
    status = grade_at_most(median, options.get("tech.response_time", "pass_seconds"),
                           options.get("tech.response_time", "partial_seconds"))
    slowest = max(timed, key=lambda p: p.ttfb_seconds or 0.0)
    evidence = [page_evidence(analysis, slowest, f"slowest of {len(times)} pages: {slowest.ttfb_seconds:.3f} s to first byte")]
    return Finding("tech.response_time", status, value=median, evidence=evidence,
                   reason=f"median TTFB over {len(times)} pages")


CHECK = Check(id="tech.response_time", title_vi="Thời gian phản hồi", title_en="Response time",
              needs=frozenset({Need.PAGES}), run=response_time, options=OPTIONS)
