"""info.english: an English version or English pages with the organisation and contact information
(CRITERIA.md §2; Nghị định 42/2022 asks for the organisation, functions and contacts in English).

pass = English pages with organisation and contact information; partial = the English link does not open,
or its pages lack one of the two; unknown = the page did not answer.
"""

from __future__ import annotations

import re

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.checks.contact_details import contact_details
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, section_check
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status

_EN_ORGANISATION = re.compile(
    r"\b(organi[sz]ation(al)? (structure|chart)?|structure|functions?( and (duties|tasks))?|duties|departments?|"
    r"people's (committee|council)|chairman|chairwoman|vice[- ]chair\w*|leaders(hip)?)\b", re.I)
_EN_CONTACT = re.compile(r"\b(address|tel(ephone)?|phone|e-?mail|fax|hotline|contact( us)?)\b\s*[:：]", re.I)


def _english_pages(analysis: SiteAnalysis, page: CapturedPage) -> list[CapturedPage]:
    """The English page and the in-scope pages its own content links to (ten at most)."""
    pages = [page]
    for link in analysis.links(page):
        target = analysis.page(link.url) if link.region in CONTENT_REGIONS and analysis.in_scope(link.url) else None
        if target is not None and target.ok and all(target is not p for p in pages) and len(pages) < 10:
            pages.append(target)
    return pages


def _english_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """An English page (or the English pages it links) giving the organisation and the contact information."""
    organisation = contact = None
    for candidate in _english_pages(analysis, page):
        text = analysis.own_text(candidate)
        if organisation is None and (m := _EN_ORGANISATION.search(text)):
            organisation = (candidate, m.group(0))
        if contact is None:
            details = contact_details(analysis, candidate, CONTENT_REGIONS)
            if details:
                contact = (candidate, details[0].value)
            elif m := _EN_CONTACT.search(text):
                contact = (candidate, m.group(0))
    if organisation and contact:
        return Content(True, f"{organisation[1]} … {contact[1]}")
    return Content(False)


def english(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    result = section_check(analysis, options, "info.english", ("english",), _english_content)
    if result.status == Status.PARTIAL and result.reason == "section page has no content":
        result.reason = "English page lacks organisation or contact information"
    return result


CHECK = Check(id="info.english", title_vi="Thông tin bằng tiếng Anh", title_en="English information",
              needs=frozenset({Need.PAGES}), run=english)
