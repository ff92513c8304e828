"""News listings (shared by info.news, fresh.news and the site-search plan): the news sections' pages and the
home page's news blocks, and the dated, not future, items they list."""

from __future__ import annotations

from egov_audit.checks.analysis import DatedEntry, SectionMatch, SiteAnalysis
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import past_entries
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.text import match_label

NEWS_CONCEPTS = ("news",)
FRESH_CONCEPTS = ("news", "direction")
"""Freshness counts announcements and direction items as news (CRITERIA.md §2 ``fresh.news``)."""

Listing = tuple[CapturedPage, str, SectionMatch | None]
"""A page listing news, ``section`` or ``home``, and the section match that led to it."""


def news_listings(analysis: SiteAnalysis, concepts: tuple[str, ...]) -> list[Listing]:
    """Pages listing news: the sections' pages (in scope, opened) and the home page (its news blocks only)."""
    listings: list[Listing] = []
    seen: set[str] = set()
    for concept in concepts:
        for match in analysis.find_sections(concept):
            page = match.page
            if match.in_scope and page is not None and page.ok and page.final_url not in seen:
                seen.add(page.final_url)
                listings.append((page, "section", match))
    if analysis.home is not None and analysis.home.ok and analysis.home.final_url not in seen:
        listings.append((analysis.home, "home", None))
    return listings


def news_entries(analysis: SiteAnalysis, options: CheckOptions, concepts: tuple[str, ...] = NEWS_CONCEPTS
                 ) -> list[tuple[DatedEntry, CapturedPage, SectionMatch | None]]:
    """Dated, not future, news items: from section pages, and from home-page blocks titled as news."""
    labels = tuple(label for c in concepts for label in analysis.vocabulary.labels(c))
    result = []
    for page, kind, match in news_listings(analysis, concepts):
        for entry in past_entries(analysis, page, options):
            if kind == "home":
                # A home-page block counts only when its title names it as news (not documents, not schedules).
                title = analysis.block_title(page, entry.element)
                if not title or not match_label(title, labels):
                    continue
            result.append((entry, page, match))
    return result
