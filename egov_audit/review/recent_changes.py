"""Changes since the last run, in the simple form the overview needs until change tracking lands.

For each unit, what differs between its latest finished crawl and the one before: the crawl outcome and the
checks whose status changed. The nightly change-tracking service (issue 9: sections that appeared or
vanished, site down or back, news gone stale) will replace ``changes_since_previous_run``; the overview
calls only this function, so the swap is one line.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from egov_audit.reports.labels import CRAWL_LABELS, STATUS_LABELS
from egov_audit.review.queries import fmt_time, label
from egov_audit.storage.models import AuditRun, FindingRow, Unit, UnitCrawl


def changes_since_previous_run(s: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Units whose latest run differs from their previous one, newest first (at most ``limit``)."""
    rows = s.exec(select(UnitCrawl.unit_code, UnitCrawl.run_id, UnitCrawl.status, AuditRun.started_at)
                  .join(AuditRun, AuditRun.id == UnitCrawl.run_id).where(UnitCrawl.status != "running")
                  .order_by(UnitCrawl.unit_code, AuditRun.started_at.desc(), AuditRun.id.desc()))
    pairs: dict[str, list[tuple[str, str, Any]]] = {}
    for code, run_id, status, started in rows:
        if len(pairs.setdefault(code, [])) < 2:
            pairs[code].append((run_id, status, started))
    pairs = {code: runs for code, runs in pairs.items() if len(runs) == 2}
    if not pairs:
        return []
    wanted = {run_id for runs in pairs.values() for run_id, _, _ in runs}
    statuses: dict[tuple[str, str], dict[str, str]] = {}
    for run_id, code, check_id, status in s.exec(
            select(FindingRow.run_id, FindingRow.unit_code, FindingRow.check_id, FindingRow.status)
            .where(FindingRow.run_id.in_(wanted), FindingRow.unit_code.in_(list(pairs)))):
        statuses.setdefault((run_id, code), {})[check_id] = status
    names = dict(s.exec(select(Unit.code, Unit.name).where(Unit.code.in_(list(pairs)))).all())
    changes = []
    for code, ((run_id, status, started), (before_id, before_status, _)) in pairs.items():
        now, before = statuses.get((run_id, code), {}), statuses.get((before_id, code), {})
        checks = [{"check": c, "before": label(STATUS_LABELS, before[c]), "after": label(STATUS_LABELS, st)}
                  for c, st in now.items() if c in before and before[c] != st]
        if checks or status != before_status:
            changes.append({"unit_code": code, "unit_name": names.get(code, code), "run_id": run_id,
                            "when": fmt_time(started), "sort": started,
                            "crawl": label(CRAWL_LABELS, status) if status != before_status else None,
                            "crawl_before": label(CRAWL_LABELS, before_status), "checks": checks})
    changes.sort(key=lambda c: (c["sort"], c["unit_code"]), reverse=True)
    return changes[:limit]
