"""The scoring engine: findings + self-reports + reviewer decisions + a framework → unit scores.

Pure and deterministic (CRITERIA.md §4): the same inputs always give the same ``UnitScore`` list and
byte-identical JSON, so a past year can be re-scored after a framework change. Points are computed
with exact fractions so that ties stay ties (0.1 + 0.2 must equal 0.3 when ranking).

Rules chosen where CRITERIA.md leaves room (documented here and in the framework file header):

- Several checks in one indicator: ``any`` = pass if one passes, else partial if one is partial, else
  unknown if one is unknown, else fail; ``all`` = fail if one fails, else unknown if one is unknown,
  else partial if one is partial, else pass. ``not_applicable`` checks are left out; an indicator whose
  checks are all not applicable is ``not_applicable``: it earns nothing, leaves the unit's maximum
  (``max_points``/``readiness_max``) and never blocks a level.
- ``min_value``: a passing check whose value is missing or below it counts as ``partial`` (the section
  exists, the figure that matters does not). A reviewer's decision on a check is taken as it is.
- Self-reports: a met condition is ``pass``, an unmet one ``fail``, a missing value (or a ratio whose
  denominator is missing or 0) ``unknown``.
- Required indicators: ``partial`` meets one only with ``allow_partial: true`` (default false).
- Reviewer decisions (keyed by indicator id, or by check id to correct one finding everywhere it is
  used, cross-checks included): status ``pass|partial|fail|unknown|not_applicable`` or ``confirm``
  (keep the status, now attributed to the reviewer). ``__unit__`` with ``exclude`` and a reason takes the
  unit out of the ranking.
- Readiness level: null when the unit returned no survey (readiness is what the unit reports).
- Cross-checks: a ``partial`` observation counts as "the portal shows it" for a yes/no claim. For a count
  (``services_level3_or_higher``): within tolerance of the larger figure = confirmed; claim larger =
  overclaimed; portal larger and the unit claimed 0 = underclaimed; portal larger otherwise =
  value_mismatch. For an age (``update_interval_days`` vs ``fresh.news`` days since the newest article):
  one observed age cannot measure a longer interval, so the claim is only an upper bound: age ≤ claim ×
  (1 + tolerance) (a claim of 0 counts as daily) = confirmed, older or no dated news = overclaimed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from egov_audit.core.gcpause import gc_paused
from egov_audit.scoring.framework import (
    ACHIEVED_LEVELS,
    NUMERIC_TYPES,
    Framework,
    FrameworkError,
    Indicator,
    SurveyField,
)

PASS, PARTIAL, FAIL, UNKNOWN, NOT_APPLICABLE = "pass", "partial", "fail", "unknown", "not_applicable"
STATUSES = (PASS, PARTIAL, FAIL, UNKNOWN, NOT_APPLICABLE)
CONCLUSIVE = (PASS, PARTIAL, FAIL)
UNIT_KEY = "__unit__"
"""Decision key that applies to the whole unit (status ``exclude``)."""
CONFIRM = "confirm"
EXCLUDE = "exclude"
INCLUDE = "include"
"""A later ``__unit__`` decision that lifts an exclusion (decisions are append-only)."""
NOT_AUDITED = (None, "unreachable", "blocked")
"""Crawl outcomes meaning the portal could not be audited (``no_portal`` was audited: there is none)."""
AGE_CHECKS = frozenset({"fresh.news", "fresh.documents"})
"""Checks whose value is an age in days (smaller is better); a claimed interval is an upper bound."""

_YES = ("có", "co", "yes", "y", "true", "1", "x")
_NO = ("không", "khong", "no", "n", "false", "0", "")


@dataclass(frozen=True)
class UnitInput:
    code: str
    name: str
    level: str
    province_code: str | None
    parent_code: str | None
    crawl_status: str | None = None
    """Outcome of the latest crawl; None when the unit was never audited."""


@dataclass(frozen=True)
class FindingInput:
    """What scoring needs of a finding; ``checks.model.Finding`` works as well (same attributes)."""

    status: str
    value: Any = None
    evidence: tuple[dict[str, Any], ...] = ()
    """The finding's evidence (``url``, ``excerpt``, ``screenshot``, ...); the first is shown in cross-checks."""


