"""info.english: an English version or English pages with the organisation and contact information
(CRITERIA.md §2; Nghị định 42/2022 asks for the organisation, functions and contacts in English).

The English version is entered through its switcher on the home page: a link named English / EN / Tiếng Anh,
a link classed as a language choice (``lang_us``, ``lang-en``, ``flag-en``), a flag image (``en.png``,
``flag_us.gif``, ``uk.gif``) or ``<link rel="alternate" hreflang="en">``. The version is every English page
reachable from that entry (its own menu included), so the organisation may be on one English page and the
contact details on another.

pass = English pages giving the organisation and contact information; partial = the English link does not
open (broken, or opens no English page), or its pages lack one of the two; unknown = the page did not answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SectionMatch, SiteAnalysis
from egov_audit.checks.contact_details import contact_details
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, Outcome, best_outcome, evaluate
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, match_label, strip_diacritics

_EN_ORGANISATION = re.compile(
    r"\b(organi[sz]ation(al)? (structure|chart)?|structure|functions?( and (duties|tasks))?|duties|departments?|"
    r"people's (committee|council)|chairman|chairwoman|vice[- ]chair\w*|leaders(hip)?|director|board of directors)\b",
    re.I)
_EN_CONTACT = re.compile(r"\b(address|tel(ephone)?|phone|e-?mail|fax|hotline|contact( us)?)\b\s*[:：]", re.I)
# In a footer shared with the Vietnamese pages only English labels tell English contact details ("Email:" and
# "Fax:" are written the same in Vietnamese).
_EN_FOOTER_CONTACT = re.compile(r"\b(address|tel(ephone)?|phone|contact( us)?)\b\s*[:：]", re.I)

# A class word of a language choice: "lang_us", "lang-en", "flag-en", "en", "english", "us-flag".
_LANG_CLASS = re.compile(r"((lang(uage)?|flag|ngon-?ngu)[-_]?)?(en|eng|english|us|uk|gb)([-_]?(flag|lang))?", re.I)
# A flag image's whole file name: "en.png", "flag_us.gif", "uk.gif", "lang-en-24.png", "english.jpg" (not a banner
# "ngay-hoi-en.png").
_FLAG_FILE = re.compile(r"((flag|lang|icon)[-_]?)?(en|eng|english|us|usa|uk|gb|united[-_]?kingdom)"
                        r"([-_]?(flag|lang|icon))?([-_]?\d{1,3})?\.(png|gif|jpe?g|svg|webp)", re.I)
_SWITCHER_TEXT = ("English", "EN", "ENG", "Tiếng Anh", "English version")
_ENGLISH_WORDS = frozenset("the of and to in for is are on with by as from at this that which be has its".split())
_MAX_PAGES = 40


@dataclass(frozen=True)
class _Version:
    """What the English pages reachable from one entry say."""

    pages: list[CapturedPage]
    organisation: tuple[CapturedPage, str] | None
    contact: tuple[CapturedPage, str] | None


def _switcher_label(link_el: etree._Element, text: str) -> str | None:
    """Why a link is the English switcher (its text, class, hreflang or flag image), or None."""
    if len(text) <= 30 and match_label(text, _SWITCHER_TEXT, exact=True):
        return text
    if (link_el.get("hreflang") or "").lower().startswith("en"):
        return f"hreflang={link_el.get('hreflang')}"
    for el in [link_el, *link_el.iter("img", "span", "i")]:
        if any(_LANG_CLASS.fullmatch(word) for word in f"{el.get('class') or ''} {el.get('id') or ''}".split()):
            return f"class {el.get('class') or el.get('id')}"
    for img in link_el.iter("img"):
        src = (img.get("src") or "").split("?")[0]
        if _FLAG_FILE.fullmatch(src.rsplit("/", 1)[-1]) or match_label(img.get("alt") or img.get("title") or "", _SWITCHER_TEXT, exact=True):
            return f"flag {src.rsplit('/', 1)[-1]}"
    return None


def _switchers(analysis: SiteAnalysis) -> list[SectionMatch]:
    """The home page's English switchers, and its ``<link rel="alternate" hreflang="en">``."""
    home = analysis.home
    if home is None or not home.ok:
        return []
    found: list[SectionMatch] = []
    source = home.final_url or home.url

    def add(url: str, label: str, element: etree._Element, text: str) -> None:
        if all(m.url != url for m in found):
            found.append(SectionMatch("english", url, analysis.page(url), "nav", label,
                                      analysis.locator_for(home, element), source, text or label, analysis.in_scope(url)))

    for link in analysis.links(home):
        label = _switcher_label(link.element, link.text)
        if label:
            add(link.url, label, link.element, link.text)
    doc = analysis.doc(home)
    if doc is not None:
        for el in doc.iter("link"):
            if (el.get("rel") or "").lower() == "alternate" and (el.get("hreflang") or "").lower().startswith("en"):
                href = el.get("href") or ""
                url = next((x.url for x in analysis.links(home) if x.url.rstrip("/").endswith(href.rstrip("/"))), None)
                add(url or _absolute(source, href), f"hreflang={el.get('hreflang')}", el, "")
    return found


