"""SiteAnalysis: one parse of a captured site, shared by every check.

It parses each page once (lxml), classifies every element by the region it sits in (navigation,
header, footer, sidebar, breadcrumb, main content, article body), separates boilerplate (blocks
repeated across the site's pages) from each page's own content, builds CSS locators usable with
``document.querySelector``, and recognises sections the way CRITERIA.md §5 says: from navigation
labels, block titles, HTML-sitemap entries, a page's own heading or breadcrumb, and URL slugs, never
from the title or body of an item inside a listing or an article.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from egov_audit.checks.vocabulary import Vocabulary, load_vocabulary
from egov_audit.core.artifacts import CapturedPage, CapturedSite
from egov_audit.core.dates import DateMatch, find_dates, relative_label
from egov_audit.core.text import collapse_whitespace, fold, match_label, slug_matches
from egov_audit.core.urls import normalize_url

NAV, HEADER, FOOTER, SIDEBAR, BREADCRUMB, MAIN, ARTICLE = (
    "nav", "header", "footer", "sidebar", "breadcrumb", "main", "article",
)
NAV_REGIONS = frozenset({NAV, HEADER, FOOTER, SIDEBAR, BREADCRUMB})
CONTENT_REGIONS = frozenset({MAIN, ARTICLE})

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg"})
_BLOCK_TAGS = frozenset(
    "p div li ul ol tr td th table h1 h2 h3 h4 h5 h6 dd dt dl section article aside nav header footer "
    "main form fieldset blockquote pre br hr figure figcaption address tbody thead option".split()
)
_CONTAINER_TAGS = frozenset({"div", "section", "ul", "ol", "table", "p", "dl", "form", "aside", "nav", "center"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that hold one item of a listing when the item is plain text with a date.
_PLAIN_ITEM_TAGS = ("li", "tr", "p", "div", "dd")

# Class/id tokens that name a region. Matched on "-"/"_" separated words so "text-left" or
# "block-header" (a sidebar block's title) are not mistaken for page regions.
_RE_BREADCRUMB = re.compile(r"breadcrumb|duong-?dan|path-?way", re.I)
# A short prefix glued to "menu"/"nav" names a menu too: "mainmenu", "topmenu", DotNetNuke's "dnnMENU"/"dnnNav".
_RE_NAV = re.compile(r"(^|[-_\s])([a-z]{0,8}(nav|menu)|navbar|navigation|main-menu|mnu)([-_\s]|$)", re.I)
_RE_FOOTER = re.compile(r"(^|[-_\s])(footer|foot|chan-?trang|bottom)([-_\s]|$)", re.I)
_RE_HEADER = re.compile(r"(^|[-_\s])(header|banner|topbar|top-bar|masthead)([-_\s]|$)", re.I)
_RE_SIDEBAR = re.compile(
    r"sidebar|side-bar|col-?left|col-?right|left-?col(umn)?|right-?col(umn)?|column-?(left|right)|sidebox|"
    r"block-?(left|right)|(^|[-_\s])(aside|left|right)([-_\s]|$)",
    re.I,
)
_RE_ARTICLE = re.compile(
    r"(^|[-_\s])(article|bodytext|news-?detail|detail-?content|content-?detail|post-?content|entry-?content|"
    r"news-?content|noidung|chitiet|chi-tiet|detail)([-_\s]|$)",
    re.I,
)
_RE_BLOCK_TOKEN = re.compile(r"block|panel|box|portlet|title|widget|module", re.I)
_RE_TITLE_CLASS = re.compile(r"title|heading|header|caption|tieu-?de", re.I)
_RE_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_RE_CSS_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_RE_FILE = re.compile(r"\.(pdf|docx?|xlsx?|odt|ods|rar|zip|7z|pptx?)($|[?#])", re.I)


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


@dataclass
class SectionMatch:
    """Where a section was recognised and the page it leads to."""

    concept: str
    url: str
    page: CapturedPage | None
    via: str
    """``nav`` (menu, sidebar/footer block, breadcrumb, block title), ``heading``, ``sitemap`` or ``slug``."""
    label: str
    locator: str | None
    source_url: str
    """The page where the link or heading was seen."""
    excerpt: str
    in_scope: bool = True


@dataclass
class _Parsed:
    doc: etree._Element
    body: etree._Element
    region: dict[etree._Element, str]
    hidden: set[etree._Element]
    id_counts: Counter[str] | None = None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_gov_vn(host: str) -> bool:
    return host == "gov.vn" or host.endswith(".gov.vn")


def is_file_url(url: str) -> bool:
    return bool(_RE_FILE.search(urlsplit(url).path + ("?" if urlsplit(url).query else "")))


class SiteAnalysis:
    """Parsed, cached view of a ``CapturedSite`` for the checks (pure: never fetches)."""

    def __init__(self, site: CapturedSite, vocabulary: Vocabulary | None = None) -> None:
        self.site = site
        self.vocabulary = vocabulary or load_vocabulary()
        self._parsed: dict[str, _Parsed | None] = {}
        self._own_text: dict[str, str] = {}
        self._links: dict[str, list[Link]] = {}
        self._entries: dict[str, list[DatedEntry]] = {}
        self._sections: dict[str, list[SectionMatch]] = {}
        self._by_url: dict[str, CapturedPage] = {}
        self._claims: dict[str, dict[str, str]] = {}
        self._page_cache: dict[tuple[str, str], list[tuple[str, etree._Element]]] = {}
        for key, page in site.pages.items():
            for url in (key, page.url, page.final_url):
                if url:
                    for variant in _lookup_keys(url):
                        self._by_url.setdefault(variant, page)

    # ---------------------------------------------------------------- pages and scope
    @cached_property
    def home(self) -> CapturedPage | None:
        return self.site.home

    @cached_property
    def scope_prefix(self) -> str | None:
        if self.site.scope:
            return self.site.scope
        base = self.site.home_url or self.site.portal_url
        if not base:
            return None
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}/"

    @cached_property
    def own_hosts(self) -> set[str]:
        hosts = {host_of(u) for u in (self.site.portal_url, self.site.home_url, self.scope_prefix) if u}
        if self.home is not None:
            hosts.add(host_of(self.home.final_url))
        # www. and the bare name are the same portal.
        hosts |= {h[4:] for h in hosts if h.startswith("www.")} | {"www." + h for h in hosts if h}
        hosts.discard("")
        return hosts

    def in_scope(self, url: str) -> bool:
        """Within the unit's scope (or portal origin) and outside other units' scopes."""
        if host_of(url) not in self.own_hosts:
            return False
        path_url = url.lower()
        for other in self.site.other_unit_scopes:
            if _same_prefix(path_url, other.lower()):
                return False
        if self.site.scope:
            return _same_prefix(path_url, self.site.scope.lower())
        return True

    def page(self, url: str) -> CapturedPage | None:
        """The captured page for a link's URL. The crawler keys pages by the normalised URL (sorted query,
        so ``?tabid=57&ctl=Detail&ItemID=8`` is stored as ``?ItemID=8&ctl=Detail&tabid=57``): look both up."""
        for variant in _lookup_keys(url):
            found = self._by_url.get(variant)
            if found is not None:
                return found
        return None

    @cached_property
    def reachable_urls(self) -> set[str]:
        """Lookup keys of the pages a visitor reaches from the home page by menu, link or sitemap (CRITERIA.md
        §2): the home page, sitemap.xml entries, and every link outside an article body on a captured page.
        A link that appears only inside an article body counts for nothing (§5)."""
        urls: list[str] = []
        if self.home is not None:
            urls += [u for u in (self.home.url, self.home.final_url) if u]
        if self.site.home_url:
            urls.append(self.site.home_url)
        if self.site.sitemap and self.site.sitemap.get("ok"):
            urls += [u for u in self.site.sitemap.get("urls") or [] if isinstance(u, str)]
        for page in self.html_pages:
            urls += [link.url for link in self.links(page) if link.region != ARTICLE]
        keys: set[str] = set()
        for url in urls:
            keys.update(_lookup_keys(url))
        return keys

    def is_reachable(self, page: CapturedPage) -> bool:
        """Whether the page (or the URL it redirected from) is reached other than through an article body."""
        reachable = self.reachable_urls
        return any(k in reachable for u in (page.url, page.final_url) if u for k in _lookup_keys(u))

    @cached_property
    def html_pages(self) -> list[CapturedPage]:
        """Distinct in-scope pages that answered 2xx with HTML, home page first."""
        seen: set[str] = set()
        result: list[CapturedPage] = []
        ordered = ([self.home] if self.home else []) + list(self.site.pages.values())
        for page in ordered:
            if page is None or not page.ok or not (page.html or page.rendered_html):
                continue
            key = page.body_digest or page.final_url
            if key in seen or not self.in_scope(page.final_url or page.url):
                continue
            seen.add(key)
            result.append(page)
        return result

    # ---------------------------------------------------------------- parsing
    def parsed(self, page: CapturedPage) -> _Parsed | None:
        key = page.final_url or page.url
        if key not in self._parsed:
            self._parsed[key] = self._parse(page)
        return self._parsed[key]

    def doc(self, page: CapturedPage) -> etree._Element | None:
        parsed = self.parsed(page)
        return parsed.doc if parsed else None

    @staticmethod
    def _parse(page: CapturedPage) -> _Parsed | None:
        # The rendered DOM, when there is one, is what a visitor sees (JavaScript menus).
        html = page.rendered_html or page.html
        if not html or not html.strip():
            return None
        try:
            doc = lxml.html.document_fromstring(html)
        except (etree.ParserError, ValueError):
            return None
        body = doc.find("body")
        if body is None:
            body = doc
        region: dict[etree._Element, str] = {}
        hidden: set[etree._Element] = set()
        for el in body.iter():
            if not isinstance(el.tag, str):
                continue
            parent = el.getparent()
            inherited = region.get(parent, MAIN) if parent is not None else MAIN
            own = _classify(el) if el is not body else None
            # An article body inside navigation is still navigation; navigation inside an article
            # body (a table of contents) is still the article.
            if own is None or (inherited in NAV_REGIONS and own in CONTENT_REGIONS):
                region[el] = inherited
            elif inherited == ARTICLE and own != BREADCRUMB:
                region[el] = ARTICLE
            else:
                region[el] = own
            if (parent is not None and parent in hidden) or _is_hidden(el):
                hidden.add(el)
        # A bare menu bar (old table layouts, skins without menu classes): short links separated only by
        # "|"-style separators is navigation wherever it sits.
        for el in list(body.iter()):
            if isinstance(el.tag, str) and region.get(el) == MAIN and _is_link_bar(el):
                for sub in el.iter():
                    if isinstance(sub.tag, str):
                        region[sub] = NAV
        return _Parsed(doc, body, region, hidden)

    def region_of(self, page: CapturedPage, element: etree._Element) -> str:
        parsed = self.parsed(page)
        return parsed.region.get(element, MAIN) if parsed else MAIN

    def is_hidden(self, page: CapturedPage, element: etree._Element) -> bool:
        parsed = self.parsed(page)
        return bool(parsed and element in parsed.hidden)

    # ---------------------------------------------------------------- text
    def visible_text(self, page: CapturedPage, element: etree._Element | None = None,
                     regions: frozenset[str] | None = None) -> str:
        """Visible text (no scripts, styles, comments or hidden elements), lines at block boundaries."""
        parsed = self.parsed(page)
        if parsed is None:
            return ""
        root = parsed.body if element is None else element
        out: list[str] = []
        _walk_text(root, out, parsed, regions, None)
        return _clean_lines("".join(out))

    @cached_property
    def _repeated_blocks(self) -> set[int]:
        """Hashes of content blocks seen on at least two distinct pages and on 40 % of them."""
        pages = self.html_pages
        if len(pages) < 2:
            return set()
        counts: Counter[int] = Counter()
        for page in pages:
            counts.update(set(self._block_hashes(page).values()))
        # Three pages at least: a news item legitimately shows on the home page and in its section listing.
        needed = 2 if len(pages) == 2 else max(3, -(-len(pages) * 2 // 5))
        return {h for h, n in counts.items() if n >= needed}

    def _block_hashes(self, page: CapturedPage) -> dict[etree._Element, int]:
        parsed = self.parsed(page)
        if parsed is None:
            return {}
        result: dict[etree._Element, int] = {}
        for el in parsed.body.iter():
            if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS or el is parsed.body:
                continue
            if parsed.region.get(el) not in CONTENT_REGIONS:
                continue
            text = collapse_whitespace(" ".join(t for t in el.itertext() if t))
            # Short repeated pieces ("Xem thêm", "Chi tiết") are harmless, and an article's title is
            # repeated in listings by nature: only container blocks (menus, boxes, footers) are boilerplate.
            if len(text) >= 30 and el.tag in _CONTAINER_TAGS:
                result[el] = hash(text)
        return result

    def boilerplate_elements(self, page: CapturedPage) -> set[etree._Element]:
        repeated = self._repeated_blocks
        if not repeated:
            return set()
        return {el for el, h in self._block_hashes(page).items() if h in repeated}

    def footer_blocks(self, page: CapturedPage) -> list[etree._Element]:
        """The page's footer: elements marked as footer, else the last block of the body when it repeats
        across the site's pages (a footer written as a plain ``<div>`` after the content)."""
        parsed = self.parsed(page)
        if parsed is None:
            return []
        marked = [el for el in parsed.body.iter() if isinstance(el.tag, str) and parsed.region.get(el) == FOOTER
                  and parsed.region.get(el.getparent()) != FOOTER]
        if marked:
            return marked
        boiler = self.boilerplate_elements(page)
        node = parsed.body
        for _ in range(4):  # through the wrappers (ASP.NET's page-wide <form>, a layout <div>)
            children = [c for c in node if isinstance(c.tag, str) and c.tag not in _SKIP_TAGS
                        and c.tag not in {"br", "input", "hr"} and c not in parsed.hidden]
            if not children:
                return []
            last = children[-1]
            if last in boiler and parsed.region.get(last) == MAIN:
                return [last]
            if len(children) == 1 or last.tag in {"form", "div"}:
                node = last
                continue
            return []
        return []

    def own_text(self, page: CapturedPage) -> str:
        """The page's own content: main and article regions minus blocks repeated across the site."""
        key = page.final_url or page.url
        if key not in self._own_text:
            parsed = self.parsed(page)
            if parsed is None:
                self._own_text[key] = ""
            else:
                out: list[str] = []
                _walk_text(parsed.body, out, parsed, CONTENT_REGIONS, self.boilerplate_elements(page))
                self._own_text[key] = _clean_lines("".join(out))
        return self._own_text[key]

    def is_placeholder(self, page: CapturedPage) -> bool:
        """The page's own content is a "đang cập nhật"-style notice (or nothing at all)."""
        text = self.own_text(page)
        if not text.strip():
            return True
        if len(text) > 400:
            return False
        return match_label(text, self.vocabulary.placeholders) is not None

    # ---------------------------------------------------------------- links, headings
    def links(self, page: CapturedPage) -> list[Link]:
        key = page.final_url or page.url
        if key in self._links:
            return self._links[key]
        parsed = self.parsed(page)
        result: list[Link] = []
        if parsed is not None:
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
        self._links[key] = result
        return result

    def headings(self, page: CapturedPage) -> list[tuple[str, etree._Element]]:
        """The page's own headings: h1–h3 in the content regions that are not links to other pages."""
        # Cached: every concept's section search reads every page's headings.
        key = ("h", page.final_url or page.url)
        if key not in self._page_cache:
            self._page_cache[key] = self._headings(page)
        return self._page_cache[key]

    def _headings(self, page: CapturedPage) -> list[tuple[str, etree._Element]]:
        parsed = self.parsed(page)
        if parsed is None:
            return []
        found: list[tuple[str, etree._Element]] = []
        for el in parsed.body.iter("h1", "h2", "h3"):
            if parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden:
                continue
            if any(_links_elsewhere(a, page) for a in el.iter("a")):
                continue
            text = collapse_whitespace(" ".join(el.itertext()))
            if text:
                found.append((text, el))
        return found

    def breadcrumb(self, page: CapturedPage) -> list[tuple[str, etree._Element]]:
        """Items of the breadcrumb trail, in order (the last one names the page itself)."""
        key = ("b", page.final_url or page.url)
        if key not in self._page_cache:
            self._page_cache[key] = self._breadcrumb(page)
        return self._page_cache[key]

    def _breadcrumb(self, page: CapturedPage) -> list[tuple[str, etree._Element]]:
        parsed = self.parsed(page)
        if parsed is None:
            return []
        for el in parsed.body.iter():
            if isinstance(el.tag, str) and parsed.region.get(el) == BREADCRUMB and (
                el.getparent() is None or parsed.region.get(el.getparent()) != BREADCRUMB
            ):
                items = [c for c in el.iter("a", "li", "span") if c.tag == "a" or not list(c.iter("a"))]
                trail = [(collapse_whitespace(" ".join(c.itertext())), c) for c in items]
                trail = [(t, c) for t, c in trail if t and t not in {">", "»", "/", "›"}]
                if trail:
                    return trail
        return []

    # ---------------------------------------------------------------- locators
    def locator_for(self, page: CapturedPage, element: etree._Element) -> str | None:
        parsed = self.parsed(page)
        if parsed is None:
            return locator_for(element)
        if parsed.id_counts is None:
            parsed.id_counts = Counter(el.get("id") for el in parsed.doc.iter() if isinstance(el.tag, str) and el.get("id"))
        return locator_for(element, parsed.doc, parsed.id_counts)

    # ---------------------------------------------------------------- listings
    def dated_entries(self, page: CapturedPage) -> list[DatedEntry]:
        """Items of the page's own listings that show a date (navigation and repeated blocks excluded)."""
        key = page.final_url or page.url
        if key in self._entries:
            return self._entries[key]
        parsed = self.parsed(page)
        entries: list[DatedEntry] = []
        if parsed is not None:
            boiler = self.boilerplate_elements(page)
            seen: set[tuple[str | None, date]] = set()
            for link in self.links(page):
                if link.region not in CONTENT_REGIONS or link.block_title or link.url.startswith(("mailto:", "tel:")):
                    continue
                if len(link.text) < 8 or _inside(link.element, boiler):
                    continue
                container, match = _item_with_date(link.element, link.url, page, self.reference_time)
                if match is None or container is None:
                    continue
                item = (link.url, match.value)
                if item in seen:
                    continue
                seen.add(item)
                text = collapse_whitespace(" ".join(container.itertext()))
                entries.append(DatedEntry(link.text, link.url, match.value, match.text, container, text, key))
            if not self.is_placeholder(page):
                entries += self._plain_entries(page, parsed, boiler, entries)
        self._entries[key] = entries
        return entries

    def _plain_entries(self, page: CapturedPage, parsed: _Parsed, boiler: set[etree._Element],
                       linked: list[DatedEntry]) -> list[DatedEntry]:
        """Listing items that are plain text with a date and no link of their own ("Chủ tịch UBND chỉ đạo …
        (03/03/2026)"): dated entries of the section, though they have no page to open (CRITERIA.md §2)."""
        key = page.final_url or page.url
        taken = {e.element for e in linked}
        found: list[DatedEntry] = []
        for el in parsed.body.iter(*_PLAIN_ITEM_TAGS):
            if parsed.region.get(el) not in CONTENT_REGIONS or el in parsed.hidden or _inside(el, boiler):
                continue
            if el.find(".//th") is not None or _inside(el, taken) or any(t in taken for t in el.iter()):
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
            title = collapse_whitespace(re.sub(r"[()\[\]\-–—|,.:]+", " ", title))
            if sum(c.isalpha() for c in title) < 15:
                continue  # a bare date ("Thứ Ba, 10/03/2026" in a header) is not an item
            found.append(DatedEntry(title, None, dates[0].value, dates[0].text, el, text, key))
        # The smallest item only: a list, a table or a wrapper around items is not itself an item.
        elements = {e.element for e in found}
        return [e for e in found if not any(sub in elements for sub in e.element.iterdescendants())]

    def block_title(self, page: CapturedPage, element: etree._Element) -> str | None:
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

    # ---------------------------------------------------------------- sections
    def claims(self, text: str, exact: bool = False) -> dict[str, str]:
        """The concepts a navigation text or heading names, with the label matched for each.

        A label counts for the concept it is listed under (CRITERIA.md §5): when a longer label of another
        concept contains the matched one, the text belongs to that other concept only, so "Lấy ý kiến dự thảo
        văn bản" is a consultation and not a document list, and "Văn bản chỉ đạo điều hành" is direction."""
        key = f"{int(exact)}{text}"
        if key in self._claims:
            return self._claims[key]
        found: dict[str, str] = {}
        for name, spec in self.vocabulary.concepts.items():
            label = match_label(text, spec.labels, exact=exact)
            if label:
                found[name] = label
        result = {}
        for name, label in found.items():
            own = f" {fold(label)} "
            if not any(other != name and len(fold(longer)) > len(fold(label)) and own in f" {fold(longer)} "
                       for other, longer in found.items()):
                result[name] = label
        self._claims[key] = result
        return result

    def find_sections(self, concept: str) -> list[SectionMatch]:
        """Every place the concept's section is recognised, best evidence first (nav on the home page first)."""
        if concept in self._sections:
            return self._sections[concept]
        spec = self.vocabulary.concept(concept)
        matches: dict[str, SectionMatch] = {}

        def add(match: SectionMatch) -> None:
            matches.setdefault(match.url.rstrip("/"), match)

        def known(url: str) -> bool:
            return url.rstrip("/") in matches

        sitemap_pages = self._sitemap_pages
        for page in self.html_pages:
            for link in self.links(page):
                if link.url.startswith(("mailto:", "tel:")):
                    continue
                if link.region in NAV_REGIONS or link.block_title:
                    via = "nav"
                elif any(page is p for p in sitemap_pages) and link.region == MAIN:
                    via = "sitemap"
                else:
                    continue
                # Navigation texts are short; a long text is a teaser that happens to sit in a menu block.
                label = self.claims(link.text, exact=len(link.text) > 60).get(concept)
                if label and not known(link.url):
                    add(self._match(concept, link.url, via, label, page, link.element, link.text))
        for page in self.html_pages:
            # The home page's box titles are not the page's own heading; a page reached only through a link
            # inside an article body is not a section of the portal, whatever its heading says (§2, §5).
            if page is self.home or not self.is_reachable(page):
                continue
            headings = self.headings(page)
            own = [h for h in headings if h[1].tag == "h1"] or headings[:1]
            for text, el in own + self.breadcrumb(page)[-1:]:
                label = self.claims(text, exact=True).get(concept)
                if label and not known(page.final_url):
                    add(self._match(concept, page.final_url, "heading", label, page, el, text))
        for page in self.site.pages.values():
            url = page.final_url or page.url
            if page is self.home or not self.in_scope(url) or not self.is_reachable(page):
                continue
            slug = slug_matches(url, spec.slugs)
            if slug:
                add(SectionMatch(concept, url, page, "slug", slug, None, page.referrer or url, url, True))
        ranked = sorted(matches.values(), key=lambda m: _VIA_ORDER.get(m.via, 9))
        self._sections[concept] = ranked
        return ranked

    def content_links(self, concept: str) -> list[SectionMatch]:
        """Links named by the concept in a page's own content, outside article bodies and listing items
        ("Tra cứu hồ sơ" on a services page, a home-page box): for functions the criteria accept as "a form
        or a link to one" (service.*). A link inside an article body counts for nothing (CRITERIA.md §5),
        and the title of a dated listing item ("Hướng dẫn thanh toán trực tuyến …") is not a function."""
        found: list[SectionMatch] = []
        seen: set[str] = set()
        for page in self.html_pages:
            if page is not self.home and not self.is_reachable(page):
                continue
            items = {e.element for e in self.dated_entries(page)}
            for link in self.links(page):
                if link.region != MAIN or link.block_title or link.url.startswith(("mailto:", "tel:")):
                    continue
                if len(link.text) > 60 or link.url.rstrip("/") in seen or _inside(link.element, items):
                    continue
                label = self.claims(link.text).get(concept)
                if label:
                    seen.add(link.url.rstrip("/"))
                    found.append(self._match(concept, link.url, "link", label, page, link.element, link.text))
        return found

    def find_section(self, concept: str) -> SectionMatch | None:
        """The best place the section is recognised: an in-scope page that opened, else the first match."""
        matches = self.find_sections(concept)
        for m in matches:
            if m.in_scope and m.page is not None and m.page.ok:
                return m
        return matches[0] if matches else None

    @cached_property
    def _sitemap_pages(self) -> list[CapturedPage]:
        return [m.page for m in self._nav_matches("sitemap_html") if m.page is not None and m.page.ok]

    def _nav_matches(self, concept: str) -> list[SectionMatch]:
        # HTML-sitemap pages themselves are recognised from navigation and headings only (no recursion).
        spec = self.vocabulary.concept(concept)
        found: list[SectionMatch] = []
        for page in self.html_pages:
            for link in self.links(page):
                if (link.region in NAV_REGIONS or link.block_title) and match_label(link.text, spec.labels) \
                        and all(link.url != f.url for f in found):
                    found.append(self._match(concept, link.url, "nav", link.text, page, link.element, link.text))
        return found

    def _match(self, concept: str, url: str, via: str, label: str, page: CapturedPage,
               element: etree._Element, text: str) -> SectionMatch:
        return SectionMatch(
            concept, url, self.page(url), via, label, self.locator_for(page, element),
            page.final_url or page.url, collapse_whitespace(text)[:200], self.in_scope(url),
        )

    def nav_links_unfetched(self) -> bool:
        """Whether some in-scope navigation link of the home page was never fetched (crawl cut short)."""
        if self.home is None:
            return True
        for link in self.links(self.home):
            if link.region in NAV_REGIONS and self.in_scope(link.url) and self.page(link.url) is None:
                if not link.url.startswith(("mailto:", "tel:")) and not is_file_url(link.url):
                    return True
        return False

    @cached_property
    def reference_time(self) -> datetime | None:
        """When the audit ran: the crawl's start, else the latest fetch time."""
        if self.site.audited_at:
            return self.site.audited_at
        times = [p.fetched_at for p in self.site.pages.values() if p.fetched_at]
        return max(times) if times else None


