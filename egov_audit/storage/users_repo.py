"""Users of the review app: name, password hash and role (hashing lives in services.accounts)."""

from __future__ import annotations

from sqlmodel import Session, select

from egov_audit.storage.models import (
    USER_ROLES,
    User,
    utcnow,
)


def save_user(s: Session, username: str, password_hash: str, role: str) -> tuple[User, bool]:
    """Create a user, or replace an existing user's password hash and role; returns (user, created)."""
    if role not in USER_ROLES:
        raise ValueError(f"role must be one of {', '.join(USER_ROLES)}, not {role!r}")
    if not password_hash.startswith("scrypt$"):
        # A guard against ever storing a plaintext password by mistake.
        raise ValueError("password_hash must be a scrypt hash from services.accounts.hash_password")
    user = s.get(User, username)
    created = user is None
    now = utcnow()
    if user is None:
        user = User(username=username, password_hash=password_hash, role=role, created_at=now, updated_at=now)
    user.password_hash = password_hash
    user.role = role
    user.updated_at = now
    s.add(user)
    s.flush()
    return user, created


def get_user(s: Session, username: str) -> User | None:
    return s.get(User, username)


def list_users(s: Session) -> list[User]:
    """Users ordered by name (passwords hashes included: callers must not display them)."""
    return list(s.exec(select(User).order_by(User.username)))
