"""fresh.news: days since the newest dated news, announcement or direction item (CRITERIA.md §2, §5).

Publication dates of those items only: document issue dates, a header's "today", future deadlines and dates
inside menus do not count. Items dated relatively ("3 ngày trước", "hôm qua") are counted back from the
audit moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis, is_inside
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.findings import grade_at_most, not_found, page_evidence
from egov_audit.checks.fresh.article_dates import article_date, undated_items
from egov_audit.checks.info.news_listings import FRESH_CONCEPTS, news_entries, news_listings
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import tz
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.dates import age_days, local_date, relative_label
from egov_audit.core.text import collapse_whitespace, match_label

# The thresholds this check reads: checks.fresh.news in config/checks.yaml, which holds these defaults.
OPTIONS = {
    "pass_days_district": Option(7, "Age in days of the newest news item up to which a district passes."),
    "pass_days_other": Option(30, "Age in days of the newest news item up to which a commune (or any unit "
                                  "not a district) passes."),
    "partial_days": Option(90, "Age in days up to which the news is partial; older is a fail."),
}


@dataclass(frozen=True)
class _Item:
    """A dated news, announcement or direction item: what fresh.news compares."""

    date: date
    date_text: str
    title: str
    element: etree._Element
    page: CapturedPage


def _item_title(node: etree._Element, body: etree._Element) -> tuple[etree._Element, str | None]:
    """The nearest ancestor of a relative-date label holding one item link, and that link's text."""
    for _ in range(4):
        node = node.getparent()
        if node is None or node is body:
            break
        links = {a.get("href"): collapse_whitespace(" ".join(a.itertext())) for a in node.iter("a") if a.get("href")}
        links = {href: text for href, text in links.items() if len(text) >= 8}
        if len(links) > 1:
            break  # the list itself: the label belongs to no single item
        if links:
            return node, next(iter(links.values()))
    return node, None


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
        if parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden or is_inside(el, boiler):
            continue
        match = relative_label(collapse_whitespace(" ".join(el.itertext())), ref, tz(options))
        if match is None:
            continue
        node, title = _item_title(el, parsed.body)
        if title is None:
            continue
        if kind == "home":
            block = analysis.block_title(page, node)
            if not block or not match_label(block, labels):
                continue
        items.append(_Item(match.value, collapse_whitespace(" ".join(el.itertext())), title, node, page))
    return items


def _dated_on_their_pages(analysis: SiteAnalysis, page: CapturedPage, kind: str,
                          labels: tuple[str, ...]) -> list[_Item]:
    """Listing items without a date whose article page shows its publication date (a home tab of titles only,
    the article dated in its own header). On the home page the block must be titled, as news or as a news
    category ("Người tốt - Việc tốt", "Kinh tế"): a title naming another section (documents, schedules) is not."""
    items: list[_Item] = []
    for link, target in undated_items(analysis, page):
        title = analysis.block_title(page, link.element) if kind == "home" else None
        if kind == "home" and (not title or (not match_label(title, labels)
                                             and set(analysis.claims(title)) - set(FRESH_CONCEPTS))):
            continue
        dated = article_date(analysis, target)
        if dated is not None:
            items.append(_Item(dated.match.value, dated.text, link.text, dated.element if dated.element is not None
                               else link.element, target if dated.element is not None else page))
    return items


def news_items(analysis: SiteAnalysis, options: CheckOptions, ref: datetime) -> list[_Item]:
    """Dated, not future, news, announcement and direction items (CRITERIA.md §5): dated in their listing, dated
    relatively there, or undated there and dated on their own article page."""
    items = [_Item(e.date, e.date_text, e.title, e.element, page)
             for e, page, _match in news_entries(analysis, options, FRESH_CONCEPTS)]
    labels = tuple(label for c in FRESH_CONCEPTS for label in analysis.vocabulary.labels(c))
    for page, kind, _match in news_listings(analysis, FRESH_CONCEPTS):
        items += _relative_items(analysis, page, kind, ref, options, labels)
        items += _dated_on_their_pages(analysis, page, kind, labels)
    today = local_date(ref, tz(options))
    return [i for i in items if i.date <= today]


def fresh_news(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
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
    status = grade_at_most(days, pass_days, options.get(group, "partial_days"))
    return Finding("fresh.news", status, value=days,
                   evidence=[page_evidence(analysis, item.page, f"{item.title} ({item.date_text})", item.element)],
                   reason=f"newest news item dated {item.date.isoformat()} ({days} days; pass ≤ {pass_days})")


CHECK = Check(id="fresh.news", title_vi="Tần suất cập nhật tin tức", title_en="News freshness",
              needs=frozenset({Need.PAGES}), run=fresh_news, options=OPTIONS)
