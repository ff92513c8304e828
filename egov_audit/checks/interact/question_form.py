"""interact.question_form: a form where a citizen can send a question, feedback or a petition (a visible,
writable textarea and a submit control in the section's own content). Never submitted: only inspected."""

from __future__ import annotations

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SectionMatch, SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import match_evidence, not_found, page_evidence
from egov_audit.checks.interact.listed_pages import item_pages
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, match_label

_SUBMIT_WORDS = ("Gửi", "Gửi câu hỏi", "Gửi ý kiến", "Gửi đi", "Gửi góp ý", "Gửi phản ánh", "Submit", "Send", "Đồng ý")
# Where a question form is found: the sections that take questions or feedback.
_FORM_SECTIONS = ("question_form", "qa", "contact", "consultation")


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


def question_form(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    checked: list[str] = []
    unanswered: list[SectionMatch] = []
    for concept in _FORM_SECTIONS:
        for match in analysis.find_sections(concept):
            page = match.page
            if not match.in_scope or page is None:
                continue
            if page.status is None:
                unanswered.append(match)
                continue
            if not page.ok:
                continue
            for candidate in [page, *item_pages(analysis, page, limit=10)]:
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


CHECK = Check(id="interact.question_form", title_vi="Gửi câu hỏi, góp ý", title_en="Question or feedback form",
              needs=frozenset({Need.PAGES}), run=question_form)
