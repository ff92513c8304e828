"""Importing the units file (PRODUCT.md "Units file"): validate every row, then write all or nothing.

A units file is CSV (UTF-8, with or without BOM) or the first sheet of an XLSX workbook with the columns
``code,name,level,province_code,parent_code,portal_url,scope``. Every row is checked and every problem
is collected before anything is written, so an official gets one complete list of what to fix
(``InputError`` names the row and column of each). The post-2025 reference lists in
``config/admin-units/`` fill in missing names, province codes and two-tier parents, and produce
warnings (not errors) for codes they do not know.

Reading the file (CSV or XLSX, sizes capped, no trusted dimension) is ``imports.tables``, shared with
the survey import.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from config import CONFIG_DIR
from egov_audit.core.errors import InputError
from egov_audit.core.text import fold
from egov_audit.imports.tables import ImportResult, is_filled, load_table, split_header
from egov_audit.imports.tables import cell_text as _text
from egov_audit.storage.models import UNIT_LEVELS
from egov_audit.storage.units_repo import UnitRow, list_units, upsert_units

COLUMNS = ("code", "name", "level", "province_code", "parent_code", "portal_url", "scope")
REQUIRED_COLUMNS = ("code", "name", "level", "portal_url")
"""``province_code``, ``parent_code`` and ``scope`` may be left out (filled or not needed)."""
CODE_DIGITS = {"province": 2, "district": 3, "commune": 5}
ALLOWED_PARENTS = {"province": (), "district": ("province",), "commune": ("district", "province")}
REFERENCE_DIR = CONFIG_DIR / "admin-units"


def _code(value: Any, digits: int | None) -> str:
    """A code cell as text; an XLSX number gets its leading zeros back (``1`` → ``01``)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and digits and float(value).is_integer() and value >= 0:
        return str(int(value)).zfill(digits)
    return _text(value)


# ---------------------------------------------------------------- reference lists


@dataclass(frozen=True)
class ReferenceUnit:
    code: str
    name: str
    level: str
    province_code: str
    short_name: str = ""


