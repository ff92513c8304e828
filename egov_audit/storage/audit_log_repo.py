"""The review app's audit log: sign-ins, sign-outs, decisions, disputes, re-tests, links and API clients,
appended and never changed.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import AuditEvent, utcnow


def record_event(s: Session, kind: str, actor: str, *, unit_code: str | None = None, client: str | None = None,
                 **detail: Any) -> AuditEvent:
    event = AuditEvent(at=utcnow(), kind=kind, actor=actor, unit_code=unit_code, client=client,
                       detail_json=dumps(detail))
    s.add(event)
    s.flush()
    return event


def list_events(s: Session, *, kind: str | None = None, actor: str | None = None, before_id: int | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
    """Events newest first; ``before_id`` pages backwards."""
    query = select(AuditEvent)
    if kind is not None:
        query = query.where(AuditEvent.kind == kind)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = s.exec(query.order_by(AuditEvent.id.desc()).limit(limit))
    return [{"id": e.id, "at": e.at, "kind": e.kind, "actor": e.actor, "unit_code": e.unit_code,
             "client": e.client, "detail": json.loads(e.detail_json)} for e in rows]
