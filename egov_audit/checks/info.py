"""Information checks (info.*): the sections a portal must publish (CRITERIA.md §2, §5)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from egov_audit.checks.common import (
    EITHER,
    Content,
    Outcome,
    any_content,
    best_outcome,
    evaluate,
    file_content,
    listing_content,
    match_evidence,
    not_found,
    page_evidence,
    past_entries,
    section_check,
    text_content,
)
from egov_audit.checks.contacts import Found, contact_details, is_leader
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.registry import register
from egov_audit.checks.site import CONTENT_REGIONS, FOOTER, NAV_REGIONS, SiteAnalysis, host_of, is_file_url
from egov_audit.core.artifacts import CapturedPage, Evidence, Finding, Need, Status
from egov_audit.core.dates import find_dates
from egov_audit.core.text import collapse_whitespace, excerpt, fold, match_label

SERVICE_HOST_PREFIXES = ("dichvucong", "dvc", "dvctt", "dichvucongtructuyen", "motcua", "hcc", "hanhchinhcong",
                         "egov", "congdichvucong")


def is_service_portal(url: str) -> bool:
    """dichvucong.gov.vn, dichvucong.<tỉnh>.gov.vn, dvc.<tỉnh>.gov.vn and similar public-service portals."""
    host = host_of(url)
    if not (host.endswith(".gov.vn") or host == "gov.vn"):
        return False
    first = host.split(".")[0]
    return first in SERVICE_HOST_PREFIXES or "dichvucong" in host


# ---------------------------------------------------------------------------- simple sections
@register("info.introduction", Need.PAGES)
def introduction(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.introduction", ("introduction",), text_content)


@register("info.organization", Need.PAGES)
def organization(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.organization", ("organization",),
                         any_content(listing_content, text_content, file_content))


@register("info.direction", Need.PAGES)
def direction(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.direction", ("direction",), listing_content)


@register("info.work_schedule", Need.PAGES)
def work_schedule(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.work_schedule", ("work_schedule",),
                         any_content(listing_content, text_content, file_content))


@register("info.law_dissemination", Need.PAGES)
def law_dissemination(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.law_dissemination", ("law_dissemination",), EITHER)


@register("info.plans", Need.PAGES)
def plans(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.plans", ("plans",), any_content(listing_content, text_content, file_content))


@register("info.projects", Need.PAGES)
def projects(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.projects", ("projects",),
                         any_content(listing_content, text_content, file_content))


@register("info.budget", Need.PAGES)
def budget(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.budget", ("budget",), any_content(listing_content, file_content, text_content))


@register("info.statistics", Need.PAGES)
def statistics(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.statistics", ("statistics",),
                         any_content(listing_content, text_content, file_content))


def _map_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    parsed = analysis.parsed(page)
    if parsed is None:
        return Content(False)
    boiler = analysis.boilerplate_elements(page)
    for el in parsed.body.iter("img", "iframe", "embed", "object", "canvas"):
        if parsed.region.get(el) in CONTENT_REGIONS and el not in parsed.hidden and el not in boiler:
            return Content(True, el.get("alt") or el.get("src") or el.tag, el)
    for link in analysis.links(page):
        if link.region in CONTENT_REGIONS and re.search(r"\.(jpe?g|png|gif|pdf|webp)$", link.url, re.I):
            return Content(True, link.text or link.url, link.element)
    return Content(False)


@register("info.map", Need.PAGES)
def admin_map(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.map", ("map",), _map_content)


# ---------------------------------------------------------------------------- contact
@register("info.contact", Need.PAGES)
def contact(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Address, office phone and email of the unit, on a contact page or in the footer; a leader's
    phone or email does not count (CRITERIA.md §5)."""
    found: list[Found] = []
    unanswered: list[str] = []
    for match in analysis.find_sections("contact"):
        page = match.page
        if not match.in_scope or page is None:
            continue
        if page.status is None:
            unanswered.append(match.url)
        elif page.ok:
            found += contact_details(analysis, page, CONTENT_REGIONS)
    if analysis.home is not None and analysis.home.ok:
        found += contact_details(analysis, analysis.home, within=analysis.footer_blocks(analysis.home))
    best: dict[str, Found] = {}
    for item in found:
        if not item.leader and item.kind not in best:
            best[item.kind] = item
    kinds = [k for k in ("address", "phone", "email") if k in best]
    evidence = [
        Evidence(url=f.page.final_url or f.page.url, excerpt=excerpt(f"{f.value} — {f.context}"),
                 snapshot=f.page.body_digest, locator=analysis.locator_for(f.page, f.element) if f.element is not None else None)
        for f in (best[k] for k in kinds)
    ]
    missing = [k for k in ("address", "phone", "email") if k not in best]
    if len(kinds) == 3:
        return Finding("info.contact", Status.PASS, value=len(kinds), evidence=evidence, reason="address, phone and email found")
    if unanswered:
        return Finding("info.contact", Status.UNKNOWN, evidence=evidence,
                       reason=f"contact page did not answer ({unanswered[0]}); found: {', '.join(kinds) or 'nothing'}")
    if len(kinds) == 2:
        return Finding("info.contact", Status.PARTIAL, value=2, evidence=evidence, reason=f"missing {missing[0]}")
    result = not_found(analysis, "info.contact", f"missing {', '.join(missing)}")
    result.evidence = evidence
    result.value = len(kinds) if result.status == Status.FAIL else None
    return result


