"""What names a page or a block of it: the page's own headings, its breadcrumb trail, and the title of the
box an element sits in ("TIN TỨC" over a list of news).
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from lxml import etree

from egov_audit.checks.analysis.page_parsing import PageParser
from egov_audit.checks.analysis.page_regions import BREADCRUMB, CONTENT_REGIONS
from egov_audit.checks.analysis.site_scope import PerPage
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.text import collapse_whitespace

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
RE_TITLE_CLASS = re.compile(r"title|heading|header|caption|tieu-?de", re.I)
_TRAIL_SEPARATORS = frozenset({">", "»", "/", "›"})

Heading = tuple[str, etree._Element]


class PageHeadings:
    """Headings and breadcrumb of each page, read once (every concept's section search reads them all)."""

    def __init__(self, parser: PageParser) -> None:
        self._parser = parser
        self.headings: PerPage[list[Heading]] = PerPage(self._read_headings)
        self.breadcrumb: PerPage[list[Heading]] = PerPage(self._read_breadcrumb)

    def _read_headings(self, page: CapturedPage) -> list[Heading]:
        """The page's own headings: h1–h3 in the content regions that are not links to other pages."""
        parsed = self._parser.parsed(page)
        if parsed is None:
            return []
        found: list[Heading] = []
        for el in parsed.body.iter("h1", "h2", "h3"):
            if parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden:
                continue
            if any(_links_elsewhere(a, page) for a in el.iter("a")):
                continue
            text = collapse_whitespace(" ".join(el.itertext()))
            if text:
                found.append((text, el))
        return found

    def _read_breadcrumb(self, page: CapturedPage) -> list[Heading]:
        """Items of the breadcrumb trail, in order (the last one names the page itself)."""
        parsed = self._parser.parsed(page)
        if parsed is None:
            return []
        for el in parsed.body.iter():
            if isinstance(el.tag, str) and parsed.region.get(el) == BREADCRUMB and (
                el.getparent() is None or parsed.region.get(el.getparent()) != BREADCRUMB
            ):
                items = [c for c in el.iter("a", "li", "span") if c.tag == "a" or not list(c.iter("a"))]
                trail = [(collapse_whitespace(" ".join(c.itertext())), c) for c in items]
                trail = [(t, c) for t, c in trail if t and t not in _TRAIL_SEPARATORS]
                if trail:
                    return trail
        return []


def block_title(element: etree._Element) -> str | None:
    """Title of the block (box, column) an element sits in: the nearest heading that precedes it."""
    node = element
    for _ in range(10):
        parent = node.getparent()
        if parent is None:
            return None
        for sibling in parent:
            if sibling is node:
                break
            if not isinstance(sibling.tag, str):
                continue
            title = _title_text(sibling)
            if title:
                return title
        node = parent
    return None


def _title_text(el: etree._Element) -> str | None:
    tag = el.tag
    classes = f"{el.get('class') or ''} {el.get('id') or ''}"
    if tag in HEADING_TAGS or (tag in {"div", "span", "p", "a", "strong"} and RE_TITLE_CLASS.search(classes)):
        text = collapse_whitespace(" ".join(el.itertext()))
        if 0 < len(text) <= 80:
            return text
    return None


def _links_elsewhere(a: etree._Element, page: CapturedPage) -> bool:
    href = (a.get("href") or "").strip()
    if not href or href.startswith("#") or href.startswith("javascript:"):
        return False
    target = urldefrag(urljoin(page.final_url or page.url, href))[0].rstrip("/")
    return target not in {(page.final_url or "").rstrip("/"), page.url.rstrip("/")}
