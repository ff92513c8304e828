"""Distributed runs: the units of each run, the lease of the attempt working on a unit, completion.

Every outcome is keyed by (run, unit): the crawl row, the findings and the ``distributed_unit`` row. An
attempt first *claims* its unit (a new lease token, unless a live attempt holds it or the outcome is
stored), renews the lease with heartbeats, and stores the outcome only after ``fence`` found its token
still current, in the transaction that writes the outcome and marks the unit ``done``. A second delivery
of the same job, or an attempt that lost its lease while it was frozen, therefore stores nothing.

Times come from the database's clock (``db_now``): the workers' machines need not agree on the time.
Each function takes an open session and never commits (the caller's ``db.session`` is the transaction).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from egov_audit.storage.models import AuditRun, DistributedRun, DistributedUnit, UnitCrawl, utcnow

DONE, BUSY, CLOSED = "done", "busy", "closed"


class LeaseLost(Exception):
    """Another attempt took this unit over (this one was silent for longer than the lease)."""


@dataclass(frozen=True)
class Claim:
    """What claiming a unit gave: its lease token and the attempt number, or why there is nothing to do."""

    outcome: str
    """``claimed``, ``done`` (the outcome is stored already), ``busy`` (a live attempt holds the lease) or
    ``closed`` (the run is no longer running)."""
    token: str | None = None
    attempt: int = 0


def db_now(s: Session) -> datetime:
    """The database server's time (PostgreSQL ``clock_timestamp()``; elsewhere this machine's)."""
    if s.get_bind().dialect.name == "postgresql":
        return s.exec(sa.select(sa.func.clock_timestamp())).scalar_one()  # type: ignore[call-overload]
    return utcnow()


def register_run(s: Session, run_id: str, queue: str, unit_codes: Iterable[str]) -> DistributedRun:
    """Mark a run as distributed on ``queue`` and record its units (those already recorded are kept)."""
    run = s.get(DistributedRun, run_id)
    if run is None:
        run = DistributedRun(run_id=run_id, queue=queue, enqueued_at=db_now(s))
        s.add(run)
    known = set(s.exec(select(DistributedUnit.unit_code).where(DistributedUnit.run_id == run_id)))
    now = db_now(s)
    for code in unit_codes:
        if code not in known:
            s.add(DistributedUnit(run_id=run_id, unit_code=code, queued_at=now))
            known.add(code)
    s.flush()
    return run


def get_run(s: Session, run_id: str) -> DistributedRun | None:
    return s.get(DistributedRun, run_id)


def units(s: Session, run_id: str) -> list[DistributedUnit]:
    query = select(DistributedUnit).where(DistributedUnit.run_id == run_id).order_by(DistributedUnit.unit_code)
    return list(s.exec(query))


def open_codes(s: Session, run_id: str, include_failed: bool = False) -> list[str]:
    """Units of the run without a stored outcome (``failed`` ones only when asked)."""
    states = ["queued", "running", "failed"] if include_failed else ["queued", "running"]
    query = select(DistributedUnit.unit_code).where(DistributedUnit.run_id == run_id,
                                                    DistributedUnit.state.in_(states))  # type: ignore[attr-defined]
    return sorted(s.exec(query))


def _row_for_update(s: Session, run_id: str, unit_code: str) -> DistributedUnit | None:
    query = (select(DistributedUnit).where(DistributedUnit.run_id == run_id, DistributedUnit.unit_code == unit_code)
             .with_for_update())
    return s.exec(query).first()


def _crawl_finished(s: Session, run_id: str, unit_code: str) -> bool:
    query = select(UnitCrawl.status).where(UnitCrawl.run_id == run_id, UnitCrawl.unit_code == unit_code)
    status = s.exec(query).first()
    return status is not None and status != "running"


def claim(s: Session, run_id: str, unit_code: str, worker: str, lease_seconds: float) -> Claim:
    """Take the unit's lease for a new attempt, unless its outcome is stored or a live attempt holds it."""
    run = s.get(AuditRun, run_id)
    if run is None or run.status != "running":
        return Claim(CLOSED)  # finished, or abandoned by `audit --fresh`: nothing more is stored in it
    row = _row_for_update(s, run_id, unit_code)
    now = db_now(s)
    if row is None:  # a job queued by hand for a unit the run did not list: the run gains the unit
        row = DistributedUnit(run_id=run_id, unit_code=unit_code, queued_at=now)
    if row.state == "done" or _crawl_finished(s, run_id, unit_code):
        row.state = "done"
        s.add(row)
        s.flush()
        return Claim(DONE)
    if row.state == "running" and row.heartbeat_at is not None and \
            row.heartbeat_at > now - timedelta(seconds=lease_seconds):
        return Claim(BUSY)
    row.state, row.lease_token, row.worker = "running", uuid.uuid4().hex, worker
    row.attempts += 1
    row.heartbeat_at = row.started_at = now
    row.error = None
    s.add(row)
    s.flush()
    return Claim("claimed", row.lease_token, row.attempts)


