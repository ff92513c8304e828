"""The review queue: every cross-check disagreement of the stored scores and every unit dispute, to settle
before the scores are published, filtered by district, outcome, indicator, status and kind.

An item is *decided* when a decision is in force on the check it is about, for the run the unit's scores
come from (a cross-check settled from the queue, or the finding judged on the unit page: both are the same
judgement of the same evidence); a dispute is decided once upheld or rejected. Items keep the order of the
stored scores (province, tier, rank) grouped by district, so "next" walks a district at a time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session

from egov_audit.checks.titles import TITLES
from egov_audit.core.urls import safe_href
from egov_audit.reports.labels import DISPUTE_LABELS, OUTCOME_LABELS, STATUS_LABELS
from egov_audit.review.queries import NotFound, anchor_for, fmt_time, label, stored_png, value_text
from egov_audit.services import disputes
from egov_audit.services.decisions import check_decisions_in_force, effective_status
from egov_audit.storage import decisions_repo, findings_repo, runs_repo, scores_repo, units_repo
from egov_audit.storage.blobs import BlobStore

REVIEW_OUTCOMES = ("overclaimed", "underclaimed", "value_mismatch", "unverifiable")
"""Cross-check outcomes a reviewer must look at before scores are published (``confirmed`` and
``not_reported`` need no decision)."""
DISPUTED = "disputed"
OUTCOME_OR_DISPUTE_LABELS = {**OUTCOME_LABELS, DISPUTED: ("Đơn vị khiếu nại", "disputed by the unit")}
QUEUE_STATUSES = ("open", "decided", "all")
KINDS = ("all", "crosscheck", "dispute")


@dataclass(frozen=True)
class QueueFilters:
    year: int | None = None
    district: str | None = None
    outcome: str | None = None
    """One of ``REVIEW_OUTCOMES`` or ``disputed``."""
    indicator: str | None = None
    status: str = "open"
    kind: str = "all"

    def params(self) -> dict[str, str]:
        """The filters as query parameters (only those set)."""
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}


def _indicators_by_target(unit: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    by_field: dict[str, list[str]] = {}
    by_check: dict[str, list[str]] = {}
    for ind in unit.get("indicators") or []:
        if ind.get("field"):
            by_field.setdefault(ind["field"], []).append(ind["id"])
        for check in ind.get("checks") or []:
            by_check.setdefault(check, []).append(ind["id"])
    return by_field, by_check


def _decision_summary(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"status": d["status"], "reason": d["reason"], "reviewer": d["reviewer"], "when": fmt_time(d["decided_at"])}


def _crosscheck_items(s: Session, exports: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for export in exports:
        framework, year = export["framework"]["id"], export["year"]
        for unit in export["units"]:
            code = unit["unit_code"]
            run_id = context["runs"].get(code)
            in_force = check_decisions_in_force(context["decisions"].get(code, []), run_id, year) if run_id else {}
            by_field, by_check = _indicators_by_target(unit)
            for cc in unit.get("crosschecks") or []:
                if cc.get("outcome") not in REVIEW_OUTCOMES:
                    continue
                field, check = str(cc.get("field") or ""), str(cc.get("check") or "")
                decision = in_force.get(check)
                items.append({
                    "key": f"cc:{framework}:{year}:{code}:{field}", "kind": "crosscheck", "framework": framework,
                    "framework_name": export["framework"].get("name") or framework, "year": year,
                    "unit_code": code, "unit_name": unit.get("unit_name") or code, "run_id": run_id,
                    "district": context["district_of"].get(code), "field": field, "check": check,
                    "anchor": anchor_for(check), "claimed": value_text(cc.get("claimed")),
                    "observed": label(STATUS_LABELS, cc.get("observed_status")),
                    "observed_value": value_text(cc.get("observed_value")),
                    "outcome": label(OUTCOME_LABELS, cc.get("outcome")), "outcome_value": cc.get("outcome"),
                    "indicators": sorted(set(by_field.get(field, []) + by_check.get(check, []))),
                    "decided": decision is not None, "decision": _decision_summary(decision),
                })
    return items


def _dispute_items(s: Session, context: dict[str, Any], year: int | None) -> list[dict[str, Any]]:
    items = []
    for entry in disputes.dispute_histories(s):
        d = entry["dispute"]
        unit = context["units"].get(d.unit_code)
        closing = next((e for e in reversed(entry["events"]) if e.kind in disputes.CLOSED_KINDS), None)
        items.append({
            "key": f"d:{d.id}", "kind": "dispute", "dispute_id": d.id, "framework": None, "year": year,
            "unit_code": d.unit_code, "unit_name": unit.name if unit else d.unit_code,
            "run_id": context["runs"].get(d.unit_code) or d.run_id, "disputed_run": d.run_id,
            "district": context["district_of"].get(d.unit_code), "field": "", "check": d.check_id,
            "anchor": anchor_for(d.check_id), "comment": d.comment, "url": d.url or "", "href": safe_href(d.url),
            "filed": fmt_time(d.filed_at), "state": label(DISPUTE_LABELS, entry["state"]),
            "outcome": label(OUTCOME_OR_DISPUTE_LABELS, DISPUTED),
            "outcome_value": DISPUTED, "indicators": context["indicators_of_check"].get((d.unit_code, d.check_id), []),
            "decided": entry["state"] in disputes.CLOSED_KINDS,
            "decision": {"status": closing.kind, "reason": closing.note or "", "reviewer": closing.actor,
                         "when": fmt_time(closing.at)} if closing else None,
            "retesting": entry["state"] == "retesting",
        })
    return items


def _context(s: Session, exports: list[dict[str, Any]]) -> dict[str, Any]:
    units = {u.code: u for u in units_repo.list_units(s)}
    district_of = {}
    for code, unit in units.items():
        parent = units.get(unit.parent_code or "")
        district_of[code] = code if unit.level == "district" else (
            parent.code if parent is not None and parent.level == "district" else None)
    decisions: dict[str, list[dict[str, Any]]] = {}
    for d in decisions_repo.load_decisions(s, latest_only=False):
        decisions.setdefault(d["unit_code"], []).append(d)
    indicators_of_check: dict[tuple[str, str], list[str]] = {}
    for export in exports:
        for unit in export["units"]:
            for check, ids in _indicators_by_target(unit)[1].items():
                indicators_of_check[(unit["unit_code"], check)] = ids
    return {"units": units, "district_of": district_of, "decisions": decisions,
            "runs": runs_repo.latest_run_by_unit(s), "indicators_of_check": indicators_of_check}


def _matches(item: dict[str, Any], f: QueueFilters) -> bool:
    return ((f.kind == "all" or item["kind"] == f.kind)
            and (f.status == "all" or item["decided"] == (f.status == "decided"))
            and (not f.district or item["district"] == f.district)
            and (not f.outcome or item["outcome_value"] == f.outcome)
            and (not f.indicator or f.indicator in item["indicators"]))


def queue(s: Session, filters: QueueFilters) -> dict[str, Any]:
    """The filtered queue and what its filter form offers (districts, indicators, outcomes, counts)."""
    exports = scores_repo.load_score_exports(s, year=filters.year)
    year = exports[0]["year"] if exports else filters.year
    context = _context(s, exports)
    everything = _crosscheck_items(s, exports, context) + _dispute_items(s, context, year)
    names = {code: unit.name for code, unit in context["units"].items()}
    # Stable: within a unit the stored cross-check order is kept.
    everything.sort(key=lambda i: (names.get(i["district"] or "", "~"), i["district"] or "", i["unit_code"],
                                   i["kind"] != "crosscheck"))
    items = [i for i in everything if _matches(i, filters)]
    districts = sorted({i["district"] for i in everything if i["district"]}, key=lambda c: (names.get(c, c), c))
    return {
        "year": year, "years": sorted(set(scores_repo.scored_years(s)) | ({year} if year else set()), reverse=True),
        "entries": items, "filters": filters,
        "districts": [{"code": c, "name": names.get(c, c)} for c in districts],
        "indicators": sorted({ind for i in everything for ind in i["indicators"]}),
        "outcomes": [label(OUTCOME_OR_DISPUTE_LABELS, o) for o in (*REVIEW_OUTCOMES, DISPUTED)],
        "open_counts": dict(Counter(i["outcome_value"] for i in everything if not i["decided"])),
        "open_total": sum(1 for i in everything if not i["decided"]),
    }


def position(items: list[dict[str, Any]], key: str | None) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """The item asked for (default: the first), and the keys of the ones before and after it."""
    if not items:
        return None, None, None
    index = next((n for n, i in enumerate(items) if i["key"] == key), 0 if not key else None)
    if index is None:
        return None, None, items[0]["key"]
    before = items[index - 1]["key"] if index > 0 else None
    after = items[index + 1]["key"] if index + 1 < len(items) else None
    return items[index], before, after


def item_evidence(s: Session, blobs: BlobStore, item: dict[str, Any]) -> dict[str, Any]:
    """The finding an item is about, as the reviewer decides on it: status in force, value, evidence."""
    run_id = item["run_id"]
    finding = next((f for f in findings_repo.load_findings(s, run_id, item["unit_code"]) if f["check"] == item["check"]),
                   None) if run_id else None
    if finding is None:
        return {"found": False, "title_vi": item["check"], "title_en": item["check"], "evidence": []}
    rows = decisions_repo.load_decisions(s, unit_code=item["unit_code"], latest_only=False)
    in_force = check_decisions_in_force(rows, run_id, item["year"]).get(item["check"])
    title_vi, title_en = TITLES.get(item["check"], (item["check"], item["check"]))
    evidence = []
    for ev in finding["evidence"][:3]:
        shot = ev.get("screenshot")
        evidence.append({"url": ev.get("url") or "—", "href": safe_href(ev.get("url")), "excerpt": ev.get("excerpt"),
                         "screenshot": shot if isinstance(shot, str) and stored_png(blobs, shot) else None})
    return {"found": True, "title_vi": title_vi, "title_en": title_en,
            "status": label(STATUS_LABELS, effective_status(finding["status"], in_force)),
            "observed": label(STATUS_LABELS, finding["status"]), "value": value_text(finding["value"]),
            "reason": finding["reason"] or "—", "evidence": evidence}


def find_item(s: Session, key: str, year: int | None) -> dict[str, Any]:
    """One queue item by key, whatever the filters (for deciding on it)."""
    for item in queue(s, QueueFilters(year=year, status="all"))["entries"]:
        if item["key"] == key:
            return item
    raise NotFound(key)