# ---------------------------------------------------------------------------- leaders
# A person's name (CRITERIA.md §2 "leaders with name and position"): capitalised words after an honorific
# (Ông, Bà, Đồng chí), or a common Vietnamese family name followed by at least two capitalised words
# ("Nguyễn Văn Hùng", "NGUYỄN VĂN HÙNG"). Runs of capitalised institution words ("VĂN PHÒNG HĐND VÀ UBND",
# "Hội Đồng Nhân Dân") and counts of positions ("Chủ tịch, 02 Phó Chủ tịch") are not names.
_HONORIFICS = frozenset(fold(w) for w in ("Ông", "Bà"))
_SURNAMES = frozenset(fold(w) for w in (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đồng Đinh Lâm Mai Tạ Cao Hà "
    "Lương Triệu Tô Đoàn Trịnh Châu Quách Thái Kiều Lưu Vương Phùng Tăng Hứa Mạc Chu La Lại Lò Sầm Hầu Nông Vi "
    "Lục Tống Giáp Khổng Thân Kim Chế Diệp Âu Từ Doãn Lã Nghiêm Ninh Đào Đàm Trình Khúc Ksor Siu Nay").split())
_INSTITUTION_WORDS = frozenset(fold(w) for w in (
    "Uỷ Ủy Ban Nhân Dân Hội Đồng Phòng Văn Xã Phường Huyện Tỉnh Thành Phố Trung Tâm Tổ Quốc Mặt Trận Đảng "
    "Chủ Tịch Phó Bí Thư Thường Trực Cơ Quan Sở Nội Vụ Tư Pháp Kinh Tế Việt Nam").split()) - {fold("Văn")}
_WORD = re.compile(r"[^\W\d_]+")
_COMRADE = re.compile(r"(?:\b[Đđ]ồng chí|\b[Đđ]/c)\s+([^\W\d_]+)\s+([^\W\d_]+)")


def _name_word(word: str, upper: bool) -> bool:
    """A word of a name in the case style of its first word (Title Case, or ALL CAPS)."""
    if not word[:1].isupper() or fold(word) in _INSTITUTION_WORDS:
        return False
    return word.isupper() if upper else (len(word) == 1 or not word.isupper())


