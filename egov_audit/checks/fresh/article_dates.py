"""The publication date an article shows on its own page, for listing items that show none (fresh.news).

Many skins list news without dates (a home tab "Tin tổng hợp" of titles only, a "Tin khác" list) and print the
date on the article page: a header cell "thứ năm, 08 08 2019 08:51" beside the category, a line "Đăng lúc:
25/11/2026 08:15", or ``article:published_time``/``DC.date`` in the head (CRITERIA.md §5 counts ``DC.date`` of
article pages). The date is read from the page's own content only: a short element whose text is a date with at
most a label, outside repeated blocks and outside any listing on the page (a "Tin khác" item's date is that
item's, not the article's).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, Link, SiteAnalysis, is_inside
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.dates import DateMatch, find_dates, parse_date
from egov_audit.core.text import collapse_whitespace, strip_diacritics

# Meta tags that carry an article's publication date (Open Graph / schema.org / Dublin Core).
_DATE_META = ("article:published_time", "dc.date", "dcterms.date", "dc.date.created", "dcterms.created",
              "datepublished")
# What may stand beside the date in its element: a label ("Ngày đăng", "Cập nhật lúc"), a weekday, a zone.
# The article metadata cues of vocabulary.md §2 ("Ngày đăng", "Lượt xem", "Đăng lúc … (GMT+7)", "Cỡ chữ").
_LABEL_WORDS = frozenset(
    "ngay dang cap nhat luc dang gio dang tin thoi gian dang bai dang viet dang ngay gmt utc +7 am pm sa ch thu hai "
    "ba tu nam sau bay chu nhat cn luot xem so co voi mac dinh posted on published updated date views".split())
_MAX_LABEL_CHARS = 80


@dataclass(frozen=True)
class ArticleDate:
    """An article's own publication date and where the page shows it (``element`` None: a meta tag)."""

    match: DateMatch
    text: str
    element: etree._Element | None


def _only_a_label(text: str, match: DateMatch) -> bool:
    """The element says nothing but the date and its label ("Cập nhật: 25/11/2026 08:15 (GMT+7)")."""
    plain = strip_diacritics(text).lower()
    rest = plain.replace(match.text.lower(), " ")
    # Digits (a view count) and single letters (the "A A A" of font-size buttons) say nothing either.
    words = [w for w in "".join(c if c.isalnum() or c == "+" else " " for c in rest).split()
             if not w.isdigit() and len(w) > 1]
    return all(w in _LABEL_WORDS for w in words)


def _meta_date(analysis: SiteAnalysis, page: CapturedPage) -> ArticleDate | None:
    doc = analysis.doc(page)
    if doc is None:
        return None
    for meta in doc.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if name in _DATE_META:
            dates = find_dates(meta.get("content"))
            if dates:
                return ArticleDate(dates[0], f"{name}={meta.get('content')}", None)
    return None


def article_date(analysis: SiteAnalysis, page: CapturedPage) -> ArticleDate | None:
    """The publication date shown on an article's own page, or None when the page shows none."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return None
    boiler = analysis.boilerplate_elements(page)
    for el in parsed.body.iter():
        if not isinstance(el.tag, str) or el.tag in {"a", "script", "style", "option"}:
            continue
        if parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden or is_inside(el, boiler):
            continue
        if any(isinstance(c.tag, str) and c.tag not in {"span", "i", "em", "b", "strong", "small", "br"} for c in el):
            continue  # a container: its date belongs to the child that shows it
        text = collapse_whitespace(" ".join(el.itertext()))
        if not text or len(text) > _MAX_LABEL_CHARS:
            continue
        dates = find_dates(text)
        if len(dates) != 1 or not _only_a_label(text, dates[0]):
            continue
        parent = el.getparent()
        if parent is not None and any(collapse_whitespace(" ".join(a.itertext())) for a in parent.iter("a")):
            continue  # the date of an item of a list on the page ("Tin khác: … (08/08/2019)")
        return ArticleDate(dates[0], text, el)
    return _meta_date(analysis, page)


def undated_items(analysis: SiteAnalysis, page: CapturedPage, limit: int = 20) -> list[tuple[Link, CapturedPage]]:
    """Links of the page's own listings to fetched in-scope pages whose item shows no date of its own, with the
    item's page (at most ``limit``)."""
    dated = {e.url for e in analysis.dated_entries(page)}
    boiler = analysis.boilerplate_elements(page)
    found: list[tuple[Link, CapturedPage]] = []
    for link in analysis.links(page):
        if link.region not in CONTENT_REGIONS or len(link.text) < 15 or link.url in dated:
            continue
        # A title-classed link under a block's own title is an item's title ("news-tab-li-item-title" in a tab).
        if link.block_title and not analysis.block_title(page, link.element):
            continue
        if is_inside(link.element, boiler) or any(link.url == f.url for f, _ in found) or parse_date(link.text):
            continue
        target = analysis.page(link.url) if analysis.in_scope(link.url) else None
        if target is not None and target.ok and target is not page:
            found.append((link, target))
            if len(found) >= limit:
                break
    return found
