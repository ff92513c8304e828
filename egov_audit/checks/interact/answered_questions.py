"""A published answer on a Q&A page, in the layouts real portals use (interact.qa, CRITERIA.md §2).

- an element classed as the answer (``answer``, ``traloi``, ``reply``);
- a label line followed by the answer: "Trả lời:", "Nội dung trả lời", "Trả lời của Phòng Tư pháp:", "Sở Tư pháp
  trả lời:", "Ý kiến trả lời của …", or a heading naming the answering office ("Phòng Tư pháp huyện") right
  after a question;
- a table whose column heading names the answer ("Nội dung trả lời", "Kết quả trả lời") with a filled cell;
- a link from a question to its answer ("Xem trả lời", "Văn bản trả lời"): a page with the answer's text, or the
  answer letter as a file.

"Chưa trả lời", "Đang chờ trả lời" (not answered yet) never count.
"""

from __future__ import annotations

import re

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis, is_file_url
from egov_audit.checks.contact_details import block_lines
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.text import collapse_whitespace, nfc, strip_diacritics

Answer = tuple[str, etree._Element | None]

# Matched on the diacritic-free, lower-case text.
_UNANSWERED = re.compile(r"chua (duoc |co cau )?tra loi|dang cho tra loi|cho tra loi|chua co (noi dung )?tra loi|"
                         r"dang (xu ly|giai quyet)")
# A label standing alone or before a colon ("Trả lời:", "Nội dung trả lời", "Trả lời của Phòng Tư pháp:", "Sở Tư
# pháp trả lời như sau:"), so that "đáp ứng nhu cầu …" or "… đã trả lời cử tri" in a sentence is not one.
_ANSWER_LABEL = re.compile(
    r"^\s*(?:(?:noi dung |cau |y kien |van ban |co quan |don vi |can bo )?(?:tra loi|dap|phuc dap|phan hoi)"
    r"(?: cua (?P<of>[^:\n]{3,80}?))?"
    r"|(?P<office>.{3,80}?) (?:tra loi|phuc dap|phan hoi)(?: nhu sau)?)\s*(?:[:：]\s*(?P<rest>.*))?$")
# A question: a line ending with "?" or a label ("Câu hỏi:", "Hỏi:", "Người hỏi:"), not the heading "Hỏi đáp".
_QUESTION_LINE = re.compile(r"^\s*(?:cau hoi|noi dung cau hoi|hoi|nguoi hoi|nguoi gui|cau hoi cua [^:]{0,60})\s*[:：]|\?\s*\)?$")
# The answering office named as a heading: "Phòng Tư pháp", "Sở Tài nguyên và Môi trường", "UBND huyện".
_OFFICE = re.compile(r"^(so|phong|ban|van phong|ubnd|uy ban nhan dan|chi cuc|cuc|trung tam|bo|thanh tra|"
                     r"cong an|bhxh|bao hiem xa hoi|kho bac|hoi dong)\b")
_ANSWER_CLASS = re.compile(r"answer|traloi|tra-loi|tra_loi|reply|phanhoi|phan-hoi", re.I)
_ANSWER_COLUMN = re.compile(r"^(noi dung |cau |y kien |ket qua |van ban )?(tra loi|phuc dap|giai dap)$")
_ANSWER_LINK = re.compile(r"^(xem )?(cau |noi dung |van ban |y kien )?(tra loi|phuc dap|giai dap)\b")
_MIN_ANSWER = 20


def _key(text: str) -> str:
    """Lower case without diacritics, punctuation kept (the colon after a label matters)."""
    return collapse_whitespace(strip_diacritics(nfc(text)).lower())


def _published(text: str) -> bool:
    return len(text.strip()) >= _MIN_ANSWER and not _UNANSWERED.search(_key(text))