def has_person_name(text: str) -> bool:
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
    for i, (word, _start, end) in enumerate(words):
        key = fold(word)
        honorific = key in _HONORIFICS
        if not word[:1].isupper() or not (honorific or key in _SURNAMES):
            continue
        rest = words[i + 1: i + 5]
        # The case style of the name: its family name's, or after "Ông"/"Bà" the next word's.
        styled = rest[0][0] if honorific and rest else word
        upper = styled.isupper() and len(styled) > 1
        follow, last = 0, end
        for other, start, stop in rest:
            # A name is one run of capitalised words with nothing but spaces between them.
            if text[last:start].strip(" \xa0") or not _name_word(other, upper):
                break
            follow, last = follow + 1, stop
        if follow >= 2:
            return True
    return any(_name_word(m.group(1), False) and _name_word(m.group(2), False) for m in _COMRADE.finditer(text))


def _leader_lines(analysis: SiteAnalysis, page: CapturedPage) -> list[str]:
    """Own-content lines that give a position (Chủ tịch, Bí thư ...) with a person's name."""
    lines = analysis.own_text(page).split("\n")
    result = []
    for i, line in enumerate(lines):
        around = " ".join(lines[max(0, i - 1): i + 2])
        if is_leader(line) and has_person_name(around):
            result.append(line)
    return result


