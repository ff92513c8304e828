"""Scoring as a service: a framework's units scored for one year from chosen evidence (findings of audit runs,
the survey versions that count, reviewer decisions), stored as a new score set (an immutable publication),
optionally published, and read back for the reports.

Which evidence: ``run_id`` (the findings of that run), ``as_of`` (each unit's newest crawl of a run started
by then, and the survey answers and decisions made by then), or by default each unit's newest evidence;
re-scoring a past year whose published set used older runs says so, since a past year is re-scored from
its own evidence with ``--run`` or ``--as-of`` (CRITERIA.md §4: scores are reproducible).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from egov_audit.core.dates import VN_TZ
from egov_audit.core.errors import InputError
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


@dataclass
class Evidence:
    """What a score set is computed from."""

    findings: dict[str, tuple[str, str, list[dict[str, Any]]]]
    """unit → (run id, crawl status, findings)."""
    how: str
    as_of: dt.datetime | None = None
    notices: list[str] = field(default_factory=list)


def end_of_day(day: dt.date) -> dt.datetime:
    """``--as-of 2024-12-31`` includes that whole day, in Vietnam's time."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=VN_TZ)


def _choose_evidence(s: Any, framework_name: str, year: int, codes: list[str], run_id: str | None,
                     as_of: dt.datetime | None, today: dt.date) -> Evidence:
    if run_id is not None:
        if runs_repo.get_run(s, run_id) is None:
            raise InputError("--run", f"no audit run with id {run_id!r}")
        return Evidence(findings_repo.scored_evidence(s, codes, runs=[run_id]), "run")
    if as_of is not None:
        return Evidence(findings_repo.scored_evidence(s, codes, as_of=as_of), "as_of", as_of)
    evidence = Evidence(findings_repo.scored_evidence(s, codes), "latest")
    published = scores_repo.published_set(s, framework_name, year)
    if year < today.year and published is not None:
        before = set(scores_repo.set_json(published)["runs"])
        now = {run for run, _, _ in evidence.findings.values()}
        if before and now - before:
            evidence.notices.append(
                f"{year} was published from runs {', '.join(sorted(before))}; this score set uses newer evidence "
                f"({', '.join(sorted(now - before))}): use --run or --as-of to score that year's evidence")
    return evidence


def score(ws: Workspace, framework_name: str, year: int, *, run_id: str | None = None,
          as_of: dt.datetime | None = None, publish: bool = False, today: dt.date | None = None) -> dict[str, Any]:
    """Score every unit of the framework's tier, store the result as a new score set (published with
    ``publish``) and return its export (with ``score_set``: id, runs, survey versions, ``notices``)."""
    from egov_audit.scoring import (
        FindingInput,
        SurveySource,
        UnitInput,
        load_framework,
        score_units,
        scores_export,
    )

    framework = load_framework(framework_name, ws.settings.config_dir)
    today = today or dt.datetime.now(VN_TZ).date()
    with session(ws.engine) as s:
        frameworks_repo.register_framework(s, framework.id, framework.version, framework.content)
        units = [u for u in units_repo.list_units(s) if u.level in framework.levels_audited]
        codes = [u.code for u in units]
        evidence = _choose_evidence(s, framework.id, year, codes, run_id, as_of, today)
        unit_inputs = [
            UnitInput(code=u.code, name=u.name, level=u.level, province_code=u.province_code,
                      parent_code=u.parent_code,
                      crawl_status=evidence.findings[u.code][1] if u.code in evidence.findings else None)
            for u in units
        ]
        findings = {code: {f["check"]: FindingInput(f["status"], f["value"], tuple(f.get("evidence") or ()))
                           for f in rows} for code, (_, _, rows) in evidence.findings.items()}
        answers = surveys_repo.load_answers(s, year, as_of=evidence.as_of, unit_codes=codes)
        runs_used = {code: run for code, (run, _, _) in evidence.findings.items()}
        rows = decisions_repo.load_decisions(s, framework_name=framework.id, year=year)
        decisions = _decisions_by_unit(rows, runs_used, evidence.as_of)
        unit_scores = score_units(
            framework, unit_inputs, findings, {code: a.values for code, a in answers.items()}, decisions, year,
            survey_sources={code: SurveySource(a.version_id, a.file_name, a.cells, a.chosen_by)
                            for code, a in answers.items()})
        export = scores_export(framework, year, unit_scores)
        info = scores_repo.SetInfo(
            framework.id, framework.version, framework.digest, year, framework_title=framework.name,
            evidence=evidence.how, as_of=evidence.as_of, runs=sorted(set(runs_used.values())),
            survey_versions=sorted({a.version_id for a in answers.values() if a.version_id is not None}))
        score_set = scores_repo.save_set(s, info, export["units"], publish=publish)
        export["score_set"] = {**scores_repo.set_json(score_set, score_set if publish else None),
                               "notices": evidence.notices}
    return export


def _decisions_by_unit(rows: list[dict[str, Any]], runs_used: dict[str, str],
                       as_of: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Reviewer decisions keyed as scoring expects: unit → check or indicator id (or ``__unit__`` for an
    exclusion from ranking) → the latest decision. Rows come oldest first, so later ones win.

    A decision made on a finding of one run judged that run's evidence: it applies while the unit's
    scored findings come from that run, not to a later night's fresh evidence. Decisions without a run
    (exclusions, indicator decisions) apply whatever the run; with ``as_of``, only those made by then."""
    from egov_audit.scoring.engine import DecisionInput

    by_unit: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["run_id"] is not None and row["check_id"] and row["run_id"] != runs_used.get(row["unit_code"]):
            continue
        if as_of is not None and row["decided_at"] is not None and row["decided_at"] > as_of:
            continue
        target = row["indicator_id"] or row["check_id"] or "__unit__"
        by_unit.setdefault(row["unit_code"], {})[target] = DecisionInput(
            status=row["status"], reason=row["reason"], reviewer=row["reviewer"], decided_at=row["decided_at"])
    return by_unit


def latest_scores(ws: Workspace, year: int | None = None, prefer: str = "latest") -> list[dict[str, Any]]:
    """The stored score exports of the latest (or given) year, one per framework: the latest set of each, or
    with ``prefer="published"`` the published one where there is one."""
    with session(ws.engine) as s:
        return scores_repo.load_score_exports(s, year=year, prefer=prefer)


def _find_set(s: Any, set_id: str, where: str) -> Any:
    found = scores_repo.find_set(s, set_id)
    if found is None:
        raise InputError(where, f"no score set {set_id!r} (see `egov-audit scores list`)")
    return found


def score_set_export(ws: Workspace, set_id: str) -> dict[str, Any]:
    with session(ws.engine) as s:
        export = scores_repo.load_set_export(s, _find_set(s, set_id, "--score-set").id)
    assert export is not None
    return export


def previous_published(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """The published score sets of ``year`` (what a report compares the next year with)."""
    with session(ws.engine) as s:
        return scores_repo.published_exports(s, year)


def list_score_sets(ws: Workspace, framework_name: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    with session(ws.engine) as s:
        return scores_repo.list_sets(s, framework_name, year)


def publish_score_set(ws: Workspace, set_id: str) -> dict[str, Any]:
    """``egov-audit scores publish ID``: make a stored set the published result of its framework and year."""
    with session(ws.engine) as s:
        published = scores_repo.publish(s, _find_set(s, set_id, "scores publish").id)
        return scores_repo.set_json(published, published)
