"""Reviewer decisions as one service: the review app, the CLI (``egov-audit decide``) and tests record them here.

A decision judges one thing, with a reason, and is stored with who and when (``decisions_repo``, append-only):

- ``confirm`` / ``override`` a finding: scoped to the run whose evidence it judged (a later night's fresh
  evidence is scored on its own) and, when given, to the evaluation year;
- the same on a cross-check outcome (``crosscheck_field``): the decision judges the observed check behind
  the survey field, so the finding, the indicator and the cross-check all agree after re-scoring;
- ``exclude`` / ``include`` a unit in the ranking of a year (or of every year when no year is given).

A later decision on the same target replaces an earlier one (an ``include`` lifts an ``exclude``, a
``confirm`` restores the observed status), and both stay in the history. Settling a dispute is a decision
too: ``override`` upholds it, ``confirm`` rejects it, and the dispute's history says which decision did.
Stored scores made before a decision are shown as out of date (``stale_score_sets``) until re-scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from egov_audit.core.artifacts import Status
from egov_audit.scoring import load_survey_fields
from egov_audit.services.workspace import Workspace
from egov_audit.storage import (
    audit_log_repo,
    decisions_repo,
    disputes_repo,
    findings_repo,
    runs_repo,
    scores_repo,
    units_repo,
)
from egov_audit.storage.db import session
from egov_audit.storage.models import EXCLUDE, ReviewerDecision, Score, UnitCrawl

ACTIONS = ("confirm", "override", "exclude", "include")
MAX_REASON_CHARS = 2000


@dataclass
class DecisionError(ValueError):
    """A decision was asked for wrongly; both messages are shown to the reviewer (or printed by the CLI)."""

    vi: str
    en: str

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"


class UnknownTarget(LookupError):
    """The run, unit or dispute a decision names does not exist."""


@dataclass(frozen=True)
class DecisionRequest:
    unit_code: str
    action: str
    reason: str
    reviewer: str
    run_id: str | None = None
    """For findings and cross-checks; default: the unit's latest audited run."""
    check_id: str | None = None
    status: str | None = None
    """The new status of an ``override``."""
    year: int | None = None
    """The evaluation year judged; None = every year."""
    crosscheck_field: str | None = None
    dispute_id: int | None = None


@dataclass(frozen=True)
class RecordedDecision:
    id: int
    unit_code: str
    status: str
    run_id: str | None
    check_id: str | None
    year: int | None
    decided_at: datetime


def required_text(text: str | None, limit: int, missing: tuple[str, str], what: tuple[str, str]) -> str:
    """``text`` stripped, or ``DecisionError`` when it is empty (``missing``) or longer than ``limit``
    (``what`` names it in both languages): reasons, dispute comments."""
    value = (text or "").strip()
    if not value:
        raise DecisionError(*missing)
    if len(value) > limit:
        raise DecisionError(f"{what[0]} quá dài (tối đa {limit} ký tự).",
                            f"The {what[1]} is too long (at most {limit} characters).")
    return value


def _reason(text: str | None) -> str:
    return required_text(text, MAX_REASON_CHARS, ("Cần ghi lý do cho quyết định.", "A reason is required."),
                         ("Lý do", "reason"))


def _crosscheck_check(config_dir: Any, field: str) -> str:
    catalogue = load_survey_fields(config_dir)
    sf = catalogue.get(field)
    if sf is None or sf.kind != "BOTH" or not sf.crosscheck:
        raise DecisionError("Trường khảo sát này không được đối chiếu với cổng thông tin.",
                            f"Survey field {field!r} is not cross-checked against the portal.")
    return sf.crosscheck


def record(s: Session, request: DecisionRequest, *, config_dir: Any, client: str | None = None) -> RecordedDecision:
    """Validate and append one decision (plus its audit-log entry and, for a dispute, the dispute's event)."""
    reason = _reason(request.reason)
    if not request.reviewer or not request.reviewer.strip():
        raise DecisionError("Thiếu tên người duyệt.", "The reviewer's name is missing.")
    if units_repo.get_unit(s, request.unit_code) is None:
        raise UnknownTarget(request.unit_code)
    if request.action not in ACTIONS:
        raise DecisionError("Thao tác không hợp lệ.", "Unknown action.")
    if request.action in ("exclude", "include"):
        if request.run_id is not None and runs_repo.get_run(s, request.run_id) is None:
            raise UnknownTarget(request.run_id)
        row = decisions_repo.add_decision(s, unit_code=request.unit_code, reason=reason, reviewer=request.reviewer,
                                          status=EXCLUDE if request.action == "exclude" else "include",
                                          year=request.year)
    else:
        row = _record_on_check(s, request, reason, config_dir)
    audit_log_repo.record_event(s, "decision", request.reviewer, unit_code=request.unit_code, client=client,
                                decision_id=row.id, action=request.action, status=row.status, run=row.run_id,
                                check=row.check_id, year=row.year, crosscheck=row.crosscheck_field,
                                dispute=request.dispute_id)
    return RecordedDecision(row.id or 0, row.unit_code, row.status, row.run_id, row.check_id, row.year,
                            row.decided_at)


