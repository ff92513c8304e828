"""The province overview: units by tier and achieved level, the last audit and how it went, open
discrepancies and disputes, failing crawls, changes since the last run, and score sets out of date."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from egov_audit.reports.labels import CRAWL_LABELS, LEVEL_LABELS, RUN_STATUS_LABELS, TIER_LABELS
from egov_audit.review.queries import fmt_time, label
from egov_audit.review.queue import OUTCOME_OR_DISPUTE_LABELS, QueueFilters, queue
from egov_audit.review.recent_changes import changes_since_previous_run
from egov_audit.scoring.framework import ACHIEVED_LEVELS
from egov_audit.services.decisions import stale_score_sets
from egov_audit.storage import runs_repo, scores_repo, units_repo
from egov_audit.storage.models import AuditRun, UnitCrawl

FAILING_CRAWLS = ("unreachable", "blocked", "partial")
LEVEL_COLUMNS = ("none", *ACHIEVED_LEVELS)


def _last_run(s: Session) -> dict[str, Any] | None:
    run = s.exec(select(AuditRun).order_by(AuditRun.started_at.desc(), AuditRun.id)).first()
    if run is None:
        return None
    counted = select(UnitCrawl.status, func.count(UnitCrawl.id)).where(UnitCrawl.run_id == run.id)
    outcomes: dict[str, int] = dict(s.exec(counted.group_by(UnitCrawl.status)).all())
    pages = s.exec(select(func.sum(UnitCrawl.pages)).where(UnitCrawl.run_id == run.id)).one() or 0
    return {"id": run.id, "started": fmt_time(run.started_at), "finished": fmt_time(run.finished_at),
            "status": label(RUN_STATUS_LABELS, run.status), "units": sum(outcomes.values()), "pages": pages,
            "outcomes": [{"label": label(CRAWL_LABELS, k), "count": v} for k, v in sorted(outcomes.items())]}


def overview(s: Session, config_dir: Path, tier: str | None = None, district: str | None = None) -> dict[str, Any]:
    """Everything the overview shows; ``tier`` and ``district`` narrow the units table."""
    units = units_repo.list_units(s)
    by_code = {u.code: u for u in units}
    crawls = runs_repo.newest_crawls(s, None)
    scores = {row["unit_code"]: row for row in scores_repo.score_summaries(s)}
    pending = queue(s, QueueFilters(status="open"))
    open_by_unit = Counter(i["unit_code"] for i in pending["entries"])
    tiers = []
    for level in ("province", "district", "commune"):
        members = [u for u in units if u.level == level]
        if not members:
            continue
        levels = Counter((scores[u.code]["achieved_level"] or "none") if u.code in scores else "unscored" for u in members)
        tiers.append({"level": label(TIER_LABELS, level), "units": len(members),
                      "levels": [{"label": label(LEVEL_LABELS, lv), "count": levels.get(lv, 0)} for lv in LEVEL_COLUMNS],
                      "unscored": levels.get("unscored", 0)})
    rows = []
    for u in units:
        parent = by_code.get(u.parent_code or "")
        district_code = u.code if u.level == "district" else parent.code if parent and parent.level == "district" else None
        if (tier and u.level != tier) or (district and district_code != district):
            continue
        crawl, score = crawls.get(u.code), scores.get(u.code)
        rows.append({"code": u.code, "name": u.name, "tier": label(TIER_LABELS, u.level),
                     "district": parent.name if parent and parent.level == "district" else "",
                     "run_id": crawl.run_id if crawl else None,
                     "crawl": label(CRAWL_LABELS, crawl.status) if crawl else None,
                     "audited": fmt_time(crawl.finished_at) if crawl else "—",
                     "level": label(LEVEL_LABELS, (score["achieved_level"] or "none")) if score else None,
                     "total": score["total"] if score else None, "rank": score["rank"] if score else None,
                     "open": open_by_unit.get(u.code, 0)})
    failing = [{"code": code, "name": by_code[code].name if code in by_code else code, "run_id": c.run_id,
                "crawl": label(CRAWL_LABELS, c.status), "error": c.error or ""}
               for code, c in crawls.items() if c.status in FAILING_CRAWLS]
    return {
        "tiers": tiers, "level_columns": [label(LEVEL_LABELS, lv) for lv in LEVEL_COLUMNS],
        "last_run": _last_run(s), "units": rows, "units_total": len(units),
        "filters": {"tier": tier or "", "district": district or ""},
        "districts": [{"code": u.code, "name": u.name} for u in units if u.level == "district"],
        "open": [{"label": label(OUTCOME_OR_DISPUTE_LABELS, k), "value": k, "count": v}
                 for k, v in sorted(pending["open_counts"].items())],
        "open_total": pending["open_total"], "queue_year": pending["year"],
        "failing": failing, "changes": changes_since_previous_run(s, config_dir), "stale": stale_score_sets(s),
    }
