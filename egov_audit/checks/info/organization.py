"""info.organization: organisation, functions and duties (*Cơ cấu tổ chức*), as text, a listing or files."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import LISTING_TEXT_OR_FILES, section_check
from egov_audit.core.artifacts import Finding, Need


def organization(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.organization", ("organization",), LISTING_TEXT_OR_FILES)


CHECK = Check(id="info.organization", title_vi="Cơ cấu tổ chức, chức năng nhiệm vụ", title_en="Organisation, functions and duties",
              needs=frozenset({Need.PAGES}), run=organization)
