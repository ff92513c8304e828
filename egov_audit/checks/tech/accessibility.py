"""tech.accessibility: ``value`` = automated accessibility violations on the home page (axe-core); pass with
no serious or critical one, partial with fewer than ``partial_below`` violations (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status

_SERIOUS = {"serious", "critical"}


# The thresholds this check reads: checks.tech.accessibility in config/checks.yaml, which holds these defaults.
OPTIONS = {
    "partial_below": Option(5, "With a serious or critical violation, fewer violations than this in all is "
                               "partial; as many or more is a fail."),
}


def accessibility(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("axe") or {}
    if "violations" not in probe:
        return Finding("tech.accessibility", Status.UNKNOWN, reason=probe.get("error") or "axe did not run")
    violations = probe["violations"]
    serious = [v for v in violations if v.get("impact") in _SERIOUS]
    url = analysis.home.final_url if analysis.home else analysis.site.portal_url or ""
    ids = ", ".join(sorted({str(v.get("id")) for v in violations}))[:200] or None
    if not serious:
        status = Status.PASS
    elif len(violations) < options.get("tech.accessibility", "partial_below"):
        status = Status.PARTIAL
    else:
        status = Status.FAIL
    return Finding("tech.accessibility", status, value=len(violations), evidence=[Evidence(url=url, excerpt=ids)],
                   reason=f"{len(serious)} serious or critical of {len(violations)} violations")


CHECK = Check(id="tech.accessibility", title_vi="Hỗ trợ người khuyết tật", title_en="Accessibility",
              needs=frozenset({Need.HOME, Need.AXE}), run=accessibility, options=OPTIONS)
