"""Site analysis: what the checks know about a captured site, parsed once (``SiteAnalysis`` and its parts)."""

from egov_audit.checks.analysis.dated_entries import DatedEntry
from egov_audit.checks.analysis.page_links import Link
from egov_audit.checks.analysis.page_parsing import ParsedPage, is_inside
from egov_audit.checks.analysis.page_regions import (
    ARTICLE,
    BREADCRUMB,
    CONTENT_REGIONS,
    FOOTER,
    HEADER,
    MAIN,
    NAV,
    NAV_REGIONS,
    SIDEBAR,
)
from egov_audit.checks.analysis.section_recognition import SectionMatch
from egov_audit.checks.analysis.site_analysis import SiteAnalysis
from egov_audit.checks.analysis.site_scope import host_of, is_file_url, is_gov_vn

__all__ = [
    "ARTICLE", "BREADCRUMB", "CONTENT_REGIONS", "FOOTER", "HEADER", "MAIN", "NAV", "NAV_REGIONS", "SIDEBAR",
    "DatedEntry", "Link", "ParsedPage", "SectionMatch", "SiteAnalysis", "host_of", "is_file_url", "is_gov_vn",
    "is_inside",
]
