"""What the unit page and the finding page show: findings grouped by level and indicator with the decisions in
force, the survey answers beside the observations, the score with what is missing for the next level, and
the unit's history across runs, decisions, disputes and re-tests.

Statuses shown are the ones that count (``services.decisions.effective_status``): an override is shown as
the finding's status, with the observation beside it, so the page never contradicts a decision. The
stored score is read as it was computed and marked out of date when decisions or audits came after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from egov_audit.checks.titles import TITLES
from egov_audit.core.artifacts import Status
from egov_audit.core.urls import safe_href
from egov_audit.reports.labels import (
    CRAWL_LABELS,
    DECISION_LABELS,
    DISPUTE_LABELS,
    LEVEL_LABELS,
    OUTCOME_LABELS,
    RETEST_LABELS,
    STATUS_LABELS,
)
from egov_audit.review.queries import NotFound, anchor_for, fmt_time, label, stored_png, value_text
from egov_audit.scoring.framework import ACHIEVED_LEVELS
from egov_audit.services import disputes
from egov_audit.services.decisions import (
    check_decisions_in_force,
    effective_status,
    stale_score_sets,
    unit_exclusion,
)
from egov_audit.services.frameworks import default_framework_for, framework_for_reading, frameworks_for_level
from egov_audit.storage import (
    decisions_repo,
    disputes_repo,
    findings_repo,
    pages_repo,
    retests_repo,
    runs_repo,
    scores_repo,
    surveys_repo,
    units_repo,
)
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.models import AuditRun, FindingRow, Page, UnitCrawl, utcnow

LEVEL_ORDER = ("readiness", *ACHIEVED_LEVELS)
LEVEL_TITLES = {"readiness": ("Điều kiện sẵn sàng", "Readiness"), **{lv: (f"Mức {lv}", f"Level {lv}")
                                                                     for lv in ACHIEVED_LEVELS}}
OTHER_GROUP = ("Các kiểm tra khác", "Other checks")


def _decision_view(d: dict[str, Any], runs: dict[str, str] | None = None) -> dict[str, Any]:
    scope = [f"{d['framework_name']}" if d["framework_name"] else None,
             f"năm/year {d['year']}" if d["year"] else None,
             f"run {runs.get(d['run_id'], d['run_id'][:8])}" if runs is not None and d["run_id"] else None]
    return {
        "id": d["id"], "status": label(DECISION_LABELS, d["status"]), "reason": d["reason"],
        "reviewer": d["reviewer"], "when": fmt_time(d["decided_at"]), "run_id": d["run_id"],
        "check": d["check_id"], "crosscheck": d.get("crosscheck_field"),
        "scope": " · ".join(x for x in scope if x),
    }


def _evidence_view(ev: dict[str, Any], page_ids: dict[str, int], blobs: BlobStore) -> dict[str, Any]:
    screenshot = ev.get("screenshot")
    snapshot = ev.get("snapshot")
    has_image = isinstance(screenshot, str) and stored_png(blobs, screenshot)
    return {
        "url": ev.get("url") or "—",
        "href": safe_href(ev.get("url")),
        "excerpt": ev.get("excerpt"),
        "locator": ev.get("locator"),
        "screenshot": screenshot if has_image else None,
        "screenshot_digest": screenshot,
        "snapshot": snapshot,
        "snapshot_page": page_ids.get(snapshot) if isinstance(snapshot, str) else None,
    }


def _finding_view(f: dict[str, Any], decisions: list[dict[str, Any]], in_force: dict[str, Any] | None,
                  page_ids: dict[str, int], blobs: BlobStore) -> dict[str, Any]:
    title_vi, title_en = TITLES.get(f["check"], (f["check"], f["check"]))
    shown = effective_status(f["status"], in_force)
    return {
        "check": f["check"], "anchor": anchor_for(f["check"]), "title_vi": title_vi, "title_en": title_en,
        "status": label(STATUS_LABELS, shown), "status_value": shown,
        "observed": label(STATUS_LABELS, f["status"]), "overridden": shown != f["status"],
        "value": value_text(f["value"]), "reason": f["reason"] or "—",
        "evidence": [_evidence_view(ev, page_ids, blobs) for ev in f["evidence"]],
        "looked_at": [{"url": u, "href": safe_href(u)} for u in f.get("looked_at") or []],
        "latest": _decision_view(in_force) if in_force else None,
        "earlier": [_decision_view(d) for d in decisions if not in_force or d["id"] != in_force["id"]],
    }


def _pick_score(scores: list[dict[str, Any]], year: int | None) -> dict[str, Any] | None:
    for score in scores:  # newest year first
        if year is None or score["year"] == year:
            return score
    return None


def _indicator_rows(s: Session, config_dir: Path, level: str, score: dict[str, Any] | None,
                    year: int | None) -> list[dict[str, Any]]:
    """The indicators to group findings by: the stored score's (with statuses), else the tier's framework's."""
    if score is not None:
        return list(score["details"].get("indicators") or [])
    framework = framework_for_reading(config_dir, default_framework_for(level, year))
    return [{"id": ind.id, "title_vi": ind.title_vi, "title_en": ind.title_en, "level": ind.level,
             "required": ind.required, "points": float(ind.points), "earned": None, "status": None,
             "source": None, "checks": list(ind.source.checks), "field": ind.source.field, "met": None}
            for ind in framework.indicators]


