"""Section recognition as CRITERIA.md §5 says: a section is recognised from navigation labels (menus,
sidebar and footer blocks, breadcrumbs, block titles), HTML-sitemap entries, a page's own heading or
breadcrumb, and URL slugs; never from the title or body of an item inside a listing or an article.

Labels and slugs come from config/vocabulary.yaml (``Vocabulary``); a text that several concepts' labels
match belongs to the concept of the longest label (``claims``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from lxml import etree

from egov_audit.checks.analysis.dated_entries import DatedEntries
from egov_audit.checks.analysis.headings import PageHeadings, block_title
from egov_audit.checks.analysis.locators import page_locator
from egov_audit.checks.analysis.navigation import Navigation
from egov_audit.checks.analysis.page_links import (
    Link,
    PageLinks,
    is_generic,
    is_listing_item,
    menu_parent_text,
)
from egov_audit.checks.analysis.page_parsing import PageParser, is_inside
from egov_audit.checks.analysis.page_regions import ARTICLE, MAIN, NAV_REGIONS
from egov_audit.checks.analysis.site_scope import PerPage, SiteScope
from egov_audit.checks.vocabulary import Vocabulary
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.text import collapse_whitespace, fold, match_label, slug_matches, url_slug_candidates

# Best evidence first: a navigation link, then an HTML-sitemap entry, a banner or tile, a page's heading, a URL
# slug, a link.
_VIA_ORDER = {"nav": 0, "sitemap": 1, "entry": 2, "heading": 3, "slug": 4, "link": 5}


def _is_site_root(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in {"", "/"} and not parts.query


def _url_words(url: str) -> str:
    """The words of the URL's naming piece (``lay-y-kien-du-thao.aspx`` → "lay y kien du thao"); up to eight
    words, longer pieces are an article's title rather than a section's name."""
    pieces = url_slug_candidates(url)
    if not pieces:
        return ""
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", pieces[0]))
    return " ".join(words) if 0 < len(words) <= 8 else ""


@dataclass
class SectionMatch:
    """Where a section was recognised and the page it leads to."""

    concept: str
    url: str
    page: CapturedPage | None
    via: str
    """``nav`` (menu, sidebar/footer block, breadcrumb, block title), ``heading``, ``sitemap``, ``slug`` or
    ``link`` (a link in a page's own content, see ``content_links``)."""
    label: str
    locator: str | None
    source_url: str
    """The page where the link or heading was seen."""
    excerpt: str
    in_scope: bool = True
    dead: bool = False
    """The entry is named for the section but leads nowhere (``href="#"``): titled but broken."""


class SectionRecognition:
    """Where each concept's section is recognised on the site (cached per concept)."""

    def __init__(self, vocabulary: Vocabulary, scope: SiteScope, navigation: Navigation, links: PageLinks,
                 headings: PageHeadings, entries: DatedEntries, parser: PageParser) -> None:
        self.vocabulary = vocabulary
        self._scope = scope
        self._navigation = navigation
        self._links = links
        self._headings = headings
        self._entries = entries
        self._parser = parser
        self._claims: dict[str, dict[str, str]] = {}
        self._sections: dict[str, list[SectionMatch]] = {}
        self._entries_of: PerPage[list[tuple[Link, str, dict[str, str]]]] = PerPage(self._read_entries)

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
        if concept not in self._sections:
            matches: dict[str, SectionMatch] = {}  # by URL without its trailing slash: the first one found
            self._from_links(concept, matches)
            self._from_headings(concept, matches)
            self._from_slugs(concept, matches)
            self._sections[concept] = sorted(matches.values(), key=lambda m: _VIA_ORDER.get(m.via, 9))
        return self._sections[concept]

    def _from_links(self, concept: str, matches: dict[str, SectionMatch]) -> None:
        """Every entry a visitor clicks: navigation links (dropdowns and dead entries included), block titles,
        banners and tiles, "more" links under a block's title, and the entries of HTML-sitemap pages."""
        dead_seen: set[str] = set()
        for page in self._scope.html_pages:
            for link, via, names in self._entries_of(page):
                label = names.get(concept)
                if not label:
                    continue
                key = link.url.rstrip("/") if not link.dead else f"dead:{collapse_whitespace(link.text).lower()}"
                if key in matches or key in dead_seen:
                    continue
                shown = link.text or (f"[image {link.image_name}] → {link.url}" if link.image_name else link.url)
                match = self._match(concept, link.url, via, label, page, link.element, shown)
                if link.dead:
                    dead_seen.add(key)
                    match.dead, match.page = True, None
                matches[key] = match

    def _read_entries(self, page: CapturedPage) -> list[tuple[Link, str, dict[str, str]]]:
        """The page's links that are entries into a section, how they are placed (``via``) and the concepts each
        names with the label matched (read once for every concept)."""
        sitemap = any(page is p for p in self._sitemap_pages)
        items: set[etree._Element] | None = None
        links = self._links.entry_links(page)
        # An image beside a titled item, to the same page, is the item's thumbnail, not a banner.
        titled = {link.url for link in links if len(link.text) >= 20}
        found: list[tuple[Link, str, dict[str, str]]] = []
        for link in links:
            if (link.image_name and link.url in titled) or link.url.startswith(("mailto:", "tel:")) \
                    or link.region == ARTICLE:
                continue
            if is_listing_item(link.element, 5) and not is_generic(link.text):
                continue  # the title of a listing item is never a section (CRITERIA.md §5)
            if link.region in NAV_REGIONS or link.block_title:
                via = "nav"
            elif link.dead:
                continue
            elif sitemap:
                via = "sitemap"
            else:
                via = "entry"
                if items is None:
                    items = {e.element for e in self._entries.of(page)}
                if is_inside(link.element, items):
                    continue  # the title of a listing item is never a section (CRITERIA.md §5)
            names = self._names(link, page, exact=via == "entry")
            if names:
                found.append((link, via, names))
        return found

    def _names(self, link: Link, page: CapturedPage, exact: bool) -> dict[str, str]:
        """The concepts a link names, with the label matched: by its text (image alt or title); for an
        image-only link, by the image's file name or the words of its URL; for a "more" link, by the title of
        its block (the tab that opens its panel, the box heading) or its URL. A bare host root names none."""
        text = link.text
        if text and not is_generic(text):
            # Navigation texts are short; a long text is a teaser that happens to sit in a menu block.
            claimed = self.claims(text, exact=exact or len(text) > 60)
            if claimed or link.region not in NAV_REGIONS:
                return claimed
            # An item of a submenu that names nothing itself ("Huyện uỷ") is a page of its menu's section
            # ("Cơ cấu tổ chức" › "Huyện uỷ"); the menu item must be the section's name itself.
            parent = menu_parent_text(link.element)
            return self.claims(parent, exact=True) if parent and not is_generic(parent) else {}
        if _is_site_root(link.url) or link.dead:
            return {}
        names: dict[str, str] = {}
        for clue in ([link.image_name] if not text else [self._block_name(page, link)]) + [_url_words(link.url)]:
            if not clue:
                continue
            for concept, label in self.claims(clue).items():
                names.setdefault(concept, label)
            slug_url = clue.replace(" ", "-") + "/"
            for concept, spec in self.vocabulary.concepts.items():
                slug = slug_matches(slug_url, spec.slugs)
                if slug:
                    names.setdefault(concept, slug)
        # The page it opens decides: one whose own heading names another section is that one.
        return {c: label for c, label in names.items() if not self._page_names_other(c, link.url)}

    def _page_names_other(self, concept: str, url: str) -> bool:
        page = self._scope.page(url)
        if page is None or not page.ok:
            return False
        headings = self._headings.headings(page)
        own = [h for h in headings if h[1].tag == "h1"] or headings[:1]
        named = [self.claims(text, exact=True) for text, _ in own + self._headings.breadcrumb(page)[-1:]]
        return any(n and concept not in n for n in named) and not any(concept in n for n in named)

    def _block_name(self, page: CapturedPage, link: Link) -> str:
        parsed = self._parser.parsed(page)
        node: etree._Element | None = link.element
        while parsed is not None and node is not None:
            if node in parsed.tab_titles:
                return parsed.tab_titles[node]
            node = node.getparent()
        return block_title(link.element) or ""

    def _from_headings(self, concept: str, matches: dict[str, SectionMatch]) -> None:
        """A page's own main heading, or the last item of its breadcrumb."""
        for page in self._scope.html_pages:
            # The home page's box titles are not the page's own heading; a page reached only through a link
            # inside an article body is not a section of the portal, whatever its heading says (§2, §5).
            if page is self._scope.home or not self._navigation.is_reachable(page):
                continue
            headings = self._headings.headings(page)
            own = [h for h in headings if h[1].tag == "h1"] or headings[:1]
            for text, el in own + self._headings.breadcrumb(page)[-1:]:
                label = self.claims(text, exact=True).get(concept)
                if label and page.final_url.rstrip("/") not in matches:
                    matches.setdefault(page.final_url.rstrip("/"),
                                       self._match(concept, page.final_url, "heading", label, page, el, text))

    def _from_slugs(self, concept: str, matches: dict[str, SectionMatch]) -> None:
        """Reachable in-scope pages whose URL carries one of the concept's slugs ("hoi-dap")."""
        slugs = self.vocabulary.concept(concept).slugs
        for page in self._scope.site.pages.values():
            url = page.final_url or page.url
            if page is self._scope.home or not self._scope.in_scope(url) or not self._navigation.is_reachable(page):
                continue
            slug = slug_matches(url, slugs)
            if slug:
                matches.setdefault(url.rstrip("/"), SectionMatch(concept, url, page, "slug", slug, None,
                                                                 page.referrer or url, url, True))

    def content_links(self, concept: str) -> list[SectionMatch]:
        """Links named by the concept in a page's own content, outside article bodies and listing items
        ("Tra cứu hồ sơ" on a services page, a home-page box): for functions the criteria accept as "a form
        or a link to one" (service.*). A link inside an article body counts for nothing (CRITERIA.md §5),
        and the title of a dated listing item ("Hướng dẫn thanh toán trực tuyến …") is not a function."""
        found: list[SectionMatch] = []
        seen: set[str] = set()
        for page in self._scope.html_pages:
            if page is not self._scope.home and not self._navigation.is_reachable(page):
                continue
            items = {e.element for e in self._entries.of(page)}
            for link in self._links.links(page):
                if link.region != MAIN or link.block_title or link.url.startswith(("mailto:", "tel:")):
                    continue
                if len(link.text) > 60 or link.url.rstrip("/") in seen or is_inside(link.element, items):
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
        for page in self._scope.html_pages:
            for link in self._links.links(page):
                if (link.region in NAV_REGIONS or link.block_title) and match_label(link.text, spec.labels) \
                        and all(link.url != f.url for f in found):
                    found.append(self._match(concept, link.url, "nav", link.text, page, link.element, link.text))
        return found

    def _match(self, concept: str, url: str, via: str, label: str, page: CapturedPage,
               element: etree._Element, text: str) -> SectionMatch:
        return SectionMatch(
            concept, url, self._scope.page(url), via, label, page_locator(self._parser, page, element),
            page.final_url or page.url, collapse_whitespace(text)[:200], self._scope.in_scope(url),
        )
