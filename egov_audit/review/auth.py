"""Sign-in for the review app: sessions, the session secret, CSRF tokens and the login throttle.

Passwords are checked by ``services.accounts`` (scrypt hashes; the CLI's ``user add`` uses the same
functions). The session itself is a cookie signed by
Starlette's ``SessionMiddleware`` (itsdangerous); it carries the user name, a fingerprint of the password
hash (so changing a password signs out every other session) and the CSRF token of the session.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from egov_audit.services.accounts import AuthError, CurrentUser
from egov_audit.storage import users_repo

SECRET_FILE_NAME = "review-session.key"
CSRF_FIELD = "csrf_token"

ROLE_LABELS = {
    "viewer": ("Người xem", "viewer"),
    "reviewer": ("Người duyệt", "reviewer"),
    "admin": ("Quản trị", "admin"),
}


def hash_fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash kept in the session: a new password invalidates old sessions."""
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:16]


def session_user(s: Session, session: dict[str, Any]) -> CurrentUser | None:
    """The user of a session, read fresh from the database so a role change or removal applies at once."""
    username = session.get("user")
    if not isinstance(username, str):
        return None
    user = users_repo.get_user(s, username)
    if user is None or not hmac.compare_digest(hash_fingerprint(user.password_hash), str(session.get("pw", ""))):
        return None
    return CurrentUser(user.username, user.role)


def start_session(session: dict[str, Any], s: Session, user: CurrentUser) -> None:
    """Replace whatever the session held (no fixation of a pre-login session) with the signed-in user."""
    stored = users_repo.get_user(s, user.username)
    session.clear()
    session["user"] = user.username
    session["pw"] = hash_fingerprint(stored.password_hash) if stored else ""
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, created on first use (the login form needs one before sign-in)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_ok(session: dict[str, Any], submitted: Any) -> bool:
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def load_or_create_secret(data_dir: Path) -> str:
    """The key that signs session cookies: ``<data_dir>/review-session.key``, created 0600 on first use.

    Kept in a file rather than generated per start so that restarting the server does not sign everyone
    out, and created with O_EXCL so two servers starting at once cannot end up with different keys.
    """
    path = Path(data_dir) / SECRET_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text(encoding="ascii").strip()
        if len(secret) < 32:
            raise AuthError(f"{path}: session key too short; delete the file to generate a new one") from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    return secret


class LoginThrottle:
    """Failed sign-ins per client address and per user name within a window; past the limit every attempt is
    refused until the window has passed, right password or not (so the refusal confirms nothing), which stops
    online password guessing and keeps scrypt from being used to load the server."""

    def __init__(self, per_user: int = 5, per_client: int = 20, window_seconds: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # A whole office often signs in from one address (NAT): the per-address limit is the looser one.
        self.per_user, self.per_client, self.window, self._clock = per_user, per_client, window_seconds, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def blocked(self, client: str, username: str) -> bool:
        now = self._clock()
        with self._lock:
            return (len(self._recent(f"ip:{client}", now)) >= self.per_client
                    or len(self._recent(f"user:{username.casefold()}", now)) >= self.per_user)

    def failed(self, client: str, username: str) -> None:
        now = self._clock()
        with self._lock:
            for key in (f"ip:{client}", f"user:{username.casefold()}"):
                self._recent(key, now)
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, client: str, username: str) -> None:
        with self._lock:
            self._failures.pop(f"ip:{client}", None)
            self._failures.pop(f"user:{username.casefold()}", None)