def _groups(indicators: list[dict[str, Any]], findings: dict[str, dict[str, Any]], report: dict[str, Any] | None,
            crosschecks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings grouped by level, then indicator; each finding's card appears once, under its first indicator."""
    placed: set[str] = set()
    cc_by_field = {c.get("field"): c for c in crosschecks}
    by_level: dict[str, list[dict[str, Any]]] = {}
    for ind in indicators:
        cards, refs = [], []
        for check in ind.get("checks") or []:
            if check in findings and check not in placed:
                cards.append(findings[check])
                placed.add(check)
            elif check in findings:
                refs.append(findings[check])
        field = ind.get("field")
        cc = cc_by_field.get(field)
        by_level.setdefault(str(ind.get("level")), []).append({
            "id": ind["id"], "title_vi": ind.get("title_vi") or ind["id"], "title_en": ind.get("title_en") or "",
            "required": bool(ind.get("required")), "points": ind.get("points"), "earned": ind.get("earned"),
            "status": label(STATUS_LABELS, ind["status"]) if ind.get("status") else None,
            "met": ind.get("met"), "source": ind.get("source"), "field": field,
            "claimed": value_text(report.get(field)) if report is not None and field and field in report else None,
            "crosscheck": label(OUTCOME_LABELS, cc.get("outcome")) if cc else None,
            "findings": cards, "refs": refs,
        })
    groups = [{"level": lv, "title_vi": LEVEL_TITLES[lv][0], "title_en": LEVEL_TITLES[lv][1],
               "indicators": by_level.pop(lv)} for lv in LEVEL_ORDER if lv in by_level]
    groups += [{"level": lv, "title_vi": lv, "title_en": lv, "indicators": rows} for lv, rows in by_level.items()]
    rest = [f for check, f in findings.items() if check not in placed]
    if rest:
        groups.append({"level": "other", "title_vi": OTHER_GROUP[0], "title_en": OTHER_GROUP[1], "indicators": [
            {"id": "", "title_vi": OTHER_GROUP[0], "title_en": OTHER_GROUP[1], "required": False, "points": None,
             "earned": None, "status": None, "met": None, "source": None, "field": None, "claimed": None,
             "crosscheck": None, "findings": rest, "refs": []}]})
    return groups


def _missing_for_next_level(score: dict[str, Any] | None) -> dict[str, Any] | None:
    """The next level and the required indicators (of it and below) not yet met."""
    if score is None:
        return None
    achieved = score.get("achieved_level")
    position = ACHIEVED_LEVELS.index(achieved) + 1 if achieved in ACHIEVED_LEVELS else 0
    if position >= len(ACHIEVED_LEVELS):
        return {"level": None, "missing": []}
    target = ACHIEVED_LEVELS[position]
    wanted = set(ACHIEVED_LEVELS[:position + 1])
    missing = [{"id": i["id"], "title_vi": i.get("title_vi") or i["id"], "title_en": i.get("title_en") or "",
                "level": i.get("level"), "status": label(STATUS_LABELS, i.get("status"))}
               for i in score["details"].get("indicators") or []
               if i.get("level") in wanted and i.get("required") and not i.get("met") and i.get("status") != "not_applicable"]
    return {"level": target, "missing": missing}


def _score_view(score: dict[str, Any] | None, stale: list[dict[str, Any]]) -> dict[str, Any] | None:
    if score is None:
        return None
    details = score["details"]
    points = details.get("points") or {}
    max_points = details.get("max_points") or {}
    mine = [x for x in stale if x["framework"] == score["framework_name"] and x["year"] == score["year"]]
    return {
        "framework": score["framework_id"], "framework_name": score.get("framework_name") or score["framework_id"],
        "year": score["year"], "level": label(LEVEL_LABELS, score["achieved_level"] or "none"),
        "total": value_text(score["total"]), "rank": score["rank"], "ranked": score["ranked"],
        "not_ranked_reason": details.get("not_ranked_reason"),
        "readiness_level": score["readiness_level"],
        "readiness": f"{value_text(details.get('readiness_points'))}/{value_text(details.get('readiness_max'))}",
        "levels": [{"level": lv, "points": value_text(points.get(lv)), "max": value_text(max_points.get(lv))}
                   for lv in ACHIEVED_LEVELS],
        "computed": fmt_time(score["computed_at"]), "stale": bool(mine), "stale_why": mine[0]["why"] if mine else [],
        "next": _missing_for_next_level(score),
    }


def _history(s: Session, unit_code: str) -> list[dict[str, Any]]:
    """The unit's runs, newest first, with finding counts and the checks whose status changed since the
    run before."""
    crawls = list(s.exec(select(UnitCrawl, AuditRun.started_at).join(AuditRun, AuditRun.id == UnitCrawl.run_id)
                         .where(UnitCrawl.unit_code == unit_code).order_by(AuditRun.started_at, AuditRun.id)))
    statuses: dict[str, dict[str, str]] = {}
    for run_id, check_id, status in s.exec(select(FindingRow.run_id, FindingRow.check_id, FindingRow.status)
                                           .where(FindingRow.unit_code == unit_code)):
        statuses.setdefault(run_id, {})[check_id] = status
    history, previous = [], None
    for crawl, started in crawls:
        mine = statuses.get(crawl.run_id, {})
        changes = []
        if previous is not None:
            before = statuses.get(previous, {})
            changes = [{"check": c, "before": label(STATUS_LABELS, before[c]), "after": label(STATUS_LABELS, st)}
                       for c, st in mine.items() if c in before and before[c] != st]
        counts = {st: sum(1 for v in mine.values() if v == st) for st in ("pass", "partial", "fail", "unknown")}
        history.append({"run_id": crawl.run_id, "started": fmt_time(started), "crawl": label(CRAWL_LABELS, crawl.status),
                        "pages": crawl.pages, "counts": counts, "changes": changes})
        previous = crawl.run_id
    return list(reversed(history))


def _disputes_view(s: Session, unit_code: str, runs: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for item in reversed(disputes.dispute_histories(s, [unit_code])):
        d = item["dispute"]
        rows.append({
            "id": d.id, "check": d.check_id, "anchor": anchor_for(d.check_id), "run_id": d.run_id,
            "run": runs.get(d.run_id, d.run_id[:8]), "comment": d.comment, "url": d.url or "",
            "href": safe_href(d.url), "filed": fmt_time(d.filed_at), "state": label(DISPUTE_LABELS, item["state"]),
            "events": [{"kind": label(DISPUTE_LABELS, {"retest_requested": "retesting"}.get(e.kind, e.kind)),
                        "actor": e.actor, "when": fmt_time(e.at), "note": e.note or ""} for e in item["events"]],
        })
    return rows


def _retests_view(s: Session, unit_code: str, runs: dict[str, str]) -> list[dict[str, Any]]:
    return [{"id": r.id, "status": label(RETEST_LABELS, r.status), "by": r.requested_by,
             "requested": fmt_time(r.requested_at), "finished": fmt_time(r.finished_at), "run_id": r.run_id,
             "run": runs.get(r.run_id or "", ""), "error": r.error or "", "open": r.status in ("queued", "running")}
            for r in retests_repo.unit_retests(s, [unit_code])]


def _links_view(s: Session, unit_code: str) -> list[dict[str, Any]]:
    now = utcnow()
    return [{"id": link.id, "contact": link.contact or "—", "by": link.created_by, "created": fmt_time(link.created_at),
             "expires": fmt_time(link.expires_at)}
            for link in disputes_repo.unit_links(s, unit_code) if link.revoked_at is None and link.expires_at > now]


def rescore_targets(s: Session, config_dir: Path, level: str, years: list[int]) -> list[dict[str, Any]]:
    """(framework, year) pairs a re-score button may offer for a unit: the frameworks of its tier that apply
    to the years already scored (a commune is never offered the district framework)."""
    targets = []
    for name in frameworks_for_level(config_dir, level):
        framework = framework_for_reading(config_dir, name)
        targets += [{"framework": name, "year": y} for y in sorted(set(years), reverse=True) if framework.applies_to(y)]
    return targets


def _run_labels(s: Session, unit_code: str) -> dict[str, str]:
    rows = s.exec(select(AuditRun.id, AuditRun.started_at).join(UnitCrawl, UnitCrawl.run_id == AuditRun.id)
                  .where(UnitCrawl.unit_code == unit_code))
    return {run_id: fmt_time(started) for run_id, started in rows}


def _page_ids(s: Session, run_id: str, unit_code: str) -> tuple[dict[str, int], list[Page]]:
    pages = pages_repo.unit_pages(s, run_id, unit_code)
    ids: dict[str, int] = {}
    for page in pages:
        if page.body_digest and page.id is not None:
            ids.setdefault(page.body_digest, page.id)
    return ids, pages


def _context(s: Session, run_id: str, unit_code: str, year: int | None) -> dict[str, Any]:
    """What both the unit and the finding page need: run, unit, crawl, findings, score and decisions."""
    run = runs_repo.get_run(s, run_id)
    unit = units_repo.get_unit(s, unit_code)
    if run is None or unit is None:
        raise NotFound(f"{run_id}/{unit_code}")
    crawl = runs_repo.unit_crawl(s, run_id, unit_code)
    findings = findings_repo.load_findings(s, run_id, unit_code)
    if crawl is None and not findings:
        raise NotFound(f"{run_id}/{unit_code}")
    scores = scores_repo.unit_scores(s, unit_code)
    score = _pick_score(scores, year)
    year = score["year"] if score is not None else year
    decisions = decisions_repo.load_decisions(s, unit_code=unit_code, latest_only=False)  # oldest first
    parent = units_repo.get_unit(s, unit.parent_code) if unit.parent_code else None
    return {"run": run, "unit": unit, "parent": parent, "crawl": crawl, "findings": findings, "scores": scores,
            "score": score, "year": year, "decisions": decisions,
            "in_force": check_decisions_in_force(decisions, run_id, year),
            "report": surveys_repo.unit_selfreport(s, unit_code, year) if year else None}


def _unit_header(c: dict[str, Any]) -> dict[str, Any]:
    unit, crawl, parent = c["unit"], c["crawl"], c["parent"]
    return {
        "run_id": c["run"].id, "run_started": fmt_time(c["run"].started_at), "year": c["year"],
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level, "portal_url": unit.portal_url or "—",
                 "portal_href": safe_href(unit.portal_url), "parent": parent.name if parent else None},
        "crawl": {"status": label(CRAWL_LABELS, crawl.status if crawl else None), "pages": crawl.pages if crawl else 0,
                  "error": crawl.error if crawl else None},
        "years": sorted({sc["year"] for sc in c["scores"]}, reverse=True),
        "status_choices": [{"value": str(st), **label(STATUS_LABELS, str(st))} for st in Status],
    }


def unit_detail(s: Session, blobs: BlobStore, config_dir: Path, run_id: str, unit_code: str,
                year: int | None = None) -> dict[str, Any]:
    """The unit page: findings grouped by level and indicator, survey answers, score, history."""
    c = _context(s, run_id, unit_code, year)
    page_ids, pages = _page_ids(s, run_id, unit_code)
    by_check: dict[str, list[dict[str, Any]]] = {}
    for d in reversed(c["decisions"]):  # newest first
        if d["check_id"] and d["run_id"] == run_id:
            by_check.setdefault(d["check_id"], []).append(d)
    findings = {f["check"]: _finding_view(f, by_check.get(f["check"], []), c["in_force"].get(f["check"]),
                                          page_ids, blobs) for f in c["findings"]}
    indicators = _indicator_rows(s, config_dir, c["unit"].level, c["score"], c["year"])
    crosschecks = c["score"]["details"].get("crosschecks") or [] if c["score"] else []
    stale = stale_score_sets(s, unit_code)
    runs = _run_labels(s, unit_code)
    unit_level = [d for d in c["decisions"] if d["check_id"] is None and d["indicator_id"] is None]
    exclusion = unit_exclusion(unit_level, c["year"])
    return {
        **_unit_header(c),
        "groups": _groups(indicators, findings, c["report"], crosschecks),
        "findings_count": len(findings),
        "report_returned": c["report"] is not None,
        "score": _score_view(c["score"], stale),
        "stale": stale,
        "excluded": exclusion is not None,
        "exclusion": _decision_view(exclusion) if exclusion else None,
        "decisions": [_decision_view(d, runs) for d in reversed(c["decisions"])],
        "history": _history(s, unit_code),
        "disputes": _disputes_view(s, unit_code, runs),
        "retests": _retests_view(s, unit_code, runs),
        "links": _links_view(s, unit_code),
        "rescore_targets": rescore_targets(s, config_dir, c["unit"].level,
                                           [*(sc["year"] for sc in c["scores"]), *([c["year"]] if c["year"] else [])]),
        "pages": [{"id": p.id, "url": p.url, "status": p.status if p.status is not None else "—",
                   "content_type": p.content_type or "—", "has_body": bool(p.body_digest)} for p in pages],
    }


def finding_detail(s: Session, blobs: BlobStore, config_dir: Path, run_id: str, unit_code: str, check_id: str,
                   year: int | None = None) -> dict[str, Any]:
    """The finding page: its evidence (screenshot, excerpt, URL, stored page), the indicators it feeds with
    the survey answers beside them, and every decision and dispute on it."""
    c = _context(s, run_id, unit_code, year)
    finding = next((f for f in c["findings"] if f["check"] == check_id), None)
    if finding is None:
        raise NotFound(f"{run_id}/{unit_code}/{check_id}")
    page_ids, _ = _page_ids(s, run_id, unit_code)
    runs = _run_labels(s, unit_code)
    mine = [d for d in reversed(c["decisions"]) if d["check_id"] == check_id]
    view = _finding_view(finding, [d for d in mine if d["run_id"] == run_id], c["in_force"].get(check_id),
                         page_ids, blobs)
    indicators = [i for i in _indicator_rows(s, config_dir, c["unit"].level, c["score"], c["year"])
                  if check_id in (i.get("checks") or [])]
    crosschecks = [cc for cc in (c["score"]["details"].get("crosschecks") or [] if c["score"] else [])
                   if cc.get("check") == check_id]
    return {
        **_unit_header(c),
        "finding": view,
        "indicators": [ind for group in _groups(indicators, {}, c["report"], crosschecks) for ind in group["indicators"]],
        "crosschecks": [{"field": cc.get("field"), "claimed": value_text(cc.get("claimed")),
                         "observed": label(STATUS_LABELS, cc.get("observed_status")),
                         "outcome": label(OUTCOME_LABELS, cc.get("outcome"))} for cc in crosschecks],
        "all_decisions": [_decision_view(d, runs) for d in mine],
        "disputes": [d for d in _disputes_view(s, unit_code, runs) if d["check"] == check_id],
        "other_runs": [h for h in _history(s, unit_code) if h["run_id"] != run_id],
        "stale": stale_score_sets(s, unit_code),
    }
