"""tech.sitemap_xml: ``/sitemap.xml`` (or one named in robots.txt) parses and lists the unit's pages; for a
sub-site only the entries inside its scope count (CRITERIA.md §2, §5)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status


def sitemap_xml(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    sitemap = analysis.site.sitemap or {}
    url = sitemap.get("url") or ""
    if not sitemap.get("ok"):
        if sitemap.get("status") is None and sitemap.get("error"):
            return Finding("tech.sitemap_xml", Status.UNKNOWN, reason=f"sitemap did not answer: {sitemap['error']}",
                           evidence=[Evidence(url=url)] if url else [])
        return Finding("tech.sitemap_xml", Status.FAIL, looked_at=[url] if url else [],
                       reason=f"no usable sitemap ({sitemap.get('error') or sitemap.get('status')})")
    urls = [u for u in sitemap.get("urls", []) if isinstance(u, str)]
    in_scope = [u for u in urls if analysis.in_scope(u)]
    if in_scope:
        return Finding("tech.sitemap_xml", Status.PASS, value=len(in_scope),
                       evidence=[Evidence(url=url, excerpt=", ".join(in_scope[:3])[:200])],
                       reason=f"{len(in_scope)} pages listed")
    return Finding("tech.sitemap_xml", Status.FAIL, value=0, looked_at=[url],
                   reason="sitemap lists no page of the unit's scope" if urls else "sitemap lists no pages")


CHECK = Check(id="tech.sitemap_xml", title_vi="Sitemap XML", title_en="XML sitemap",
              needs=frozenset({Need.SITEMAP}), run=sitemap_xml)
