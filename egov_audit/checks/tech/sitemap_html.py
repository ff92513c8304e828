"""tech.sitemap_html: a human sitemap page (*Sơ đồ cổng, Sơ đồ trang*) listing the portal's pages."""

from __future__ import annotations

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, section_check
from egov_audit.core.artifacts import CapturedPage, Finding, Need

# The thresholds this check reads: checks.tech.sitemap_html in config/checks.yaml, which holds these defaults.
OPTIONS = {
    # CRITERIA names no number; small commune sites list only a handful of sections.
    "min_links": Option(3, "In-scope links a \"Sơ đồ cổng/trang\" page must list to count as a sitemap "
                           "rather than a placeholder.", minimum=1),
}


def _sitemap_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    links = [link for link in analysis.links(page) if link.region in CONTENT_REGIONS and analysis.in_scope(link.url)]
    if len(links) >= options.get("tech.sitemap_html", "min_links"):
        return Content(True, " · ".join(link.text for link in links[:8]), None, len(links))
    return Content(False)


def sitemap_html(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "tech.sitemap_html", ("sitemap_html",), _sitemap_content)


CHECK = Check(id="tech.sitemap_html", title_vi="Sơ đồ cổng", title_en="HTML sitemap",
              needs=frozenset({Need.PAGES}), run=sitemap_html, options=OPTIONS)
