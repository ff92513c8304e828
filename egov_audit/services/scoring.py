"""Scoring as a service: the latest findings, survey answers and reviewer decisions of each unit, scored by
one framework for one year, stored, and read back for the reports."""

from __future__ import annotations

from typing import Any

from egov_audit.services.workspace import Workspace
from egov_audit.storage import (
    decisions_repo,
    findings_repo,
    frameworks_repo,
    runs_repo,
    scores_repo,
    surveys_repo,
    units_repo,
)
from egov_audit.storage.db import session


def score(ws: Workspace, framework_name: str, year: int) -> dict[str, Any]:
    """Score every unit of the framework's tier with the latest findings, self-reports and decisions."""
    from egov_audit.scoring import FindingInput, UnitInput, load_framework, score_units, scores_export

    framework = load_framework(framework_name, ws.settings.config_dir)
    with session(ws.engine) as s:
        frameworks_repo.register_framework(s, framework.id, framework.version, framework.content)
        units = [u for u in units_repo.list_units(s) if u.level in framework.levels_audited]
        latest = findings_repo.latest_findings_by_unit(s, [u.code for u in units])
        latest_runs = runs_repo.latest_run_by_unit(s, [u.code for u in units])
        unit_inputs = [
            UnitInput(code=u.code, name=u.name, level=u.level, province_code=u.province_code,
                      parent_code=u.parent_code, crawl_status=latest[u.code][0] if u.code in latest else None)
            for u in units
        ]
        findings = {code: {f["check"]: FindingInput(f["status"], f["value"]) for f in rows}
                    for code, (_, rows) in latest.items()}
        selfreports = surveys_repo.load_selfreports(s, year)
        decisions = _decisions_by_unit(decisions_repo.load_decisions(s, framework_name=framework.id, year=year), latest_runs)
        unit_scores = score_units(framework, unit_inputs, findings, selfreports, decisions, year)
        export = scores_export(framework, year, unit_scores)
        scores_repo.save_scores(s, framework.id, year, export["units"])
    return export


def _decisions_by_unit(rows: list[dict[str, Any]], latest_runs: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Reviewer decisions keyed as scoring expects: unit → check or indicator id (or ``__unit__`` for an
    exclusion from ranking) → the latest decision. Rows come oldest first, so later ones win.

    A decision made on a finding of one run judged that run's evidence: it applies while the unit's
    scored findings come from that run, not to a later night's fresh evidence. Decisions without a run
    (exclusions, indicator decisions) apply whatever the run."""
    from egov_audit.scoring.engine import DecisionInput

    by_unit: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["run_id"] is not None and row["check_id"] and row["run_id"] != latest_runs.get(row["unit_code"]):
            continue
        target = row["indicator_id"] or row["check_id"] or "__unit__"
        by_unit.setdefault(row["unit_code"], {})[target] = DecisionInput(
            status=row["status"], reason=row["reason"], reviewer=row["reviewer"], decided_at=row["decided_at"])
    return by_unit


def latest_scores(ws: Workspace, year: int | None = None) -> list[dict[str, Any]]:
    """The stored score exports of the latest (or given) year, one per framework."""
    with session(ws.engine) as s:
        return scores_repo.load_score_exports(s, year=year)
