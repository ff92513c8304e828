"""The common section rule of CRITERIA.md §2, shared by the section checks of every family.

pass = a page within the unit's scope, reachable from the home page, recognised as the section, with real
content (at least one dated entry for a listing; at least ``sections.min_text_chars`` characters of its own
text for a text page); partial = linked or titled but broken, empty or a placeholder; fail = not found
(``unknown`` where the crawl could not tell, §5). What counts as content is a ``ContentTest`` per check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from lxml import etree

from egov_audit.checks.analysis import (
    CONTENT_REGIONS,
    DatedEntry,
    SectionMatch,
    SiteAnalysis,
    host_of,
    is_file_url,
    is_gov_vn,
)
from egov_audit.checks.declaration import Option
from egov_audit.checks.findings import match_evidence, not_found, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Evidence, Finding, Status
from egov_audit.core.dates import local_date

# Thresholds of the rule itself, read by every check whose content may be a text page (checks.sections).
SECTION_OPTIONS = {
    "min_text_chars": Option(200, "Characters of its own text (headers, footers and repeated blocks left out) a "
                                  "text page must have to count as content (CRITERIA.md §2).", minimum=1),
}

# When one section is linked several times, the best outcome wins; a page that did not answer
# outranks a broken or empty one, because the auditor cannot tell what it would have shown.
RANK = {Status.PASS: 4, Status.UNKNOWN: 3, Status.PARTIAL: 2, Status.FAIL: 1, Status.NOT_APPLICABLE: 0}


@dataclass
class Content:
    """What a section page holds that makes it "real content"."""

    ok: bool
    excerpt: str | None = None
    element: etree._Element | None = None
    value: object = None


ContentTest = Callable[[SiteAnalysis, CapturedPage, CheckOptions], Content]


@dataclass
class Outcome:
    status: Status
    reason: str
    evidence: list[Evidence]
    match: SectionMatch
    value: object = None
    weak: bool = False
    """An ``unknown`` only because a linked page was never fetched: it yields to a conclusive outcome."""


def tz(options: CheckOptions) -> ZoneInfo:
    return ZoneInfo(options.timezone)


def past_entries(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> list[DatedEntry]:
    """Dated listing items whose date is not in the future (deadlines and event dates are not publications)."""
    entries = analysis.dated_entries(page)
    ref = analysis.reference_time
    if ref is None:
        return entries
    today = local_date(ref, tz(options))
    return [e for e in entries if e.date <= today]


def no_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """For checks that judge the opened page themselves: the rule only grades the pages that did not open."""
    return Content(False)


def listing_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    entries = past_entries(analysis, page, options)
    if entries:
        return Content(True, entries[0].text, entries[0].element, len(entries))
    return Content(False)


def text_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    text = analysis.own_text(page)
    if len(text) >= options.min_text_chars and not analysis.is_placeholder(page):
        return Content(True, text, None, len(text))
    return Content(False)


def file_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    """Downloadable files in the page's own content (budget reports, schedules as PDF)."""
    boiler = analysis.boilerplate_elements(page)
    for link in analysis.links(page):
        if link.region in CONTENT_REGIONS and is_file_url(link.url) and link.element not in boiler:
            return Content(True, link.text or link.url, link.element)
    return Content(False)