_VIA_ORDER = {"nav": 0, "sitemap": 1, "heading": 2, "slug": 3, "link": 4}


@lru_cache(maxsize=65536)  # the same menu links are looked up on every page
def _lookup_keys(url: str) -> tuple[str, ...]:
    """The keys a URL is looked up by: as written (without fragment, with and without the trailing slash) and
    in the crawler's normal form (crawler/urls.py: sorted query, default port dropped, session ids removed)."""
    plain = urldefrag(url)[0]
    keys = [plain, plain.rstrip("/")]
    normal = normalize_url(plain) if plain.startswith(("http://", "https://")) else None
    if normal and normal not in keys:
        keys += [normal, normal.rstrip("/")]
    return tuple(keys)


def _same_prefix(url: str, prefix: str) -> bool:
    if url.startswith(prefix):
        return True
    # A scope "https://x/xa-a/" also covers "https://x/xa-a" itself.
    return prefix.endswith("/") and url == prefix[:-1]


def _classify(el: etree._Element) -> str | None:
    tag = el.tag
    if tag == "nav":
        label = (el.get("aria-label") or "") + " " + (el.get("class") or "")
        return BREADCRUMB if _RE_BREADCRUMB.search(label) else NAV
    if tag == "header":
        return HEADER
    if tag == "footer":
        return FOOTER
    if tag == "aside":
        return SIDEBAR
    if tag == "article":
        return ARTICLE
    role = (el.get("role") or "").lower()
    if role == "navigation":
        return NAV
    if role == "contentinfo":
        return FOOTER
    names = f"{el.get('id') or ''} {el.get('class') or ''}".strip()
    if not names:
        return None
    if _RE_BREADCRUMB.search(names):
        return BREADCRUMB
    tokens = names.split()
    # A box's own header ("block-header", "panel-title") is a title, not the page header.
    if any(_RE_HEADER.search(t) and not _RE_BLOCK_TOKEN.search(t) for t in tokens):
        return HEADER
    if any(_RE_FOOTER.search(t) and not _RE_BLOCK_TOKEN.search(t) for t in tokens):
        return FOOTER
    # camelCase names split into words for menus: Oracle ADF's "af_navigationPane", "mainMenuBar".
    if any(_RE_NAV.search(re.sub(r"([a-z])([A-Z])", r"\1-\2", t)) for t in tokens):
        return NAV
    if any(_RE_SIDEBAR.search(t) for t in tokens):
        return SIDEBAR
    if any(_RE_ARTICLE.search(t) for t in tokens):
        return ARTICLE
    return None


