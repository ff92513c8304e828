"""Score sets by framework and year, and their export documents.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import (
    Framework,
    Score,
    utcnow,
)

_SCORE_KEYS = ("unit_code", "achieved_level", "readiness_level", "total", "rank", "ranked")


def save_scores(s: Session, framework_id: str, year: int, unit_scores: list[dict[str, Any]]) -> None:
    """Replace the scores of a framework and year. Each dict has ``unit_code``, ``achieved_level``,
    ``readiness_level``, ``total``, ``rank``, ``ranked`` and either ``details`` or further keys, which
    are kept together as the details."""
    s.exec(delete(Score).where(Score.framework_id == framework_id, Score.year == year))
    s.flush()
    now = utcnow()
    for entry in unit_scores:
        details = entry["details"] if "details" in entry else {
            k: v for k, v in entry.items() if k not in _SCORE_KEYS
        }
        s.add(
            Score(
                unit_code=entry["unit_code"],
                framework_id=framework_id,
                year=year,
                achieved_level=entry.get("achieved_level"),
                readiness_level=entry.get("readiness_level"),
                total=float(entry.get("total") or 0.0),
                rank=entry.get("rank"),
                ranked=bool(entry.get("ranked", True)),
                details_json=dumps(details),
                computed_at=now,
            )
        )
    s.flush()


def load_scores(s: Session, framework_id: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Stored scores, by framework, year, rank (unranked last) and unit code."""
    query = select(Score)
    if framework_id is not None:
        query = query.where(Score.framework_id == framework_id)
    if year is not None:
        query = query.where(Score.year == year)
    # Portable "NULLS LAST": order by (rank IS NULL) first.
    query = query.order_by(Score.framework_id, Score.year, func.coalesce(Score.rank, 2**31 - 1), Score.unit_code)
    return [
        {
            "unit_code": row.unit_code,
            "framework_id": row.framework_id,
            "year": row.year,
            "achieved_level": row.achieved_level,
            "readiness_level": row.readiness_level,
            "total": row.total,
            "rank": row.rank,
            "ranked": row.ranked,
            "details": json.loads(row.details_json),
            "computed_at": row.computed_at,
        }
        for row in s.exec(query)
    ]


def load_score_exports(s: Session, year: int | None = None) -> list[dict[str, Any]]:
    """Stored scores as ``scoring.scores_export`` documents, one per framework, for ``year`` (default: the
    latest year scored). Each unit dict is the saved one: its details plus the stored columns."""
    if year is None:
        year = s.exec(select(func.max(Score.year))).one()
        if year is None:
            return []
    rows = list(s.exec(select(Score).where(Score.year == year).order_by(Score.framework_id, Score.id)))
    exports: dict[str, dict[str, Any]] = {}
    for row in rows:
        export = exports.get(row.framework_id)
        if export is None:
            framework = s.get(Framework, row.framework_id)
            export = exports[row.framework_id] = {
                "framework": {"id": row.framework_id, "name": framework.name if framework else None,
                              "version": framework.version if framework else None,
                              "digest": framework.digest if framework else None},
                "year": year,
                "units": [],
            }
        unit = dict(json.loads(row.details_json))
        unit.update({"unit_code": row.unit_code, "achieved_level": row.achieved_level,
                     "readiness_level": row.readiness_level, "total": row.total, "rank": row.rank,
                     "ranked": row.ranked})
        export["units"].append(unit)
    return list(exports.values())


def unit_scores(s: Session, unit_code: str) -> list[dict[str, Any]]:
    """One unit's stored scores (every framework and year), newest year first: what the review app's unit
    page shows without loading the whole province's score sets."""
    query = select(Score).where(Score.unit_code == unit_code).order_by(Score.year.desc(), Score.computed_at.desc())
    result = []
    for row in s.exec(query):
        framework = s.get(Framework, row.framework_id)
        result.append({
            "unit_code": row.unit_code, "framework_id": row.framework_id, "year": row.year,
            "framework_name": framework.name if framework else None,
            "achieved_level": row.achieved_level, "readiness_level": row.readiness_level, "total": row.total,
            "rank": row.rank, "ranked": row.ranked, "details": json.loads(row.details_json),
            "computed_at": row.computed_at,
        })
    return result


def score_summaries(s: Session, year: int | None = None) -> list[dict[str, Any]]:
    """The stored score columns of every unit (no details) for ``year`` (default: each unit's latest), for
    overviews of a whole province."""
    query = select(Score.unit_code, Score.framework_id, Score.year, Score.achieved_level, Score.readiness_level,
                   Score.total, Score.rank, Score.ranked, Score.computed_at)
    if year is not None:
        query = query.where(Score.year == year)
    latest: dict[str, dict[str, Any]] = {}
    for row in s.exec(query.order_by(Score.year, Score.computed_at)):
        latest[row[0]] = dict(zip(("unit_code", "framework_id", "year", "achieved_level", "readiness_level", "total",
                                   "rank", "ranked", "computed_at"), row, strict=True))
    return list(latest.values())


def scored_years(s: Session) -> list[int]:
    """Evaluation years with stored scores, newest first."""
    return sorted(s.exec(select(Score.year).distinct()), reverse=True)
