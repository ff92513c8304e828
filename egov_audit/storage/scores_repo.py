"""Score sets: immutable publications of a framework version's scores for a year, and their export documents.

Scoring adds a set (never replaces or deletes one). A set names the framework (name@version and digest),
the year, the audit runs and the survey versions it used; ``publish`` marks a set as the published result
of its framework and year (the latest publication wins, earlier ones stay in the history).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from egov_audit.storage.columns import dumps, iso
from egov_audit.storage.models import Framework, Score, ScoreSet, utcnow

_SCORE_KEYS = ("unit_code", "achieved_level", "readiness_level", "total", "rank", "ranked")


@dataclass
class SetInfo:
    """What a score set is keyed by and what it used (``save_set``)."""

    framework_name: str
    """The framework's id in config/ (``qd2392-commune``)."""
    framework_version: str
    framework_digest: str
    year: int
    framework_title: str = ""
    evidence: str = "latest"
    as_of: datetime | None = None
    runs: list[str] = field(default_factory=list)
    survey_versions: list[int] = field(default_factory=list)

    @property
    def framework_id(self) -> str:
        return f"{self.framework_name}@{self.framework_version}"


def save_set(s: Session, info: SetInfo, unit_scores: list[dict[str, Any]], publish: bool = False) -> ScoreSet:
    """Add a score set holding ``unit_scores`` (dicts with ``unit_code``, ``achieved_level``,
    ``readiness_level``, ``total``, ``rank``, ``ranked`` and either ``details`` or further keys, kept
    together as the details). Earlier sets are never touched."""
    now = utcnow()
    content = hashlib.sha256(dumps(unit_scores).encode("utf-8")).hexdigest()
    score_set = ScoreSet(
        id=uuid.uuid4().hex, framework_id=info.framework_id, framework_name=info.framework_name,
        framework_title=info.framework_title, framework_version=info.framework_version,
        framework_digest=info.framework_digest, year=info.year, evidence=info.evidence, as_of=info.as_of,
        runs_json=dumps(sorted(set(info.runs))), survey_versions_json=dumps(sorted(set(info.survey_versions))),
        content_digest=f"sha256:{content}", created_at=now, published_at=now if publish else None)
    s.add(score_set)
    s.flush()
    s.add_all(
        Score(unit_code=entry["unit_code"], framework_id=info.framework_id, year=info.year,
              achieved_level=entry.get("achieved_level"), readiness_level=entry.get("readiness_level"),
              total=float(entry.get("total") or 0.0), rank=entry.get("rank"), ranked=bool(entry.get("ranked", True)),
              details_json=dumps(entry["details"] if "details" in entry else
                                 {k: v for k, v in entry.items() if k not in _SCORE_KEYS}),
              computed_at=now, score_set_id=score_set.id)
        for entry in unit_scores)
    s.flush()
    return score_set


def save_scores(s: Session, framework_id: str, year: int, unit_scores: list[dict[str, Any]]) -> ScoreSet:
    """Add a score set for ``framework_id`` (``name@version``, or a framework name) without naming its runs."""
    name, _, version = framework_id.partition("@")
    registered = s.get(Framework, framework_id) if version else None
    return save_set(s, SetInfo(name, version, registered.digest if registered else "", year,
                               framework_title=name), unit_scores)


def publish(s: Session, set_id: str) -> ScoreSet:
    """Mark a set as the published result of its framework and year (a later publication supersedes it;
    nothing is deleted). Raises ``KeyError`` for an unknown id."""
    score_set = s.get(ScoreSet, set_id)
    if score_set is None:
        raise KeyError(set_id)
    score_set.published_at = utcnow()
    s.add(score_set)
    s.flush()
    return score_set


def get_set(s: Session, set_id: str) -> ScoreSet | None:
    return s.get(ScoreSet, set_id)


def find_set(s: Session, prefix: str) -> ScoreSet | None:
    """A set by its id or an unambiguous prefix of it (as ``scores list`` shows them)."""
    exact = s.get(ScoreSet, prefix)
    if exact is not None:
        return exact
    matches = list(s.exec(select(ScoreSet).where(ScoreSet.id.startswith(prefix)).limit(2))) if prefix else []
    return matches[0] if len(matches) == 1 else None