def _record_on_check(s: Session, request: DecisionRequest, reason: str, config_dir: Any) -> ReviewerDecision:
    run_id = request.run_id or runs_repo.latest_run_by_unit(s, [request.unit_code]).get(request.unit_code)
    if run_id is None or runs_repo.get_run(s, run_id) is None:
        raise UnknownTarget(f"{run_id}/{request.unit_code}")
    check_id = request.check_id
    if request.crosscheck_field:
        expected = _crosscheck_check(config_dir, request.crosscheck_field)
        if check_id and check_id != expected:
            raise DecisionError("Tiêu chí kiểm tra không khớp với trường đối chiếu.",
                                f"Field {request.crosscheck_field} is cross-checked by {expected}, not {check_id}.")
        check_id = expected
    findings = {f["check"] for f in findings_repo.load_findings(s, run_id, request.unit_code)}
    if not check_id or check_id not in findings:
        raise DecisionError("Không tìm thấy tiêu chí kiểm tra này trong lần kiểm tra.",
                            "This check is not among the run's findings for the unit.")
    if request.action == "confirm":
        status = "confirm"  # keep the observed status, attributed to the reviewer
    elif request.status in {str(st) for st in Status}:
        status = str(request.status)
    else:
        raise DecisionError("Hãy chọn trạng thái mới.", "Choose a new status.")
    dispute = None
    if request.dispute_id is not None:
        dispute = disputes_repo.get_dispute(s, request.dispute_id)
        if dispute is None or dispute.unit_code != request.unit_code or dispute.check_id != check_id:
            raise DecisionError("Khiếu nại không thuộc về phát hiện này.", "The dispute is not about this finding.")
    row = decisions_repo.add_decision(s, unit_code=request.unit_code, status=status, reason=reason,
                                      reviewer=request.reviewer, run_id=run_id, check_id=check_id,
                                      year=request.year, crosscheck_field=request.crosscheck_field)
    if dispute is not None and dispute.id is not None:
        disputes_repo.add_event(s, dispute.id, "upheld" if request.action == "override" else "rejected",
                                request.reviewer, note=reason, decision_id=row.id)
    return row


def record_decision(ws: Workspace, request: DecisionRequest, client: str | None = None) -> RecordedDecision:
    """``record`` in its own transaction (the CLI's and the app's entry point)."""
    with session(ws.engine) as s:
        return record(s, request, config_dir=ws.settings.config_dir, client=client)


# ---------------------------------------------------------------- scores out of date


def stale_score_sets(s: Session, unit_code: str | None = None) -> list[dict[str, Any]]:
    """The latest score sets (framework, year) that decisions or audits made since they were computed would
    change, with why: what a "re-score" button must offer. With ``unit_code``, only the sets that score that
    unit, judged by its own decisions and crawls."""
    stale = []
    for (framework_name, year), score_set in scores_repo.latest_sets(s).items():
        members = select(Score.unit_code).where(Score.score_set_id == score_set.id)
        if unit_code is not None:
            if s.exec(members.where(Score.unit_code == unit_code).limit(1)).first() is None:
                continue
            members = select(Score.unit_code).where(Score.score_set_id == score_set.id, Score.unit_code == unit_code)
        last_decision = s.exec(select(func.max(ReviewerDecision.decided_at)).where(
            ReviewerDecision.unit_code.in_(members),
            (ReviewerDecision.year == year) | ReviewerDecision.year.is_(None))).one()
        last_audit = s.exec(select(func.max(UnitCrawl.finished_at)).where(
            UnitCrawl.unit_code.in_(members), UnitCrawl.status != "running")).one()
        reasons = [why for why, when in (("decisions", last_decision), ("audits", last_audit))
                   if when is not None and when > score_set.created_at]
        if reasons:
            stale.append({"framework": framework_name, "framework_id": score_set.framework_id, "year": year,
                          "computed_at": score_set.created_at, "why": reasons})
    return sorted(stale, key=lambda x: (-x["year"], x["framework"]))


def check_decisions_in_force(rows: list[dict[str, Any]], run_id: str, year: int | None) -> dict[str, dict[str, Any]]:
    """The decision in force on each check of one run: the latest decision on the check made for that run
    and for ``year`` (or for every year), as scoring applies it. ``rows`` come oldest first
    (``decisions_repo.load_decisions``)."""
    in_force: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["check_id"] and row["run_id"] == run_id and (year is None or row["year"] in (None, year)):
            in_force[row["check_id"]] = row
    return in_force


def effective_status(observed: str, decision: dict[str, Any] | None) -> str:
    """The status a finding counts with: a reviewer's override, or the observation (also when confirmed)."""
    if decision is None or decision["status"] == "confirm":
        return observed
    return str(decision["status"])


def unit_exclusion(rows: list[dict[str, Any]], year: int | None) -> dict[str, Any] | None:
    """The exclusion from ranking in force for a unit and year (the latest exclude/include decision for that
    year or for every year), or None."""
    latest = None
    for row in rows:
        if row["check_id"] is None and row["indicator_id"] is None and row["status"] in (EXCLUDE, "include") and (
                year is None or row["year"] in (None, year)):
            latest = row
    return latest if latest is not None and latest["status"] == EXCLUDE else None