@functools.cache
def reference_units(directory: Path = REFERENCE_DIR) -> dict[str, ReferenceUnit]:
    """Provinces and communes of the post-2025 reference lists, by code."""
    units: dict[str, ReferenceUnit] = {}
    with (directory / "provinces_2026.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            units[row["code"]] = ReferenceUnit(row["code"], row["full_name"], "province", row["code"], row["name"])
    with (directory / "communes_2026.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            units[row["code"]] = ReferenceUnit(row["code"], row["full_name"], "commune", row["province_code"],
                                               row["name"])
    return units


# ---------------------------------------------------------------- validation


def _valid_url(url: str) -> bool:
    if any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _host(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.hostname or "").lower(), (parts.port or default)


@dataclass
class _Row:
    """One row of the file as read, before parents are resolved."""

    number: int
    code: str
    name: str
    level: str
    province_code: str
    parent_code: str
    parent_raw: Any
    portal_url: str
    scope: str



class _Problems:
    """Problems of a file as (row, location, text), sorted by row when raised."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[tuple[int, str, str]] = []

    def add(self, row: int, column: str | None, text: str) -> None:
        self.items.append((row, f"row {row}, column {column}" if column else f"row {row}", text))

    def raise_if_any(self) -> None:
        if self.items:
            self.items.sort(key=lambda p: p[0])
            raise InputError(str(self.path), [(loc, text) for _, loc, text in self.items])


def _check_header(header: list[str], problems: _Problems) -> dict[str, int]:
    seen_columns: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name not in COLUMNS:
            problems.add(1, name or f"#{position}", f"unknown column {name!r} (expected: {', '.join(COLUMNS)})")
        elif name in seen_columns:
            problems.add(1, name, f"column {name!r} appears twice")
        seen_columns.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in header:
            problems.add(1, name, f"missing column {name!r}")
    # Without the right columns the rows cannot be read meaningfully.
    problems.raise_if_any()
    return {name: header.index(name) for name in COLUMNS if name in header}


def _read_row(number: int, values: list[Any], index: dict[str, int], width: int, problems: _Problems,
              first_row_of: dict[str, int]) -> _Row:
    def cell(name: str) -> Any:
        position = index.get(name)
        return values[position] if position is not None and position < len(values) else None

    for extra in values[width:]:
        if is_filled(extra):
            problems.add(number, None, f"value {_text(extra)!r} outside the header's columns")
            break
    level = _text(cell("level")).lower()
    digits = CODE_DIGITS.get(level)
    code = _code(cell("code"), digits)
    if level not in UNIT_LEVELS:
        problems.add(number, "level", f"level {level!r} is not one of province, district, commune")
    if not code:
        problems.add(number, "code", "code is empty")
    elif digits and not re.fullmatch(rf"\d{{{digits}}}", code):
        hint = " (leading zero lost?)" if code.isdigit() and len(code) < digits else ""
        problems.add(number, "code", f"code {code!r} must be {digits} digits for a {level}{hint}")
    if code:
        if code in first_row_of:
            problems.add(number, "code", f"duplicate code {code}: also on row {first_row_of[code]}")
            problems.add(first_row_of[code], "code", f"duplicate code {code}: also on row {number}")
        else:
            first_row_of[code] = number
    province_code = _code(cell("province_code"), 2)
    if province_code and not re.fullmatch(r"\d{2}", province_code):
        problems.add(number, "province_code", f"province_code {province_code!r} must be 2 digits")
    portal_url = _text(cell("portal_url"))
    if portal_url and not _valid_url(portal_url):
        problems.add(number, "portal_url", f"portal_url {portal_url!r} is not an absolute http(s) URL")
    scope = _text(cell("scope"))
    if scope:
        if not portal_url:
            problems.add(number, "scope", "scope is given but portal_url is empty")
        elif not _valid_url(scope):
            problems.add(number, "scope", f"scope {scope!r} is not an absolute http(s) URL prefix")
        elif _valid_url(portal_url) and _host(scope) != _host(portal_url):
            problems.add(number, "scope", f"scope {scope!r} is not on the portal's host {urlsplit(portal_url).netloc}")
    return _Row(number, code, _text(cell("name")), level, province_code, _text(cell("parent_code")),
                cell("parent_code"), portal_url, scope)


# ---------------------------------------------------------------- eras

ERAS = ("auto", "pre-2025", "post-2025")
"""``pre-2025``: three tiers (63 provinces, districts, communes); ``post-2025``: two tiers (34 provinces,
3,321 communes). Commune codes of the two overlap and mean different places (09169 was Phường Thị Cầu,
it is now Phường Vũ Ninh), so names are only ever filled from the list of the file's own era."""


def _name_matches(name: str, known: ReferenceUnit) -> bool:
    return fold(name) in {fold(known.name), fold(known.short_name)}


def infer_era(rows: list[_Row], reference: dict[str, ReferenceUnit]) -> tuple[str, str]:
    """The era of a units file from its codes, and why: districts (or district parents) mean three tiers; a
    province code that no longer exists, or names that mostly disagree with the 2026 list, mean pre-2025."""
    district = next((r for r in rows if r.level == "district" or len(r.parent_code) == 3), None)
    if district is not None:
        return "pre-2025", f"row {district.number} names a district: three tiers"
    for r in rows:
        for code in (r.code if r.level == "province" else "", r.province_code,
                     r.parent_code if len(r.parent_code) == 2 else ""):
            known = reference.get(code) if code else None
            if code and (known is None or known.level != "province"):
                return "pre-2025", f"province code {code} (row {r.number}) is not one of the 34 provinces of 2025"
    named = [(r, reference[r.code]) for r in rows if r.name and r.level == "commune" and r.code in reference]
    differing = [r for r, known in named if not _name_matches(r.name, known)]
    if named and len(differing) * 2 > len(named):
        return "pre-2025", (f"{len(differing)} of {len(named)} commune names differ from the 2026 list for the "
                            "same code")
    return "post-2025", "two tiers, codes of the 2026 list"


def _examples(items: list[str], limit: int = 3) -> str:
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit})" if len(items) > limit else "")


def _era_notices(path: Path, era: str, why: str, rows: list[_Row], reference: dict[str, ReferenceUnit]) -> list[str]:
    """At most one summarised warning per kind (not one per row)."""
    if era == "pre-2025":
        return [f"{path}: pre-2025 file ({why}): codes are not checked and no name is filled, because the project "
                "ships only the post-2025 list (use --era to say otherwise)"]
    warnings = []
    unknown = [f"{r.code} (row {r.number})" for r in rows if r.level == "commune" and
               (r.code not in reference or reference[r.code].level != "commune")]
    if unknown:
        warnings.append(f"{path}: {len(unknown)} commune code(s) not in the 2026 reference list: {_examples(unknown)}")
    differing = [f"{r.code} {r.name!r} ≠ {reference[r.code].name!r}" for r in rows
                 if r.name and r.level == "commune" and r.code in reference and not _name_matches(r.name, reference[r.code])]
    if differing:
        warnings.append(f"{path}: {len(differing)} name(s) differ from the 2026 list for the same code: "
                        f"{_examples(differing)}")
    return warnings


