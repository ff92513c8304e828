"""Public-service checks (service.*): links to service portals, levels, lookup, statistics, rating, payment."""

from __future__ import annotations

import re

from checks.common import (
    Content,
    any_content,
    listing_content,
    not_found,
    page_evidence,
    section_check,
    text_content,
)
from checks.info import _procedure_content, is_service_portal, service_portal_links
from checks.model import CapturedPage, Finding, Need, Status
from checks.options import CheckOptions
from checks.registry import register
from checks.site import CONTENT_REGIONS, SiteAnalysis, host_of
from checks.text import collapse_whitespace, fold, strip_diacritics


@register("service.portal_link", Need.PAGES)
def portal_link(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    links = service_portal_links(analysis)
    if links:
        link, page = links[0]
        return Finding("service.portal_link", Status.PASS, value=link.url, reason=f"links to {host_of(link.url)}",
                       evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)])
    # An own "Dịch vụ công trực tuyến" section with service entries also counts.
    return section_check(analysis, options, "service.portal_link", ("services",), _procedure_content,
                         external_ok=is_service_portal)


_LEVEL = re.compile(r"muc(?: do)?\s*([1-4])|(toan trinh)|(mot phan)")


def _service_rows(analysis: SiteAnalysis, page: CapturedPage):
    parsed = analysis.parsed(page)
    if parsed is None:
        return
    for row in parsed.body.iter("tr", "li"):
        if parsed.region.get(row) not in CONTENT_REGIONS or row.find(".//tr") is not None or row.find(".//li") is not None:
            continue
        text = collapse_whitespace(" ".join(row.itertext()))
        m = _LEVEL.search(strip_diacritics(fold(text)))
        if m:
            yield row, text, m


@register("service.levels_shown", Need.PAGES)
def levels_shown(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """value = distinct services at level 3/4 or full-process; level 2 or "một phần" shows a level but adds nothing."""
    pages = [m.page for c in ("services", "procedures") for m in analysis.find_sections(c)
             if m.in_scope and m.page is not None and m.page.ok]
    high: set[str] = set()
    first = None
    unique = {(p.final_url or p.url): p for p in pages}  # CapturedPage is not hashable
    for page in unique.values():
        for row, text, m in _service_rows(analysis, page):
            first = first or (page, row, text)
            name = fold(re.sub(r"(?i)m[ứu]c(\s*độ)?\s*[1-4]|toàn trình|một phần", "", text))[:120]
            if (m.group(1) and int(m.group(1)) >= 3) or m.group(2):
                high.add(name)
    if first:
        page, row, text = first
        return Finding("service.levels_shown", Status.PASS, value=len(high), reason="service levels shown",
                       evidence=[page_evidence(analysis, page, text, row)])
    return not_found(analysis, "service.levels_shown", "no service entries showing a level")


def _section_or_link(analysis: SiteAnalysis, options: CheckOptions, check_id: str, concept: str) -> Finding:
    return section_check(analysis, options, check_id, (concept,),
                         any_content(listing_content, text_content, _has_form), external_ok=is_service_portal)


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


@register("service.dossier_lookup", Need.PAGES)
def dossier_lookup(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return _section_or_link(analysis, options, "service.dossier_lookup", "dossier_lookup")


@register("service.statistics", Need.PAGES)
def service_statistics(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return _section_or_link(analysis, options, "service.statistics", "service_statistics")


@register("service.satisfaction", Need.PAGES)
def satisfaction(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return _section_or_link(analysis, options, "service.satisfaction", "satisfaction")


_PAYMENT_HOSTS = ("vnpay", "payoo", "paygov", "thanhtoan", "momo", "napas")


@register("service.payment", Need.PAGES)
def payment(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    for page in analysis.html_pages:
        for link in analysis.links(page):
            host = host_of(link.url)
            if link.region != "article" and any(p in host for p in _PAYMENT_HOSTS):
                return Finding("service.payment", Status.PASS, value=link.url, reason=f"payment platform {host}",
                               evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)])
    return _section_or_link(analysis, options, "service.payment", "payment")
