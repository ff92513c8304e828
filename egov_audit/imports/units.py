"""Importing the units file (PRODUCT.md "Units file"): validate every row, then write all or nothing.

A units file is CSV (UTF-8, with or without BOM) or the first sheet of an XLSX workbook with the columns
``code,name,level,province_code,parent_code,portal_url,scope``. Every row is checked and every problem
is collected before anything is written, so an official gets one complete list of what to fix
(``InputError`` names the row and column of each). The post-2025 reference lists in
``config/admin-units/`` fill in missing names, province codes and two-tier parents, and produce
warnings (not errors) for codes they do not know.

``read_table`` is shared with the survey import (``egov_audit.selfreport``).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from config import CONFIG_DIR
from egov_audit.core.errors import InputError
from egov_audit.storage.models import UNIT_LEVELS
from egov_audit.storage.units_repo import UnitRow, list_units, upsert_units

COLUMNS = ("code", "name", "level", "province_code", "parent_code", "portal_url", "scope")
REQUIRED_COLUMNS = ("code", "name", "level", "portal_url")
"""``province_code``, ``parent_code`` and ``scope`` may be left out (filled or not needed)."""
CODE_DIGITS = {"province": 2, "district": 3, "commune": 5}
ALLOWED_PARENTS = {"province": (), "district": ("province",), "commune": ("district", "province")}
REFERENCE_DIR = CONFIG_DIR / "admin-units"


@dataclass
class ImportResult:
    """What an import wrote: rows read, rows inserted and updated, and warnings to show the user."""

    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading CSV / XLSX


def read_table(path: Path | str, sheet: str | None = None) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Header and data rows of a CSV file or an XLSX sheet (``sheet`` or the first one).

    Rows are numbered as a spreadsheet shows them (the header is row 1); blank rows are skipped. XLSX
    cells keep their Python type (an ``int`` code has lost its leading zeros: callers restore them).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw_rows = _read_xlsx(path, sheet)
    elif suffix in (".csv", ".txt"):
        raw_rows = _read_csv(path)
    else:
        raise InputError(str(path), f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx")
    numbered = [(i + 1, list(r)) for i, r in enumerate(raw_rows)]
    numbered = [(n, r) for n, r in numbered if any(_is_filled(v) for v in r)]
    if not numbered:
        raise InputError(str(path), "the file is empty (no header row)")
    (_, header_cells), data = numbered[0], numbered[1:]
    header = [_text(v).lower() for v in header_cells]
    # Trailing empty header cells (common in spreadsheets) are not columns.
    while header and not header[-1]:
        header.pop()
    return header, data


def _is_filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _read_csv(path: Path) -> list[list[str]]:
    try:
        # utf-8-sig removes the BOM Excel writes in front of "UTF-8 CSV" files.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start}); save the file as 'CSV UTF-8'") from None
    first_line = text.split("\n", 1)[0]
    # Excel in a Vietnamese locale saves CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _read_xlsx(path: Path, sheet: str | None) -> list[tuple[Any, ...]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-XLSX file
        raise InputError(str(path), f"cannot read the workbook: {exc}") from None
    try:
        worksheet = workbook[sheet] if sheet and sheet in workbook.sheetnames else workbook.worksheets[0]
        return [tuple(row) for row in worksheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _text(value: Any) -> str:
    """A cell as stripped NFC text (numbers that are whole print without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


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


@functools.cache
def reference_units(directory: Path = REFERENCE_DIR) -> dict[str, ReferenceUnit]:
    """Provinces and communes of the post-2025 reference lists, by code."""
    units: dict[str, ReferenceUnit] = {}
    with (directory / "provinces_2026.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            units[row["code"]] = ReferenceUnit(row["code"], row["full_name"], "province", row["code"])
    with (directory / "communes_2026.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            units[row["code"]] = ReferenceUnit(row["code"], row["full_name"], "commune", row["province_code"])
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
    number: int
    code: str
    name: str
    level: str
    province_code: str
    parent_code: str
    parent_raw: Any
    portal_url: str
    scope: str


def parse_units_file(
    path: Path | str, existing: Mapping[str, Any] | None = None
) -> tuple[list[UnitRow], list[str]]:
    """Validate a units file and return its rows (with reference data filled in) and warnings.

    ``existing`` maps codes already in the database to objects with ``level`` and ``province_code``
    (``storage.models.Unit``): a parent may be there instead of in the file. Raises ``InputError``
    listing every problem when any row is invalid.
    """
    path = Path(path)
    existing = existing or {}
    header, data = read_table(path)
    problems: list[tuple[int, str, str]] = []  # (row, location, problem): sorted before raising
    warnings: list[str] = []

    def problem(row: int, column: str | None, text: str) -> None:
        location = f"row {row}, column {column}" if column else f"row {row}"
        problems.append((row, location, text))

    seen_columns: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name not in COLUMNS:
            problem(1, name or f"#{position}", f"unknown column {name!r} (expected: {', '.join(COLUMNS)})")
        elif name in seen_columns:
            problem(1, name, f"column {name!r} appears twice")
        seen_columns.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in header:
            problem(1, name, f"missing column {name!r}")
    if problems:
        # Without the right columns the rows cannot be read meaningfully.
        raise InputError(str(path), [(loc, text) for _, loc, text in problems])
    index = {name: header.index(name) for name in COLUMNS if name in header}
    reference = reference_units()

    def cell(values: list[Any], name: str) -> Any:
        position = index.get(name)
        return values[position] if position is not None and position < len(values) else None

    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for number, values in data:
        for extra in values[len(header):]:
            if _is_filled(extra):
                problem(number, None, f"value {_text(extra)!r} outside the header's columns")
                break
        level = _text(cell(values, "level")).lower()
        digits = CODE_DIGITS.get(level)
        code = _code(cell(values, "code"), digits)
        if level not in UNIT_LEVELS:
            problem(number, "level", f"level {level!r} is not one of province, district, commune")
        if not code:
            problem(number, "code", "code is empty")
        elif digits and not re.fullmatch(rf"\d{{{digits}}}", code):
            hint = " (leading zero lost?)" if code.isdigit() and len(code) < digits else ""
            problem(number, "code", f"code {code!r} must be {digits} digits for a {level}{hint}")
        if code:
            if code in first_row_of:
                problem(number, "code", f"duplicate code {code}: also on row {first_row_of[code]}")
                problem(first_row_of[code], "code", f"duplicate code {code}: also on row {number}")
            else:
                first_row_of[code] = number
        province_code = _code(cell(values, "province_code"), 2)
        if province_code and not re.fullmatch(r"\d{2}", province_code):
            problem(number, "province_code", f"province_code {province_code!r} must be 2 digits")
        portal_url = _text(cell(values, "portal_url"))
        if portal_url and not _valid_url(portal_url):
            problem(number, "portal_url", f"portal_url {portal_url!r} is not an absolute http(s) URL")
        scope = _text(cell(values, "scope"))
        if scope:
            if not portal_url:
                problem(number, "scope", "scope is given but portal_url is empty")
            elif not _valid_url(scope):
                problem(number, "scope", f"scope {scope!r} is not an absolute http(s) URL prefix")
            elif _valid_url(portal_url) and _host(scope) != _host(portal_url):
                problem(
                    number,
                    "scope",
                    f"scope {scope!r} is not on the portal's host {urlsplit(portal_url).netloc}",
                )
        name = _text(cell(values, "name"))
        if not name:
            known = reference.get(code)
            if known is not None and known.level == level:
                name = known.name
            else:
                problem(number, "name", f"name is empty and the reference list does not know {level or 'unit'} {code}")
        rows.append(
            _Row(number, code, name, level, province_code, _text(cell(values, "parent_code")),
                 cell(values, "parent_code"), portal_url, scope)
        )

    # Parents may come later in the file or already be in the database: resolve after reading all rows.
    in_file = {r.code: r for r in rows if r.code and r.level in UNIT_LEVELS}

    def lookup(code: str, depth: int = 0) -> tuple[str, str] | None:
        """(level, province_code) of a unit in the file or the database; a file row without a
        province_code takes its parent's (a district usually names only its province as parent)."""
        if code in in_file:
            r = in_file[code]
            if r.level == "province":
                return r.level, r.code
            province = r.province_code
            if not province and r.parent_code and r.parent_code != code and depth < 3:
                parent = lookup(r.parent_code, depth + 1)
                province = parent[1] if parent else ""
            return r.level, province
        if code in existing:
            unit = existing[code]
            return unit.level, unit.province_code
        return None

    district_warned = False
    result: list[UnitRow] = []
    for r in rows:
        if r.level not in UNIT_LEVELS or not r.code:
            continue
        known = reference.get(r.code)
        if r.level == "district":
            if not district_warned:
                warnings.append(
                    f"{path}: district codes cannot be checked: there is no post-2025 district list "
                    f"(first on row {r.number})"
                )
                district_warned = True
        elif known is None or known.level != r.level:
            warnings.append(f"{path}: row {r.number}: {r.level} code {r.code} is not in the 2026 reference list")
        parent = r.parent_code
        if isinstance(r.parent_raw, int | float) and not isinstance(r.parent_raw, bool):
            # An XLSX number: a district (3 digits) or a province (2 digits) parent; take the one that exists.
            candidates = [_code(r.parent_raw, d) for d in (3, 2)]
            parent = next((c for c in candidates if lookup(c)), candidates[0])
        province_code = r.province_code
        if r.level == "province":
            if parent:
                problem(r.number, "parent_code", "a province has no parent_code")
            if province_code and province_code != r.code:
                problem(r.number, "province_code", f"province_code {province_code} differs from the code {r.code}")
            result.append(UnitRow(r.code, r.name, r.level, r.code, None, r.portal_url or None, r.scope or None))
            continue
        filled_from = "parent_code"
        if not parent:
            if r.level == "district":
                parent, filled_from = province_code, "province_code"
            elif known is not None and known.level == "commune":
                parent, filled_from = known.province_code, "reference list"
            if not parent:
                problem(
                    r.number,
                    "parent_code",
                    "parent_code is empty" + (" and so is province_code" if r.level == "district"
                                              else f" and the reference list does not know commune {r.code}"),
                )
                continue
        found = lookup(parent)
        if found is None:
            source = "" if filled_from == "parent_code" else f" (taken from the {filled_from})"
            problem(
                r.number,
                "parent_code",
                f"parent {parent}{source} is neither in the file nor in the database",
            )
            continue
        parent_level, parent_province = found
        if parent_level not in ALLOWED_PARENTS[r.level]:
            problem(
                r.number,
                "parent_code",
                f"parent {parent} is a {parent_level}; a {r.level}'s parent must be a "
                + " or a ".join(ALLOWED_PARENTS[r.level]),
            )
            continue
        if province_code and parent_province and province_code != parent_province:
            problem(
                r.number,
                "province_code",
                f"province_code {province_code} differs from the province {parent_province} of parent {parent}",
            )
            continue
        province_code = province_code or parent_province or (known.province_code if known else "")
        result.append(UnitRow(r.code, r.name, r.level, province_code, parent, r.portal_url or None, r.scope or None))

    if problems:
        problems.sort(key=lambda p: p[0])
        raise InputError(str(path), [(loc, text) for _, loc, text in problems])
    return result, warnings


def import_units(session: Session, path: Path | str) -> ImportResult:
    """Validate the whole file, then insert or update its units in the caller's transaction.

    Nothing is written when any row is invalid (``InputError`` lists every problem).
    """
    existing = {u.code: u for u in list_units(session)}
    rows, warnings = parse_units_file(path, existing)
    inserted, updated = upsert_units(session, rows)
    return ImportResult(file=str(path), rows=len(rows), inserted=inserted, updated=updated, warnings=warnings)