def published_set(s: Session, framework_name: str, year: int) -> ScoreSet | None:
    """The published set of a framework and year: the latest publication."""
    query = select(ScoreSet).where(ScoreSet.framework_name == framework_name, ScoreSet.year == year,
                                   ScoreSet.published_at.is_not(None))
    return s.exec(query.order_by(ScoreSet.published_at.desc(), ScoreSet.created_at.desc())).first()


def latest_set(s: Session, framework_name: str, year: int) -> ScoreSet | None:
    query = select(ScoreSet).where(ScoreSet.framework_name == framework_name, ScoreSet.year == year)
    return s.exec(query.order_by(ScoreSet.created_at.desc(), ScoreSet.id)).first()


def set_json(score_set: ScoreSet, published: ScoreSet | None = None) -> dict[str, Any]:
    """A set's keys and provenance, as exports and ``scores list`` show it."""
    return {
        "id": score_set.id,
        "framework": score_set.framework_id,
        "framework_name": score_set.framework_name,
        "framework_version": score_set.framework_version,
        "framework_digest": score_set.framework_digest,
        "year": score_set.year,
        "evidence": score_set.evidence,
        "as_of": iso(score_set.as_of),
        "runs": json.loads(score_set.runs_json),
        "survey_versions": json.loads(score_set.survey_versions_json),
        "content_digest": score_set.content_digest,
        "created_at": iso(score_set.created_at),
        "published_at": iso(score_set.published_at),
        "published": published is not None and published.id == score_set.id,
    }


