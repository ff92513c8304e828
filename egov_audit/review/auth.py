"""Sign-in plumbing of the review app: the session cookie, CSRF tokens, the client's address, the login
throttle and the key that signs the app's capability URLs.

Sessions live in the database (``services.sessions``): the ``egov_review`` cookie holds only a random token,
set once at sign-in (HttpOnly, SameSite=Lax, Secure with ``--https-only``) and never re-issued, so its
lifetime cannot slide; signing out or changing the password ends it server-side for every copy. Each session
has its own CSRF token. The sign-in form, used before there is a session, is protected by a double-submit
token: a random value in a short-lived ``egov_review_login`` cookie that the form must echo.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from egov_audit.services.accounts import AuthError

SECRET_FILE_NAME = "review-session.key"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "egov_review"
LOGIN_COOKIE = "egov_review_login"
LOGIN_COOKIE_SECONDS = 3600
LANG_COOKIE = "egov_lang"

ROLE_LABELS = {
    "viewer": ("Người xem", "viewer"),
    "reviewer": ("Người duyệt", "reviewer"),
    "admin": ("Quản trị", "admin"),
}


def tokens_match(expected: Any, submitted: Any) -> bool:
    """Constant-time comparison of two CSRF tokens; anything missing or too short never matches."""
    if not isinstance(expected, str) or not isinstance(submitted, str) or len(expected) < 32:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def load_or_create_secret(data_dir: Path) -> str:
    """The app's signing key: ``<data_dir>/review-session.key``, created 0600 on first use.

    Kept in a file rather than generated per start so that restarting the server keeps the sign-in form's
    and the sandbox's signed values valid, and created with O_EXCL so two servers starting at once cannot
    end up with different keys.
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


# ---------------------------------------------------------------- the client's address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """``review.trusted_proxies`` ("10.0.0.5, 192.168.1.0/24") as networks; a bad entry is an error."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"review.trusted_proxies: {part!r} is not an IP address or network") from None
    return tuple(networks)


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The address a request came from. ``X-Forwarded-For`` is believed only when the peer is a configured
    proxy, and then read from the right, skipping our own proxies: the entries to the left are whatever
    the client wrote. Without configured proxies the header is ignored, loopback included."""
    address = peer or "?"
    if not trusted or not forwarded_for or not _in(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed chain: trust nothing in it
        if not _in(hop, trusted):
            return hop
    return address


# ---------------------------------------------------------------- login throttle


class LoginThrottle:
    """Failed sign-ins per client address and per user name within a window; past the limit every attempt is
    refused until the window has passed, right password or not (so the refusal confirms nothing), which stops
    online password guessing and keeps scrypt from being used to load the server.

    ``acquire`` counts an attempt as failed *before* its password is checked and ``release`` takes the mark
    back only when that attempt succeeded, so a burst of concurrent guesses cannot all be checked before the
    first failure is recorded. A success never clears other attempts' failures: one user's sign-in does not
    reset the count of an address shared with someone guessing.
    """

    def __init__(self, per_user: int = 5, per_client: int = 20, window_seconds: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # A whole office often signs in from one address (NAT): the per-address limit is the looser one.
        self.per_user, self.per_client, self.window, self._clock = per_user, per_client, window_seconds, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(client: str, username: str) -> tuple[str, str]:
        return f"ip:{client}", f"user:{username.casefold()}"

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def _blocked(self, client: str, username: str, now: float) -> bool:
        ip_key, user_key = self._keys(client, username)
        return len(self._recent(ip_key, now)) >= self.per_client or len(self._recent(user_key, now)) >= self.per_user

    def blocked(self, client: str, username: str) -> bool:
        with self._lock:
            return self._blocked(client, username, self._clock())

    def failed(self, client: str, username: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(client, username):
                self._recent(key, now)
                self._failures.setdefault(key, []).append(now)

    def acquire(self, client: str, username: str) -> float | None:
        """Reserve one attempt (counted as failed until ``release``); None when the limit is reached."""
        with self._lock:
            now = self._clock()
            if self._blocked(client, username, now):
                return None
            for key in self._keys(client, username):
                self._failures.setdefault(key, []).append(now)
            return now

    def release(self, client: str, username: str, ticket: float, succeeded: bool) -> None:
        """End an attempt: a success takes back its own mark (and only that); a failure keeps it."""
        if not succeeded:
            return
        with self._lock:
            for key in self._keys(client, username):
                marks = self._failures.get(key, [])
                if ticket in marks:
                    marks.remove(ticket)
