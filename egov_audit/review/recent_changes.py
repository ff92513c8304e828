"""Changes since the last run for the overview: each unit's latest finished crawl against its previous one.

The comparison is the change-tracking rule of the nightly job (``services.changes.compare_unit``: site down or
back, sections that appeared or vanished, news gone stale, other status changes); this module only picks, for
every unit, its two newest finished crawls, whichever runs they belong to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from egov_audit.review.queries import fmt_time
from egov_audit.services.changes import compare_unit, section_checks
from egov_audit.storage import findings_repo
from egov_audit.storage.models import AuditRun, Unit, UnitCrawl

DIRECTION_CSS = {"worse": "fail", "better": "pass", "changed": "unknown"}


def _last_two_crawls(s: Session) -> dict[str, list[UnitCrawl]]:
    rows = s.exec(select(UnitCrawl).join(AuditRun, AuditRun.id == UnitCrawl.run_id)
                  .where(UnitCrawl.status != "running")
                  .order_by(UnitCrawl.unit_code, AuditRun.started_at.desc(), AuditRun.id.desc()))
    pairs: dict[str, list[UnitCrawl]] = {}
    for crawl in rows:
        if len(pairs.setdefault(crawl.unit_code, [])) < 2:
            pairs[crawl.unit_code].append(crawl)
    return {code: crawls for code, crawls in pairs.items() if len(crawls) == 2}


def changes_since_previous_run(s: Session, config_dir: Path, limit: int = 50) -> list[dict[str, Any]]:
    """Units whose latest crawl differs from their previous one, newest first (at most ``limit``)."""
    pairs = _last_two_crawls(s)
    if not pairs:
        return []
    sections = section_checks(config_dir)
    names = dict(s.exec(select(Unit.code, Unit.name).where(Unit.code.in_(list(pairs)))).all())
    result = []
    for code, (latest, previous) in pairs.items():
        now = findings_repo.load_findings(s, latest.run_id, code)
        before = findings_repo.load_findings(s, previous.run_id, code)
        changes = compare_unit((previous.status, before), (latest.status, now), latest.error, sections)
        if changes:
            result.append({"unit_code": code, "unit_name": names.get(code, code), "run_id": latest.run_id,
                           "when": fmt_time(latest.finished_at), "sort": latest.finished_at,
                           "changes": [{"css": DIRECTION_CSS.get(c.direction, "unknown"), "vi": c.message_vi,
                                        "en": c.message_en} for c in changes]})
    result.sort(key=lambda c: (c["sort"] is not None, c["sort"], c["unit_code"]), reverse=True)
    return result[:limit]
