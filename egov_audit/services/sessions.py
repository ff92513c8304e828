"""Review-app sign-ins as server-side sessions: a random token in the cookie, its hash in ``review_session``.

Because the server keeps the session, signing out, changing a password or resetting an account ends every
copy of the cookie at once (a copied or saved cookie is refused afterwards). A session ends when it has been
idle for ``review.idle_minutes`` or lived ``review.session_hours``, however active: the cookie is issued
once, at sign-in, and never re-issued, so its lifetime cannot slide. Sign-ins, failures and sign-outs go to
the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from egov_audit.services.accounts import CurrentUser, authenticate
from egov_audit.services.settings import ReviewSettings
from egov_audit.storage import audit_log_repo, sessions_repo
from egov_audit.storage.models import utcnow

TOKEN_BYTES = 32
TOUCH_EVERY = timedelta(seconds=60)
"""How often a session's last use is written: often enough for the idle rule, not a write per request."""


@dataclass(frozen=True)
class SignedIn:
    """A live session as the app sees it (never the cookie token itself)."""

    session_id: str
    user: CurrentUser
    csrf_token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    """What the database keeps of a bearer token (cookie, API token, unit link): its SHA-256 in hex. The
    tokens are 256-bit random, so a fast hash is enough and a stolen table signs nobody in."""
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


def sign_in(s: Session, username: str, password: str, settings: ReviewSettings, *, client: str | None,
            user_agent: str | None, now: datetime | None = None) -> tuple[str, SignedIn] | None:
    """Check the password and open a session: (cookie token, session), or None (logged as a failure)."""
    user = authenticate(s, username, password)
    if user is None:
        audit_log_repo.record_event(s, "sign_in_failed", username[:64] or "?", client=client)
        return None
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = sessions_repo.create_session(
        s, session_id=token_hash(token), username=user.username, csrf_token=secrets.token_urlsafe(32),
        expires_at=now + timedelta(hours=settings.session_hours), client=client, user_agent=user_agent, now=now)
    audit_log_repo.record_event(s, "sign_in", user.username, client=client)
    return token, SignedIn(row.id, user, row.csrf_token, row.expires_at)


def resolve(s: Session, token: str | None, settings: ReviewSettings, now: datetime | None = None) -> SignedIn | None:
    """The live session of a cookie token, or None; a session past its idle or absolute limit is ended here."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    found = sessions_repo.get_live_session(s, token_hash(token))
    if found is None:
        return None
    row, user = found
    if now >= row.expires_at:
        sessions_repo.end_session(s, row.id, "expired", now)
        return None
    if now - row.last_seen_at > timedelta(minutes=settings.idle_minutes):
        sessions_repo.end_session(s, row.id, "idle", now)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        sessions_repo.touch(s, row.id, now)
    return SignedIn(row.id, CurrentUser(user.username, user.role), row.csrf_token, row.expires_at)


def sign_out(s: Session, signed_in: SignedIn, client: str | None) -> None:
    sessions_repo.end_session(s, signed_in.session_id, "signed_out")
    audit_log_repo.record_event(s, "sign_out", signed_in.user.username, client=client)
