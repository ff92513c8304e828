"""Interaction checks (interact.*): Q&A, question forms, consultation, forms to download, email, phone, social."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from egov_audit.checks.common import (
    Content,
    Outcome,
    best_outcome,
    evaluate,
    listing_content,
    match_evidence,
    not_found,
    page_evidence,
    section_check,
)
from egov_audit.checks.contacts import contact_details
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.registry import register
from egov_audit.checks.site import ARTICLE, CONTENT_REGIONS, SectionMatch, SiteAnalysis, host_of
from egov_audit.core.artifacts import CapturedPage, Evidence, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, excerpt, fold, match_label, strip_diacritics

# ---------------------------------------------------------------------------- Q&A
_UNANSWERED = re.compile(r"chua (duoc |co cau )?tra loi|dang cho tra loi|cho tra loi|chua co (noi dung )?tra loi")
_ANSWER = re.compile(r"(?:^|\n)\s*(?:noi dung |cau )?(?:tra loi|dap)(?: cua [^:\n]{0,80})?\s*[:：]?\s*(.*)")
_QUESTION = re.compile(r"(?:cau hoi|noi dung cau hoi|hoi|nguoi hoi|nguoi gui|cau hoi cua)\b")
_ANSWER_CLASS = re.compile(r"answer|traloi|tra-loi|tra_loi|reply", re.I)


def _answered(analysis: SiteAnalysis, page: CapturedPage) -> tuple[str, etree._Element | None] | None:
    """A published answer on a Q&A page: an element classed as an answer, or a "Trả lời:" line followed
    by the answer's text. "Chưa trả lời" (not answered yet) does not count."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return None
    for el in parsed.body.iter():
        if not isinstance(el.tag, str) or parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden:
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _ANSWER_CLASS.search(names):
            text = collapse_whitespace(" ".join(el.itertext()))
            if len(text) >= 20 and not _UNANSWERED.search(strip_diacritics(fold(text))):
                return text, el
    own = analysis.own_text(page)
    plain = strip_diacritics(own.casefold())
    if not _QUESTION.search(plain):
        return None
    lines = own.split("\n")
    plain_lines = plain.split("\n")
    for i, line in enumerate(plain_lines):
        m = _ANSWER.match("\n" + line)
        if not m or _UNANSWERED.search(line):
            continue
        answer = m.group(1) if len(m.group(1)) >= 20 else " ".join(plain_lines[i + 1: i + 3])
        if len(answer.strip()) >= 20 and not _UNANSWERED.search(answer):
            return lines[i] + " " + " ".join(lines[i + 1: i + 2]), None
    return None


def _item_pages(analysis: SiteAnalysis, page: CapturedPage, limit: int = 20) -> list[CapturedPage]:
    """Pages of the items a section page lists (in scope, fetched, opened)."""
    result: list[CapturedPage] = []
    for link in analysis.links(page):
        if link.region not in CONTENT_REGIONS or link.block_title or not analysis.in_scope(link.url):
            continue
        target = analysis.page(link.url)
        if target is not None and target.ok and target is not page and all(target is not r for r in result):
            result.append(target)
            if len(result) >= limit:
                break
    return result


