"""info.ownership: the footer or the about page names the managing body (*Cơ quan chủ quản*) and the person
responsible (*Chịu trách nhiệm chính*); partial when only one is named (CRITERIA.md §2)."""

from __future__ import annotations

import re

from egov_audit.checks.analysis import FOOTER, NAV_REGIONS, SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, match_label

_OWNER = ("Cơ quan chủ quản", "Đơn vị chủ quản", "Cơ quan quản lý")
_RESPONSIBLE = ("Chịu trách nhiệm chính", "Chịu trách nhiệm nội dung", "Chịu trách nhiệm", "Trưởng Ban biên tập",
                "Trưởng ban biên tập", "Người chịu trách nhiệm")


def _cue_with_value(lines: list[str], cues: tuple[str, ...]) -> str | None:
    """A line that gives a cue followed by a name ("Chịu trách nhiệm: Ông Nguyễn Văn A")."""
    for i, line in enumerate(lines):
        if match_label(line, cues):
            tail = re.split(r"[:：]", line, maxsplit=1)
            value = tail[1].strip() if len(tail) == 2 else (lines[i + 1] if i + 1 < len(lines) else "")
            if len(value) >= 4:
                return line if len(tail) == 2 else f"{line} {value}"
    return None


def _statements(analysis: SiteAnalysis) -> list[tuple[CapturedPage, str]]:
    """Where the portal speaks about itself: the home page's footer and navigation, the about pages."""
    pages: list[tuple[CapturedPage, str]] = []
    if analysis.home is not None and analysis.home.ok:
        pages.append((analysis.home, analysis.visible_text(analysis.home, regions=frozenset({FOOTER}) | NAV_REGIONS)))
    for match in analysis.find_sections("introduction"):
        if match.in_scope and match.page is not None and match.page.ok:
            pages.append((match.page, analysis.own_text(match.page)))
    return pages


def ownership(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    owner = responsible = None
    for page, text in _statements(analysis):
        lines = [collapse_whitespace(x) for x in text.split("\n") if x.strip()]
        owner = owner or ((page, v) if (v := _cue_with_value(lines, _OWNER)) else None)
        responsible = responsible or ((page, v) if (v := _cue_with_value(lines, _RESPONSIBLE)) else None)
    evidence = [page_evidence(analysis, p, v) for p, v in (x for x in (owner, responsible) if x)]
    if owner and responsible:
        return Finding("info.ownership", Status.PASS, evidence=evidence, reason="managing body and person responsible named")
    if owner or responsible:
        which = "managing body" if owner else "person responsible"
        return Finding("info.ownership", Status.PARTIAL, evidence=evidence, reason=f"only the {which} is named")
    return not_found(analysis, "info.ownership", "no managing body or person responsible named")


CHECK = Check(id="info.ownership", title_vi="Cơ quan chủ quản, người chịu trách nhiệm", title_en="Managing body and person responsible",
              needs=frozenset({Need.PAGES}), run=ownership)