def list_sets(s: Session, framework_name: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Every score set (newest year first, then framework, oldest set first), each saying whether it is the
    published one of its framework and year."""
    query = select(ScoreSet)
    if framework_name is not None:
        query = query.where(ScoreSet.framework_name == framework_name)
    if year is not None:
        query = query.where(ScoreSet.year == year)
    rows = list(s.exec(query.order_by(ScoreSet.year.desc(), ScoreSet.framework_name, ScoreSet.created_at)))
    published = {(r.framework_name, r.year): published_set(s, r.framework_name, r.year) for r in rows}
    return [set_json(r, published[(r.framework_name, r.year)]) for r in rows]


def _export(s: Session, score_set: ScoreSet) -> dict[str, Any]:
    published = published_set(s, score_set.framework_name, score_set.year)
    export: dict[str, Any] = {
        "framework": {"id": score_set.framework_name, "name": score_set.framework_title or score_set.framework_name,
                      "version": score_set.framework_version, "digest": score_set.framework_digest},
        "year": score_set.year,
        "score_set": set_json(score_set, published),
        "units": [],
    }
    rows = s.exec(select(Score).where(Score.score_set_id == score_set.id).order_by(Score.id))
    for row in rows:
        unit = dict(json.loads(row.details_json))
        unit.update({"unit_code": row.unit_code, "achieved_level": row.achieved_level,
                     "readiness_level": row.readiness_level, "total": row.total, "rank": row.rank,
                     "ranked": row.ranked})
        export["units"].append(unit)
    return export


def load_set_export(s: Session, set_id: str) -> dict[str, Any] | None:
    """One set as a ``scoring.scores_export`` document, with its ``score_set`` provenance added."""
    score_set = s.get(ScoreSet, set_id)
    return _export(s, score_set) if score_set is not None else None


def load_score_exports(s: Session, year: int | None = None, prefer: str = "latest") -> list[dict[str, Any]]:
    """One export per framework scored for ``year`` (default: the latest year scored): its latest set, or with
    ``prefer="published"`` its published set where there is one (officials' reports)."""
    if year is None:
        year = s.exec(select(func.max(ScoreSet.year))).one()
        if year is None:
            return []
    names = sorted(set(s.exec(select(ScoreSet.framework_name).where(ScoreSet.year == year))))
    exports = []
    for name in names:
        chosen = (published_set(s, name, year) if prefer == "published" else None) or latest_set(s, name, year)
        if chosen is not None:
            exports.append(_export(s, chosen))
    return exports


def published_exports(s: Session, year: int) -> list[dict[str, Any]]:
    """The published set of every framework of ``year`` (year-over-year comparisons use only these)."""
    names = sorted(set(s.exec(select(ScoreSet.framework_name).where(ScoreSet.year == year))))
    return [_export(s, chosen) for name in names if (chosen := published_set(s, name, year)) is not None]


def load_scores(s: Session, framework_id: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """The latest set's scores of each framework (``name@version`` or name) and year, by framework, year,
    rank (unranked last) and unit code."""
    query = select(ScoreSet)
    if framework_id is not None:
        query = query.where((ScoreSet.framework_id == framework_id) | (ScoreSet.framework_name == framework_id))
    if year is not None:
        query = query.where(ScoreSet.year == year)
    latest: dict[tuple[str, int], ScoreSet] = {}
    for score_set in s.exec(query.order_by(ScoreSet.created_at, ScoreSet.id)):
        latest[(score_set.framework_id, score_set.year)] = score_set
    rows = []
    for key in sorted(latest):
        query_scores = select(Score).where(Score.score_set_id == latest[key].id)
        # Portable "NULLS LAST": order by coalesced rank first.
        for row in s.exec(query_scores.order_by(func.coalesce(Score.rank, 2**31 - 1), Score.unit_code)):
            rows.append({"unit_code": row.unit_code, "framework_id": row.framework_id, "year": row.year,
                         "achieved_level": row.achieved_level, "readiness_level": row.readiness_level,
                         "total": row.total, "rank": row.rank, "ranked": row.ranked,
                         "details": json.loads(row.details_json), "computed_at": row.computed_at,
                         "score_set": row.score_set_id})
    return rows


def scored_pairs(s: Session) -> list[tuple[str, int]]:
    """(framework name, year) pairs that have a score set, newest year first."""
    pairs = s.exec(select(ScoreSet.framework_name, ScoreSet.year).distinct()
                   .order_by(ScoreSet.year.desc(), ScoreSet.framework_name))
    return [(name, year) for name, year in pairs]


def latest_sets(s: Session, year: int | None = None) -> dict[tuple[str, int], ScoreSet]:
    """The latest set of every framework and year (of ``year`` only when given)."""
    query = select(ScoreSet)
    if year is not None:
        query = query.where(ScoreSet.year == year)
    latest: dict[tuple[str, int], ScoreSet] = {}
    for score_set in s.exec(query.order_by(ScoreSet.created_at, ScoreSet.id)):
        latest[(score_set.framework_name, score_set.year)] = score_set
    return latest


def unit_scores(s: Session, unit_code: str) -> list[dict[str, Any]]:
    """One unit's scores in the latest set of every framework and year, newest year first: what the review
    app's unit page shows without loading the whole province's score sets."""
    sets = {score_set.id: score_set for score_set in latest_sets(s).values()}
    if not sets:
        return []
    query = select(Score).where(Score.unit_code == unit_code, Score.score_set_id.in_(list(sets)))
    result = []
    for row in s.exec(query.order_by(Score.year.desc(), Score.computed_at.desc())):
        score_set = sets[row.score_set_id]
        result.append({
            "unit_code": row.unit_code, "framework_id": row.framework_id, "year": row.year,
            "framework_name": score_set.framework_name, "score_set": score_set.id,
            "published": score_set.published_at is not None,
            "achieved_level": row.achieved_level, "readiness_level": row.readiness_level, "total": row.total,
            "rank": row.rank, "ranked": row.ranked, "details": json.loads(row.details_json),
            "computed_at": row.computed_at,
        })
    return result


def score_summaries(s: Session, year: int | None = None) -> list[dict[str, Any]]:
    """The score columns (no details) of every unit in the latest sets of ``year`` (default: each unit's
    latest year), for overviews of a whole province."""
    sets = latest_sets(s, year)
    if not sets:
        return []
    query = select(Score.unit_code, Score.framework_id, Score.year, Score.achieved_level, Score.readiness_level,
                   Score.total, Score.rank, Score.ranked, Score.computed_at).where(
        Score.score_set_id.in_([score_set.id for score_set in sets.values()]))
    latest: dict[str, dict[str, Any]] = {}
    for row in s.exec(query.order_by(Score.year, Score.computed_at)):
        latest[row[0]] = dict(zip(("unit_code", "framework_id", "year", "achieved_level", "readiness_level", "total",
                                   "rank", "ranked", "computed_at"), row, strict=True))
    return list(latest.values())


def scored_years(s: Session) -> list[int]:
    """Evaluation years with a score set, newest first."""
    return sorted(s.exec(select(ScoreSet.year).distinct()), reverse=True)
