"""Review-app sessions kept server-side: created at sign-in, looked up by the hash of the cookie token, ended
at sign-out, password change or timeout (an ended row never comes back).

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import ReviewSession, User, utcnow


def create_session(s: Session, *, session_id: str, username: str, csrf_token: str, expires_at: datetime,
                   client: str | None, user_agent: str | None, now: datetime | None = None) -> ReviewSession:
    now = now or utcnow()
    row = ReviewSession(id=session_id, username=username, csrf_token=csrf_token, created_at=now, last_seen_at=now,
                        expires_at=expires_at, client=client, user_agent=(user_agent or "")[:400] or None)
    s.add(row)
    s.flush()
    return row


def get_live_session(s: Session, session_id: str) -> tuple[ReviewSession, User] | None:
    """The session and its user when the session has not been ended (timeouts are the caller's rule)."""
    query = (select(ReviewSession, User).join(User, User.username == ReviewSession.username)
             .where(ReviewSession.id == session_id, ReviewSession.ended_at.is_(None)))
    row = s.exec(query).first()
    return (row[0], row[1]) if row else None


def touch(s: Session, session_id: str, now: datetime) -> None:
    s.exec(update(ReviewSession).where(ReviewSession.id == session_id).values(last_seen_at=now))


def end_session(s: Session, session_id: str, reason: str, now: datetime | None = None) -> bool:
    """End one session; False when it was already ended or never existed."""
    result = s.exec(update(ReviewSession).where(ReviewSession.id == session_id, ReviewSession.ended_at.is_(None))
                    .values(ended_at=now or utcnow(), end_reason=reason))
    return bool(result.rowcount)


def end_user_sessions(s: Session, username: str, reason: str, now: datetime | None = None) -> int:
    """End every live session of a user (password changed, account reset); returns how many."""
    result = s.exec(update(ReviewSession).where(ReviewSession.username == username, ReviewSession.ended_at.is_(None))
                    .values(ended_at=now or utcnow(), end_reason=reason))
    return int(result.rowcount or 0)


def push_flash(s: Session, session_id: str, message: dict[str, str]) -> None:
    row = s.get(ReviewSession, session_id)
    if row is not None:
        row.flash_json = dumps([*json.loads(row.flash_json or "[]"), message])
        s.add(row)
        s.flush()


def pop_flashes(s: Session, session_id: str) -> list[dict[str, Any]]:
    row = s.get(ReviewSession, session_id)
    if row is None or row.flash_json in ("", "[]"):
        return []
    messages = json.loads(row.flash_json)
    row.flash_json = "[]"
    s.add(row)
    s.flush()
    return messages


def live_sessions(s: Session, username: str) -> list[ReviewSession]:
    query = select(ReviewSession).where(ReviewSession.username == username, ReviewSession.ended_at.is_(None))
    return list(s.exec(query.order_by(ReviewSession.created_at)))
