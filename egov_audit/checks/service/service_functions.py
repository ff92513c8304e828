"""Online functions the criteria accept as "a form or a link to one" (shared by service.dossier_lookup,
service.satisfaction and service.payment): a section page with content or a form, a link into a
public-service portal, or a link named for the function in a page's own content (CRITERIA.md §2, §5)."""

from __future__ import annotations

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, any_content, listing_content, section_check, text_content
from egov_audit.checks.service.service_portals import is_service_portal
from egov_audit.core.artifacts import CapturedPage, Finding
from egov_audit.core.text import collapse_whitespace


def _has_form(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    parsed = analysis.parsed(page)
    if parsed is None:
        return Content(False)
    for form in parsed.body.iter("form"):
        if parsed.region.get(form) in CONTENT_REGIONS and any(
            (i.get("type") or "text").lower() in ("text", "search", "number") for i in form.iter("input")
        ):
            return Content(True, collapse_whitespace(" ".join(form.itertext()))[:200] or "form", form)
    return Content(False)


def function_check(analysis: SiteAnalysis, options: CheckOptions, check_id: str, concept: str) -> Finding:
    """The section rule for an online function, with content links and service-portal links counting."""
    return section_check(analysis, options, check_id, (concept,),
                         any_content(listing_content, text_content, _has_form), external_ok=is_service_portal,
                         content_links=True)
