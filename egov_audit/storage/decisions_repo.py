"""Reviewer decisions, append-only: the history is the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from egov_audit.core.artifacts import Status
from egov_audit.storage.models import (
    EXCLUDE,
    ReviewerDecision,
    Unit,
    utcnow,
)

# "confirm" keeps the observed status, attributed to the reviewer; "exclude"/"include" take a unit out of
# the ranking and back (decisions are append-only, so lifting an exclusion is a new decision).
_DECISION_STATUSES = {str(v) for v in Status} | {EXCLUDE, "confirm", "include"}


def add_decision(
    s: Session,
    *,
    unit_code: str,
    status: str,
    reason: str,
    reviewer: str,
    run_id: str | None = None,
    check_id: str | None = None,
    indicator_id: str | None = None,
    framework_name: str | None = None,
    year: int | None = None,
    decided_at: datetime | None = None,
    crosscheck_field: str | None = None,
) -> ReviewerDecision:
    """Append a reviewer decision (never updates an earlier one: the history is the audit trail)."""
    status = str(status)
    if status not in _DECISION_STATUSES:
        raise ValueError(f"decision status must be one of {sorted(_DECISION_STATUSES)}, not {status!r}")
    if not reason or not reason.strip():
        raise ValueError("a reviewer decision needs a reason")
    if not reviewer or not reviewer.strip():
        raise ValueError("a reviewer decision needs the reviewer's name")
    if s.get(Unit, unit_code) is None:
        raise ValueError(f"unknown unit {unit_code}")
    decision = ReviewerDecision(
        unit_code=unit_code,
        run_id=run_id,
        check_id=check_id,
        indicator_id=indicator_id,
        framework_name=framework_name,
        year=year,
        status=status,
        reason=reason.strip(),
        reviewer=reviewer.strip(),
        decided_at=decided_at or utcnow(),
        crosscheck_field=crosscheck_field,
    )
    s.add(decision)
    s.flush()
    return decision


def _decision_json(d: ReviewerDecision) -> dict[str, Any]:
    return {
        "id": d.id,
        "unit_code": d.unit_code,
        "run_id": d.run_id,
        "check_id": d.check_id,
        "indicator_id": d.indicator_id,
        "framework_name": d.framework_name,
        "year": d.year,
        "status": d.status,
        "reason": d.reason,
        "reviewer": d.reviewer,
        "decided_at": d.decided_at,
        "crosscheck_field": d.crosscheck_field,
    }


def load_decisions(
    s: Session,
    *,
    unit_code: str | None = None,
    run_id: str | None = None,
    framework_name: str | None = None,
    year: int | None = None,
    latest_only: bool = True,
) -> list[dict[str, Any]]:
    """Reviewer decisions, oldest first; with ``latest_only`` one per target (unit, run, check,
    indicator, framework, year), the latest. Filters match a decision when its field is equal or
    unset (a decision without a year applies to every year)."""
    query = select(ReviewerDecision)
    if unit_code is not None:
        query = query.where(ReviewerDecision.unit_code == unit_code)
    if run_id is not None:
        query = query.where((ReviewerDecision.run_id == run_id) | ReviewerDecision.run_id.is_(None))
    if framework_name is not None:
        query = query.where(
            (ReviewerDecision.framework_name == framework_name) | ReviewerDecision.framework_name.is_(None)
        )
    if year is not None:
        query = query.where((ReviewerDecision.year == year) | ReviewerDecision.year.is_(None))
    rows = list(s.exec(query.order_by(ReviewerDecision.decided_at, ReviewerDecision.id)))
    if not latest_only:
        return [_decision_json(d) for d in rows]
    latest: dict[tuple[Any, ...], ReviewerDecision] = {}
    for d in rows:  # ascending: later ones overwrite earlier ones
        latest[(d.unit_code, d.run_id, d.check_id, d.indicator_id, d.framework_name, d.year)] = d
    return [_decision_json(d) for d in sorted(latest.values(), key=lambda d: (d.decided_at, d.id or 0))]
