"""interact.qa: Q&A with at least one question and its published answer (CRITERIA.md §2); a Q&A section
without answered questions is partial."""

from __future__ import annotations

import re

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import match_evidence, page_evidence
from egov_audit.checks.interact.listed_pages import item_pages
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Outcome, best_outcome, evaluate, no_content, outcome_finding
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, fold, strip_diacritics

_UNANSWERED = re.compile(r"chua (duoc |co cau )?tra loi|dang cho tra loi|cho tra loi|chua co (noi dung )?tra loi")
_ANSWER = re.compile(r"(?:^|\n)\s*(?:noi dung |cau )?(?:tra loi|dap)(?: cua [^:\n]{0,80})?\s*[:：]?\s*(.*)")
_QUESTION = re.compile(r"(?:cau hoi|noi dung cau hoi|hoi|nguoi hoi|nguoi gui|cau hoi cua)\b")
_ANSWER_CLASS = re.compile(r"answer|traloi|tra-loi|tra_loi|reply", re.I)

Answer = tuple[str, etree._Element | None]


def _answer_element(analysis: SiteAnalysis, page: CapturedPage) -> Answer | None:
    """An element of the page's content classed as an answer, holding a published answer."""
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
    return None


def _answer_line(analysis: SiteAnalysis, page: CapturedPage) -> Answer | None:
    """On a page that asks a question, a "Trả lời:" line followed by the answer's text."""
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


def _answered(analysis: SiteAnalysis, page: CapturedPage) -> Answer | None:
    """A published answer on a Q&A page: an element classed as an answer, or a "Trả lời:" line followed
    by the answer's text. "Chưa trả lời" (not answered yet) does not count."""
    if analysis.parsed(page) is None:
        return None
    return _answer_element(analysis, page) or _answer_line(analysis, page)


def qa(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    outcomes: list[Outcome | None] = []
    for match in analysis.find_sections("qa"):
        page = match.page
        if match.in_scope and page is not None and page.ok:
            for candidate in [page, *item_pages(analysis, page)]:
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
            outcomes.append(evaluate(analysis, match, options, no_content))
    return outcome_finding(analysis, "interact.qa", best_outcome(outcomes), "no Q&A section found")


CHECK = Check(id="interact.qa", title_vi="Hỏi đáp", title_en="Questions and answers",
              needs=frozenset({Need.PAGES}), run=qa)
