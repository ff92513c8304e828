"""Public-service portals (shared by info.procedures and the service checks): links into dichvucong.gov.vn
and the provinces' portals, and an own list of procedures or online services."""

from __future__ import annotations

from egov_audit.checks.analysis import ARTICLE, CONTENT_REGIONS, Link, SiteAnalysis, host_of
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import EITHER, Content
from egov_audit.core.artifacts import CapturedPage

SERVICE_HOST_PREFIXES = ("dichvucong", "dvc", "dvctt", "dichvucongtructuyen", "motcua", "hcc", "hanhchinhcong",
                         "egov", "congdichvucong")


def is_service_portal(url: str) -> bool:
    """dichvucong.gov.vn, dichvucong.<tỉnh>.gov.vn, dvc.<tỉnh>.gov.vn and similar public-service portals."""
    host = host_of(url)
    if not (host.endswith(".gov.vn") or host == "gov.vn"):
        return False
    first = host.split(".")[0]
    return first in SERVICE_HOST_PREFIXES or "dichvucong" in host


def service_portal_links(analysis: SiteAnalysis) -> list[tuple[Link, CapturedPage]]:
    """Links (outside article bodies) into a public-service portal, with the page they sit on."""
    found = []
    for page in analysis.html_pages:
        for link in analysis.links(page):
            if link.region != ARTICLE and is_service_portal(link.url):
                found.append((link, page))
    return found


def service_list_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """A page listing procedures or services: three entries at least, else dated entries or real text."""
    boiler = analysis.boilerplate_elements(page)
    items = [link for link in analysis.links(page)
             if link.region in CONTENT_REGIONS and not link.block_title and len(link.text) >= 15
             and link.element not in boiler]
    if len(items) >= 3:
        return Content(True, items[0].text, items[0].element, len(items))
    return EITHER(analysis, page, options)
