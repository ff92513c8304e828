"""SiteAnalysis: one parse of a captured site, shared by every check (a facade over the analysis parts).

A ``SiteAnalysis`` is the site seen through the unit's scope (``SiteScope``: which URLs are the unit's,
which captured page a URL is, the pages to judge), and asks each other part the questions it knows:
``PageParser`` (one lxml parse per page, regions, visible text), ``Boilerplate`` (blocks repeated across
pages, each page's own content), ``PageLinks`` and ``PageHeadings`` (links, headings, breadcrumbs, block
titles), ``DatedEntries`` (listing items with a date), ``page_locator`` (CSS selectors of evidence),
``Navigation`` (what a visitor reaches from the home page) and ``SectionRecognition`` (where each section
of CRITERIA.md §2 is). Every part caches its answers for the site; none fetches anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree

from egov_audit.checks.analysis.boilerplate import Boilerplate
from egov_audit.checks.analysis.dated_entries import DatedEntries, DatedEntry
from egov_audit.checks.analysis.headings import Heading, PageHeadings, block_title
from egov_audit.checks.analysis.locators import page_locator
from egov_audit.checks.analysis.navigation import Navigation
from egov_audit.checks.analysis.page_links import Link, PageLinks
from egov_audit.checks.analysis.page_parsing import PageParser, ParsedPage
from egov_audit.checks.analysis.section_recognition import SectionMatch, SectionRecognition
from egov_audit.checks.analysis.site_scope import SiteScope
from egov_audit.checks.vocabulary import Vocabulary, load_vocabulary
from egov_audit.core.artifacts import CapturedPage, CapturedSite

T = TypeVar("T")


class SiteAnalysis(SiteScope):
    """Parsed, cached view of a ``CapturedSite`` for the checks (pure: never fetches)."""

    def __init__(self, site: CapturedSite, vocabulary: Vocabulary | None = None) -> None:
        super().__init__(site)
        self.vocabulary = vocabulary or load_vocabulary()
        self._parser = PageParser()
        self._boilerplate = Boilerplate(self, self._parser, self.vocabulary.placeholders)
        self._links = PageLinks(self._parser)
        self._headings = PageHeadings(self._parser)
        self._entries = DatedEntries(self, self._parser, self._links, self._boilerplate)
        self._navigation = Navigation(self, self._links)
        self._sections = SectionRecognition(self.vocabulary, self, self._navigation, self._links,
                                            self._headings, self._entries, self._parser)
        self._kept: dict[str, Any] = {}

    def kept(self, name: str, make: Callable[[], T]) -> T:
        """A check's own cache for this site (made by ``make`` on first use), which lives as long as the
        analysis: answers a check family computes once per page or per text (``contact_details``)."""
        if name not in self._kept:
            self._kept[name] = make()
        return self._kept[name]  # type: ignore[no-any-return]

    # -- one page: its parse, regions and text
    def parsed(self, page: CapturedPage) -> ParsedPage | None:
        return self._parser.parsed(page)

    def doc(self, page: CapturedPage) -> etree._Element | None:
        return self._parser.doc(page)

    def region_of(self, page: CapturedPage, element: etree._Element) -> str:
        return self._parser.region_of(page, element)

    def is_hidden(self, page: CapturedPage, element: etree._Element) -> bool:
        """Whether the element (or an ancestor) is hidden from a visitor."""
        return self._parser.is_hidden(page, element)

    def visible_text(self, page: CapturedPage, element: etree._Element | None = None,
                     regions: frozenset[str] | None = None) -> str:
        return self._parser.visible_text(page, element, regions)

    # -- one page: its own content, without what the site repeats
    def boilerplate_elements(self, page: CapturedPage) -> set[etree._Element]:
        return self._boilerplate.elements(page)

    def footer_blocks(self, page: CapturedPage) -> list[etree._Element]:
        return self._boilerplate.footer_blocks(page)

    def own_text(self, page: CapturedPage) -> str:
        """Main and article text minus the blocks repeated across the site."""
        return self._boilerplate.own_text(page)

    def is_placeholder(self, page: CapturedPage) -> bool:
        return self._boilerplate.is_placeholder(page)

    # -- one page: what names it and what it links or lists
    def links(self, page: CapturedPage) -> list[Link]:
        return self._links.links(page)

    def headings(self, page: CapturedPage) -> list[Heading]:
        return self._headings.headings(page)

    def breadcrumb(self, page: CapturedPage) -> list[Heading]:
        """Items of the breadcrumb trail; the last one names the page itself."""
        return self._headings.breadcrumb(page)

    def block_title(self, page: CapturedPage, element: etree._Element) -> str | None:
        return block_title(element)

    def dated_entries(self, page: CapturedPage) -> list[DatedEntry]:
        return self._entries.of(page)

    def locator_for(self, page: CapturedPage, element: etree._Element) -> str | None:
        return page_locator(self._parser, page, element)

    # -- the site: what a visitor reaches, and where each section is
    @property
    def reachable_urls(self) -> set[str]:
        return self._navigation.reachable_urls

    def is_reachable(self, page: CapturedPage) -> bool:
        return self._navigation.is_reachable(page)

    def nav_links_unfetched(self) -> bool:
        """Whether the crawl stopped before fetching every in-scope navigation link of the home page."""
        return self._navigation.nav_links_unfetched()

    def claims(self, text: str, exact: bool = False) -> dict[str, str]:
        return self._sections.claims(text, exact)

    def find_sections(self, concept: str) -> list[SectionMatch]:
        return self._sections.find_sections(concept)

    def find_section(self, concept: str) -> SectionMatch | None:
        return self._sections.find_section(concept)

    def content_links(self, concept: str) -> list[SectionMatch]:
        return self._sections.content_links(concept)
