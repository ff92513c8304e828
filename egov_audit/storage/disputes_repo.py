"""Units' links to their own findings, the disputes filed through them and what happened to each dispute.

Links and disputes are never edited (a link is only revoked); what happens to a dispute is appended as
events, so the dispute, its re-test and the decision stay in the history.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from egov_audit.storage.models import Dispute, DisputeEvent, UnitLink, utcnow


def add_link(s: Session, *, unit_code: str, token_hash: str, created_by: str, expires_at: datetime,
             contact: str | None = None) -> UnitLink:
    link = UnitLink(unit_code=unit_code, token_hash=token_hash, created_by=created_by, created_at=utcnow(),
                    expires_at=expires_at, contact=contact)
    s.add(link)
    s.flush()
    return link


def link_by_token_hash(s: Session, token_hash: str) -> UnitLink | None:
    return s.exec(select(UnitLink).where(UnitLink.token_hash == token_hash)).first()


def unit_links(s: Session, unit_code: str) -> list[UnitLink]:
    return list(s.exec(select(UnitLink).where(UnitLink.unit_code == unit_code).order_by(UnitLink.id.desc())))


def revoke_link(s: Session, link: UnitLink, now: datetime | None = None) -> None:
    link.revoked_at = now or utcnow()
    s.add(link)
    s.flush()


def add_dispute(s: Session, *, unit_code: str, run_id: str, check_id: str, comment: str, url: str | None,
                link_id: int | None) -> Dispute:
    dispute = Dispute(unit_code=unit_code, run_id=run_id, check_id=check_id, comment=comment, url=url,
                      link_id=link_id, filed_at=utcnow())
    s.add(dispute)
    s.flush()
    return dispute


def get_dispute(s: Session, dispute_id: int) -> Dispute | None:
    return s.get(Dispute, dispute_id)


def list_disputes(s: Session, unit_codes: Iterable[str] | None = None) -> list[Dispute]:
    """Disputes oldest first, optionally of some units."""
    query = select(Dispute)
    if unit_codes is not None:
        query = query.where(Dispute.unit_code.in_(list(unit_codes)))
    return list(s.exec(query.order_by(Dispute.filed_at, Dispute.id)))


def add_event(s: Session, dispute_id: int, kind: str, actor: str, *, note: str | None = None,
              decision_id: int | None = None, retest_id: int | None = None) -> DisputeEvent:
    event = DisputeEvent(dispute_id=dispute_id, at=utcnow(), kind=kind, actor=actor, note=note,
                         decision_id=decision_id, retest_id=retest_id)
    s.add(event)
    s.flush()
    return event


def events_by_dispute(s: Session, dispute_ids: Iterable[int]) -> dict[int, list[DisputeEvent]]:
    """Each dispute's events, oldest first."""
    ids = list(dispute_ids)
    result: dict[int, list[DisputeEvent]] = {i: [] for i in ids}
    if not ids:
        return result
    query = select(DisputeEvent).where(DisputeEvent.dispute_id.in_(ids)).order_by(DisputeEvent.at, DisputeEvent.id)
    for event in s.exec(query):
        result[event.dispute_id].append(event)
    return result