@register("info.leaders", Need.PAGES)
def leaders(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    outcomes: list[Outcome | None] = []
    for concept in ("leaders", "organization"):
        for match in analysis.find_sections(concept):
            page = match.page
            if match.in_scope and page is not None and page.ok:
                positions = _leader_lines(analysis, page)
                if positions:
                    contacts = [f for f in contact_details(analysis, page, CONTENT_REGIONS, own_only=True)
                                if f.kind in ("phone", "email")]
                    evidence = [match_evidence(analysis, match), page_evidence(analysis, page, positions[0])]
                    if contacts:
                        evidence.append(page_evidence(analysis, page, f"{contacts[0].value} — {contacts[0].context}",
                                                      contacts[0].element))
                        outcomes.append(Outcome(Status.PASS, "leaders with positions and contacts", evidence, match,
                                                len(positions)))
                    else:
                        outcomes.append(Outcome(Status.PARTIAL, "names and positions without phone or email",
                                                evidence, match, len(positions)))
                    continue
            if concept == "leaders":
                outcome = evaluate(analysis, match, options, lambda a, p, o: Content(False))
                outcomes.append(outcome)
    best = best_outcome(outcomes)
    if best is None:
        return not_found(analysis, "info.leaders", "no leaders section found")
    return Finding("info.leaders", best.status, value=best.value if best.status != Status.UNKNOWN else None,
                   evidence=best.evidence, reason=best.reason)


# ---------------------------------------------------------------------------- news
NEWS_CONCEPTS = ("news",)
FRESH_CONCEPTS = ("news", "direction")


def news_listings(analysis: SiteAnalysis, concepts: tuple[str, ...]) -> list[tuple[CapturedPage, str, object]]:
    """Pages listing news: the sections' pages (in scope, opened) and the home page (its news blocks only)."""
    listings: list[tuple[CapturedPage, str, object]] = []
    seen: set[str] = set()
    for concept in concepts:
        for match in analysis.find_sections(concept):
            page = match.page
            if match.in_scope and page is not None and page.ok and page.final_url not in seen:
                seen.add(page.final_url)
                listings.append((page, "section", match))
    if analysis.home is not None and analysis.home.ok and analysis.home.final_url not in seen:
        listings.append((analysis.home, "home", None))
    return listings


def news_entries(analysis: SiteAnalysis, options: CheckOptions, concepts: tuple[str, ...] = NEWS_CONCEPTS):
    """Dated, not future, news items: from section pages, and from home-page blocks titled as news."""
    labels = tuple(label for c in concepts for label in analysis.vocabulary.labels(c))
    result = []
    for page, kind, match in news_listings(analysis, concepts):
        for entry in past_entries(analysis, page, options):
            if kind == "home":
                # A home-page block counts only when its title names it as news (not documents, not schedules).
                title = analysis.block_title(page, entry.element)
                if not title or not match_label(title, labels):
                    continue
            result.append((entry, page, match))
    return result


@register("info.news", Need.PAGES)
def news(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    minimum = int(options.get("info.news", "min_articles"))
    entries = news_entries(analysis, options)
    opened, broken, unfetched = [], [], []
    seen: set[str] = set()
    for entry, page, _match in entries:
        if not entry.url or entry.url in seen or not analysis.in_scope(entry.url):
            continue
        seen.add(entry.url)
        target = analysis.page(entry.url)
        if target is None:
            unfetched.append((entry, page))
        elif target.ok:
            opened.append((entry, page, target))
        elif target.status is None:
            unfetched.append((entry, page))
        else:
            broken.append((entry, page))
    # Evidence: the dated entries whose pages opened, else (partial) the entries whose pages are broken.
    shown = [(e, page) for e, page, _t in opened[:minimum]] or broken[:minimum]
    evidence = [
        Evidence(url=page.final_url, excerpt=excerpt(f"{e.title} ({e.date_text})"), snapshot=page.body_digest,
                 locator=analysis.locator_for(page, e.element))
        for e, page in shown
    ]
    if len(opened) >= minimum:
        return Finding("info.news", Status.PASS, value=len(opened), evidence=evidence,
                       reason=f"{len(opened)} dated articles that open")
    if len(opened) + len(unfetched) >= minimum and unfetched:
        return Finding("info.news", Status.UNKNOWN, value=len(opened), evidence=evidence,
                       reason=f"{len(unfetched)} article pages were not fetched")
    if opened or broken or unfetched:
        reason = f"only {len(opened)} dated articles open" + (f", {len(broken)} broken" if broken else "")
        return Finding("info.news", Status.PARTIAL, value=len(opened), evidence=evidence, reason=reason)
    fallback = section_check(analysis, options, "info.news", NEWS_CONCEPTS, listing_content)
    if fallback.status == Status.PASS:  # dated entries without links to article pages
        fallback.status, fallback.reason = Status.PARTIAL, "dated items without article pages"
    return fallback


# ---------------------------------------------------------------------------- legal documents
_DOC_NUMBER = re.compile(r"(?<![\w/])\d{1,5}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐ0-9]*(?:\s*-\s*[A-ZĐ0-9]+)*(?![\w])")
_DOWNLOAD_WORDS = ("Tải về", "Tải xuống", "Download", "File đính kèm", "Tệp đính kèm", "Đính kèm", "Tải văn bản")


def _row_fields(analysis: SiteAnalysis, page: CapturedPage, row, options: CheckOptions) -> dict[str, object]:
    text = collapse_whitespace(" ".join(row.itertext()))
    fields: dict[str, object] = {}
    number = _DOC_NUMBER.search(text)
    if number:
        fields["number"] = number.group(0)
    dates = find_dates(text)
    if dates:
        fields["issued"] = dates[0].value
    # The summary is the longest text cell, or the longest link text (a document's title).
    cells = [collapse_whitespace(" ".join(c.itertext())) for c in row if isinstance(c.tag, str)]
    summary = max(cells + [collapse_whitespace(" ".join(a.itertext())) for a in row.iter("a")], key=len, default="")
    if len(summary) >= 20 and not find_dates(summary[:12]):
        fields["summary"] = summary
    for a in row.iter("a"):
        href = a.get("href") or ""
        label = collapse_whitespace(" ".join(a.itertext())) or a.get("title") or ""
        if is_file_url(href) or match_label(label, _DOWNLOAD_WORDS) or re.search(r"download|attach|dinhkem|file", href, re.I):
            fields["file"] = href
            break
        # A row often links to the document's own page, which carries the file.
        target = analysis.page(_abs(page, href))
        if target is not None and target.ok and analysis.in_scope(target.final_url):
            if any(is_file_url(link.url) for link in analysis.links(target) if link.region in CONTENT_REGIONS):
                fields["file"] = href
                break
    return fields


def _abs(page: CapturedPage, href: str) -> str:
    return urljoin(page.final_url or page.url, href)


def document_rows(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> list[tuple[object, dict[str, object]]]:
    """Entries of a document list (table rows or listing items) with the fields each shows."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return []
    boiler = analysis.boilerplate_elements(page)
    rows = []
    candidates = list(parsed.body.iter("tr"))
    if not candidates:
        candidates = [e.element for e in analysis.dated_entries(page)]
    for row in candidates:
        if parsed.region.get(row) not in CONTENT_REGIONS or row in boiler or row.find(".//th") is not None:
            continue
        fields = _row_fields(analysis, page, row, options)
        if len(fields) >= 2:
            rows.append((row, fields))
    return rows


def document_listing(analysis: SiteAnalysis, options: CheckOptions):
    """(match, page, rows) for each opened in-scope document-list page, and the outcomes of the others."""
    results = []
    others: list[Outcome | None] = []
    for match in analysis.find_sections("legal_documents"):
        page = match.page
        if match.in_scope and page is not None and page.ok:
            results.append((match, page, document_rows(analysis, page, options)))
        else:
            others.append(evaluate(analysis, match, options, lambda a, p, o: Content(False)))
    return results, others


_FIELDS = ("number", "issued", "summary")


@register("info.legal_documents", Need.PAGES)
def legal_documents(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    results, others = document_listing(analysis, options)
    outcomes: list[Outcome | None] = list(others)
    for match, page, rows in results:
        complete = [(r, f) for r, f in rows if all(k in f for k in _FIELDS) and "file" in f]
        evidence = [match_evidence(analysis, match)]
        if complete:
            row, fields = complete[0]
            evidence.append(page_evidence(analysis, page, " ".join(str(v) for v in fields.values()), row))
            outcomes.append(Outcome(Status.PASS, "documents with number, date, summary and file", evidence, match,
                                    len(complete)))
        elif rows:
            row, fields = max(rows, key=lambda rf: len(rf[1]))
            missing = [k for k in (*_FIELDS, "file") if k not in fields]
            evidence.append(page_evidence(analysis, page, collapse_whitespace(" ".join(row.itertext())), row))
            outcomes.append(Outcome(Status.PARTIAL, f"document entries lack {', '.join(missing)}", evidence, match,
                                    len(rows)))
        else:
            outcomes.append(evaluate(analysis, match, options, lambda a, p, o: Content(False)))
    best = best_outcome(outcomes)
    if best is None:
        return not_found(analysis, "info.legal_documents", "no document list found")
    return Finding("info.legal_documents", best.status, value=best.value if best.status != Status.UNKNOWN else None,
                   evidence=best.evidence, reason=best.reason)


# ---------------------------------------------------------------------------- procedures
def _procedure_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    boiler = analysis.boilerplate_elements(page)
    items = [link for link in analysis.links(page)
             if link.region in CONTENT_REGIONS and not link.block_title and len(link.text) >= 15
             and link.element not in boiler]
    if len(items) >= 3:
        return Content(True, items[0].text, items[0].element, len(items))
    return any_content(listing_content, text_content)(analysis, page, options)


def service_portal_links(analysis: SiteAnalysis):
    """Links (outside article bodies) into a public-service portal, with the page they sit on."""
    found = []
    for page in analysis.html_pages:
        for link in analysis.links(page):
            if link.region != "article" and is_service_portal(link.url):
                found.append((link, page))
    return found


@register("info.procedures", Need.PAGES)
def procedures(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    section = section_check(analysis, options, "info.procedures", ("procedures", "services"), _procedure_content,
                            external_ok=is_service_portal)
    if section.status == Status.PASS:
        return section
    portal = service_portal_links(analysis)
    if portal:
        link, page = portal[0]
        return Finding("info.procedures", Status.PASS, value=None, reason=f"links to {host_of(link.url)}",
                       evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)])
    return section


# ---------------------------------------------------------------------------- English
_EN_ORGANISATION = re.compile(
    r"\b(organi[sz]ation(al)? (structure|chart)?|structure|functions?( and (duties|tasks))?|duties|departments?|"
    r"people's (committee|council)|chairman|chairwoman|vice[- ]chair\w*|leaders(hip)?)\b", re.I)
_EN_CONTACT = re.compile(r"\b(address|tel(ephone)?|phone|e-?mail|fax|hotline|contact( us)?)\b\s*[:：]", re.I)


def _english_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """An English page (or the English pages it links) giving the organisation and the contact information
    (CRITERIA.md §2; Nghị định 42/2022 asks for the organisation, functions and contacts in English)."""
    pages = [page]
    for link in analysis.links(page):
        target = analysis.page(link.url) if link.region in CONTENT_REGIONS and analysis.in_scope(link.url) else None
        if target is not None and target.ok and all(target is not p for p in pages) and len(pages) < 10:
            pages.append(target)
    organisation = contact = None
    for candidate in pages:
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


@register("info.english", Need.PAGES)
def english(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """pass = English pages with organisation and contact information; partial = the English link does not
    open, or its pages lack one of the two; unknown = the page did not answer."""
    result = section_check(analysis, options, "info.english", ("english",), _english_content)
    if result.status == Status.PARTIAL and result.reason == "section page has no content":
        result.reason = "English page lacks organisation or contact information"
    return result


# ---------------------------------------------------------------------------- ownership
_OWNER = ("Cơ quan chủ quản", "Đơn vị chủ quản", "Cơ quan quản lý")
_RESPONSIBLE = ("Chịu trách nhiệm chính", "Chịu trách nhiệm nội dung", "Chịu trách nhiệm", "Trưởng Ban biên tập",
                "Trưởng ban biên tập", "Người chịu trách nhiệm")


def _cue_with_value(lines: list[str], cues: tuple[str, ...]) -> str | None:
    """A line that gives a cue followed by a name ("Chịu trách nhiệm: Ông Nguyễn Văn A")."""
    for i, line in enumerate(lines):
        if match_label(line, cues):
            tail = re.split(r"[:：]", line, maxsplit=1)
            value = tail[1].strip() if len(tail) == 2 else (lines[i + 1] if i + 1 < len(lines) else "")
            if len(value) >= 4:
                return line if len(tail) == 2 else f"{line} {value}"
    return None


@register("info.ownership", Need.PAGES)
def ownership(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    pages: list[tuple[CapturedPage, str]] = []
    if analysis.home is not None and analysis.home.ok:
        pages.append((analysis.home, analysis.visible_text(analysis.home, regions=frozenset({FOOTER}) | NAV_REGIONS)))
    for match in analysis.find_sections("introduction"):
        if match.in_scope and match.page is not None and match.page.ok:
            pages.append((match.page, analysis.own_text(match.page)))
    owner = responsible = None
    for page, text in pages:
        lines = [collapse_whitespace(x) for x in text.split("\n") if x.strip()]
        owner = owner or ((page, v) if (v := _cue_with_value(lines, _OWNER)) else None)
        responsible = responsible or ((page, v) if (v := _cue_with_value(lines, _RESPONSIBLE)) else None)
    evidence = [page_evidence(analysis, p, v) for p, v in (x for x in (owner, responsible) if x)]
    if owner and responsible:
        return Finding("info.ownership", Status.PASS, evidence=evidence, reason="managing body and person responsible named")
    if owner or responsible:
        which = "managing body" if owner else "person responsible"
        return Finding("info.ownership", Status.PARTIAL, evidence=evidence, reason=f"only the {which} is named")
    return not_found(analysis, "info.ownership", "no managing body or person responsible named")
