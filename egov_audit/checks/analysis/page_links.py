"""The links of each page: absolute URL, text (or the title/alt of a linked image), region, and whether the
link is the title of a block rather than an item of a listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from lxml import etree

from egov_audit.checks.analysis.headings import HEADING_TAGS, RE_TITLE_CLASS
from egov_audit.checks.analysis.page_parsing import PageParser
from egov_audit.checks.analysis.page_regions import MAIN
from egov_audit.checks.analysis.site_scope import PerPage
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.dates import find_dates
from egov_audit.core.text import collapse_whitespace


@dataclass
class Link:
    """An ``<a href>`` on a page, with its text and the region it sits in."""

    url: str
    """Absolute, without fragment."""
    text: str
    region: str
    element: etree._Element
    page_url: str
    block_title: bool = False
    """The link is a block or section title (a heading or title element), not an item of a listing."""


class PageLinks:
    """Every visible ``<a href>`` of each page, read once."""

    def __init__(self, parser: PageParser) -> None:
        self._parser = parser
        self.links: PerPage[list[Link]] = PerPage(self._read)

    def _read(self, page: CapturedPage) -> list[Link]:
        parsed = self._parser.parsed(page)
        result: list[Link] = []
        if parsed is None:
            return result
        base = page.final_url or page.url
        base_el = parsed.doc.find(".//base[@href]")
        if base_el is not None:
            base = urljoin(base, base_el.get("href", ""))
        for a in parsed.body.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#")) or a in parsed.hidden:
                continue
            url = urldefrag(urljoin(base, href))[0] if not href.startswith(("mailto:", "tel:")) else href
            text = collapse_whitespace(" ".join(a.itertext())) or a.get("title") or _img_alt(a)
            result.append(
                Link(url, collapse_whitespace(text or ""), parsed.region.get(a, MAIN), a, base, _is_block_title(a))
            )
        return result


def _img_alt(a: etree._Element) -> str:
    for img in a.iter("img"):
        if img.get("alt"):
            return img.get("alt") or ""
    return ""


def _is_block_title(a: etree._Element) -> bool:
    """A link that is the title of a block ("TIN TỨC" over a list of news, "Xem tất cả"), judged by
    the element it sits in: a heading or a title-classed element whose only link is this one."""
    node = a
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            return False
        classes = f"{parent.get('class') or ''} {parent.get('id') or ''}"
        is_title = parent.tag in HEADING_TAGS or RE_TITLE_CLASS.search(classes) is not None
        if is_title:
            # Item titles inside a listing ("news-title") sit next to dates and summaries; a block
            # title is followed by a list. Tell them apart by the presence of a date in the item.
            container = parent.getparent()
            if container is not None and find_dates(" ".join(container.itertext())[:400]):
                return False
            return len(list(parent.iter("a"))) == 1
        node = parent
    return False