@dataclass(frozen=True)
class DecisionInput:
    status: str
    reason: str | None = None
    reviewer: str | None = None
    decided_at: datetime | str | None = None

    def to_json(self) -> dict[str, Any]:
        """Who decided, when and why (the scores export keeps a reviewer's provenance)."""
        when = self.decided_at.isoformat() if isinstance(self.decided_at, datetime) else self.decided_at
        return {"status": self.status, "reviewer": self.reviewer, "decided_at": when, "reason": self.reason}


@dataclass(frozen=True)
class SurveySource:
    """Where a unit's survey answers came from: the version (one import), its file and each answer's cell."""

    version: int | None
    file: str | None
    cells: dict[str, str | None] = field(default_factory=dict)
    chosen_by: str | None = None


@dataclass
class IndicatorScore:
    indicator: Indicator
    status: str
    source: str
    """``observed``, ``self`` or ``reviewer``."""
    unverified: bool
    earned: Fraction
    met: bool
    decision: DecisionInput | None = None
    """The reviewer decision that set the status (who, when, why), if any."""

    def to_json(self) -> dict[str, Any]:
        ind = self.indicator
        return {
            "id": ind.id,
            "title_vi": ind.title_vi,
            "title_en": ind.title_en,
            "level": ind.level,
            "required": ind.required,
            "points": _num(ind.points),
            "earned": _num(self.earned),
            "status": self.status,
            "source": self.source,
            "unverified": self.unverified,
            "checks": list(ind.source.checks),
            "field": ind.source.field,
            "met": self.met,
            "decision": self.decision.to_json() if self.decision is not None else None,
        }


@dataclass
class CrosscheckResult:
    field: str
    check: str
    claimed: Any
    observed_status: str
    observed_value: Any
    outcome: str
    """``confirmed``, ``overclaimed``, ``underclaimed``, ``value_mismatch``, ``unverifiable`` or ``not_reported``."""
    survey: dict[str, Any] | None = None
    """The claim's side: survey ``version``, ``file`` and ``cell`` (None when not reported)."""
    observed: dict[str, Any] | None = None
    """The portal's side: the finding's first evidence (``url``, ``excerpt``, ``screenshot``)."""
    decision: DecisionInput | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "check": self.check,
            "claimed": self.claimed,
            "observed_status": self.observed_status,
            "observed_value": self.observed_value,
            "outcome": self.outcome,
            "survey": self.survey,
            "observed": self.observed,
            "decision": self.decision.to_json() if self.decision is not None else None,
        }


@dataclass
class UnitScore:
    unit: UnitInput
    framework_id: str
    framework_version: str
    year: int
    achieved_level: str | None
    readiness_level: int | None
    readiness_points: Fraction
    readiness_max: Fraction
    points: dict[str, Fraction]
    max_points: dict[str, Fraction]
    ranked: bool
    not_ranked_reason: str | None
    indicators: list[IndicatorScore] = field(default_factory=list)
    crosschecks: list[CrosscheckResult] = field(default_factory=list)
    rank: int | None = None
    unit_decision: DecisionInput | None = None
    """The reviewer's exclusion from (or inclusion in) the ranking, with who, when and why."""
    survey: SurveySource | None = None

    @functools.cached_property
    def total(self) -> Fraction:
        # Ranking compares totals many times; points do not change once a unit is scored.
        return sum(self.points.values(), Fraction(0))

    def to_json(self) -> dict[str, Any]:
        u = self.unit
        return {
            "unit_code": u.code,
            "unit_name": u.name,
            "level": u.level,
            "province_code": u.province_code,
            "parent_code": u.parent_code,
            "framework": self.framework_id,
            "framework_version": self.framework_version,
            "year": self.year,
            "achieved_level": self.achieved_level,
            "readiness_level": self.readiness_level,
            "readiness_points": _num(self.readiness_points),
            "readiness_max": _num(self.readiness_max),
            "points": {lv: _num(self.points[lv]) for lv in ACHIEVED_LEVELS},
            "max_points": {lv: _num(self.max_points[lv]) for lv in ACHIEVED_LEVELS},
            "total": _num(self.total),
            "rank": self.rank,
            "ranked": self.ranked,
            "not_ranked_reason": self.not_ranked_reason,
            "crawl_status": u.crawl_status,
            "indicators": [i.to_json() for i in self.indicators],
            "crosschecks": [c.to_json() for c in self.crosschecks],
            "unit_decision": self.unit_decision.to_json() if self.unit_decision is not None else None,
            "survey": ({"version": self.survey.version, "file": self.survey.file, "chosen_by": self.survey.chosen_by}
                       if self.survey is not None else None),
        }


