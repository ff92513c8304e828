"""service.portal_link: a link to a public-service portal (the national portal, the province's), or an own
"Dịch vụ công trực tuyến" section with service entries (CRITERIA.md §2)."""

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


def portal_link(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    links = service_portal_links(analysis)
    if links:
        link, page = links[0]
        return Finding("service.portal_link", Status.PASS, value=link.url, reason=f"links to {host_of(link.url)}",
                       evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)])
    # An own "Dịch vụ công trực tuyến" section with service entries also counts.
    return section_check(analysis, options, "service.portal_link", ("services",), service_list_content,
                         external_ok=is_service_portal)


CHECK = Check(id="service.portal_link", title_vi="Liên kết cổng dịch vụ công", title_en="Link to a public-service portal",
              needs=frozenset({Need.PAGES}), run=portal_link)
