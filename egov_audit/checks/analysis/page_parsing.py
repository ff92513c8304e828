"""One parse of each captured page (lxml), its regions, and its visible text.

The rendered DOM is parsed when there is one (what a visitor sees, JavaScript menus included), else the
static HTML. Text is "visible" as CRITERIA.md §5 means published: no scripts, styles, comments or hidden
elements, one line per block element.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from egov_audit.checks.analysis.page_regions import MAIN, mark_regions, revealed_on_demand, tab_titles
from egov_audit.checks.analysis.site_scope import PerPage
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.html import parse_document
from egov_audit.core.text import collapse_whitespace

SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg"})
BLOCK_TAGS = frozenset(
    "p div li ul ol tr td th table h1 h2 h3 h4 h5 h6 dd dt dl section article aside nav header footer "
    "main form fieldset blockquote pre br hr figure figcaption address tbody thead option".split()
)
_SPACED_INLINE_TAGS = frozenset({"span", "a", "td", "label", "strong", "b", "em", "i"})


@dataclass
class ParsedPage:
    """A page's document, its ``<body>``, the region of each element and the hidden elements."""

    doc: etree._Element
    body: etree._Element
    region: dict[etree._Element, str]
    hidden: set[etree._Element]
    on_demand: set[etree._Element] = field(default_factory=set)
    """The hidden elements a visitor opens with a shown control (dropdown submenus, tab panels)."""
    tab_titles: dict[etree._Element, str] = field(default_factory=dict)
    """Tab panels (shown or not) and the text of the tab that opens each."""


def parse_page(page: CapturedPage) -> ParsedPage | None:
    # The rendered DOM, when there is one, is what a visitor sees (JavaScript menus).
    doc = parse_document(page.rendered_html or page.html)
    if doc is None:
        return None
    body = doc.find("body")
    if body is None:
        body = doc
    region, hidden = mark_regions(body)
    return ParsedPage(doc, body, region, hidden, revealed_on_demand(body, hidden, region),
                      tab_titles(body, hidden))


class PageParser:
    """Parses each page once (by the URL it was served from) and answers questions about its elements."""

    def __init__(self) -> None:
        self.parsed: PerPage[ParsedPage | None] = PerPage(parse_page)
        self.id_counts: PerPage[Counter[str]] = PerPage(self._count_ids)
        """How many elements carry each id (a locator uses ``#id`` only when it is unique)."""

    def _count_ids(self, page: CapturedPage) -> Counter[str]:
        parsed = self.parsed(page)
        if parsed is None:
            return Counter()
        return Counter(el.get("id") for el in parsed.doc.iter() if isinstance(el.tag, str) and el.get("id"))

    def doc(self, page: CapturedPage) -> etree._Element | None:
        parsed = self.parsed(page)
        return parsed.doc if parsed else None

    def region_of(self, page: CapturedPage, element: etree._Element) -> str:
        parsed = self.parsed(page)
        return parsed.region.get(element, MAIN) if parsed else MAIN

    def is_hidden(self, page: CapturedPage, element: etree._Element) -> bool:
        parsed = self.parsed(page)
        return bool(parsed and element in parsed.hidden)

    def visible_text(self, page: CapturedPage, element: etree._Element | None = None,
                     regions: frozenset[str] | None = None, skip: set[etree._Element] | None = None) -> str:
        """Visible text (no scripts, styles, comments or hidden elements), lines at block boundaries; only the
        ``regions`` asked for, leaving the ``skip`` elements out."""
        parsed = self.parsed(page)
        if parsed is None:
            return ""
        root = parsed.body if element is None else element
        out: list[str] = []
        _walk_text(root, out, parsed, regions, skip)
        return clean_lines("".join(out))


def _walk_text(el: etree._Element, out: list[str], parsed: ParsedPage, regions: frozenset[str] | None,
               skip: set[etree._Element] | None) -> None:
    if not isinstance(el.tag, str):  # comments and processing instructions are not visible text
        return
    if el.tag in SKIP_TAGS or el in parsed.hidden or (skip and el in skip):
        return
    wanted = regions is None or parsed.region.get(el, MAIN) in regions
    block = el.tag in BLOCK_TAGS
    if block:
        out.append("\n")
    if wanted and el.text:
        out.append(el.text)
    if el.tag == "img" and wanted and el.get("alt"):
        out.append(" ")
    for child in el:
        _walk_text(child, out, parsed, regions, skip)
        if child.tail and wanted:
            out.append(child.tail)
    if block:
        out.append("\n")
    elif el.tag in _SPACED_INLINE_TAGS:
        out.append(" ")


def clean_lines(text: str) -> str:
    lines = (collapse_whitespace(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def is_inside(element: etree._Element, group: set[etree._Element]) -> bool:
    """Whether ``element`` or one of its ancestors is in ``group``."""
    if not group:
        return False
    node: etree._Element | None = element
    while node is not None:
        if node in group:
            return True
        node = node.getparent()
    return False
