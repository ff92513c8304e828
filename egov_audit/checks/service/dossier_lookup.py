"""service.dossier_lookup: dossier status lookup (*Tra cứu hồ sơ*): a form or a link to one."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.service.service_functions import function_check
from egov_audit.core.artifacts import Finding, Need


def dossier_lookup(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return function_check(analysis, options, "service.dossier_lookup", "dossier_lookup")


CHECK = Check(id="service.dossier_lookup", title_vi="Tra cứu hồ sơ", title_en="Dossier lookup",
              needs=frozenset({Need.PAGES}), run=dossier_lookup)
