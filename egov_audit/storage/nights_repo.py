"""What the nightly operations recorded: each night of the scheduler, and each notification delivery.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import NIGHT_STATUSES, Night, NotificationDelivery, utcnow


def start_night(s: Session, night_date: str) -> Night:
    night = Night(night_date=night_date, status="running", started_at=utcnow())
    s.add(night)
    s.flush()
    return night


def finish_night(s: Session, night_id: int, status: str, *, run_id: str | None = None, exit_code: int | None = None,
                 error: str | None = None, details: dict[str, Any] | None = None) -> Night:
    if status not in NIGHT_STATUSES or status == "running":
        raise ValueError(f"a night ends as one of {NIGHT_STATUSES[1:]}, not {status!r}")
    night = s.get(Night, night_id)
    if night is None:
        raise KeyError(night_id)
    night.status, night.run_id, night.exit_code, night.error = status, run_id, exit_code, error
    night.details_json = dumps(details or {})
    night.finished_at = utcnow()
    s.add(night)
    s.flush()
    return night


def latest_night(s: Session, status: str | None = None) -> Night | None:
    query = select(Night)
    if status is not None:
        query = query.where(Night.status == status)
    return s.exec(query.order_by(Night.started_at.desc(), Night.id.desc())).first()


def night_done(s: Session, night_date: str) -> bool:
    """Whether a night of that date already finished (a second scheduler must not run it again)."""
    query = select(Night.id).where(Night.night_date == night_date, Night.status == "finished")
    return s.exec(query).first() is not None


def night_json(night: Night) -> dict[str, Any]:
    return {"id": night.id, "night": night.night_date, "status": night.status, "run_id": night.run_id,
            "exit_code": night.exit_code, "error": night.error, "details": json.loads(night.details_json or "{}"),
            "started_at": night.started_at.isoformat() if night.started_at else None,
            "finished_at": night.finished_at.isoformat() if night.finished_at else None}


def record_delivery(s: Session, run_id: str, channel: str, target: str, delivery_id: str, status: str,
                    attempts: int, error: str | None, payload_digest: str | None) -> NotificationDelivery:
    row = NotificationDelivery(run_id=run_id, channel=channel, target=target, delivery_id=delivery_id,
                               status=status, attempts=attempts, error=error, payload_digest=payload_digest,
                               created_at=utcnow())
    s.add(row)
    s.flush()
    return row


def deliveries(s: Session, run_id: str) -> list[dict[str, Any]]:
    query = select(NotificationDelivery).where(NotificationDelivery.run_id == run_id)
    return [{"channel": d.channel, "target": d.target, "delivery_id": d.delivery_id, "status": d.status,
             "attempts": d.attempts, "error": d.error, "at": d.created_at.isoformat()}
            for d in s.exec(query.order_by(NotificationDelivery.id))]
