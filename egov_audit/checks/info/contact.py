"""info.contact: the unit's address, office phone and email, on a contact page or in the footer; a leader's
phone or email does not count (CRITERIA.md §5)."""

from __future__ import annotations

from egov_audit.checks.analysis import CONTENT_REGIONS, SiteAnalysis
from egov_audit.checks.contact_details import Found, contact_details
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status
from egov_audit.core.text import excerpt

KINDS = ("address", "phone", "email")


def _unit_details(analysis: SiteAnalysis) -> tuple[dict[str, Found], list[str]]:
    """The first detail of each kind that is not a leader's (contact pages first, then the home page's
    footer), and the contact pages that did not answer."""
    found: list[Found] = []
    unanswered: list[str] = []
    for match in analysis.find_sections("contact"):
        page = match.page
        if not match.in_scope or page is None:
            continue
        if page.status is None:
            unanswered.append(match.url)
        elif page.ok:
            found += contact_details(analysis, page, CONTENT_REGIONS)
    if analysis.home is not None and analysis.home.ok:
        found += contact_details(analysis, analysis.home, within=analysis.footer_blocks(analysis.home))
    best: dict[str, Found] = {}
    for item in found:
        if not item.leader and item.kind not in best:
            best[item.kind] = item
    return best, unanswered


def contact(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    best, unanswered = _unit_details(analysis)
    kinds = [k for k in KINDS if k in best]
    evidence = [
        Evidence(url=f.page.final_url or f.page.url, excerpt=excerpt(f"{f.value} — {f.context}"),
                 snapshot=f.page.body_digest, locator=analysis.locator_for(f.page, f.element) if f.element is not None else None)
        for f in (best[k] for k in kinds)
    ]
    missing = [k for k in KINDS if k not in best]
    if len(kinds) == 3:
        return Finding("info.contact", Status.PASS, value=len(kinds), evidence=evidence, reason="address, phone and email found")
    if unanswered:
        return Finding("info.contact", Status.UNKNOWN, evidence=evidence,
                       reason=f"contact page did not answer ({unanswered[0]}); found: {', '.join(kinds) or 'nothing'}")
    if len(kinds) == 2:
        return Finding("info.contact", Status.PARTIAL, value=2, evidence=evidence, reason=f"missing {missing[0]}")
    result = not_found(analysis, "info.contact", f"missing {', '.join(missing)}")
    result.evidence = evidence
    result.value = len(kinds) if result.status == Status.FAIL else None
    return result


CHECK = Check(id="info.contact", title_vi="Thông tin liên hệ", title_en="Contact information",
              needs=frozenset({Need.PAGES}), run=contact)
