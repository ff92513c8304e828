"""fresh.documents: days since the newest document of the document list, by its issue date (CRITERIA.md §2).

Issue dates of the list's entries only: a date in a block repeated on every page (the header's
"Thứ Ba, 10/03/2026") is not a document (§5).
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from egov_audit.checks.analysis import SiteAnalysis, is_inside
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.findings import grade_at_most, not_found, page_evidence
from egov_audit.checks.info.document_lists import Row, document_blocks, document_listing
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import tz
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.dates import age_days, find_dates
from egov_audit.core.text import collapse_whitespace, match_label

# Column headings of a document table that name the issue date (CRITERIA.md §2 info.legal_documents).
ISSUE_DATE_HEADINGS = ("Ngày ban hành", "Ngày BH", "Ngày ký", "Ngày văn bản", "Ngày VB")


# The thresholds this check reads: checks.fresh.documents in config/checks.yaml, which holds these defaults.
OPTIONS = {
    "pass_days": Option(90, "Age in days of the newest document up to which the list passes."),
    "partial_days": Option(365, "Age in days up to which the list is partial; older is a fail."),
}


def _issue_column(row: etree._Element) -> int | None:
    """Index of the issue-date column ("Ngày ban hành") in the table ``row`` belongs to, if its heading names one."""
    table = next((a for a in row.iterancestors() if a.tag == "table"), None)
    if table is None:
        return None
    for head in table.iter("tr"):
        cells = [c for c in head if isinstance(c.tag, str) and c.tag in {"th", "td"}]
        if not any(c.tag == "th" for c in cells):
            continue
        for i, cell in enumerate(cells):
            if match_label(collapse_whitespace(" ".join(cell.itertext())), ISSUE_DATE_HEADINGS):
                return i
        return None
    return None


def document_date(row: etree._Element, fields: dict[str, object]) -> date | None:
    """A document row's issue date: from the "Ngày ban hành" column when the table heads one, else the row's
    first date (the date a list item shows, or a row whose cells do not line up with the heading)."""
    column = _issue_column(row)
    if column is not None:
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in {"th", "td"}]
        if column < len(cells):
            dates = find_dates(" ".join(cells[column].itertext()))
            if dates:
                return dates[0].value
    issued = fields.get("issued")
    return issued if isinstance(issued, date) else None


def _dated_rows(analysis: SiteAnalysis, options: CheckOptions,
                listed: list[tuple[CapturedPage, list[Row], set[etree._Element]]]
                ) -> list[tuple[date, etree._Element, CapturedPage]]:
    """Rows with an issue date that is not in the future, outside the given excluded elements."""
    ref = analysis.reference_time
    dated = []
    for page, rows, excluded in listed:
        for row, fields in rows:
            issued = document_date(row, fields) if not is_inside(row, excluded) else None
            if issued is not None and ref is not None and age_days(issued, ref, tz(options)) >= 0:
                dated.append((issued, row, page))
    return dated


def fresh_documents(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    ref = analysis.reference_time
    if ref is None:
        return Finding("fresh.documents", Status.UNKNOWN, reason="no reference time (audited_at) for the crawl")
    results, others = document_listing(analysis, options)
    # The section's own rows (a repeated block on its page is not its list). When the section is there but its
    # pages show no dated row (its menu entry answers 404, its page lists nothing), the boxes titled as
    # documents show the list's newest entries: repeated blocks by nature (a "VĂN BẢN MỚI" side box on every
    # page). No document section at all is "no document list" (CRITERIA.md §5), whatever a box shows.
    dated = _dated_rows(analysis, options, [(page, rows, analysis.boilerplate_elements(page))
                                            for _match, page, rows in results])
    if not dated and any(o is not None and o.status == Status.UNKNOWN for o in others):
        return Finding("fresh.documents", Status.UNKNOWN, reason="document list page did not answer")
    if not dated and (results or others):
        dated = _dated_rows(analysis, options, [(page, rows, set()) for page, rows in document_blocks(analysis)])
    if not dated:
        return not_found(analysis, "fresh.documents", "no dated document list found")
    issued, row, page = max(dated, key=lambda d: d[0])
    days = age_days(issued, ref, tz(options))
    status = grade_at_most(days, options.get("fresh.documents", "pass_days"),
                           options.get("fresh.documents", "partial_days"))
    return Finding("fresh.documents", status, value=days,
                   evidence=[page_evidence(analysis, page, " ".join(row.itertext()), row)],
                   reason=f"newest document dated {issued.isoformat()} ({days} days)")


CHECK = Check(id="fresh.documents", title_vi="Tần suất cập nhật văn bản", title_en="Document freshness",
              needs=frozenset({Need.PAGES}), run=fresh_documents, options=OPTIONS)