_RE_BAR_SEPARATORS = re.compile(r"^[\s|¦•·]*$")


def _is_link_bar(el: etree._Element) -> bool:
    """At least three short links, side by side, with nothing but separators between them ("A | B | C")."""
    if el.tag not in {"div", "td", "p", "b", "strong", "font", "span", "center"}:
        return False
    links = 0
    if not _RE_BAR_SEPARATORS.match(el.text or ""):
        return False
    for child in el:
        if not isinstance(child.tag, str):
            return False
        if not _RE_BAR_SEPARATORS.match(child.tail or ""):
            return False
        if child.tag != "a":
            if child.tag in {"img", "br"}:
                continue
            return False
        text = collapse_whitespace(" ".join(child.itertext()))
        if not text or len(text) > 40 or find_dates(text):
            return False
        links += 1
    # One separator at least: links merely placed side by side could be anything.
    return links >= 3 and any(c in "|¦•·" for c in "".join((el.text or "", *(c.tail or "" for c in el))))


def _is_hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None:
        return True
    if el.tag == "input" and (el.get("type") or "").lower() == "hidden":
        return True
    return bool(_RE_HIDDEN_STYLE.search(el.get("style") or ""))


def _walk_text(el: etree._Element, out: list[str], parsed: _Parsed, regions: frozenset[str] | None,
               skip: set[etree._Element] | None) -> None:
    if not isinstance(el.tag, str):  # comments and processing instructions are not visible text
        return
    if el.tag in _SKIP_TAGS or el in parsed.hidden or (skip and el in skip):
        return
    wanted = regions is None or parsed.region.get(el, MAIN) in regions
    block = el.tag in _BLOCK_TAGS
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
    elif el.tag in {"span", "a", "td", "label", "strong", "b", "em", "i"}:
        out.append(" ")