def _absolute(base: str, href: str) -> str:
    return urldefrag(urljoin(base, href))[0]


def _english_text(analysis: SiteAnalysis, page: CapturedPage) -> str:
    return analysis.own_text(page) or analysis.visible_text(page, regions=CONTENT_REGIONS)


def is_english(analysis: SiteAnalysis, page: CapturedPage) -> bool:
    """An English page: its own text is English (English function words, few Vietnamese diacritics), or short
    and unaccented on a page declared ``lang="en"``. The declaration alone proves nothing: SharePoint writes
    ``lang="en-us"`` on Vietnamese pages."""
    doc = analysis.doc(page)
    declared = doc is not None and (doc.get("lang") or "").lower().startswith("en")
    words = re.findall(r"[^\W\d_]+", _english_text(analysis, page).lower())
    accented = sum(1 for w in words if strip_diacritics(w) != w)
    if len(words) < 20:
        return declared and bool(words) and accented == 0
    common = sum(1 for w in words if w in _ENGLISH_WORDS)
    # Vietnamese names and addresses keep their accents on an English page ("Address: Thôn 3, xã Hoà Bình").
    return accented / len(words) < 0.3 and (common / len(words) >= 0.05 or declared)


def english_version(analysis: SiteAnalysis, entry: CapturedPage) -> list[CapturedPage]:
    """The English pages reachable from the English entry page through English pages (its menu, its content)."""
    pages = [entry] if is_english(analysis, entry) else []
    frontier = [entry]
    seen = {id(entry)}
    while frontier and len(pages) < _MAX_PAGES:
        page = frontier.pop(0)
        for link in analysis.links(page):
            target = analysis.page(link.url)
            if target is None or id(target) in seen or not target.ok or target is analysis.home:
                continue
            seen.add(id(target))
            if is_english(analysis, target):
                pages.append(target)
                frontier.append(target)
    return pages[:_MAX_PAGES]


def _version(analysis: SiteAnalysis, entry: CapturedPage) -> _Version:
    pages = english_version(analysis, entry)
    organisation = contact = None
    for page in pages:
        text = _english_text(analysis, page)
        headings = " ".join(h[0] for h in analysis.headings(page))
        if organisation is None and (m := _EN_ORGANISATION.search(f"{headings}\n{text}")):
            organisation = (page, m.group(0))
        if contact is None:
            details = contact_details(analysis, page, CONTENT_REGIONS)
            footer = " ".join(collapse_whitespace(" ".join(b.itertext())) for b in analysis.footer_blocks(page))
            if details:
                contact = (page, details[0].value)
            elif m := (_EN_CONTACT.search(text) or _EN_FOOTER_CONTACT.search(footer)):
                contact = (page, m.group(0))
    return _Version(pages, organisation, contact)


def _outcome(analysis: SiteAnalysis, match: SectionMatch, options: CheckOptions) -> Outcome | None:
    version: list[_Version] = []

    def content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
        version.append(_version(analysis, page))
        v = version[0]
        if v.organisation and v.contact:
            return Content(True, f"{v.organisation[1]} … {v.contact[1]}")
        return Content(False)

    outcome = evaluate(analysis, match, options, content)
    if outcome is None or not version:
        return outcome
    v = version[0]
    if outcome.status == Status.PASS:
        # The entry page is the evidence already; the organisation and contact pages when they are others.
        outcome.evidence += [page_evidence(analysis, page, text) for page, text in (x for x in (v.organisation, v.contact)
                                                                                     if x is not None)
                             if page is not match.page]
        outcome.reason = f"English version of {len(v.pages)} page(s) with organisation and contact information"
    elif not v.pages:
        outcome.reason = "English link opens no English page"
    else:
        missing = [name for name, part in (("organisation", v.organisation), ("contact", v.contact)) if part is None]
        outcome.reason = f"English pages lack organisation or contact information (no {' and no '.join(missing)})"
    return outcome


def english(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    matches = _switchers(analysis)
    known = {m.url.rstrip("/") for m in matches}
    matches += [m for m in analysis.find_sections("english") if m.url.rstrip("/") not in known]
    outcome = best_outcome([_outcome(analysis, m, options) for m in matches])
    if outcome is None:
        return not_found(analysis, "info.english", "no English version or switcher found")
    return Finding("info.english", outcome.status, value=None, evidence=outcome.evidence, reason=outcome.reason)


CHECK = Check(id="info.english", title_vi="Thông tin bằng tiếng Anh", title_en="English information",
              needs=frozenset({Need.PAGES}), run=english)