def heartbeat(s: Session, run_id: str, unit_code: str, token: str) -> bool:
    """Renew a lease; False when another attempt holds the unit now."""
    result = s.exec(  # type: ignore[call-overload]
        sa.update(DistributedUnit)
        .where(DistributedUnit.run_id == run_id, DistributedUnit.unit_code == unit_code,  # type: ignore[arg-type]
               DistributedUnit.lease_token == token, DistributedUnit.state == "running")  # type: ignore[arg-type]
        .values(heartbeat_at=db_now(s)))
    return bool(result.rowcount)


def fence(s: Session, run_id: str, unit_code: str, token: str) -> DistributedUnit:
    """Lock the unit's row and check the lease is still ``token``'s; raises ``LeaseLost`` otherwise."""
    row = _row_for_update(s, run_id, unit_code)
    if row is None or row.lease_token != token or row.state != "running":
        holder = f"{row.worker} ({row.state})" if row is not None else "nobody"
        raise LeaseLost(f"unit {unit_code} of run {run_id} is now held by {holder}")
    return row


def mark_done(s: Session, row: DistributedUnit) -> None:
    """The unit's outcome is being stored in this transaction (after ``fence``)."""
    row.state, row.finished_at, row.error = "done", db_now(s), None
    s.add(row)
    s.flush()


def release(s: Session, run_id: str, unit_code: str, token: str, state: str, error: str) -> None:
    """An attempt ended without an outcome: back to ``queued`` (a retry is coming) or ``failed``."""
    row = _row_for_update(s, run_id, unit_code)
    if row is None or row.lease_token != token or row.state != "running":
        return  # another attempt holds it now: that one reports
    row.state, row.error, row.heartbeat_at = state, error[:2000], None
    row.finished_at = db_now(s) if state == "failed" else None
    s.add(row)
    s.flush()


def requeued(s: Session, run_id: str, unit_codes: Iterable[str]) -> None:
    """Units put on the queue again (``runs requeue``): failed ones wait again."""
    codes = list(unit_codes)
    if not codes:
        return
    s.exec(sa.update(DistributedUnit)  # type: ignore[call-overload]
           .where(DistributedUnit.run_id == run_id, DistributedUnit.unit_code.in_(codes),  # type: ignore[attr-defined]
                  DistributedUnit.state == "failed")  # type: ignore[arg-type]
           .values(state="queued", queued_at=db_now(s), finished_at=None))


def lock_run(s: Session, run_id: str) -> tuple[AuditRun | None, DistributedRun | None]:
    """The run and its distributed record, locked: completion happens once."""
    run = s.exec(select(AuditRun).where(AuditRun.id == run_id).with_for_update()).first()
    return run, s.get(DistributedRun, run_id)


def mark_completed(s: Session, dist: DistributedRun) -> None:
    dist.completed_at = db_now(s)
    s.add(dist)
    s.flush()


def mark_scored(s: Session, dist: DistributedRun, frameworks: list[str], error: str | None = None) -> None:
    """Scoring after completion ran (``error``: why it could not, e.g. no framework covers the year)."""
    dist.scored_at = db_now(s)
    dist.scoring_json = json.dumps({"frameworks": frameworks, "error": error}, ensure_ascii=False)
    s.add(dist)
    s.flush()