def _fill_names(rows: list[_Row], era: str, reference: dict[str, ReferenceUnit], problems: _Problems) -> None:
    for r in rows:
        if r.name or r.level not in UNIT_LEVELS or not r.code:
            continue
        known = reference.get(r.code)
        if era == "post-2025" and known is not None and known.level == r.level:
            r.name = known.name
        elif era == "post-2025":
            problems.add(r.number, "name", f"name is empty and the reference list does not know {r.level} {r.code}")
        else:
            problems.add(r.number, "name", f"name is empty: names are filled only for post-2025 files, and this "
                                           f"file is {era} ({r.level} {r.code})")


# ---------------------------------------------------------------- parents


class _Parents:
    """Finds each row's parent in the file, in the database, or (a province given by code) adds it."""

    def __init__(self, path: Path, rows: list[_Row], existing: Mapping[str, Any], era: str,
                 reference: dict[str, ReferenceUnit]) -> None:
        self.path, self.existing, self.era, self.reference = path, existing, era, reference
        self.in_file = {r.code: r for r in rows if r.code and r.level in UNIT_LEVELS}
        self.added: dict[str, UnitRow] = {}
        self.notices: list[str] = []

    def lookup(self, code: str, depth: int = 0) -> tuple[str, str] | None:
        """(level, province_code) of a unit in the file or the database; a file row without a
        province_code takes its parent's (a district usually names only its province as parent)."""
        if code in self.in_file:
            r = self.in_file[code]
            if r.level == "province":
                return r.level, r.code
            province = r.province_code
            if not province and r.parent_code and r.parent_code != code and depth < 3:
                parent = self.lookup(r.parent_code, depth + 1)
                province = parent[1] if parent else ""
            return r.level, province
        if code in self.existing:
            unit = self.existing[code]
            return unit.level, unit.province_code
        if code in self.added:
            return "province", code
        return None

    def add_province(self, code: str, row: int) -> tuple[str, str] | None:
        """A province named only by code (the most common units file has no row for it): taken from the
        reference list of the file's era, or created under its code with a notice."""
        if not re.fullmatch(r"\d{2}", code):
            return None
        known = self.reference.get(code)
        if self.era == "post-2025" and known is not None and known.level == "province":
            name, said = known.name, f"added {known.name!r} from the 2026 list"
        else:
            name = f"Tỉnh/thành phố mã {code}"
            said = f"added as {name!r}; add a row for it to give its name"
        self.added[code] = UnitRow(code, name, "province", code, None, None, None)
        self.notices.append(f"{self.path}: province {code} (parent on row {row}) is not in the file: {said}")
        return "province", code


def _resolve(r: _Row, parents: _Parents, known: ReferenceUnit | None, era: str,
             problems: _Problems) -> UnitRow | None:
    parent = r.parent_code
    if isinstance(r.parent_raw, int | float) and not isinstance(r.parent_raw, bool):
        # An XLSX number: a district (3 digits) or a province (2 digits) parent; take the one that exists.
        candidates = [_code(r.parent_raw, d) for d in (3, 2)]
        parent = next((c for c in candidates if parents.lookup(c)), candidates[1 if era == "post-2025" else 0])
    province_code = r.province_code
    if r.level == "province":
        if parent:
            problems.add(r.number, "parent_code", "a province has no parent_code")
        if province_code and province_code != r.code:
            problems.add(r.number, "province_code", f"province_code {province_code} differs from the code {r.code}")
        return UnitRow(r.code, r.name, r.level, r.code, None, r.portal_url or None, r.scope or None)
    filled_from = "parent_code"
    if not parent:
        if r.level == "district" or province_code:
            parent, filled_from = province_code, "province_code"
        elif era == "post-2025" and known is not None and known.level == "commune":
            parent, filled_from = known.province_code, "reference list"
        if not parent:
            problems.add(r.number, "parent_code", "parent_code is empty" + (
                " and so is province_code" if r.level == "district" else f" and the reference list does not know commune {r.code}"))
            return None
    found = parents.lookup(parent) or parents.add_province(parent, r.number)
    if found is None:
        source = "" if filled_from == "parent_code" else f" (taken from the {filled_from})"
        problems.add(r.number, "parent_code", f"parent {parent}{source} is neither in the file nor in the database")
        return None
    parent_level, parent_province = found
    if parent_level not in ALLOWED_PARENTS[r.level]:
        problems.add(r.number, "parent_code", f"parent {parent} is a {parent_level}; a {r.level}'s parent must be a "
                     + " or a ".join(ALLOWED_PARENTS[r.level]))
        return None
    if province_code and parent_province and province_code != parent_province:
        problems.add(r.number, "province_code",
                     f"province_code {province_code} differs from the province {parent_province} of parent {parent}")
        return None
    province_code = province_code or parent_province or (known.province_code if known else "")
    return UnitRow(r.code, r.name, r.level, province_code, parent, r.portal_url or None, r.scope or None)


