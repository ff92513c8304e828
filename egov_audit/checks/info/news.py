"""info.news: a news listing (a section page, or a block on the home page) with at least ``min_articles``
dated articles whose pages open (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import DatedEntry, SiteAnalysis
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.info.news_listings import NEWS_CONCEPTS, news_entries
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import listing_content, section_check
from egov_audit.core.artifacts import CapturedPage, Evidence, Finding, Need, Status
from egov_audit.core.text import excerpt

Item = tuple[DatedEntry, CapturedPage]


# The thresholds this check reads: checks.info.news in config/checks.yaml, which holds these defaults.
OPTIONS = {
    "min_articles": Option(3, "Dated articles whose pages open that a news listing must show to pass.",
                           minimum=1),
}


def _articles(analysis: SiteAnalysis, options: CheckOptions
              ) -> tuple[list[tuple[DatedEntry, CapturedPage, CapturedPage]], list[Item], list[Item]]:
    """Distinct in-scope articles of the news listings: (opened with their page, broken, not fetched)."""
    opened, broken, unfetched = [], [], []
    seen: set[str] = set()
    for entry, page, _match in news_entries(analysis, options):
        if not entry.url or entry.url in seen or not analysis.in_scope(entry.url):
            continue
        seen.add(entry.url)
        target = analysis.page(entry.url)
        if target is None or target.status is None:
            unfetched.append((entry, page))
        elif target.ok:
            opened.append((entry, page, target))
        else:
            broken.append((entry, page))
    return opened, broken, unfetched


def news(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    minimum = int(options.get("info.news", "min_articles"))
    opened, broken, unfetched = _articles(analysis, options)
    # Evidence: the dated entries whose pages opened, else (partial) the entries whose pages are broken.
    shown = [(e, page) for e, page, _t in opened[:minimum]] or broken[:minimum]
    evidence = [
        Evidence(url=page.final_url, excerpt=excerpt(f"{e.title} ({e.date_text})"), snapshot=page.body_digest,
                 locator=analysis.locator_for(page, e.element))
        for e, page in shown
    ]
    if len(opened) >= minimum:
        return Finding("info.news", Status.PASS, value=len(opened), evidence=evidence,
                       reason=f"{len(opened)} dated articles that open")
    if len(opened) + len(unfetched) >= minimum and unfetched:
        return Finding("info.news", Status.UNKNOWN, value=len(opened), evidence=evidence,
                       reason=f"{len(unfetched)} article pages were not fetched")
    if opened or broken or unfetched:
        reason = f"only {len(opened)} dated articles open" + (f", {len(broken)} broken" if broken else "")
        return Finding("info.news", Status.PARTIAL, value=len(opened), evidence=evidence, reason=reason)
    fallback = section_check(analysis, options, "info.news", NEWS_CONCEPTS, listing_content)
    if fallback.status == Status.PASS:  # dated entries without links to article pages
        fallback.status, fallback.reason = Status.PARTIAL, "dated items without article pages"
    return fallback


CHECK = Check(id="info.news", title_vi="Tin tức, sự kiện", title_en="News",
              needs=frozenset({Need.PAGES}), run=news, options=OPTIONS)
