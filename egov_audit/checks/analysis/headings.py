"""What names a page or a block of it: the page's own headings, its breadcrumb trail, and the title of the
box an element sits in ("TIN TỨC" over a list of news).
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from lxml import etree

from egov_audit.checks.analysis.page_parsing import PageParser
from egov_audit.checks.analysis.page_regions import BREADCRUMB, CONTENT_REGIONS, control_targets, names_panel
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
    """Title of the block (box, column) an element sits in: the nearest heading that precedes it, or the
    tab that opens the tab panel it sits in."""
    node = element
    path = [element]
    for _ in range(10):
        parent = node.getparent()
        if parent is None:
            return None
        for sibling in parent:
            if sibling is node:
                break
            if not isinstance(sibling.tag, str):
                continue
            title = _title_text(sibling) or _tab_title(sibling, path)
            if title:
                return title
        node = parent
        path.append(node)
    return None


# A class word naming a tab list: "tabs", "nav-tabs", "ui-tabs-nav", "tab-list", "tabs-header" (not "tab-pane").
_RE_TAB_LIST = re.compile(r"(ui[-_])?(nav[-_])?tabs?([-_]?(nav|list|header|title|menu|links)s?)?", re.I)
_RE_ACTIVE = re.compile(r"active|selected|current", re.I)


def _tab_title(tabs: etree._Element, path: list[etree._Element]) -> str | None:
    """The label of the tab that opens the panel an element sits in (``path``: the element and its ancestors up
    to the one ``tabs`` precedes) when ``tabs`` is a tab list (jQuery UI, Bootstrap, ARIA, SharePoint
    "ShowTab('x')" templates): the tab whose href, aria-controls, data target or onclick argument names the id
    of an element on the path (or its last part: ``ShowTab('thong-bao')`` for ``tab-content-thong-bao``), else
    the list's only tab, or its active one."""
    names = f"{tabs.get('class') or ''} {tabs.get('id') or ''}".split()
    if tabs.get("role") != "tablist" and not any(_RE_TAB_LIST.fullmatch(n) for n in names):
        return None
    # The tabs: list items, or bare links/buttons when the list has no items.
    items = list(tabs.iter("li")) or list(tabs.iter("a", "button"))
    if not items:
        return None
    ids = [el.get("id") or "" for el in path if el.get("id")]
    for item in items:
        if any(names_panel(t, i) for t in control_targets(item) for i in ids):
            return _label(item)
    active = [i for i in items if _RE_ACTIVE.search(i.get("class") or "") or i.get("aria-selected") == "true"]
    if len(items) == 1 or len(active) == 1:
        return _label((active or items)[0])
    return None


def _label(el: etree._Element) -> str | None:
    text = collapse_whitespace(" ".join(el.itertext()))
    return text if 0 < len(text) <= 80 else None


def _title_text(el: etree._Element) -> str | None:
    tag = el.tag
    classes = f"{el.get('class') or ''} {el.get('id') or ''}"
    if tag in HEADING_TAGS or (tag in {"div", "span", "p", "a", "strong"} and RE_TITLE_CLASS.search(classes)):
        text = collapse_whitespace(" ".join(el.itertext()))
        if 0 < len(text) <= 80:
            return text
    return _caption(el)


# DotNetNuke skins title a module with class "Head" (or "SubHead"), which names no title in English.
_HEAD_CLASS = re.compile(r"((sub|box|module|block|portlet)[-_]?)?head", re.I)


def _caption(el: etree._Element) -> str | None:
    """A box caption of old layouts: a DotNetNuke module's "Head", or a one-cell table in capitals, with no
    link, over the box's list ("VĂN BẢN MỚI" over a SharePoint web part). Only these idioms: an uppercase line
    inside a box (a sub-caption, a title in capitals) must not hide the box's own heading."""
    if el.find(".//a") is not None or el.tag in {"a", "script", "style"}:
        return None
    if any(_HEAD_CLASS.fullmatch(word) for word in (el.get("class") or "").split()):
        text = collapse_whitespace(" ".join(el.itertext()))
        return text if 0 < len(text) <= 80 else None
    if el.tag != "table" or len(list(el.iter("td", "th"))) != 1:
        return None
    text = collapse_whitespace(" ".join(el.itertext()))
    letters = [c for c in text if c.isalpha()]
    if len(text) > 50 or len(letters) < 4 or len(text.split()) < 2 or any(c.islower() for c in letters):
        return None
    return text


def _links_elsewhere(a: etree._Element, page: CapturedPage) -> bool:
    href = (a.get("href") or "").strip()
    if not href or href.startswith("#") or href.startswith("javascript:"):
        return False
    target = urldefrag(urljoin(page.final_url or page.url, href))[0].rstrip("/")
    return target not in {(page.final_url or "").rstrip("/"), page.url.rstrip("/")}
