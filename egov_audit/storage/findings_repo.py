"""Findings of a unit in a run, stored in catalogue order; the latest ones of each unit for scoring."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from egov_audit.core.artifacts import Finding
from egov_audit.storage.columns import dumps
from egov_audit.storage.models import (
    FindingRow,
    UrlList,
)
from egov_audit.storage.runs_repo import newest_crawls

INLINE_URL_LIST_CHARS = 160
"""A looked-at list whose JSON is longer than this is stored once in ``url_list`` and named by its digest."""


def _looked_at_column(s: Session, urls: list[str], known: set[str]) -> str:
    """The ``looked_at_json`` value: the list itself when short, else the digest of a ``url_list`` row."""
    text = dumps(urls)
    if len(text) <= INLINE_URL_LIST_CHARS:
        return text
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest not in known:
        # Another worker may store the same list at the same moment: the first one wins, both refer to it.
        s.execute(_insert_ignoring_duplicates(s, digest, text))
        known.add(digest)
    return json.dumps(digest)


def _insert_ignoring_duplicates(s: Session, digest: str, text: str) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(UrlList).values(digest=digest, urls_json=text).on_conflict_do_nothing(index_elements=["digest"])


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
                evidence_json=dumps([e.to_json() for e in finding.evidence]),
                looked_at_json=_looked_at_column(s, list(finding.looked_at), known),
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
    lists = url_lists(s, [row.looked_at_json for row in rows])
    result: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        result.setdefault(row.unit_code, []).append(_finding_json(row, lists))
    return result


URL_LISTS_PER_QUERY = 500
"""Digests asked for in one query: a whole province's run names tens of thousands of lists, more than
SQLite accepts as parameters of one statement."""


def url_lists(s: Session, columns: Iterable[str]) -> dict[str, list[str]]:
    """The ``url_list`` rows named by these ``looked_at_json`` values, by digest."""
    digests = sorted({json.loads(c) for c in columns if c.startswith('"')})
    lists: dict[str, list[str]] = {}
    for start in range(0, len(digests), URL_LISTS_PER_QUERY):
        batch = digests[start:start + URL_LISTS_PER_QUERY]
        for row in s.exec(select(UrlList).where(UrlList.digest.in_(batch))):  # type: ignore[attr-defined]
            lists[row.digest] = json.loads(row.urls_json)
    return lists


def looked_at(column: str, lists: dict[str, list[str]]) -> list[str]:
    """A finding's looked-at URLs from its column: inline, or the named list."""
    value = json.loads(column)
    if not isinstance(value, str):
        return value
    if value not in lists:
        raise LookupError(f"finding names URL list {value}, which is not in the url_list table")
    return lists[value]


def _finding_json(row: FindingRow, lists: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "check": row.check_id,
        "status": row.status,
        "value": json.loads(row.value_json),
        "reason": row.reason,
        "evidence": json.loads(row.evidence_json),
        "looked_at": looked_at(row.looked_at_json, lists),
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
