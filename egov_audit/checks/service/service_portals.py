"""Public-service portals (shared by info.procedures and the service checks): links into dichvucong.gov.vn
and the provinces' portals, and an own list of procedures or online services."""

from __future__ import annotations

import re

from lxml import etree

from egov_audit.checks.analysis import ARTICLE, CONTENT_REGIONS, Link, SiteAnalysis, host_of, is_inside
from egov_audit.checks.contact_details import block_lines
from egov_audit.checks.info.document_lists import DOCUMENT_NUMBER
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, past_entries
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


# Text of form controls: a search form's options and labels ("---Toàn bộ---", "Lĩnh vực:") are not content.
_CONTROL_TAGS = ("select", "option", "label", "button", "input", "textarea")
# A template row left in a procedure table ("Tên thủ tục 2", "Tên đầy đủ thủ tục", "Tên văn bản").
_TEMPLATE = re.compile(r"^tên (đầy đủ )?(thủ tục|văn bản|dịch vụ)( hành chính)?\s*\d*$", re.I)
_OWN_CONCEPTS = frozenset({"procedures", "services", "downloadable_forms"})


def _elsewhere(analysis: SiteAnalysis, page: CapturedPage, element: etree._Element) -> bool:
    """The element sits in a box titled as another section ("VĂN BẢN MỚI" beside the procedures)."""
    concepts = set(analysis.claims(analysis.block_title(page, element) or ""))
    return bool(concepts) and not concepts & _OWN_CONCEPTS


def _procedure_text(analysis: SiteAnalysis, page: CapturedPage) -> str:
    """The page's own text without its form controls, boxes titled as other sections and template rows."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return ""
    skip = parsed.hidden | analysis.boilerplate_elements(page) | {
        el for el in parsed.body.iter() if isinstance(el.tag, str)
        and (parsed.region.get(el) not in CONTENT_REGIONS or el.tag in _CONTROL_TAGS)}
    for el in parsed.body.iter("div", "ul", "ol", "table", "section"):
        if not is_inside(el, skip) and _elsewhere(analysis, page, el):
            skip.add(el)
    lines = [line for line in block_lines(parsed.body, skip) if not _TEMPLATE.match(line)]
    return "\n".join(lines)


def service_list_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """A page listing procedures or services: three entries at least, else dated entries or real text. Entries
    of a box titled as another section and numbered documents ("Số: 05/2013/NĐ-CP …") are not procedures, and a
    search form's controls or a table's template rows are not text."""
    boiler = analysis.boilerplate_elements(page)
    items = [link for link in analysis.links(page)
             if link.region in CONTENT_REGIONS and not link.block_title and len(link.text) >= 15
             and link.element not in boiler and not _elsewhere(analysis, page, link.element)
             and not DOCUMENT_NUMBER.match(link.text.removeprefix("Số:").strip())]
    if len(items) >= 3:
        return Content(True, items[0].text, items[0].element, len(items))
    entries = [e for e in past_entries(analysis, page, options) if not _elsewhere(analysis, page, e.element)]
    if entries:
        return Content(True, entries[0].text, entries[0].element, len(entries))
    text = _procedure_text(analysis, page)
    if len(text) >= options.min_text_chars and not analysis.is_placeholder(page):
        return Content(True, text, None, len(text))
    return Content(False)
