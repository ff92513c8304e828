"""The links of each page: absolute URL, text (or the title/alt of a linked image), region, and whether the
link is the title of a block rather than an item of a listing.

``links`` are the links a visitor sees. ``entry_links`` are every way into a section a visitor can click:
those, the links of dropdown submenus and tab panels opened on demand, and named links that lead nowhere
(``href="#"``, empty: "titled but broken", CRITERIA.md §2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lxml import etree

from egov_audit.checks.analysis.headings import HEADING_TAGS, RE_TITLE_CLASS
from egov_audit.checks.analysis.page_parsing import PageParser
from egov_audit.checks.analysis.page_regions import MAIN
from egov_audit.checks.analysis.site_scope import PerPage
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.dates import find_dates
from egov_audit.core.text import collapse_whitespace, fold


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
    on_demand: bool = False
    """In a dropdown submenu or a tab panel the visitor opens (hidden until then)."""
    dead: bool = False
    """Leads nowhere (``href`` empty, ``#`` or a no-op script): ``url`` is the page's own."""
    image_name: str = ""
    """The file name of the link's only image, as words ("hoi dap" of ``hỏi đáp.jpg``), when it has no text."""


class PageLinks:
    """Every visible ``<a href>`` of each page, read once."""

    def __init__(self, parser: PageParser) -> None:
        self._parser = parser
        self.entry_links: PerPage[list[Link]] = PerPage(self._read)
        self.links: PerPage[list[Link]] = PerPage(
            lambda page: [link for link in self.entry_links(page) if not link.on_demand and not link.dead])

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
            on_demand = a in parsed.on_demand
            if a in parsed.hidden and not on_demand:
                continue
            href = (a.get("href") or "").strip()
            text = collapse_whitespace(" ".join(a.itertext())) or a.get("title") or _img_alt(a)
            text = collapse_whitespace(text or "")
            dead = not href or href == "#" or _RE_NO_OP.match(href) is not None
            if dead and (not text or a.get("onclick") or a.get("data-toggle") or a.get("data-bs-toggle")):
                continue  # a control (a tab, a toggle) or an empty anchor, not a link to a page
            if not dead and href.startswith(("javascript:", "#")):
                continue
            if dead:
                url = urldefrag(page.final_url or page.url)[0]
            else:
                url = urldefrag(urljoin(base, href))[0] if not href.startswith(("mailto:", "tel:")) else href
            result.append(Link(url, text, parsed.region.get(a, MAIN), a, base, _is_block_title(a), on_demand, dead,
                               "" if text else _image_name(a)))
        return result


# Texts of a "more" link: it is named by the block it closes ("Xem tiếp" under the tab "Tin trong huyện").
_GENERIC_TEXTS = frozenset(fold(t) for t in (
    "xem tiếp", "xem thêm", "xem tất cả", "chi tiết", "xem chi tiết", "đọc tiếp", "tất cả", "more", "read more",
    "view more", "view all", "see more", "xem", "tiếp"))
_RE_ARROWS = re.compile(r"^[\s>»›.…+]*$")


def is_generic(text: str) -> bool:
    """A link text that names nothing by itself ("Xem tiếp", "Xem thêm", "»")."""
    if not text.strip():
        return False
    key = fold(text).strip(" .…>»›:")
    return key in _GENERIC_TEXTS or _RE_ARROWS.match(text) is not None


_RE_NO_OP = re.compile(r"^javascript:\s*(void\s*\(\s*0?\s*\)|;)?\s*;?\s*$", re.I)
_RE_IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif|webp|svg|bmp)$", re.I)


def _image_name(a: etree._Element) -> str:
    """The words of the file name of the link's image ("Hoi dap" of ``.../Hoi-dap.jpg``)."""
    img = a.find(".//img")
    if img is None:
        return ""
    name = unquote(urlsplit(img.get("src") or "").path.rsplit("/", 1)[-1])
    name = _RE_IMAGE_EXT.sub("", name)
    return collapse_whitespace(re.sub(r"[-_.+]+", " ", name))


_RE_ITEM_CLASS = re.compile(r"(^|[-_])item([-_\d]|$)", re.I)
_RE_MENU_CLASS = re.compile(r"menu|nav", re.I)


def is_listing_item(el: etree._Element, depth: int = 3) -> bool:
    """Whether the element is (inside) an item of a listing by its class ("news-tab-li-item-title",
    "thumb-item-0"); a menu's items ("menu-item", "ms-navItem") are not listing items."""
    node: etree._Element | None = el
    for _ in range(depth):
        if node is None:
            return False
        if any(_RE_ITEM_CLASS.search(t) and not _RE_MENU_CLASS.search(t) for t in (node.get("class") or "").split()):
            return True
        node = node.getparent()
    return False


def _has_thumbnail(el: etree._Element, href: str | None) -> bool:
    node = el.getparent()
    for _ in range(2):
        if node is None or not href:
            return False
        if any(other.get("href") == href and other.find(".//img") is not None for other in node.iter("a")):
            return True
        node = node.getparent()
    return False


def menu_parent_text(a: etree._Element) -> str | None:
    """The label of the menu item whose submenu holds the link: the first link or text of the nearest
    enclosing ``li`` outside the list the link sits in ("Cơ cấu tổ chức" over "Huyện uỷ")."""
    own_item = next((el for el in a.iterancestors("li")), None)
    if own_item is None:
        return None
    for item in own_item.iterancestors("li"):
        for child in item:
            if not isinstance(child.tag, str) or own_item in set(child.iterdescendants()):
                continue
            text = collapse_whitespace(" ".join(child.itertext()))
            if text:
                return text[:80]
        return None
    return None


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
            # An undated item says what it is by its class ("news-tab-li-item-title") or by the thumbnail
            # beside its title, linking to the same page.
            if is_listing_item(parent) or _has_thumbnail(parent, a.get("href")):
                return False
            return len(list(parent.iter("a"))) == 1
        node = parent
    return False
