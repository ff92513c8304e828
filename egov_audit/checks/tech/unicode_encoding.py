"""tech.unicode: pages are UTF-8 (TCVN 6909) with correct Vietnamese; ``fail`` for a legacy charset,
``partial`` for a Unicode page carrying text in a legacy font encoding (TCVN3, VNI) (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status

_LEGACY_CHARSETS = ("windows-1258", "cp1258", "tcvn", "tcvn3", "vni", "vps", "viscii")


def unicode_encoding(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    pages = [p for p in analysis.site.pages.values() if p.ok and p.html and analysis.in_scope(p.final_url or p.url)]
    if not pages:
        return Finding("tech.unicode", Status.UNKNOWN, reason="no page captured")
    for page in pages:
        charset = (page.encoding or "").lower()
        if any(charset.startswith(c) for c in _LEGACY_CHARSETS):
            return Finding("tech.unicode", Status.FAIL, value=charset, reason=f"page served in {charset}",
                           evidence=[Evidence(url=page.final_url, snapshot=page.body_digest)])
    for page in pages:
        if page.legacy_font_encoding:
            return Finding("tech.unicode", Status.PARTIAL, value=page.legacy_font_encoding,
                           reason=f"Unicode page with {page.legacy_font_encoding} text",
                           evidence=[Evidence(url=page.final_url, snapshot=page.body_digest)])
    home = analysis.home or pages[0]
    return Finding("tech.unicode", Status.PASS, value=home.encoding or "utf-8", reason="pages in Unicode",
                   evidence=[Evidence(url=home.final_url, snapshot=home.body_digest)])


CHECK = Check(id="tech.unicode", title_vi="Bảng mã Unicode", title_en="Unicode encoding",
              needs=frozenset({Need.PAGES}), run=unicode_encoding)
