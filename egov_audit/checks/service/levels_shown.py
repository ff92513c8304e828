"""service.levels_shown: service entries show their level (*Mức độ 2/3/4*, *toàn trình*, *một phần*);
``value`` = distinct services at level 3 or higher, or full-process (CRITERIA.md §2)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, fold, strip_diacritics

_LEVEL = re.compile(r"muc(?: do)?\s*([1-4])|(toan trinh)|(mot phan)")
_LEVEL_WORDS = re.compile(r"(?i)m[ứu]c(\s*độ)?\s*[1-4]|toàn trình|một phần")


def _service_rows(analysis: SiteAnalysis, page: CapturedPage) -> Iterator[tuple[etree._Element, str, re.Match[str]]]:
    parsed = analysis.parsed(page)
    if parsed is None:
        return
    for row in parsed.body.iter("tr", "li"):
        if parsed.region.get(row) not in CONTENT_REGIONS or row.find(".//tr") is not None or row.find(".//li") is not None:
            continue
        text = collapse_whitespace(" ".join(row.itertext()))
        m = _LEVEL.search(strip_diacritics(fold(text)))
        if m:
            yield row, text, m


def levels_shown(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Level 2 or "một phần" shows a level but adds nothing to the value."""
    pages = [m.page for c in ("services", "procedures") for m in analysis.find_sections(c)
             if m.in_scope and m.page is not None and m.page.ok]
    high: set[str] = set()
    first = None
    unique = {(p.final_url or p.url): p for p in pages}  # CapturedPage is not hashable
    for page in unique.values():
        for row, text, m in _service_rows(analysis, page):
            first = first or (page, row, text)
            name = fold(_LEVEL_WORDS.sub("", text))[:120]
            if (m.group(1) and int(m.group(1)) >= 3) or m.group(2):
                high.add(name)
    if first:
        page, row, text = first
        return Finding("service.levels_shown", Status.PASS, value=len(high), reason="service levels shown",
                       evidence=[page_evidence(analysis, page, text, row)])
    return not_found(analysis, "service.levels_shown", "no service entries showing a level")


CHECK = Check(id="service.levels_shown", title_vi="Mức độ dịch vụ công", title_en="Service levels shown",
              needs=frozenset({Need.PAGES}), run=levels_shown)