def any_content(*tests: ContentTest) -> ContentTest:
    def test(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
        for t in tests:
            content = t(analysis, page, options)
            if content.ok:
                return content
        return Content(False)

    return test


EITHER = any_content(listing_content, text_content)
LISTING_TEXT_OR_FILES = any_content(listing_content, text_content, file_content)


def evaluate(analysis: SiteAnalysis, match: SectionMatch, options: CheckOptions, content: ContentTest,
             external_ok: Callable[[str], bool] | None = None) -> Outcome | None:
    """The common section rule for one place the section was recognised (None: does not count)."""
    found = match_evidence(analysis, match)
    if not match.in_scope:
        host = host_of(match.url)
        if external_ok and external_ok(match.url):
            return Outcome(Status.PASS, f"links to {host}", [found], match)
        if is_gov_vn(host):
            return Outcome(Status.PARTIAL, f"section links to another .gov.vn host ({host})", [found], match)
        return None
    page = match.page
    if match.dead:
        return Outcome(Status.PARTIAL, f"section entry '{match.label}' leads nowhere (no link target)", [found], match)
    if page is None:
        # A nav link the crawler never fetched tells nothing; it matters only when nothing else was found.
        return Outcome(Status.UNKNOWN, f"section page {match.url} was not fetched", [found], match, weak=True)
    if page.status is None:
        return Outcome(Status.UNKNOWN, f"section page did not answer ({page.error or 'no response'})", [found], match)
    if page.status >= 400:
        return Outcome(Status.PARTIAL, f"section page is broken (HTTP {page.status})",
                       [found, page_evidence(analysis, page)], match)
    if not page.ok:
        return Outcome(Status.PARTIAL, f"section page did not open ({page.error or page.status})",
                       [found, page_evidence(analysis, page)], match)
    result = content(analysis, page, options)
    # The entry clicked (menu link, sitemap entry, banner or tile) is part of the proof; a heading or slug is not.
    evidence = [found] if match.via in {"nav", "sitemap", "entry"} else []
    if result.ok:
        # Point at the matched entry, else at the page's own heading.
        element = result.element
        if element is None:
            headings = analysis.headings(page)
            element = headings[0][1] if headings else None
        evidence.append(page_evidence(analysis, page, result.excerpt or match.label, element))
        return Outcome(Status.PASS, f"section found ({match.via}: {match.label})", evidence, match, result.value)
    evidence.append(page_evidence(analysis, page, analysis.own_text(page)[:200] or None))
    if analysis.is_placeholder(page) and analysis.own_text(page):
        return Outcome(Status.PARTIAL, "section page is a placeholder", evidence, match)
    return Outcome(Status.PARTIAL, "section page has no content", evidence, match)


def best_outcome(outcomes: list[Outcome | None]) -> Outcome | None:
    def rank(outcome: Outcome) -> float:
        return 1.5 if outcome.weak else RANK[outcome.status]

    best: Outcome | None = None
    for outcome in outcomes:
        if outcome is not None and (best is None or rank(outcome) > rank(best)):
            best = outcome
    return best


def alternatives(outcomes: list[Outcome | None], chosen: Outcome) -> list[str]:
    """The other entries tried for the section, best first (``looked_at``): what a reviewer checks to see
    why this entry and not another decided (a broken menu link beside the working banner that won)."""
    tried = sorted((o for o in outcomes if o is not None and o is not chosen),
                   key=lambda o: -(1.5 if o.weak else RANK[o.status]))
    urls: list[str] = []
    for outcome in tried:
        url = outcome.match.source_url if outcome.match.dead else outcome.match.url
        if url not in urls and url != chosen.match.url:
            urls.append(url)
    return urls[:50]


def outcome_finding(analysis: SiteAnalysis, check_id: str, outcome: Outcome | None, missing: str,
                    outcomes: list[Outcome | None] | None = None) -> Finding:
    """The finding of the best outcome (its value unless ``unknown``), or ``not_found`` when there is none;
    the other ``outcomes`` tried are listed under ``looked_at``."""
    if outcome is None:
        return not_found(analysis, check_id, missing)
    return Finding(check_id, outcome.status, value=outcome.value if outcome.status != Status.UNKNOWN else None,
                   evidence=outcome.evidence, reason=outcome.reason, looked_at=alternatives(outcomes or [], outcome))


def section_check(analysis: SiteAnalysis, options: CheckOptions, check_id: str, concepts: tuple[str, ...],
                  content: ContentTest = EITHER, external_ok: Callable[[str], bool] | None = None,
                  content_links: bool = False) -> Finding:
    """The common section rule over every place the section is recognised; with ``content_links``, links
    named for it in pages' own content count too (functions the criteria accept as "a link to one")."""
    matches = [m for c in concepts for m in analysis.find_sections(c)]
    if content_links:
        known = {m.url.rstrip("/") for m in matches}
        matches += [m for c in concepts for m in analysis.content_links(c) if m.url.rstrip("/") not in known]
    outcomes = [evaluate(analysis, m, options, content, external_ok) for m in matches]
    outcome = best_outcome(outcomes)
    if outcome is None:
        return not_found(analysis, check_id, f"no {'/'.join(concepts)} section found")
    return Finding(check_id, outcome.status, value=outcome.value if outcome.status == Status.PASS else None,
                   evidence=outcome.evidence, reason=outcome.reason, looked_at=alternatives(outcomes, outcome))
