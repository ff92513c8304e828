"""User accounts of the review app: names, roles and scrypt password hashes.

Passwords exist only inside this module: they are hashed with ``hashlib.scrypt`` and a random per-user salt
and only the hash is stored (``storage.users_repo.save_user``). The CLI (``egov-audit user add``) and the
review app's sign-in both come here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from egov_audit.services.workspace import Workspace
from egov_audit.storage import audit_log_repo, sessions_repo, users_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import USER_ROLES

# scrypt cost: 2**14 iterations with r=8 uses 16 MiB and about 50 ms, the interactive-login figures of
# the scrypt paper and of OWASP; they are stored with each hash so they can be raised later.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _KEY_BYTES, _SALT_BYTES = 2**14, 8, 1, 32, 16
_MAXMEM = 64 * 1024 * 1024
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_LENGTH = 10


class AuthError(ValueError):
    """A user could not be created (bad name, weak password, unknown role); the message says which."""


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as the views see it (never the password hash)."""

    username: str
    role: str

    def at_least(self, role: str) -> bool:
        return USER_ROLES.index(self.role) >= USER_ROLES.index(role)

    @property
    def can_decide(self) -> bool:
        """Reviewers and admins may record decisions and re-score; viewers only read."""
        return self.at_least("reviewer")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_KEY_BYTES)


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$<salt hex>$<key hex>`` with a fresh random salt."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (constant-time comparison; False on a malformed hash)."""
    try:
        scheme, n, r, p, salt_hex, key_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        key = _scrypt(password, bytes.fromhex(salt_hex), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(key, bytes.fromhex(key_hex))


# A hash of a random password, checked when the user name is unknown so that a wrong name and a wrong
# password take the same time and an attacker cannot list accounts by timing the answer.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def add_user(s: Session, username: str, password: str, role: str) -> bool:
    """Create a user or reset an existing user's password and role; returns True when created."""
    if not USERNAME_PATTERN.match(username or ""):
        raise AuthError("tên đăng nhập không hợp lệ / invalid user name: 1–64 letters, digits, '.', '_', '@', '-'")
    if role not in USER_ROLES:
        raise AuthError(f"vai trò không hợp lệ / unknown role {role!r}: one of {', '.join(USER_ROLES)}")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"mật khẩu quá ngắn / password too short: at least {MIN_PASSWORD_LENGTH} characters")
    _, created = users_repo.save_user(s, username, hash_password(password), role)
    if not created:
        # A reset password must not leave the old one's sessions signed in (nor a copied cookie).
        ended = sessions_repo.end_user_sessions(s, username, "password_changed")
        audit_log_repo.record_event(s, "password_reset", "cli", target=username, role=role, sessions_ended=ended)
    return created


def change_password(s: Session, username: str, current: str, new: str, client: str | None = None) -> int:
    """A signed-in user's new password: the current one must match; every session of the user ends (the
    caller signs the browser in again). Returns how many sessions ended; raises ``AuthError``."""
    user = users_repo.get_user(s, username)
    if user is None or not verify_password(current, user.password_hash):
        raise AuthError("mật khẩu hiện tại không đúng / the current password is wrong")
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"mật khẩu quá ngắn / password too short: at least {MIN_PASSWORD_LENGTH} characters")
    if new == current:
        raise AuthError("mật khẩu mới phải khác mật khẩu cũ / the new password must differ from the old one")
    users_repo.save_user(s, username, hash_password(new), user.role)
    ended = sessions_repo.end_user_sessions(s, username, "password_changed")
    audit_log_repo.record_event(s, "password_changed", username, client=client, sessions_ended=ended)
    return ended


def authenticate(s: Session, username: str, password: str) -> CurrentUser | None:
    """The user when name and password match, else None (the caller must not say which part was wrong)."""
    user = users_repo.get_user(s, username) if username else None
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash):
        return None
    return CurrentUser(user.username, user.role)


def create_or_reset_user(ws: Workspace, username: str, password: str, role: str) -> bool:
    """``egov-audit user add``: one transaction; True when the user was created, False when reset."""
    with session(ws.engine) as s:
        return add_user(s, username, password, role)