@register("interact.qa", Need.PAGES)
def qa(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    outcomes: list[Outcome | None] = []
    for match in analysis.find_sections("qa"):
        page = match.page
        if match.in_scope and page is not None and page.ok:
            for candidate in [page, *_item_pages(analysis, page)]:
                answered = _answered(analysis, candidate)
                if answered:
                    text, element = answered
                    evidence = [match_evidence(analysis, match), page_evidence(analysis, candidate, text, element)]
                    outcomes.append(Outcome(Status.PASS, "question with a published answer", evidence, match))
                    break
            else:
                outcomes.append(Outcome(Status.PARTIAL, "Q&A section without answered questions",
                                        [match_evidence(analysis, match), page_evidence(analysis, page)], match))
        else:
            outcomes.append(evaluate(analysis, match, options, lambda a, p, o: Content(False)))
    best = best_outcome(outcomes)
    if best is None:
        return not_found(analysis, "interact.qa", "no Q&A section found")
    return Finding("interact.qa", best.status, evidence=best.evidence, reason=best.reason)


# ---------------------------------------------------------------------------- question form
_SUBMIT_WORDS = ("Gửi", "Gửi câu hỏi", "Gửi ý kiến", "Gửi đi", "Gửi góp ý", "Gửi phản ánh", "Submit", "Send", "Đồng ý")


def _visible_writable(analysis: SiteAnalysis, page: CapturedPage, el: etree._Element) -> bool:
    return (not analysis.is_hidden(page, el) and el.get("disabled") is None and el.get("readonly") is None)


def _submit_controls(form: etree._Element) -> list[etree._Element]:
    controls = []
    for el in form.iter("button", "input", "a"):
        kind = (el.get("type") or "").lower()
        text = collapse_whitespace(" ".join(el.itertext())) or el.get("value") or ""
        if el.tag == "button" and kind in ("", "submit"):
            controls.append(el)
        elif el.tag == "input" and kind in ("submit", "image"):
            controls.append(el)
        elif el.tag in ("input", "button") and kind == "button" and match_label(text, _SUBMIT_WORDS):
            controls.append(el)
        elif el.tag == "a" and "__doPostBack" in (el.get("href") or "") and match_label(text, _SUBMIT_WORDS):
            controls.append(el)  # an ASP.NET LinkButton submits the page form
    return controls


def _form_on(analysis: SiteAnalysis, page: CapturedPage) -> tuple[etree._Element, etree._Element] | None:
    parsed = analysis.parsed(page)
    if parsed is None:
        return None
    for form in parsed.body.iter("form"):
        if form in parsed.hidden:
            continue
        # ASP.NET wraps the whole page in one form: then the textarea and its button must sit in the
        # section's own content, not in a sidebar or footer widget.
        textareas = [t for t in form.iter("textarea") if _visible_writable(analysis, page, t)
                     and parsed.region.get(t) in CONTENT_REGIONS]
        submits = [s for s in _submit_controls(form) if _visible_writable(analysis, page, s)
                   and parsed.region.get(s) in CONTENT_REGIONS]
        if textareas and submits:
            return form, textareas[0]
    return None


@register("interact.question_form", Need.PAGES)
def question_form(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Never submitted: the form is only inspected."""
    checked: list[str] = []
    unanswered: list[SectionMatch] = []
    for concept in ("question_form", "qa", "contact", "consultation"):
        for match in analysis.find_sections(concept):
            page = match.page
            if not match.in_scope or page is None:
                continue
            if page.status is None:
                unanswered.append(match)
                continue
            if not page.ok:
                continue
            for candidate in [page, *_item_pages(analysis, page, limit=10)]:
                url = candidate.final_url or candidate.url
                if url in checked:
                    continue
                checked.append(url)
                found = _form_on(analysis, candidate)
                if found:
                    form, textarea = found
                    label = collapse_whitespace(" ".join(form.itertext()))[:200]
                    return Finding("interact.question_form", Status.PASS, reason=f"form on the {concept} page",
                                   evidence=[match_evidence(analysis, match),
                                             page_evidence(analysis, candidate, label, textarea)])
    if unanswered:
        return Finding("interact.question_form", Status.UNKNOWN, reason=f"page did not answer: {unanswered[0].url}",
                       evidence=[match_evidence(analysis, unanswered[0])], looked_at=checked)
    result = not_found(analysis, "interact.question_form", "no question or feedback form found")
    if result.status == Status.FAIL and checked:
        result.looked_at = checked
    return result


# ---------------------------------------------------------------------------- consultation
def _draft_items(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """At least one draft item (CRITERIA.md §2). A draft is often dated only by its comment deadline, a future
    date: that keeps it out of freshness (§5) but it is still a dated entry of the consultation listing."""
    entries = analysis.dated_entries(page)
    if entries:
        return Content(True, entries[0].text, entries[0].element, len(entries))
    return listing_content(analysis, page, options)


@register("interact.consultation", Need.PAGES)
def consultation(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "interact.consultation", ("consultation",), _draft_items)


# ---------------------------------------------------------------------------- downloadable forms
_FORM_WORDS = ("Mẫu", "Biểu mẫu", "Tờ khai", "Mẫu đơn", "Đơn đề nghị", "Phụ lục mẫu")
_FORM_FILE = re.compile(r"(^|[-_/ ])(mau|bieu-?mau|bieumau|to-?khai|tokhai|mau-?don|maudon|form)([-_. ]|\d|$)", re.I)
_FORM_EXT = re.compile(r"\.(docx?|pdf|xlsx?|odt)$", re.I)


def _row_context(el: etree._Element) -> str:
    node = el
    for _ in range(4):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
        if node.tag in {"tr", "li", "p"}:
            break
    return collapse_whitespace(" ".join(node.itertext()))


@register("interact.downloadable_forms", Need.PAGES)
def downloadable_forms(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    procedure_pages = {m.page.final_url for c in ("procedures", "downloadable_forms") for m in analysis.find_sections(c)
                       if m.page is not None and m.page.ok}
    for page in analysis.html_pages:
        for link in analysis.links(page):
            path = urlsplit(link.url).path
            if not _FORM_EXT.search(path):
                continue
            name = path.rsplit("/", 1)[-1]
            labelled = (match_label(link.text, _FORM_WORDS) or _FORM_FILE.search(name)
                        or match_label(_row_context(link.element), _FORM_WORDS)
                        or match_label(analysis.block_title(page, link.element) or "", _FORM_WORDS)
                        or page.final_url in procedure_pages)
            if labelled:
                return Finding("interact.downloadable_forms", Status.PASS, value=link.url,
                               evidence=[page_evidence(analysis, page, f"{link.text} ({name})", link.element)],
                               reason="form file found")
    return not_found(analysis, "interact.downloadable_forms", "no downloadable form file found")


# ---------------------------------------------------------------------------- email, phone
def _details(analysis: SiteAnalysis, kind: str):
    for page in analysis.html_pages:
        for item in contact_details(analysis, page):
            if item.kind == kind and analysis.region_of(page, item.element) != ARTICLE:
                yield item


def _detail_finding(analysis: SiteAnalysis, check_id: str, kind: str, label: str) -> Finding:
    for item in _details(analysis, kind):
        return Finding(check_id, Status.PASS, value=item.value, reason=f"{label} published",
                       evidence=[Evidence(url=item.page.final_url, excerpt=excerpt(f"{item.value} — {item.context}"),
                                          snapshot=item.page.body_digest,
                                          locator=analysis.locator_for(item.page, item.element))])
    return not_found(analysis, check_id, f"no {label} published")


@register("interact.email", Need.PAGES)
def email(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return _detail_finding(analysis, "interact.email", "email", "email address")


@register("interact.hotline", Need.PAGES)
def hotline(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Any published phone counts here, a leader's included (CRITERIA.md §5)."""
    return _detail_finding(analysis, "interact.hotline", "phone", "phone number")


# ---------------------------------------------------------------------------- social
_SOCIAL = {"facebook.com": "Facebook", "fb.com": "Facebook", "zalo.me": "Zalo", "oa.zalo.me": "Zalo",
           "youtube.com": "YouTube", "youtu.be": "YouTube", "tiktok.com": "TikTok"}


@register("interact.social", Need.PAGES)
def social(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    found: dict[str, Evidence] = {}
    for page in analysis.html_pages:
        for link in analysis.links(page):
            host = host_of(link.url)
            host = host[4:] if host.startswith(("www.", "web.")) else host.removeprefix("m.")
            name = _SOCIAL.get(host)
            path = urlsplit(link.url).path.strip("/")
            # A share button ("sharer.php") is not the unit's channel.
            if name and name not in found and link.region != ARTICLE and path and "share" not in link.url.lower():
                found[name] = page_evidence(analysis, page, f"{name}: {link.url}", link.element)
    if found:
        return Finding("interact.social", Status.PASS, value=sorted(found), evidence=list(found.values()),
                       reason="social channels linked")
    return not_found(analysis, "interact.social", "no social channel linked")
