"""Disputes: a unit's contact reads its own findings through an expiring link and challenges one of them.

A reviewer (or ``egov-audit unit-link create``) makes a link for one unit; the token in it is shown once
and only its hash is stored. Through the link the contact sees the findings of the unit's latest audited
run and can dispute one with a comment and a URL that shows their case. The reviewer sees the dispute in
the queue, can re-audit the unit (``services.retests``) and settles it with a decision
(``services.decisions``: ``override`` upholds, ``confirm`` rejects). Every step is appended to the
dispute's history and the audit log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from egov_audit.core.urls import safe_href
from egov_audit.services.decisions import DecisionError, required_text
from egov_audit.services.sessions import token_hash
from egov_audit.storage import audit_log_repo, disputes_repo, findings_repo, runs_repo, units_repo
from egov_audit.storage.models import Dispute, UnitLink, utcnow

MAX_COMMENT_CHARS = 4000
MAX_URL_CHARS = 2000
CLOSED_KINDS = ("upheld", "rejected")


@dataclass
class LinkError(LookupError):
    """A unit link that cannot be used: unknown (404), or expired or revoked (410)."""

    status_code: int
    vi: str
    en: str


@dataclass(frozen=True)
class UnitAccess:
    """What a valid unit link grants: one unit's findings, until ``expires_at``."""

    link_id: int
    unit_code: str
    expires_at: datetime


def create_link(s: Session, unit_code: str, created_by: str, days: int, contact: str | None = None,
                client: str | None = None) -> tuple[str, UnitLink]:
    """A new link for a unit: (token to put in the URL, shown once; the stored link)."""
    if units_repo.get_unit(s, unit_code) is None:
        raise LookupError(unit_code)
    if not 1 <= days <= 365:
        raise DecisionError("Thời hạn liên kết từ 1 đến 365 ngày.", "A link lasts 1 to 365 days.")
    token = secrets.token_urlsafe(32)
    link = disputes_repo.add_link(s, unit_code=unit_code, token_hash=token_hash(token), created_by=created_by,
                                  expires_at=utcnow() + timedelta(days=days), contact=(contact or "").strip() or None)
    audit_log_repo.record_event(s, "unit_link_created", created_by, unit_code=unit_code, client=client,
                                link_id=link.id, expires_at=link.expires_at, contact=link.contact)
    return token, link


def open_link(s: Session, token: str, now: datetime | None = None) -> UnitAccess:
    """The access a link token gives, or ``LinkError``."""
    link = disputes_repo.link_by_token_hash(s, token_hash(token)) if token and len(token) <= 200 else None
    if link is None or link.id is None:
        raise LinkError(404, "Liên kết không hợp lệ.", "This link is not valid.")
    if link.revoked_at is not None or (now or utcnow()) >= link.expires_at:
        raise LinkError(410, "Liên kết đã hết hạn hoặc bị thu hồi; hãy đề nghị Sở cấp liên kết mới.",
                        "This link has expired or was revoked; ask the department for a new one.")
    return UnitAccess(link.id, link.unit_code, link.expires_at)


def revoke_link(s: Session, unit_code: str, link_id: int, actor: str, client: str | None = None) -> None:
    link = next((x for x in disputes_repo.unit_links(s, unit_code) if x.id == link_id), None)
    if link is None:
        raise LookupError(link_id)
    if link.revoked_at is None:
        disputes_repo.revoke_link(s, link)
        audit_log_repo.record_event(s, "unit_link_revoked", actor, unit_code=unit_code, client=client, link_id=link_id)


def file_dispute(s: Session, access: UnitAccess, check_id: str, comment: str, url: str | None,
                 client: str | None = None) -> Dispute:
    """Record a unit's dispute of one finding of its latest audited run; ``DecisionError`` says what to fix."""
    comment = required_text(comment, MAX_COMMENT_CHARS, ("Hãy ghi nội dung khiếu nại.", "Please write what is wrong."),
                            ("Nội dung", "comment"))
    url = (url or "").strip() or None
    if url is not None and (len(url) > MAX_URL_CHARS or safe_href(url) is None):
        raise DecisionError("Địa chỉ phải bắt đầu bằng http:// hoặc https://.", "The URL must start with http:// or https://.")
    run_id = runs_repo.latest_run_by_unit(s, [access.unit_code]).get(access.unit_code)
    checks = {f["check"] for f in findings_repo.load_findings(s, run_id, access.unit_code)} if run_id else set()
    if run_id is None or check_id not in checks:
        raise DecisionError("Không tìm thấy phát hiện này.", "No such finding in the latest audit.")
    dispute = disputes_repo.add_dispute(s, unit_code=access.unit_code, run_id=run_id, check_id=check_id,
                                        comment=comment, url=url, link_id=access.link_id)
    audit_log_repo.record_event(s, "dispute_filed", f"unit-link:{access.link_id}", unit_code=access.unit_code,
                                client=client, dispute_id=dispute.id, run=run_id, check=check_id)
    return dispute


def dispute_histories(s: Session, unit_codes: list[str] | None = None) -> list[dict[str, Any]]:
    """Every dispute (of some units) with its events, oldest first, and its state: ``open``,
    ``retesting`` (a re-test was asked for), ``upheld`` or ``rejected`` (the latest settling decision)."""
    disputes = disputes_repo.list_disputes(s, unit_codes)
    events = disputes_repo.events_by_dispute(s, [d.id for d in disputes if d.id is not None])
    result = []
    for d in disputes:
        history = events.get(d.id or 0, [])
        closing = [e for e in history if e.kind in CLOSED_KINDS]
        state = closing[-1].kind if closing else "retesting" if any(e.kind == "retest_requested" for e in history) \
            else "open"
        result.append({"dispute": d, "events": history, "state": state})
    return result
