"""Freshness checks (fresh.*): days since the newest dated news item and the newest document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from egov_audit.checks.common import not_found, page_evidence, tz
from egov_audit.checks.info import FRESH_CONCEPTS, document_listing, news_entries, news_listings
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.registry import register
from egov_audit.checks.site import CONTENT_REGIONS, SiteAnalysis, _inside
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.dates import age_days, find_dates, local_date, relative_label
from egov_audit.core.text import collapse_whitespace, match_label

# Column headings of a document table that name the issue date (CRITERIA.md §2 info.legal_documents).
ISSUE_DATE_HEADINGS = ("Ngày ban hành", "Ngày BH", "Ngày ký", "Ngày văn bản", "Ngày VB")


@dataclass(frozen=True)
class _Item:
    """A dated news, announcement or direction item: what fresh.news compares."""

    date: date
    date_text: str
    title: str
    element: etree._Element
    page: CapturedPage


def _grade(days: int, pass_days: float, partial_days: float) -> Status:
    if days <= pass_days:
        return Status.PASS
    if days <= partial_days:
        return Status.PARTIAL
    return Status.FAIL


def _relative_items(analysis: SiteAnalysis, page: CapturedPage, kind: str, ref: datetime,
                    options: CheckOptions, labels: tuple[str, ...]) -> list[_Item]:
    """Listing items dated relatively ("3 ngày trước", "hôm qua"), counted back from the audit moment.

    Only a short element of the page's own content whose whole text is the relative date labels an item (so a
    header clock or "hôm nay" inside a sentence is never read); the item is its nearest ancestor holding one
    item link. ``SiteAnalysis.dated_entries`` reads absolute dates only, as it has no reference moment."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return []
    boiler = analysis.boilerplate_elements(page)
    items: list[_Item] = []
    for el in parsed.body.iter():
        if not isinstance(el.tag, str) or el.tag in {"a", "script", "style"} or len(el):
            continue
        if parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden or _inside(el, boiler):
            continue
        match = relative_label(collapse_whitespace(" ".join(el.itertext())), ref, tz(options))
        if match is None:
            continue
        node, title = el, None
        for _ in range(4):
            node = node.getparent()
            if node is None or node is parsed.body:
                break
            links = {a.get("href"): collapse_whitespace(" ".join(a.itertext())) for a in node.iter("a") if a.get("href")}
            links = {href: text for href, text in links.items() if len(text) >= 8}
            if len(links) > 1:
                break  # the list itself: the label belongs to no single item
            if links:
                title = next(iter(links.values()))
                break
        if title is None:
            continue
        if kind == "home":
            block = analysis.block_title(page, node)
            if not block or not match_label(block, labels):
                continue
        items.append(_Item(match.value, collapse_whitespace(" ".join(el.itertext())), title, node, page))
    return items


def news_items(analysis: SiteAnalysis, options: CheckOptions, ref: datetime) -> list[_Item]:
    """Dated, not future, news, announcement and direction items (CRITERIA.md §5)."""
    items = [_Item(e.date, e.date_text, e.title, e.element, page)
             for e, page, _match in news_entries(analysis, options, FRESH_CONCEPTS)]
    labels = tuple(label for c in FRESH_CONCEPTS for label in analysis.vocabulary.labels(c))
    for page, kind, _match in news_listings(analysis, FRESH_CONCEPTS):
        items += _relative_items(analysis, page, kind, ref, options, labels)
    today = local_date(ref, tz(options))
    return [i for i in items if i.date <= today]


@register("fresh.news", Need.PAGES)
def fresh_news(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Publication dates of news, announcement and direction items only: document issue dates, a
    header's "today", future deadlines and dates inside menus do not count (CRITERIA.md §5)."""
    ref = analysis.reference_time
    if ref is None:
        return Finding("fresh.news", Status.UNKNOWN, reason="no reference time (audited_at) for the crawl")
    items = news_items(analysis, options, ref)
    if not items:
        return not_found(analysis, "fresh.news", "no dated news items found")
    item = max(items, key=lambda i: i.date)
    days = age_days(item.date, ref, tz(options))
    group = "fresh.news"
    pass_days = options.get(group, "pass_days_district" if analysis.site.unit_level == "district" else "pass_days_other")
    status = _grade(days, pass_days, options.get(group, "partial_days"))
    return Finding("fresh.news", status, value=days,
                   evidence=[page_evidence(analysis, item.page, f"{item.title} ({item.date_text})", item.element)],
                   reason=f"newest news item dated {item.date.isoformat()} ({days} days; pass ≤ {pass_days})")


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


@register("fresh.documents", Need.PAGES)
def fresh_documents(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Issue dates of the document list's entries only: a date in a block repeated on every page (the header's
    "Thứ Ba, 10/03/2026") is not a document (CRITERIA.md §5)."""
    ref = analysis.reference_time
    if ref is None:
        return Finding("fresh.documents", Status.UNKNOWN, reason="no reference time (audited_at) for the crawl")
    results, others = document_listing(analysis, options)
    dated = []
    for _match, page, rows in results:
        boiler = analysis.boilerplate_elements(page)
        for row, fields in rows:
            if _inside(row, boiler):
                continue
            issued = document_date(row, fields)
            if issued is not None and age_days(issued, ref, tz(options)) >= 0:
                dated.append((issued, row, page))
    if not dated:
        if any(o is not None and o.status == Status.UNKNOWN for o in others):
            return Finding("fresh.documents", Status.UNKNOWN, reason="document list page did not answer")
        return not_found(analysis, "fresh.documents", "no dated document list found")
    issued, row, page = max(dated, key=lambda d: d[0])
    days = age_days(issued, ref, tz(options))
    status = _grade(days, options.get("fresh.documents", "pass_days"), options.get("fresh.documents", "partial_days"))
    return Finding("fresh.documents", status, value=days,
                   evidence=[page_evidence(analysis, page, " ".join(row.itertext()), row)],
                   reason=f"newest document dated {issued.isoformat()} ({days} days)")