# ── public functions ───────────────────────────────────────────────────────────────────────────────

# Both build hundreds of thousands of objects on top of a large live heap; see core.gcpause for why the
# collector waits.
@gc_paused()
def score_units(
    framework: Framework,
    units: list[UnitInput],
    findings: dict[str, dict[str, Any]],
    selfreports: dict[str, dict[str, Any]],
    decisions: dict[str, dict[str, DecisionInput]],
    year: int,
    survey_sources: dict[str, SurveySource] | None = None,
) -> list[UnitScore]:
    """Score every unit, then rank within province and tier. ``findings[unit][check]`` is a
    ``FindingInput`` or a ``checks.model.Finding``; ``selfreports[unit]`` maps survey field → value
    (a unit absent from it returned no survey); ``decisions[unit]`` maps indicator id, check id or
    ``__unit__`` → ``DecisionInput``; ``survey_sources[unit]`` says which survey version and cells the answers
    came from. Returns units in report order (province, tier, rank, code)."""
    if not framework.applies_to(year):
        span = f"{framework.year_from or '…'}–{framework.year_to or '…'}"
        raise FrameworkError(str(framework.path), f"framework {framework.id} covers years {span}, not {year}", "years")
    seen: set[str] = set()
    scores: list[UnitScore] = []
    scale = _scale(framework)
    observed: dict[tuple[str, str], IndicatorScore] = {}
    for unit in units:
        if unit.code in seen:
            raise ValueError(f"unit {unit.code}: listed twice")
        seen.add(unit.code)
        scored = _score_unit(framework, unit, findings.get(unit.code) or {},
                             selfreports.get(unit.code), decisions.get(unit.code) or {}, year, scale, observed)
        scored.survey = (survey_sources or {}).get(unit.code)
        for cc in scored.crosschecks:
            if cc.claimed is not None and scored.survey is not None:
                cc.survey = {"version": scored.survey.version, "file": scored.survey.file,
                             "cell": scored.survey.cells.get(cc.field)}
        scores.append(scored)
    _rank(scores)
    return sorted(scores, key=_report_order)


@gc_paused()
def scores_export(framework: Framework, year: int, unit_scores: Iterable[UnitScore]) -> dict[str, Any]:
    """The scores export of PRODUCT.md (``egov-audit report --format json``)."""
    return {
        "framework": {"id": framework.id, "name": framework.name, "version": framework.version,
                      "digest": framework.digest},
        "year": year,
        "units": [s.to_json() for s in sorted(unit_scores, key=_report_order)],
    }


# ── one unit ───────────────────────────────────────────────────────────────────────────────────────

