"""Dated entries: the items of a page's own listings that show a date (a news item, a document row, a
schedule entry), linked to a page of their own or plain text.

Freshness (CRITERIA.md §2 ``fresh.*``) and "at least one dated entry" (the section rule) read these; a
date in navigation or in a block repeated on every page (a header's "Thứ Ba, 10/03/2026") is never one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urldefrag, urljoin

from lxml import etree

from egov_audit.checks.analysis.boilerplate import Boilerplate
from egov_audit.checks.analysis.page_links import PageLinks
from egov_audit.checks.analysis.page_parsing import BLOCK_TAGS, PageParser, ParsedPage, is_inside
from egov_audit.checks.analysis.page_regions import CONTENT_REGIONS
from egov_audit.checks.analysis.site_scope import PerPage, SiteScope, is_file_url, page_key
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.dates import DateMatch, find_dates, relative_label
from egov_audit.core.text import collapse_whitespace

# Elements that hold one item of a listing when the item is plain text with a date.
_PLAIN_ITEM_TAGS = ("li", "tr", "p", "div", "dd")
_RE_TITLE_PUNCTUATION = re.compile(r"[()\[\]\-–—|,.:]+")


@dataclass
class DatedEntry:
    """An item of a listing that shows a date (a news item, a document row, a schedule entry)."""

    title: str
    url: str | None
    date: date
    date_text: str
    element: etree._Element
    text: str
    page_url: str


class DatedEntries:
    """The dated entries of each page, read once."""

    def __init__(self, scope: SiteScope, parser: PageParser, links: PageLinks, boilerplate: Boilerplate) -> None:
        self._scope = scope
        self._parser = parser
        self._links = links
        self._boilerplate = boilerplate
        self.of: PerPage[list[DatedEntry]] = PerPage(self._read)

    def _read(self, page: CapturedPage) -> list[DatedEntry]:
        """Items of the page's own listings that show a date (navigation and repeated blocks excluded)."""
        parsed = self._parser.parsed(page)
        if parsed is None:
            return []
        boiler = self._boilerplate.elements(page)
        entries = self._linked_entries(page, boiler)
        if not self._boilerplate.is_placeholder(page):
            entries += self._plain_entries(page, parsed, boiler, entries)
        return entries

    def _linked_entries(self, page: CapturedPage, boiler: set[etree._Element]) -> list[DatedEntry]:
        """Listing links whose item shows a date of its own."""
        entries: list[DatedEntry] = []
        seen: set[tuple[str | None, date]] = set()
        for link in self._links.links(page):
            if link.region not in CONTENT_REGIONS or link.block_title or link.url.startswith(("mailto:", "tel:")):
                continue
            if len(link.text) < 8 or is_inside(link.element, boiler):
                continue
            container, match = _item_with_date(link.element, link.url, page, self._scope.reference_time)
            if match is None or container is None:
                continue
            item = (link.url, match.value)
            if item in seen:
                continue
            seen.add(item)
            text = collapse_whitespace(" ".join(container.itertext()))
            entries.append(DatedEntry(link.text, link.url, match.value, match.text, container, text, page_key(page)))
        return entries

    def _plain_entries(self, page: CapturedPage, parsed: ParsedPage, boiler: set[etree._Element],
                       linked: list[DatedEntry]) -> list[DatedEntry]:
        """Listing items that are plain text with a date and no link of their own ("Chủ tịch UBND chỉ đạo …
        (03/03/2026)"): dated entries of the section, though they have no page to open (CRITERIA.md §2)."""
        key = page_key(page)
        taken = {e.element for e in linked}
        found: list[DatedEntry] = []
        for el in parsed.body.iter(*_PLAIN_ITEM_TAGS):
            if parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden or is_inside(el, boiler):
                continue
            if el.find(".//th") is not None or is_inside(el, taken) or any(t in taken for t in el.iter()):
                continue
            # An item that links to a page of its own is a linked entry, found (or rejected) above.
            if any(len(collapse_whitespace(" ".join(a.itertext()))) >= 8 and not is_file_url(a.get("href") or "")
                   for a in el.iter("a")):
                continue
            text = collapse_whitespace(" ".join(el.itertext()))
            if len(text) > 400:
                continue  # a paragraph of prose, not a listing item
            dates = find_dates(text)
            if not dates:
                continue
            title = text
            for d in dates:
                title = title.replace(d.text, " ")
            title = collapse_whitespace(_RE_TITLE_PUNCTUATION.sub(" ", title))
            if sum(c.isalpha() for c in title) < 15:
                continue  # a bare date ("Thứ Ba, 10/03/2026" in a header) is not an item
            found.append(DatedEntry(title, None, dates[0].value, dates[0].text, el, text, key))
        # The smallest item only: a list, a table or a wrapper around items is not itself an item.
        elements = {e.element for e in found}
        return [e for e in found if not any(sub in elements for sub in e.element.iterdescendants())]


def _relative_in(node: etree._Element, reference: datetime | None) -> DateMatch | None:
    """A relative date ("3 ngày trước") labelling the item: a short element of the item whose whole text is one."""
    if reference is None:
        return None
    for el in node.iter():
        if isinstance(el.tag, str) and el.tag != "a" and not len(el):
            match = relative_label(collapse_whitespace(" ".join(el.itertext())), reference)
            if match is not None:
                return match
    return None


def _item_with_date(a: etree._Element, url: str, page: CapturedPage,
                    reference: datetime | None = None) -> tuple[etree._Element | None, DateMatch | None]:
    """The smallest ancestor of a listing link that shows a date and holds no other item's link."""
    node = a
    for _ in range(5):
        text = " ".join(node.itertext())
        dates = find_dates(text[:600])
        if dates:
            return node, dates[0]
        relative = _relative_in(node, reference)
        if relative is not None:
            return node, relative
        parent = node.getparent()
        if parent is None:
            return None, None
        if parent.tag in {"body", "html"}:
            return _line_with_date(node, reference)
        others = {
            urldefrag(urljoin(page.final_url or page.url, x.get("href") or ""))[0]
            for x in parent.iter("a")
            if len(collapse_whitespace(" ".join(x.itertext()))) >= 8
        }
        others.discard(url)
        if others:  # the parent is the list itself: this item has no date of its own
            return _line_with_date(node, reference)
        node = parent
    return None, None


def _line_with_date(node: etree._Element, reference: datetime | None = None
                    ) -> tuple[etree._Element | None, DateMatch | None]:
    """A listing without item elements, one item per line ("<a>Title</a> <i>01/03/2026</i><br>"): the date
    written after the link on its own line, before the next ``<br>`` or link."""
    parts = [node.tail or ""]
    for sibling in node.itersiblings():
        if not isinstance(sibling.tag, str):
            parts.append(sibling.tail or "")
            continue
        if sibling.tag in BLOCK_TAGS or sibling.tag == "a" or sibling.find(".//a") is not None:
            break
        relative = _relative_in(sibling, reference)
        if relative is not None and not find_dates(" ".join(parts)):
            return node, relative
        parts.append(" ".join(sibling.itertext()))
        parts.append(sibling.tail or "")
    dates = find_dates(" ".join(parts)[:200])
    return (node, dates[0]) if dates else (None, None)
