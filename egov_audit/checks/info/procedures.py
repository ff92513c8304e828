"""info.procedures: administrative procedures (*Thủ tục hành chính*): an own list, or a link into a
public-service portal (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis, host_of
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import section_check
from egov_audit.checks.service.service_portals import (
    is_service_portal,
    service_list_content,
    service_portal_links,
)
from egov_audit.core.artifacts import Finding, Need, Status


def procedures(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    section = section_check(analysis, options, "info.procedures", ("procedures", "services"), service_list_content,
                            external_ok=is_service_portal)
    if section.status == Status.PASS:
        return section
    portal = service_portal_links(analysis)
    if portal:
        link, page = portal[0]
        # The own section's page, broken or empty, is an alternative the reviewer may want to see.
        tried = [e.url for e in section.evidence if e.url != page.final_url] + section.looked_at
        return Finding("info.procedures", Status.PASS, value=None, reason=f"links to {host_of(link.url)}",
                       evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)],
                       looked_at=list(dict.fromkeys(tried))[:50] if section.status != Status.FAIL else [])
    return section


CHECK = Check(id="info.procedures", title_vi="Thủ tục hành chính", title_en="Administrative procedures",
              needs=frozenset({Need.PAGES}), run=procedures)
