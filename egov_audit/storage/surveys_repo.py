"""Self-reported survey values by unit, year and field.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import (
    SelfReport,
    utcnow,
)


@dataclass
class SelfReportRow:
    unit_code: str
    year: int
    field: str
    value: Any
    source_file: str | None = None


def save_selfreports(
    s: Session, rows: list[SelfReportRow], replace: Iterable[tuple[str, int]] | None = None
) -> int:
    """Store survey values; every (unit, year) in ``replace`` (default: those in ``rows``) loses its
    earlier values first, so a re-imported form replaces the previous one instead of merging."""
    targets = set(replace) if replace is not None else {(r.unit_code, r.year) for r in rows}
    for unit_code, year in sorted(targets):
        s.exec(delete(SelfReport).where(SelfReport.unit_code == unit_code, SelfReport.year == year))
    s.flush()
    now = utcnow()
    for row in rows:
        s.add(
            SelfReport(
                unit_code=row.unit_code,
                year=row.year,
                field=row.field,
                value_json=dumps(row.value),
                source_file=row.source_file,
                imported_at=now,
            )
        )
    s.flush()
    return len(rows)


def load_selfreports(s: Session, year: int) -> dict[str, dict[str, Any]]:
    """``{unit_code: {field: value}}`` for one evaluation year."""
    result: dict[str, dict[str, Any]] = {}
    query = select(SelfReport).where(SelfReport.year == year).order_by(SelfReport.unit_code, SelfReport.field)
    for row in s.exec(query):
        result.setdefault(row.unit_code, {})[row.field] = json.loads(row.value_json)
    return result


def unit_selfreport(s: Session, unit_code: str, year: int) -> dict[str, Any] | None:
    """One unit's survey answers for a year (``{field: value}``), or None when it returned no survey."""
    query = select(SelfReport).where(SelfReport.unit_code == unit_code, SelfReport.year == year)
    rows = list(s.exec(query.order_by(SelfReport.field)))
    return {row.field: json.loads(row.value_json) for row in rows} if rows else None
