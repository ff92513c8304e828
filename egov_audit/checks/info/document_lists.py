"""Document lists (shared by info.legal_documents and fresh.documents): the rows of a *Văn bản* listing and
the fields each shows: number/symbol (*số ký hiệu*), issue date, summary (*trích yếu*), downloadable file."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SectionMatch, SiteAnalysis, is_file_url
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Outcome, evaluate, no_content
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.dates import find_dates
from egov_audit.core.text import collapse_whitespace, match_label

DOCUMENT_FIELDS = ("number", "issued", "summary")
_DOC_NUMBER = re.compile(r"(?<![\w/])\d{1,5}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐ0-9]*(?:\s*-\s*[A-ZĐ0-9]+)*(?![\w])")
_DOWNLOAD_WORDS = ("Tải về", "Tải xuống", "Download", "File đính kèm", "Tệp đính kèm", "Đính kèm", "Tải văn bản")
_RE_FILE_HREF = re.compile(r"download|attach|dinhkem|file", re.I)

Row = tuple[etree._Element, dict[str, object]]


def _row_fields(analysis: SiteAnalysis, page: CapturedPage, row: etree._Element) -> dict[str, object]:
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
