"""info.leaders: leaders with name and position, and a phone or email for at least one (CRITERIA.md §2),
on a leaders page or, failing one, the organisation page."""

from __future__ import annotations

from egov_audit.checks.analysis import CONTENT_REGIONS, SectionMatch, SiteAnalysis
from egov_audit.checks.contact_details import contact_details
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import match_evidence, page_evidence
from egov_audit.checks.info.person_names import leader_lines
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Outcome, best_outcome, evaluate, no_content, outcome_finding
from egov_audit.core.artifacts import Finding, Need, Status


def _leaders_on(analysis: SiteAnalysis, match: SectionMatch) -> Outcome | None:
    """pass with a leader's phone or email, partial with names and positions only; None: no leader named."""
    page = match.page
    if not match.in_scope or page is None or not page.ok:
        return None
    positions = leader_lines(analysis, page)
    if not positions:
        return None
    contacts = [f for f in contact_details(analysis, page, CONTENT_REGIONS, own_only=True) if f.kind in ("phone", "email")]
    evidence = [match_evidence(analysis, match), page_evidence(analysis, page, positions[0])]
    if not contacts:
        return Outcome(Status.PARTIAL, "names and positions without phone or email", evidence, match, len(positions))
    evidence.append(page_evidence(analysis, page, f"{contacts[0].value} — {contacts[0].context}", contacts[0].element))
    return Outcome(Status.PASS, "leaders with positions and contacts", evidence, match, len(positions))


def leaders(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    outcomes: list[Outcome | None] = []
    for concept in ("leaders", "organization"):
        for match in analysis.find_sections(concept):
            outcome = _leaders_on(analysis, match)
            if outcome is not None:
                outcomes.append(outcome)
            elif concept == "leaders":
                outcomes.append(evaluate(analysis, match, options, no_content))
    return outcome_finding(analysis, "info.leaders", best_outcome(outcomes), "no leaders section found", outcomes)


CHECK = Check(id="info.leaders", title_vi="Thông tin lãnh đạo", title_en="Leaders and their contacts",
              needs=frozenset({Need.PAGES}), run=leaders)
