"""info.legal_documents: a document list whose entries show a number/symbol, an issue date, a summary and a
downloadable file; partial if entries lack the file or some of the fields (CRITERIA.md §2)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import match_evidence, page_evidence
from egov_audit.checks.info.document_lists import DOCUMENT_FIELDS, document_listing
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Outcome, best_outcome, evaluate, no_content, outcome_finding
from egov_audit.core.artifacts import Finding, Need, Status
from egov_audit.core.text import collapse_whitespace


def legal_documents(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    results, others = document_listing(analysis, options)
    outcomes: list[Outcome | None] = list(others)
    for match, page, rows in results:
        complete = [(r, f) for r, f in rows if all(k in f for k in DOCUMENT_FIELDS) and "file" in f]
        evidence = [match_evidence(analysis, match)]
        if complete:
            row, fields = complete[0]
            evidence.append(page_evidence(analysis, page, " ".join(str(v) for v in fields.values()), row))
            outcomes.append(Outcome(Status.PASS, "documents with number, date, summary and file", evidence, match,
                                    len(complete)))
        elif rows:
            row, fields = max(rows, key=lambda rf: len(rf[1]))
            missing = [k for k in (*DOCUMENT_FIELDS, "file") if k not in fields]
            evidence.append(page_evidence(analysis, page, collapse_whitespace(" ".join(row.itertext())), row))
            outcomes.append(Outcome(Status.PARTIAL, f"document entries lack {', '.join(missing)}", evidence, match,
                                    len(rows)))
        else:
            outcomes.append(evaluate(analysis, match, options, no_content))
    return outcome_finding(analysis, "info.legal_documents", best_outcome(outcomes), "no document list found",
                           outcomes)


CHECK = Check(id="info.legal_documents", title_vi="Văn bản quy phạm pháp luật", title_en="Legal documents",
              needs=frozenset({Need.PAGES}), run=legal_documents)
