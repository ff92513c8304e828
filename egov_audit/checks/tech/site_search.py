"""tech.search: a site-search form exists and works: submitting the title of a recent article finds it
(CRITERIA.md §2); a form submitting to another host is not followed (§5: ``unknown``).

Reads the search probe ``{"form_url", "query", "result_url", "result_html", "error", "target_url"?}``, which
carried out the plan of ``checks.search_plan``.
"""

from __future__ import annotations

from urllib.parse import urljoin

from egov_audit.checks.analysis import SiteAnalysis, host_of
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status
from egov_audit.core.html import parse_document


def search(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("search") or {}
    if probe.get("error") == "no_form" or (not probe.get("form_url") and not probe.get("error")):
        return not_found(analysis, "tech.search", "no search form found")
    form_url = probe.get("form_url") or ""
    result_url = probe.get("result_url") or ""
    if result_url and analysis.home and not analysis.in_scope(result_url) and host_of(result_url) not in analysis.own_hosts:
        return Finding("tech.search", Status.UNKNOWN, reason=f"search form submits to another host ({host_of(result_url)})")
    if probe.get("error") or not probe.get("result_html"):
        return Finding("tech.search", Status.UNKNOWN, reason=f"search probe failed: {probe.get('error') or 'no result'}")
    target = probe.get("target_url")
    query = probe.get("query") or ""
    doc = parse_document(probe["result_html"])
    if doc is None:
        return Finding("tech.search", Status.UNKNOWN, reason="search result page could not be parsed")
    hrefs = {urljoin(result_url or form_url, a.get("href") or "").split("#")[0].rstrip("/") for a in doc.iter("a")}
    texts = " ".join(" ".join(a.itertext()) for a in doc.iter("a"))
    found = (target and target.rstrip("/") in hrefs) or (not target and query and query in texts)
    evidence = [Evidence(url=result_url or form_url, excerpt=f"query: {query}"[:200])]
    if found:
        return Finding("tech.search", Status.PASS, evidence=evidence, reason="search finds a known article")
    return Finding("tech.search", Status.PARTIAL, evidence=evidence, reason="search form exists but finds nothing")


CHECK = Check(id="tech.search", title_vi="Tìm kiếm", title_en="Site search",
              needs=frozenset({Need.PAGES, Need.SEARCH}), run=search)
