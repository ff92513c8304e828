"""tech.broken_links: ``value`` = share of the internal links seen on the pages that end in 4xx/5xx, by the
crawl's own fetches and else the link-status probe (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.findings import grade_at_most, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status

# The thresholds this check reads: checks.tech.broken_links in config/checks.yaml, which holds these defaults.
OPTIONS = {
    "pass_share": Option(0.02, "Share of broken internal links up to which the portal passes.", maximum=1),
    "partial_share": Option(0.10, "Share up to which it is partial; more is a fail.", maximum=1),
}


def _link_states(analysis: SiteAnalysis) -> dict[str, bool | None]:
    """Each internal link seen on the pages: broken (True), working (False) or not known (None)."""
    extra = analysis.site.probes.get("link_status") or {}
    seen: dict[str, bool | None] = {}
    for page in analysis.html_pages:
        for link in analysis.links(page):
            if link.url.startswith(("mailto:", "tel:")) or not analysis.in_scope(link.url) or link.url in seen:
                continue
            target = analysis.page(link.url)
            status = target.status if target is not None else extra.get(link.url)
            seen[link.url] = status >= 400 if isinstance(status, int) else None
    return seen


def broken_links(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    checked = {u: b for u, b in _link_states(analysis).items() if b is not None}
    if not checked:
        return Finding("tech.broken_links", Status.UNKNOWN, reason="no internal link status known")
    broken = [u for u, b in checked.items() if b]
    share = round(len(broken) / len(checked), 3)
    status = grade_at_most(share, options.get("tech.broken_links", "pass_share"),
                           options.get("tech.broken_links", "partial_share"))
    reason = f"{len(broken)} of {len(checked)} internal links broken"
    evidence = [Evidence(url=u) for u in broken[:10]]
    if not evidence and analysis.site.home is not None:
        # Nothing broken to point at: the home page is where the count of links began.
        evidence = [page_evidence(analysis, analysis.site.home, reason)]
    return Finding("tech.broken_links", status, value=share, evidence=evidence, reason=reason)


CHECK = Check(id="tech.broken_links", title_vi="Liên kết hỏng", title_en="Broken links",
              needs=frozenset({Need.PAGES, Need.LINK_STATUS}), run=broken_links, options=OPTIONS)
