"""Units of the units file: insert or update by code, list, and the sub-sites nested in a unit's site."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import Session, select

from egov_audit.storage.models import (
    UNIT_LEVELS,
    Unit,
    utcnow,
)


@dataclass
class UnitRow:
    """A validated row of a units file (what ``egov_audit.units`` produces)."""

    code: str
    name: str
    level: str
    province_code: str
    parent_code: str | None = None
    portal_url: str | None = None
    scope: str | None = None


def upsert_units(s: Session, units: list[UnitRow]) -> tuple[int, int]:
    """Insert new units and update existing ones (by code); returns (inserted, updated)."""
    inserted = updated = 0
    now = utcnow()
    existing = {u.code: u for u in s.exec(select(Unit).where(Unit.code.in_([r.code for r in units])))} if units else {}
    # Parents first keeps the order natural for anyone reading the table.
    for row in sorted(units, key=lambda r: (UNIT_LEVELS.index(r.level), r.code)):
        unit = existing.get(row.code)
        if unit is None:
            unit = Unit(code=row.code, name=row.name, level=row.level, province_code=row.province_code)
            inserted += 1
        else:
            updated += 1
        unit.name = row.name
        unit.level = row.level
        unit.province_code = row.province_code
        unit.parent_code = row.parent_code
        unit.portal_url = row.portal_url
        unit.scope = row.scope
        unit.updated_at = now
        s.add(unit)
    s.flush()
    return inserted, updated


def list_units(s: Session, codes: Iterable[str] | None = None, province: str | None = None) -> list[Unit]:
    """Units ordered by code, optionally restricted to ``codes`` and/or one province."""
    query = select(Unit)
    if codes is not None:
        query = query.where(Unit.code.in_(list(codes)))
    if province is not None:
        query = query.where(Unit.province_code == province)
    return list(s.exec(query.order_by(Unit.code)))


def get_unit(s: Session, code: str) -> Unit | None:
    return s.get(Unit, code)


def _origin_prefix(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else None


def nested_scopes(s: Session, unit: Unit) -> list[str]:
    """Other units' sub-sites inside this unit's site: a district's crawl leaves its communes' scopes to
    them (CRITERIA.md §5)."""
    own_prefix = unit.scope or _origin_prefix(unit.portal_url)
    if not own_prefix:
        return []
    others = s.exec(select(Unit.scope).where(Unit.code != unit.code, Unit.scope.is_not(None)))
    return sorted(o for o in others if o and o.startswith(own_prefix) and o != own_prefix)
