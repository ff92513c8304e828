"""Findings of a unit in a run, stored in catalogue order; the latest ones of each unit for scoring."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from egov_audit.core.artifacts import Finding
from egov_audit.storage import shared_json
from egov_audit.storage.columns import dumps
from egov_audit.storage.models import FindingRow
from egov_audit.storage.runs_repo import newest_crawls


def save_findings(s: Session, run_id: str, unit_code: str, findings: list[Finding]) -> None:
    """Replace the findings of one unit in one run (a recheck overwrites the earlier ones)."""
    s.exec(delete(FindingRow).where(FindingRow.run_id == run_id, FindingRow.unit_code == unit_code))
    s.flush()
    known: set[str] = set()
    # Rows are inserted in the order given (the catalogue order of run_checks); export keeps it.
    for finding in findings:
        s.add(
            FindingRow(
                run_id=run_id,
                unit_code=unit_code,
                check_id=finding.check,
                status=str(finding.status),
                value_json=dumps(finding.value),
                reason=finding.reason,
                evidence_json=shared_json.column_for(s, [e.to_json() for e in finding.evidence], known),
                looked_at_json=shared_json.column_for(s, list(finding.looked_at), known),
            )
        )
    s.flush()


def load_findings(s: Session, run_id: str, unit_code: str) -> list[dict[str, Any]]:
    """One unit's findings in a run as JSON-ready dicts (``Finding.to_json`` shape), in saved order."""
    return load_run_findings(s, run_id, [unit_code]).get(unit_code, [])


def load_run_findings(
    s: Session, run_id: str, unit_codes: Iterable[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Findings of a run (optionally of some units) as JSON-ready dicts, by unit code."""
    query = select(FindingRow).where(FindingRow.run_id == run_id)
    if unit_codes is not None:
        query = query.where(FindingRow.unit_code.in_(list(unit_codes)))
    rows = list(s.exec(query.order_by(FindingRow.unit_code, FindingRow.id)))
    lists = stored_lists(s, rows)
    result: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        result.setdefault(row.unit_code, []).append(_finding_json(row, lists))
    return result


def stored_lists(s: Session, rows: Iterable[FindingRow]) -> dict[str, Any]:
    """The evidence and looked-at lists these finding rows name (stored once, ``shared_json``), by digest."""
    return shared_json.stored_values(s, [c for row in rows for c in (row.evidence_json, row.looked_at_json)])


def _finding_json(row: FindingRow, lists: dict[str, Any]) -> dict[str, Any]:
    return {
        "check": row.check_id,
        "status": row.status,
        "value": json.loads(row.value_json),
        "reason": row.reason,
        "evidence": shared_json.value_of(row.evidence_json, lists, []),
        "looked_at": shared_json.value_of(row.looked_at_json, lists, []),
    }


def latest_findings_by_unit(
    s: Session, unit_codes: Iterable[str] | None = None, as_of: datetime | None = None,
    runs: Iterable[str] | None = None,
) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """For each unit, (crawl status, findings) of the newest run in which its crawl ended (of runs started
    by ``as_of``; among ``runs`` when given).

    Scoring uses this: a unit audited last week and not tonight keeps last week's findings.
    """
    return {code: (crawl.status, load_findings(s, crawl.run_id, code))
            for code, crawl in newest_crawls(s, unit_codes, as_of=as_of, runs=runs).items()}


def scored_evidence(
    s: Session, unit_codes: Iterable[str], as_of: datetime | None = None, runs: Iterable[str] | None = None
) -> dict[str, tuple[str, str, list[dict[str, Any]]]]:
    """Like ``latest_findings_by_unit`` with the run each unit's findings came from: (run, status, findings)."""
    crawls = newest_crawls(s, unit_codes, as_of=as_of, runs=runs)
    by_run: dict[str, list[str]] = {}
    for code, crawl in crawls.items():
        by_run.setdefault(crawl.run_id, []).append(code)
    result: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}
    for run_id, codes in by_run.items():
        found = load_run_findings(s, run_id, codes)
        for code in codes:
            result[code] = (run_id, crawls[code].status, found.get(code, []))
    return result