def answer_element(analysis: SiteAnalysis, page: CapturedPage) -> Answer | None:
    """An element of the page's content classed as an answer, holding a published answer."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return None
    for el in parsed.body.iter():
        if not isinstance(el.tag, str) or parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden:
            continue
        if _ANSWER_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            text = collapse_whitespace(" ".join(el.itertext()))
            if _published(text):
                return text, el
    return None


def _content_lines(analysis: SiteAnalysis, page: CapturedPage) -> list[str]:
    """The page's own content, one line per block or <br>, words split by inline tags kept whole."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return []
    skip = parsed.hidden | analysis.boilerplate_elements(page) | {
        el for el in parsed.body.iter() if isinstance(el.tag, str) and parsed.region.get(el) not in CONTENT_REGIONS}
    return block_lines(parsed.body, skip)


def answer_line(analysis: SiteAnalysis, page: CapturedPage) -> Answer | None:
    """After a question, a label ("Trả lời:", "Phòng Tư pháp trả lời:") or the answering office's name as a
    heading, followed by the answer's text."""
    lines = _content_lines(analysis, page)
    keys = [_key(line) for line in lines]
    asked = False
    for i, key in enumerate(keys):
        if _QUESTION_LINE.search(key):
            asked = True
            continue
        if not asked:
            continue
        label = _ANSWER_LABEL.match(key)
        office_heading = len(key) <= 80 and _OFFICE.match(key) and not key.endswith("?")
        if label is None and not office_heading:
            continue
        rest = (label.group("rest") or "") if label is not None else ""
        following = " ".join(lines[i + 1: i + 3])
        answer = rest if len(rest) >= _MIN_ANSWER else following
        if label is not None and label.group("office") and not _OFFICE.match(label.group("office")):
            continue  # "... trả lời" inside a sentence is not an office's label
        if _published(answer) and not _UNANSWERED.search(key) and not _QUESTION_LINE.search(_key(following[:80])):
            return f"{lines[i]} {following}"[:300], None
    return None


def answer_column(analysis: SiteAnalysis, page: CapturedPage) -> Answer | None:
    """A table of questions whose answer column ("Nội dung trả lời") has a published answer in some row."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return None
    for table in parsed.body.iter("table"):
        if parsed.region.get(table) not in CONTENT_REGIONS or table in parsed.hidden:
            continue
        rows = [r for r in table.iter("tr")]
        head = next((r for r in rows if r.find("th") is not None), rows[0] if rows else None)
        if head is None:
            continue
        cells = [c for c in head if isinstance(c.tag, str) and c.tag in {"th", "td"}]
        column = next((i for i, c in enumerate(cells)
                       if _ANSWER_COLUMN.match(_key(collapse_whitespace(" ".join(c.itertext()))))), None)
        if column is None:
            continue
        for row in rows:
            if row is head:
                continue
            row_cells = [c for c in row if isinstance(c.tag, str) and c.tag in {"th", "td"}]
            if column < len(row_cells):
                text = collapse_whitespace(" ".join(row_cells[column].itertext()))
                linked = any(is_file_url(a.get("href") or "") for a in row_cells[column].iter("a"))
                if _published(text) or (linked and not _UNANSWERED.search(_key(text))):
                    return text or "answer file", row
    return None


def linked_answer(analysis: SiteAnalysis, page: CapturedPage) -> Answer | None:
    """A link from the question to its answer ("Xem trả lời", "Văn bản trả lời"): the answer letter as a file, or
    a page whose own text is the answer."""
    for link in analysis.links(page):
        if link.region not in CONTENT_REGIONS or not _ANSWER_LINK.match(_key(link.text or "")):
            continue
        if is_file_url(link.url):
            return f"{link.text} ({link.url.rsplit('/', 1)[-1]})", link.element
        target = analysis.page(link.url)
        if target is None or not target.ok or target is page or analysis.is_placeholder(target):
            continue
        found = answered(analysis, target, follow=False)
        text = analysis.own_text(target)
        if found is not None:
            return found
        if _published(text) and len(text) >= 100:
            return f"{link.text}: {text[:200]}", link.element
    return None


def answered(analysis: SiteAnalysis, page: CapturedPage, follow: bool = True) -> Answer | None:
    """A published answer on a Q&A page (or, with ``follow``, on the answer page a question links to)."""
    if analysis.parsed(page) is None:
        return None
    found = answer_element(analysis, page) or answer_line(analysis, page) or answer_column(analysis, page)
    return found or (linked_answer(analysis, page) if follow else None)
