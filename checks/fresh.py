"""Freshness checks (fresh.*): days since the newest dated news item and the newest document."""

from __future__ import annotations

from checks.common import not_found, page_evidence, tz
from checks.dates import age_days
from checks.info import FRESH_CONCEPTS, document_listing, news_entries
from checks.model import Finding, Need, Status
from checks.options import CheckOptions
from checks.registry import register
from checks.site import SiteAnalysis


def _grade(days: int, pass_days: float, partial_days: float) -> Status:
    if days <= pass_days:
        return Status.PASS
    if days <= partial_days:
        return Status.PARTIAL
    return Status.FAIL


@register("fresh.news", Need.PAGES)
def fresh_news(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Publication dates of news, announcement and direction items only: document issue dates, a
    header's "today", future deadlines and dates inside menus do not count (CRITERIA.md §5)."""
    ref = analysis.reference_time
    if ref is None:
        return Finding("fresh.news", Status.UNKNOWN, reason="no reference time (audited_at) for the crawl")
    entries = news_entries(analysis, options, FRESH_CONCEPTS)
    if not entries:
        return not_found(analysis, "fresh.news", "no dated news items found")
    entry, page, _match = max(entries, key=lambda e: e[0].date)
    days = age_days(entry.date, ref, tz(options))
    group = "fresh.news"
    pass_days = options.get(group, "pass_days_district" if analysis.site.unit_level == "district" else "pass_days_other")
    status = _grade(days, pass_days, options.get(group, "partial_days"))
    return Finding("fresh.news", status, value=days,
                   evidence=[page_evidence(analysis, page, f"{entry.title} ({entry.date_text})", entry.element)],
                   reason=f"newest news item dated {entry.date.isoformat()} ({days} days; pass ≤ {pass_days})")


@register("fresh.documents", Need.PAGES)
def fresh_documents(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    ref = analysis.reference_time
    if ref is None:
        return Finding("fresh.documents", Status.UNKNOWN, reason="no reference time (audited_at) for the crawl")
    results, others = document_listing(analysis, options)
    dated = []
    for _match, page, rows in results:
        for row, fields in rows:
            issued = fields.get("issued")
            if issued is not None and age_days(issued, ref, tz(options)) >= 0:
                dated.append((issued, row, page))
    if not dated:
        if any(o is not None and o.status == Status.UNKNOWN for o in others):
            return Finding("fresh.documents", Status.UNKNOWN, reason="document list page did not answer")
        return not_found(analysis, "fresh.documents", "no dated document list found")
    issued, row, page = max(dated, key=lambda d: d[0])
    days = age_days(issued, ref, tz(options))
    status = _grade(days, options.get("fresh.documents", "pass_days"), options.get("fresh.documents", "partial_days"))
    return Finding("fresh.documents", status, value=days,
                   evidence=[page_evidence(analysis, page, " ".join(row.itertext()), row)],
                   reason=f"newest document dated {issued.isoformat()} ({days} days)")