def parse_units_file(
    path: Path | str, existing: Mapping[str, Any] | None = None, era: str = "auto"
) -> tuple[list[UnitRow], list[str]]:
    """Validate a units file and return its rows (with reference data filled in) and warnings.

    ``existing`` maps codes already in the database to objects with ``level`` and ``province_code``
    (``storage.models.Unit``): a parent may be there instead of in the file. ``era`` is ``pre-2025``,
    ``post-2025`` or ``auto`` (inferred from the codes). Raises ``InputError`` listing every problem when
    any row is invalid.
    """
    path = Path(path)
    if era not in ERAS:
        raise InputError("--era", f"unknown era {era!r} (one of: {', '.join(ERAS)})")
    problems = _Problems(path)
    header, data = split_header(load_table(path))
    index = _check_header(header, problems)
    first_row_of: dict[str, int] = {}
    rows = [_read_row(number, values, index, len(header), problems, first_row_of) for number, values in data]
    reference = reference_units()
    why = "chosen with --era"
    if era == "auto":
        era, why = infer_era(rows, reference)
    warnings = _era_notices(path, era, why, rows, reference)
    _fill_names(rows, era, reference, problems)
    # Parents may come later in the file or already be in the database: resolve after reading all rows.
    parents = _Parents(path, rows, existing or {}, era, reference)
    result = []
    for r in rows:
        if r.level in UNIT_LEVELS and r.code:
            known = reference.get(r.code) if era == "post-2025" else None
            unit = _resolve(r, parents, known, era, problems)
            if unit is not None:
                result.append(unit)
    problems.raise_if_any()
    return [*parents.added.values(), *result], [*parents.notices, *warnings]


_COMPARED = ("name", "level", "province_code", "parent_code", "portal_url", "scope")


def _changes(rows: list[UnitRow], existing: Mapping[str, Any]) -> list[str]:
    """What importing ``rows`` would change, one line per new or changed unit."""
    lines = []
    for row in rows:
        unit = existing.get(row.code)
        if unit is None:
            lines.append(f"+ {row.code} {row.level} {row.name!r}")
            continue
        diffs = [f"{key} {getattr(unit, key)!r} → {getattr(row, key)!r}" for key in _COMPARED
                 if getattr(unit, key) != getattr(row, key)]
        if diffs:
            lines.append(f"~ {row.code}: " + "; ".join(diffs))
    return lines


def import_units(session: Session, path: Path | str, era: str = "auto", dry_run: bool = False) -> ImportResult:
    """Validate the whole file, then insert or update its units in the caller's transaction.

    Nothing is written when any row is invalid (``InputError`` lists every problem), nor with ``dry_run``
    (the result's ``changes`` say what would change).
    """
    existing = {u.code: u for u in list_units(session)}
    rows, warnings = parse_units_file(path, existing, era)
    changes = _changes(rows, existing)
    if dry_run:
        new = sum(1 for line in changes if line.startswith("+"))
        return ImportResult(file=str(path), rows=len(rows), inserted=new, updated=len(changes) - new,
                            warnings=warnings, changes=changes)
    inserted, updated = upsert_units(session, rows)
    return ImportResult(file=str(path), rows=len(rows), inserted=inserted, updated=updated, warnings=warnings,
                        changes=changes)
