"""Clients of the read-only JSON API: name, hashed token, scopes, optional province; revoked, never deleted.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import ApiClient, utcnow


def add_client(s: Session, *, name: str, token_hash: str, scopes: list[str], province_code: str | None,
               expires_at: datetime | None) -> ApiClient:
    client = ApiClient(name=name, token_hash=token_hash, scopes_json=dumps(sorted(set(scopes))),
                       province_code=province_code, created_at=utcnow(), expires_at=expires_at)
    s.add(client)
    s.flush()
    return client


def get_by_name(s: Session, name: str) -> ApiClient | None:
    return s.exec(select(ApiClient).where(ApiClient.name == name)).first()


def get_by_token_hash(s: Session, token_hash: str) -> ApiClient | None:
    return s.exec(select(ApiClient).where(ApiClient.token_hash == token_hash)).first()


def revoke(s: Session, client: ApiClient, now: datetime | None = None) -> None:
    client.revoked_at = now or utcnow()
    s.add(client)
    s.flush()


def mark_used(s: Session, client: ApiClient, now: datetime) -> None:
    client.last_used_at = now
    s.add(client)
    s.flush()


def list_clients(s: Session) -> list[ApiClient]:
    return list(s.exec(select(ApiClient).order_by(ApiClient.name)))
