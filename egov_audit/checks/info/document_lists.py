"""Document lists (shared by info.legal_documents and fresh.documents): the rows of a *Văn bản* listing and
the fields each shows: number/symbol (*số ký hiệu*), issue date, summary (*trích yếu*), downloadable file."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SIDEBAR, SectionMatch, SiteAnalysis, is_file_url
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Outcome, evaluate, no_content
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.dates import find_dates
from egov_audit.core.text import collapse_whitespace, match_label

DOCUMENT_FIELDS = ("number", "issued", "summary")
DOCUMENT_NUMBER = re.compile(r"(?<![\w/])\d{1,5}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐ0-9]*(?:\s*-\s*[A-ZĐ0-9]+)*(?![\w])")
"""A document's number and symbol (*số ký hiệu*): "125/QĐ-UBND", "05/2013/NĐ-CP"."""
_DOWNLOAD_WORDS = ("Tải về", "Tải xuống", "Download", "File đính kèm", "Tệp đính kèm", "Đính kèm", "Tải văn bản")
_RE_FILE_HREF = re.compile(r"download|attach|dinhkem|file", re.I)

Row = tuple[etree._Element, dict[str, object]]


def _row_fields(analysis: SiteAnalysis, page: CapturedPage, row: etree._Element) -> dict[str, object]:
    text = collapse_whitespace(" ".join(row.itertext()))
    fields: dict[str, object] = {}
    number = DOCUMENT_NUMBER.search(text)
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
    file = _file_link(analysis, page, row)
    if file is not None:
        fields["file"] = file
    return fields


def _file_link(analysis: SiteAnalysis, page: CapturedPage, row: etree._Element) -> str | None:
    """The href of the row's file: a file link or a download link, or the document's own page carrying one."""
    for a in row.iter("a"):
        href = a.get("href") or ""
        label = collapse_whitespace(" ".join(a.itertext())) or a.get("title") or ""
        if is_file_url(href) or match_label(label, _DOWNLOAD_WORDS) or _RE_FILE_HREF.search(href):
            return href
        # A row often links to the document's own page, which carries the file.
        target = analysis.page(urljoin(page.final_url or page.url, href))
        if target is not None and target.ok and analysis.in_scope(target.final_url):
            if any(is_file_url(link.url) for link in analysis.links(target) if link.region in CONTENT_REGIONS):
                return href
    return None


def document_rows(analysis: SiteAnalysis, page: CapturedPage) -> list[Row]:
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
        fields = _row_fields(analysis, page, row)
        if len(fields) >= 2:
            rows.append((row, fields))
    return rows


def document_listing(analysis: SiteAnalysis, options: CheckOptions
                     ) -> tuple[list[tuple[SectionMatch, CapturedPage, list[Row]]], list[Outcome | None]]:
    """(match, page, rows) for each opened in-scope document-list page, and the outcomes of the others."""
    results = []
    others: list[Outcome | None] = []
    for match in analysis.find_sections("legal_documents"):
        page = match.page
        if match.in_scope and page is not None and page.ok:
            results.append((match, page, document_rows(analysis, page)))
        else:
            others.append(evaluate(analysis, match, options, no_content))
    return results, others


_ROW_TAGS = ("tr", "li", "div", "p", "dd")
_BOX_REGIONS = CONTENT_REGIONS | {SIDEBAR}


def document_blocks(analysis: SiteAnalysis) -> list[tuple[CapturedPage, list[Row]]]:
    """Documents listed in a box titled as documents on the home page or a side column ("VĂN BẢN MỚI" with
    "Số: 05/2013/NĐ-CP Ngày: 01/09/2013" per entry): a document list wherever it sits, read by fresh.documents
    besides the section's own pages. An entry is the smallest element showing a number and a date; a side box
    repeated on every inner page gives each distinct entry once."""
    found: list[tuple[CapturedPage, list[Row]]] = []
    seen: set[str] = set()
    for page in analysis.html_pages:
        parsed = analysis.parsed(page)
        if parsed is None or (page is not analysis.home and not analysis.is_reachable(page)):
            continue
        candidates = []
        for el in parsed.body.iter(*_ROW_TAGS):
            if parsed.region.get(el) not in _BOX_REGIONS or el in parsed.hidden:
                continue
            text = collapse_whitespace(" ".join(el.itertext()))
            if len(text) <= 600 and DOCUMENT_NUMBER.search(text) and find_dates(text):
                candidates.append((el, text))
        elements = {el for el, _ in candidates}
        rows: list[Row] = []
        for el, text in candidates:
            if text in seen or any(sub in elements for sub in el.iterdescendants()):
                continue
            if "legal_documents" in analysis.claims(analysis.block_title(page, el) or ""):
                seen.add(text)
                rows.append((el, _row_fields(analysis, page, el)))
        if rows:
            found.append((page, rows))
    return found
