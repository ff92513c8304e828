"""interact.qa: Q&A with at least one question and its published answer (CRITERIA.md §2); a Q&A section
without answered questions is partial. The answer is looked for on the section's page and the questions' own
pages one click below, in the layouts of ``answered_questions``."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import match_evidence, page_evidence
from egov_audit.checks.interact.answered_questions import answered
from egov_audit.checks.interact.listed_pages import item_pages
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Outcome, best_outcome, evaluate, no_content, outcome_finding
from egov_audit.core.artifacts import Finding, Need, Status


def qa(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    outcomes: list[Outcome | None] = []
    for match in analysis.find_sections("qa"):
        page = match.page
        if match.in_scope and page is not None and page.ok:
            for candidate in [page, *item_pages(analysis, page)]:
                found = answered(analysis, candidate)
                if found:
                    text, element = found
                    evidence = [match_evidence(analysis, match), page_evidence(analysis, candidate, text, element)]
                    outcomes.append(Outcome(Status.PASS, "question with a published answer", evidence, match))
                    break
            else:
                outcomes.append(Outcome(Status.PARTIAL, "Q&A section without answered questions",
                                        [match_evidence(analysis, match), page_evidence(analysis, page)], match))
        else:
            outcomes.append(evaluate(analysis, match, options, no_content))
    return outcome_finding(analysis, "interact.qa", best_outcome(outcomes), "no Q&A section found")


CHECK = Check(id="interact.qa", title_vi="Hỏi đáp", title_en="Questions and answers",
              needs=frozenset({Need.PAGES}), run=qa)