def _clean_lines(text: str) -> str:
    lines = (collapse_whitespace(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _img_alt(a: etree._Element) -> str:
    for img in a.iter("img"):
        if img.get("alt"):
            return img.get("alt") or ""
    return ""


def _title_text(el: etree._Element) -> str | None:
    tag = el.tag
    classes = f"{el.get('class') or ''} {el.get('id') or ''}"
    if tag in _HEADINGS or (tag in {"div", "span", "p", "a", "strong"} and _RE_TITLE_CLASS.search(classes)):
        text = collapse_whitespace(" ".join(el.itertext()))
        if 0 < len(text) <= 80:
            return text
    return None


def _is_block_title(a: etree._Element) -> bool:
    """A link that is the title of a block ("TIN TỨC" over a list of news, "Xem tất cả"), judged by
    the element it sits in: a heading or a title-classed element whose only link is this one."""
    node = a
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            return False
        classes = f"{parent.get('class') or ''} {parent.get('id') or ''}"
        is_title = parent.tag in _HEADINGS or _RE_TITLE_CLASS.search(classes) is not None
        if is_title:
            # Item titles inside a listing ("news-title") sit next to dates and summaries; a block
            # title is followed by a list. Tell them apart by the presence of a date in the item.
            container = parent.getparent()
            if container is not None and find_dates(" ".join(container.itertext())[:400]):
                return False
            return len(list(parent.iter("a"))) == 1
        node = parent
    return False


def _links_elsewhere(a: etree._Element, page: CapturedPage) -> bool:
    href = (a.get("href") or "").strip()
    if not href or href.startswith("#") or href.startswith("javascript:"):
        return False
    target = urldefrag(urljoin(page.final_url or page.url, href))[0].rstrip("/")
    return target not in {(page.final_url or "").rstrip("/"), page.url.rstrip("/")}


def _inside(el: etree._Element, group: set[etree._Element]) -> bool:
    if not group:
        return False
    node: etree._Element | None = el
    while node is not None:
        if node in group:
            return True
        node = node.getparent()
    return False


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
        if sibling.tag in _BLOCK_TAGS or sibling.tag == "a" or sibling.find(".//a") is not None:
            break
        relative = _relative_in(sibling, reference)
        if relative is not None and not find_dates(" ".join(parts)):
            return node, relative
        parts.append(" ".join(sibling.itertext()))
        parts.append(sibling.tail or "")
    dates = find_dates(" ".join(parts)[:200])
    return (node, dates[0]) if dates else (None, None)


def locator_for(element: etree._Element, doc: etree._Element | None = None,
                id_counts: Counter[str] | None = None) -> str | None:
    """A CSS selector for ``element``: ``#id`` when unique, else an ``nth-of-type`` path from the
    nearest uniquely identified ancestor or ``body`` (with the ``tbody`` browsers insert)."""
    if not isinstance(element.tag, str):
        return None
    root = doc if doc is not None else element.getroottree().getroot()

    def unique_id(el: etree._Element) -> str | None:
        ident = el.get("id")
        if not ident or not _RE_CSS_IDENT.match(ident):
            return None
        count = id_counts[ident] if id_counts is not None else len(root.xpath("//*[@id=$i]", i=ident))
        if count == 1:
            return f"#{ident}"
        return None

    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None and isinstance(node.tag, str):
        if node.tag in {"body", "html"}:
            parts.append(node.tag)
            break
        ident = unique_id(node)
        if ident:
            parts.append(ident)
            break
        parent = node.getparent()
        if parent is None:
            parts.append(node.tag)
            break
        same = [s for s in parent if s.tag == node.tag]
        parts.append(f"{node.tag}:nth-of-type({same.index(node) + 1})")
        # Browsers put table rows into a tbody the HTML may not spell out.
        if node.tag == "tr" and parent.tag == "table":
            parts.append("tbody")
        node = parent
    return " > ".join(reversed(parts)) if parts else None