def _score_unit(fw: Framework, unit: UnitInput, findings: dict[str, Any], report: dict[str, Any] | None,
                decisions: dict[str, DecisionInput], year: int, scale: int,
                observed: dict[tuple[str, str], IndicatorScore]) -> UnitScore:
    for key, decision in decisions.items():
        allowed = (EXCLUDE, INCLUDE) if key == UNIT_KEY else (*STATUSES, CONFIRM)
        if decision.status not in allowed:
            raise ValueError(f"unit {unit.code}: decision on {key}: status {decision.status!r} is not one of {', '.join(allowed)}")
    checks = _CheckView(findings, decisions)
    results = [_score_indicator(fw, ind, checks, report, decisions.get(ind.id), unit.code, observed)
               for ind in fw.indicators]

    # Sums in integer units of 1/(2·lcm of the point denominators): exact like fractions, far cheaper.
    earned_units = dict.fromkeys(ACHIEVED_LEVELS, 0)
    max_units = dict.fromkeys(ACHIEVED_LEVELS, 0)
    unmet_levels: set[str] = set()  # levels with a required indicator not met
    readiness_units = readiness_max_units = 0
    for r in results:
        if r.status == NOT_APPLICABLE:
            continue
        ind = r.indicator
        if ind.required and not r.met:
            unmet_levels.add(ind.level)
        full = ind.points.numerator * (scale // ind.points.denominator)
        got = full if r.status == PASS else full // 2 if r.status == PARTIAL else 0
        if ind.level == "readiness":
            readiness_units += got
            readiness_max_units += full
        else:
            earned_units[ind.level] += got
            max_units[ind.level] += full
    points = {lv: _in_points(earned_units[lv], scale) for lv in ACHIEVED_LEVELS}
    max_points = {lv: _in_points(max_units[lv], scale) for lv in ACHIEVED_LEVELS}
    readiness_points, readiness_max = _in_points(readiness_units, scale), _in_points(readiness_max_units, scale)

    achieved: str | None = None
    for lv in ACHIEVED_LEVELS:
        if lv in unmet_levels:
            break
        achieved = lv

    readiness_level: int | None = None
    if report is not None and readiness_max > 0:
        percent = readiness_points * 100 / readiness_max
        readiness_level = next(lvl for lvl, minimum in fw.readiness_levels if percent >= minimum)

    ranked, reason = True, None
    exclusion = decisions.get(UNIT_KEY)
    if exclusion is not None and exclusion.status == INCLUDE:
        exclusion = None  # a later decision lifted the exclusion
    if exclusion is not None:
        if not (exclusion.reason or "").strip():
            raise ValueError(f"unit {unit.code}: a reviewer exclusion needs a reason")
        ranked, reason = False, (f"người rà soát {exclusion.reviewer or '?'} loại khỏi xếp hạng / "
                                 f"excluded by reviewer: {exclusion.reason}")
    elif report is None and unit.crawl_status in NOT_AUDITED:
        ranked = False
        why = unit.crawl_status or "not audited"
        reason = (f"không gửi phiếu khảo sát và không kiểm tra được cổng / no survey returned and the portal "
                  f"could not be audited ({why})")

    return UnitScore(
        unit=unit, framework_id=fw.id, framework_version=fw.version, year=year, achieved_level=achieved,
        readiness_level=readiness_level, readiness_points=readiness_points, readiness_max=readiness_max,
        points=points, max_points=max_points, ranked=ranked, not_ranked_reason=reason, indicators=results,
        crosschecks=[_crosscheck(fw, fw.field_catalogue[f], checks, report, unit.code) for f in fw.crosscheck_fields],
        unit_decision=decisions.get(UNIT_KEY),
    )


class _CheckView:
    """A unit's check results with reviewer decisions on check ids applied."""

    def __init__(self, findings: dict[str, Any], decisions: dict[str, DecisionInput]) -> None:
        self.findings = findings
        self.decisions = decisions
        self._seen: dict[str, tuple[str, Any, DecisionInput | None]] = {}

    def get(self, check: str) -> tuple[str, Any, DecisionInput | None]:
        seen = self._seen.get(check)
        if seen is None:
            seen = self._seen[check] = self._read(check)
        return seen

    def _read(self, check: str) -> tuple[str, Any, DecisionInput | None]:
        finding = self.findings.get(check)
        status = _status(getattr(finding, "status", UNKNOWN)) if finding is not None else UNKNOWN
        value = getattr(finding, "value", None) if finding is not None else None
        decision = self.decisions.get(check)
        if decision is not None:
            return (status if decision.status == CONFIRM else decision.status), value, decision
        return status, value, None

    def first_evidence(self, check: str) -> dict[str, Any] | None:
        """The portal's side of a cross-check: where the finding was seen (URL, excerpt, screenshot)."""
        evidence = getattr(self.findings.get(check), "evidence", None) or ()
        for item in evidence:
            if isinstance(item, dict) and item.get("url"):
                return {"url": item.get("url"), "excerpt": item.get("excerpt"), "screenshot": item.get("screenshot")}
        return None


def _score_indicator(fw: Framework, ind: Indicator, checks: _CheckView, report: dict[str, Any] | None,
                     decision: DecisionInput | None, unit_code: str,
                     observed_scores: dict[tuple[str, str], IndicatorScore]) -> IndicatorScore:
    src = ind.source
    if decision is None and src.field is None and src.min_value is None and len(src.checks) == 1:
        # The common case (one check, no survey field, no reviewer decision on the indicator), kept short.
        # Without a decision the result depends on the status alone: one (never mutated) instance per
        # indicator and status serves every unit of the call.
        status, _, by = checks.get(src.checks[0])
        if by is None and (shared := observed_scores.get((ind.id, status))) is not None:
            return shared
        earned = ind.points if status == PASS else _half(ind.points) if status == PARTIAL else _ZERO
        met = status == PASS or (status == PARTIAL and ind.allow_partial)
        result = IndicatorScore(ind, status, "reviewer" if by is not None else "observed", False, earned, met, by)
        if by is None:
            observed_scores[(ind.id, status)] = result
        return result
    observed: str | None = None
    check_decision: DecisionInput | None = None
    if src.checks:
        statuses = []
        for check in src.checks:
            status, value, by = checks.get(check)
            if by is not None:
                check_decision = check_decision or by
            elif status == PASS and src.min_value is not None and not (_is_number(value) and _frac(value) >= src.min_value):
                status = PARTIAL
            statuses.append(status)
        observed = _combine(statuses, src.mode)
    observed_source = "reviewer" if check_decision is not None else "observed"

    self_status: str | None = None
    if src.field is not None:
        self_status = _self_status(fw.field_catalogue[src.field], src, report, unit_code, fw)

    unverified = False
    if observed is not None and self_status is not None:
        if src.combine == "fallback":
            if observed == UNKNOWN and self_status != UNKNOWN:
                status, source = self_status, "self"
                unverified = True
            else:
                status, source = observed, observed_source
        else:
            status = _combine([observed, self_status], src.combine or "all")
            from_self = status == self_status and status != observed
            source = "self" if from_self else observed_source
            unverified = from_self and fw.field_catalogue[src.field or ""].kind == "BOTH"
    elif observed is not None:
        status, source = observed, observed_source
    else:
        status, source = self_status or UNKNOWN, "self"

    used_decision = check_decision if source == "reviewer" else None
    if decision is not None:
        status = status if decision.status == CONFIRM else decision.status
        source, unverified, used_decision = "reviewer", False, decision

    earned = ind.points if status == PASS else _half(ind.points) if status == PARTIAL else _ZERO
    met = status == PASS or (status == PARTIAL and ind.allow_partial)
    return IndicatorScore(ind, status, source, unverified, earned, met, used_decision)


def _combine(statuses: list[str], mode: str) -> str:
    if len(statuses) == 1:  # most indicators read one check
        return statuses[0]
    applicable = [s for s in statuses if s != NOT_APPLICABLE]
    if not applicable:
        return NOT_APPLICABLE
    order = (PASS, PARTIAL, UNKNOWN, FAIL) if mode == "any" else (FAIL, UNKNOWN, PARTIAL, PASS)
    return next(s for s in order if s in applicable)


def _self_status(sf: SurveyField, src: Any, report: dict[str, Any] | None, unit_code: str, fw: Framework) -> str:
    """``pass`` when the self-reported value meets the indicator's condition, ``fail`` when not,
    ``unknown`` when not reported."""
    if report is None:
        return UNKNOWN
    raw = report.get(sf.id)
    if raw is None:
        return UNKNOWN
    cond = src.condition
    if sf.type not in NUMERIC_TYPES:
        want = True if cond is None or cond.equals is None else cond.equals
        return PASS if _yes_no(raw, sf.id, unit_code) == want else FAIL
    value = _number(raw, sf.id, unit_code)
    if cond is None:
        return PASS if value > 0 else FAIL
    if cond.per:
        denominator_raw = report.get(cond.per)
        if denominator_raw is None:
            return UNKNOWN
        denominator = _number(denominator_raw, cond.per, unit_code)
        if denominator == 0:
            return UNKNOWN  # a share of nothing: the unit cannot meet or miss it
        value = value / denominator
    met = ((cond.min is None or value >= cond.min) and (cond.gt is None or value > cond.gt)
           and (cond.max is None or value <= cond.max))
    return PASS if met else FAIL


def _crosscheck(fw: Framework, sf: SurveyField, checks: _CheckView, report: dict[str, Any] | None,
                unit_code: str) -> CrosscheckResult:
    check = sf.crosscheck or ""
    status, value, decision = checks.get(check)
    raw = report.get(sf.id) if report is not None else None
    claimed: Any = None
    if raw is not None:
        claimed = _num(_number(raw, sf.id, unit_code)) if sf.type in NUMERIC_TYPES else _yes_no(raw, sf.id, unit_code)
    result = CrosscheckResult(sf.id, check, claimed, status, value, "", observed=checks.first_evidence(check),
                              decision=decision)
    if claimed is None:
        result.outcome = "not_reported"
    elif status not in CONCLUSIVE:
        result.outcome = "unverifiable"
    elif not sf.compare_value:
        shown = status in (PASS, PARTIAL)
        result.outcome = "confirmed" if shown == claimed else ("overclaimed" if claimed else "underclaimed")
    elif check in AGE_CHECKS:
        claim = _frac(claimed)
        limit = max(claim, Fraction(1)) * (1 + fw.crosscheck_tolerance)
        result.outcome = "confirmed" if _is_number(value) and _frac(value) <= limit else "overclaimed"
    else:
        if _is_number(value):
            observed = _frac(value)
        elif status == FAIL:
            observed = Fraction(0)  # nothing shown at all
        else:
            result.outcome = "unverifiable"  # shown, but the figure was not measured
            return result
        claim = _frac(claimed)
        if abs(claim - observed) <= fw.crosscheck_tolerance * max(claim, observed):
            result.outcome = "confirmed"
        elif claim > observed:
            result.outcome = "overclaimed"
        else:
            result.outcome = "underclaimed" if claim == 0 else "value_mismatch"
    return result


# ── ranking ────────────────────────────────────────────────────────────────────────────────────────

def _level_index(level: str | None) -> int:
    return 0 if level is None else ACHIEVED_LEVELS.index(level) + 1


def _rank(scores: list[UnitScore]) -> None:
    """Competition ranking (1, 1, 3) within province and tier, ranked units only."""
    groups: dict[tuple[str, str], list[UnitScore]] = {}
    for s in scores:
        if s.ranked:
            groups.setdefault((s.unit.province_code or "", s.unit.level), []).append(s)
    for members in groups.values():
        def key(s: UnitScore) -> tuple[int, Fraction, Fraction]:
            return (-_level_index(s.achieved_level), -s.total, -s.readiness_points)
        members.sort(key=lambda s: (key(s), s.unit.code))
        for position, s in enumerate(members, start=1):
            previous = members[position - 2] if position > 1 else None
            s.rank = previous.rank if previous is not None and key(previous) == key(s) else position


def _report_order(s: UnitScore) -> tuple[str, str, int, int, str]:
    return (s.unit.province_code or "", s.unit.level, 0 if s.ranked else 1, s.rank or 0, s.unit.code)


# ── values ─────────────────────────────────────────────────────────────────────────────────────────

_STATUS_TEXT: dict[Any, str] = {}
"""A finding's status (a ``Status`` member or its text) → its text: read once per kind, not per finding."""


def _status(value: Any) -> str:
    text = _STATUS_TEXT.get(value)
    if text is None:
        text = str(getattr(value, "value", value))
        if text not in STATUSES:
            raise ValueError(f"unknown finding status {text!r}")
        _STATUS_TEXT[value] = text
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Fraction) and not isinstance(value, bool)


