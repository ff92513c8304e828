"""Clients of the read-only JSON API: created and revoked with ``egov-audit api-token``, each with its scopes.

A client's token is shown once at creation; only its hash is stored. Scopes name what it may read
(``units``, ``runs``, ``findings``, ``crosschecks``, ``scores``); a client made with ``--province`` sees only
that province's units and what belongs to them.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from egov_audit.core.errors import InputError
from egov_audit.services.sessions import TOUCH_EVERY, token_hash
from egov_audit.services.workspace import Workspace
from egov_audit.storage import api_clients_repo, audit_log_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import utcnow

SCOPES = ("units", "runs", "findings", "crosschecks", "scores")
TOKEN_PREFIX = "egva_"
"""Marks our tokens, so a leaked one is recognisable in logs and by secret scanners."""
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class ApiPrincipal:
    name: str
    scopes: frozenset[str]
    province_code: str | None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def create_client(ws: Workspace, name: str, scopes: list[str], province_code: str | None = None,
                  days: int | None = None) -> str:
    """A new API client; returns its token (shown once). Bad names, scopes or a taken name are bad input."""
    if not NAME_PATTERN.match(name or ""):
        raise InputError("api-token create", f"invalid client name {name!r}: 1–64 letters, digits, '.', '_', '-'")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InputError("--scope", f"scopes must be among {', '.join(SCOPES)}, got {', '.join(unknown) or 'none'}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session(ws.engine) as s:
        if api_clients_repo.get_by_name(s, name) is not None:
            raise InputError("api-token create", f"a client named {name!r} exists (revoke it or pick another name)")
        expires = utcnow() + timedelta(days=days) if days else None
        api_clients_repo.add_client(s, name=name, token_hash=token_hash(token), scopes=scopes,
                                    province_code=province_code, expires_at=expires)
        audit_log_repo.record_event(s, "api_client_created", "cli", client_name=name, scopes=sorted(scopes),
                                    province=province_code, expires_at=expires)
    return token


def revoke_client(ws: Workspace, name: str) -> None:
    with session(ws.engine) as s:
        client = api_clients_repo.get_by_name(s, name)
        if client is None:
            raise InputError("api-token revoke", f"no API client named {name!r}")
        if client.revoked_at is None:
            api_clients_repo.revoke(s, client)
            audit_log_repo.record_event(s, "api_client_revoked", "cli", client_name=name)


def list_clients(ws: Workspace) -> list[dict[str, Any]]:
    with session(ws.engine) as s:
        return [{"name": c.name, "scopes": json.loads(c.scopes_json), "province": c.province_code,
                 "created_at": c.created_at, "expires_at": c.expires_at, "revoked_at": c.revoked_at,
                 "last_used_at": c.last_used_at} for c in api_clients_repo.list_clients(s)]


def authenticate(s: Session, token: str | None, now: datetime | None = None) -> ApiPrincipal | None:
    """The client a bearer token belongs to, unless unknown, revoked or expired."""
    if not token or len(token) > 200:
        return None
    client = api_clients_repo.get_by_token_hash(s, token_hash(token))
    now = now or utcnow()
    if client is None or client.revoked_at is not None or (client.expires_at is not None and now >= client.expires_at):
        return None
    if client.last_used_at is None or now - client.last_used_at >= TOUCH_EVERY:
        api_clients_repo.mark_used(s, client, now)
    return ApiPrincipal(client.name, frozenset(json.loads(client.scopes_json)), client.province_code)
