"""Re-audits of one unit asked for from the review app: queued, claimed by one worker, finished or failed.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, select

from egov_audit.storage.models import Retest, utcnow

OPEN_STATUSES = ("queued", "running")


def add_retest(s: Session, unit_code: str, requested_by: str, dispute_id: int | None = None) -> Retest:
    job = Retest(unit_code=unit_code, requested_by=requested_by, requested_at=utcnow(), status="queued",
                 dispute_id=dispute_id)
    s.add(job)
    s.flush()
    return job


def open_retest(s: Session, unit_code: str) -> Retest | None:
    """The unit's queued or running re-test, if any (one at a time per unit)."""
    query = select(Retest).where(Retest.unit_code == unit_code, Retest.status.in_(OPEN_STATUSES))
    return s.exec(query.order_by(Retest.id)).first()


def claim_next(s: Session) -> Retest | None:
    """Mark the oldest queued re-test as running and return it; the conditional update makes the claim
    atomic, so two workers never run the same job."""
    for job in s.exec(select(Retest).where(Retest.status == "queued").order_by(Retest.id)):
        claimed = s.exec(update(Retest).where(Retest.id == job.id, Retest.status == "queued")
                         .values(status="running", started_at=utcnow()))
        if claimed.rowcount:
            s.refresh(job)
            return job
    return None


def finish(s: Session, job_id: int, status: str, run_id: str | None, error: str | None) -> Retest:
    job = s.get(Retest, job_id)
    if job is None:
        raise KeyError(job_id)
    job.status, job.run_id, job.error, job.finished_at = status, run_id, error, utcnow()
    s.add(job)
    s.flush()
    return job


def requeue_running(s: Session) -> int:
    """Put jobs left ``running`` by a stopped server back in the queue (the audit resumes its run)."""
    result = s.exec(update(Retest).where(Retest.status == "running").values(status="queued", started_at=None))
    return int(result.rowcount or 0)


def unit_retests(s: Session, unit_codes: Iterable[str]) -> list[Retest]:
    query = select(Retest).where(Retest.unit_code.in_(list(unit_codes)))
    return list(s.exec(query.order_by(Retest.requested_at.desc(), Retest.id.desc())))


def get_retest(s: Session, job_id: int) -> Retest | None:
    return s.get(Retest, job_id)
