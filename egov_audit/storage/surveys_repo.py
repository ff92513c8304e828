"""Self-reported survey answers, kept as versions: every import adds one (with its original file in the
blob store); per unit and year the latest version that holds a form for the unit counts, unless a reviewer
picked another. Nothing is ever replaced or deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from egov_audit.storage.columns import dumps, iso
from egov_audit.storage.models import SelfReport, SurveyChoice, SurveyVersion, Unit, utcnow


@dataclass
class SelfReportRow:
    unit_code: str
    year: int
    field: str
    value: Any
    source_file: str | None = None
    cell: str | None = None


@dataclass
class UnitAnswers:
    """The answers that count for one unit and year, and where they came from."""

    values: dict[str, Any]
    version_id: int | None
    file_name: str | None
    file_digest: str | None
    cells: dict[str, str | None] = field(default_factory=dict)
    chosen_by: str | None = None
    """The reviewer who picked this version (None: the latest version counts)."""


def add_version(s: Session, *, file_name: str, file_digest: str, file_size: int, sheet: str | None,
                rows: list[SelfReportRow], partial: bool = False, skipped: list[str] | None = None) -> SurveyVersion:
    """Store one import as a new version holding ``rows`` (earlier versions stay as they are)."""
    now = utcnow()
    version = SurveyVersion(file_name=file_name, file_digest=file_digest, file_size=file_size, sheet=sheet,
                            forms=len({(r.unit_code, r.year) for r in rows}), partial=partial,
                            skipped_json=dumps(skipped or []), imported_at=now)
    s.add(version)
    s.flush()
    s.add_all(SelfReport(unit_code=r.unit_code, year=r.year, field=r.field, value_json=dumps(r.value),
                         source_file=r.source_file or file_name, imported_at=now, version_id=version.id,
                         cell=r.cell) for r in rows)
    s.flush()
    return version


def choose_version(s: Session, *, unit_code: str, year: int, version_id: int, reviewer: str, reason: str,
                   decided_at: datetime | None = None) -> SurveyChoice:
    """Record that ``version_id`` counts for a unit and year (append-only; the latest pick wins)."""
    if not reason or not reason.strip():
        raise ValueError("choosing a survey version needs a reason")
    if not reviewer or not reviewer.strip():
        raise ValueError("choosing a survey version needs the reviewer's name")
    if s.get(Unit, unit_code) is None:
        raise ValueError(f"unknown unit {unit_code}")
    holds = s.exec(select(SelfReport.id).where(SelfReport.version_id == version_id, SelfReport.unit_code == unit_code,
                                               SelfReport.year == year)).first()
    if holds is None:
        raise ValueError(f"survey version {version_id} holds no form of unit {unit_code} for {year}")
    choice = SurveyChoice(unit_code=unit_code, year=year, version_id=version_id, reviewer=reviewer.strip(),
                          reason=reason.strip(), decided_at=decided_at or utcnow())
    s.add(choice)
    s.flush()
    return choice


def list_versions(s: Session) -> list[dict[str, Any]]:
    """Every survey version, oldest first, with the units and years it holds."""
    versions = list(s.exec(select(SurveyVersion).order_by(SurveyVersion.id)))
    held: dict[int, set[tuple[str, int]]] = {}
    for version_id, unit_code, year in s.exec(select(SelfReport.version_id, SelfReport.unit_code, SelfReport.year)
                                              .where(SelfReport.version_id.is_not(None)).distinct()):
        held.setdefault(version_id, set()).add((unit_code, year))
    return [{"id": v.id, "file_name": v.file_name, "file_digest": v.file_digest, "sheet": v.sheet,
             "forms": v.forms, "partial": v.partial, "skipped": json.loads(v.skipped_json),
             "imported_at": iso(v.imported_at), "years": sorted({y for _, y in held.get(v.id or 0, set())})}
            for v in versions]


def load_answers(s: Session, year: int, as_of: datetime | None = None,
                 unit_codes: Iterable[str] | None = None) -> dict[str, UnitAnswers]:
    """The answers that count for each unit in ``year``: the reviewer's pick, else the newest version holding
    the unit's form; with ``as_of`` only versions (and picks) made by then."""
    query = select(SelfReport, SurveyVersion).join(SurveyVersion, isouter=True).where(SelfReport.year == year)
    if unit_codes is not None:
        query = query.where(SelfReport.unit_code.in_(list(unit_codes)))
    if as_of is not None:
        query = query.where(SelfReport.imported_at <= as_of)
    by_unit: dict[str, dict[int | None, UnitAnswers]] = {}
    for row, version in s.exec(query.order_by(SelfReport.unit_code, SelfReport.id)):
        versions = by_unit.setdefault(row.unit_code, {})
        answers = versions.get(row.version_id)
        if answers is None:
            answers = versions[row.version_id] = UnitAnswers(
                {}, row.version_id, version.file_name if version else row.source_file,
                version.file_digest if version else None)
        answers.values[row.field] = json.loads(row.value_json)
        answers.cells[row.field] = row.cell
    picks = _latest_picks(s, year, as_of)
    result: dict[str, UnitAnswers] = {}
    for unit_code, versions in by_unit.items():
        pick = picks.get(unit_code)
        if pick is not None and pick.version_id in versions:
            result[unit_code] = versions[pick.version_id]
            result[unit_code].chosen_by = pick.reviewer
        else:
            # Legacy answers (no version) are the oldest; version ids grow with every import.
            result[unit_code] = versions[max(versions, key=lambda v: -1 if v is None else v)]
    return result


def _latest_picks(s: Session, year: int, as_of: datetime | None) -> dict[str, SurveyChoice]:
    query = select(SurveyChoice).where(SurveyChoice.year == year)
    if as_of is not None:
        query = query.where(SurveyChoice.decided_at <= as_of)
    picks: dict[str, SurveyChoice] = {}
    for choice in s.exec(query.order_by(SurveyChoice.decided_at, SurveyChoice.id)):
        picks[choice.unit_code] = choice
    return picks


def load_selfreports(s: Session, year: int, as_of: datetime | None = None) -> dict[str, dict[str, Any]]:
    """``{unit_code: {field: value}}`` of the answers that count for one evaluation year."""
    return {code: answers.values for code, answers in load_answers(s, year, as_of).items()}


def unit_selfreport(s: Session, unit_code: str, year: int) -> dict[str, Any] | None:
    """One unit's survey answers that count for a year (``{field: value}``), or None when it returned none."""
    answers = load_answers(s, year, unit_codes=[unit_code]).get(unit_code)
    return dict(answers.values) if answers is not None else None