def _frac(value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(str(value))  # through str so 0.1 stays 1/10


def _number(raw: Any, field_id: str, unit_code: str) -> Fraction:
    if _is_number(raw):
        return _frac(raw)
    if isinstance(raw, str):
        try:
            return Fraction(raw.strip().replace(",", "."))
        except ValueError:
            pass
    raise ValueError(f"unit {unit_code}: self-report {field_id} must be a number, got {raw!r}")


def _yes_no(raw: Any, field_id: str, unit_code: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if _is_number(raw) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _YES + _NO:
        return raw.strip().lower() in _YES
    raise ValueError(f"unit {unit_code}: self-report {field_id} must be yes/no, got {raw!r}")


_ZERO = Fraction(0)
_JSON_NUMBERS: dict[tuple[int, int], int | float] = {}


@functools.lru_cache(maxsize=65536)
def _in_points(units: int, scale: int) -> Fraction:
    """``units`` of 1/``scale`` point as a fraction: few distinct sums recur over thousands of units, and
    building a Fraction (its gcd) costs more than looking one up."""
    return Fraction(units, scale)


@functools.lru_cache(maxsize=1024)
def _half(points: Fraction) -> Fraction:
    return points / 2


def _scale(fw: Framework) -> int:
    """2 × the least common multiple of the indicators' point denominators (halves stay whole)."""
    return 2 * math.lcm(*(ind.points.denominator for ind in fw.indicators))


def _num(value: Fraction | int | float) -> int | float:
    """A JSON number: an int when whole (30, not 30.0), else a float."""
    value = _frac(value)
    key = (value.numerator, value.denominator)
    number = _JSON_NUMBERS.get(key)
    if number is None:
        number = value.numerator if value.denominator == 1 else float(value)
        if len(_JSON_NUMBERS) < 65536:  # points and their halves repeat: a small table serves every export
            _JSON_NUMBERS[key] = number
    return number
