"""Link extraction from HTML, with navigation links told apart from the rest.

Navigation links (inside nav/header/footer/menu elements, or elements whose id/class says menu/nav)
are fetched first so a small budget still reaches every section of the portal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from egov_audit.core.html import parse_document
from egov_audit.core.urls import normalize_url

# Linked files whose bodies the checks never need (they only look at the links).
SKIP_EXTENSIONS = frozenset(
    ".pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .rtf .zip .rar .7z .gz .tgz .tar .bz2 .xz "
    ".jpg .jpeg .png .gif .bmp .webp .svg .ico .tif .tiff .mp3 .mp4 .avi .mov .wmv .flv .webm .wav "
    ".exe .msi .apk .iso .dmg .css .js .json .woff .woff2 .ttf .eot .signed .sig".split()
)
_NAV_TAGS = {"nav", "header", "footer", "menu"}
_NAV_WORDS = re.compile(r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|mainmenu|topmenu|header|footer|sidebar)", re.I)
_SPACE = re.compile(r"\s+")


@dataclass
class Link:
    url: str
    """Normalised absolute URL."""
    text: str
    nav: bool


def is_skipped_file(url: str) -> bool:
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot:] in SKIP_EXTENSIONS


def _marks_nav(element: etree._Element) -> bool:
    """Whether this element itself is a navigation region (tag, role, or an id/class saying so)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _NAV_TAGS or element.get("role") in ("navigation", "menubar", "menu"):
        return True
    marker = f"{element.get('id') or ''} {element.get('class') or ''}"
    return bool(marker.strip() and _NAV_WORDS.search(marker))


def _is_nav(element: etree._Element, memo: dict[etree._Element, bool]) -> bool:
    """Whether an ancestor of ``element`` is a navigation region.

    ``memo`` caches the answer per element for one document: the links of a menu share their
    ancestors, so each element is looked at once instead of once per link below it. (lxml hands out
    the same proxy object for a node while a reference to it lives, which the memo keeps.)
    """
    pending: list[etree._Element] = []
    inside = False
    ancestor = element.getparent()
    while ancestor is not None:
        known = memo.get(ancestor)
        if known is not None:
            inside = known
            break
        if _marks_nav(ancestor):
            inside = True
            memo[ancestor] = True
            break
        pending.append(ancestor)
        ancestor = ancestor.getparent()
    # Every element walked through lies below the decision point, so it shares the decision.
    for walked in pending:
        memo[walked] = inside
    return inside


@lru_cache(maxsize=16384)
def _resolve(raw: str, base: str) -> str | None:
    return normalize_url(raw, base)


def _resolve_link(raw: str, base: str) -> str | None:
    """``normalize_url(raw, base)``, cached: a portal repeats its menus on every page.

    The cache key drops what the result cannot depend on (per ``urljoin``), so pages share entries: an
    absolute http(s) URL only takes the base's scheme, an absolute path ("/gioi-thieu") only its
    scheme and host.
    """
    raw = raw.strip()
    if raw.startswith(("http://", "https://")):
        return _resolve(raw, base.split(":", 1)[0] + "://")
    if raw.startswith("/") and not raw.startswith("//"):
        parts = urlsplit(base)
        return _resolve(raw, f"{parts.scheme}://{parts.netloc}/")
    return _resolve(raw, base)


def _text_of(element: etree._Element) -> str:
    text = _SPACE.sub(" ", element.text_content()).strip()
    if not text:
        text = element.get("title") or ""
        if not text:
            for img in element.iter("img"):
                text = img.get("alt") or img.get("title") or ""
                if text:
                    break
    return text.strip()[:300]


def extract_links(html: str, base_url: str) -> list[Link]:
    """All http(s) links of a page (a, area, frame, iframe), normalised, first occurrence wins.

    A link found both in navigation and elsewhere counts as navigation.
    """
    doc = parse_document(html)
    if doc is None:
        return []
    base = base_url
    for base_el in doc.iter("base"):
        href = base_el.get("href")
        if href:
            base = normalize_url(href, base_url) or base_url
        break
    found: dict[str, Link] = {}
    memo: dict[etree._Element, bool] = {}
    for element in doc.iter("a", "area", "frame", "iframe"):
        raw = element.get("href") if element.tag in ("a", "area") else element.get("src")
        if not raw:
            continue
        url = _resolve_link(raw, base)
        if url is None:
            continue
        # Frames carry the page layout: treat them as navigation.
        nav = element.tag in ("frame", "iframe") or _is_nav(element, memo)
        text = _text_of(element) if element.tag in ("a", "area") else ""
        existing = found.get(url)
        if existing is None:
            found[url] = Link(url=url, text=text, nav=nav)
        elif nav and not existing.nav:
            existing.nav = True
            existing.text = existing.text or text
    return list(found.values())


# Markers of a menu container (narrower than _NAV_WORDS: a link-less header or footer is normal).
_MENU_WORDS = re.compile(r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|mainmenu|topmenu|megamenu)", re.I)
# A script that writes markup into the page (DOM building or document.write).
_DOM_BUILDING = re.compile(
    r"createElement\s*\(|appendChild\s*\(|insertAdjacentHTML|innerHTML\s*=|document\.write|\.append\s*\(|\.html\s*\(",
)
_CONTAINER_TAGS = frozenset("nav menu div ul ol section aside td".split())
_MENU_IN_SCRIPT = re.compile(r"menu|nav", re.I)


def navigation_gap(html: str, in_scope_links: int, min_links: int) -> str | None:
    """Why the static HTML probably lacks the portal's navigation (so a rendered DOM is needed), or None.

    Three signs, cheapest first: fewer than ``min_links`` in-scope links; a menu container (``<nav>``,
    ``role=navigation`` or an id/class saying menu/nav) holding no link at all; a script that builds
    markup and names a menu. Portals whose menu is drawn by a script show at least one of these.
    """
    if in_scope_links < min_links:
        return f"only {in_scope_links} in-scope links"
    doc = parse_document(html)
    if doc is None:
        return None
    for element in doc.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag not in _CONTAINER_TAGS:
            continue  # a link-less <button class="navbar-toggler"> or <span class="menu-icon"> is normal
        marker = f"{element.get('id') or ''} {element.get('class') or ''}"
        is_menu = tag in ("nav", "menu") or element.get("role") in ("navigation", "menubar", "menu")
        if not is_menu and not (marker.strip() and _MENU_WORDS.search(marker)):
            continue
        if next(element.iter("a"), None) is None:
            return f"empty menu container <{tag} {marker.strip()[:60]}>"
    for script in doc.iter("script"):
        code = script.text or ""
        if _DOM_BUILDING.search(code) and _MENU_IN_SCRIPT.search(code):
            return "menu built by a script"
    return None
