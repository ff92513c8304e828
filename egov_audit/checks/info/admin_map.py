"""info.map: the administrative boundary map (*Bản đồ hành chính*): an image, embedded map or map file."""

from __future__ import annotations

import re

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, section_check
from egov_audit.core.artifacts import CapturedPage, Finding, Need

_RE_MAP_FILE = re.compile(r"\.(jpe?g|png|gif|pdf|webp)$", re.I)


def _map_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    parsed = analysis.parsed(page)
    if parsed is None:
        return Content(False)
    boiler = analysis.boilerplate_elements(page)
    for el in parsed.body.iter("img", "iframe", "embed", "object", "canvas"):
        if parsed.region.get(el) in CONTENT_REGIONS and el not in parsed.hidden and el not in boiler:
            return Content(True, el.get("alt") or el.get("src") or el.tag, el)
    for link in analysis.links(page):
        if link.region in CONTENT_REGIONS and _RE_MAP_FILE.search(link.url):
            return Content(True, link.text or link.url, link.element)
    return Content(False)


def admin_map(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "info.map", ("map",), _map_content)


CHECK = Check(id="info.map", title_vi="Bản đồ hành chính", title_en="Administrative map",
              needs=frozenset({Need.PAGES}), run=admin_map)
