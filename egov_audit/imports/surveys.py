"""The yearly survey (phiếu khảo sát, CRITERIA.md §3): the XLSX form sent to units, and its import.

The form's first sheet has exactly the header the import expects (``unit_code``, ``year``, then one
column per field id of ``config/survey_fields.yaml``); labels, types and allowed values live on a second
sheet, because a second header-like row would be read as data. Import accepts the returned forms as XLSX
or CSV, checks every cell, and writes nothing unless the whole file is valid; a unit's later form for the
same year replaces its earlier answers.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from config import CONFIG_DIR
from egov_audit.core.errors import InputError
from egov_audit.core.yamlfile import load_yaml
from egov_audit.imports.units import ImportResult, read_table
from egov_audit.storage.surveys_repo import SelfReportRow, save_selfreports
from egov_audit.storage.units_repo import list_units

FORM_SHEET = "Phieu khao sat"
GUIDE_SHEET = "Huong dan"
UNITS_SHEET = "Don vi"
KEY_COLUMNS = ("unit_code", "year")
FIELD_TYPES = ("integer", "number", "yes_no", "percent")
TEMPLATE_ROWS = 500
"""Rows that get data validation in an empty template (units fill in their own codes)."""
YEAR_RANGE = (2000, 2100)

_YES = {"có", "co", "yes", "y", "1", "x", "true", "đúng", "dung"}
_NO = {"không", "khong", "no", "n", "0", "false", "sai"}


@dataclass(frozen=True)
class SurveyField:
    id: str
    type: str
    kind: str
    vi: str
    en: str
    min: float | None = None
    max: float | None = None
    max_field: str | None = None
    crosscheck: str | None = None
    compare: str | None = None


@functools.cache
def load_survey_fields(path: Path = CONFIG_DIR / "survey_fields.yaml") -> tuple[SurveyField, ...]:
    """The survey fields in form order; raises ``InputError`` naming the key when the file is wrong."""
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise InputError(str(path), "expected a top-level 'fields' list")
    fields: list[SurveyField] = []
    known = {"id", "type", "kind", "vi", "en", "min", "max", "max_field", "crosscheck", "compare"}
    for i, entry in enumerate(data["fields"]):
        where = f"fields[{i}]"
        if not isinstance(entry, dict) or "id" not in entry or "type" not in entry:
            raise InputError(str(path), "each field needs 'id' and 'type'", where)
        unknown = set(entry) - known
        if unknown:
            raise InputError(str(path), f"unknown keys {sorted(unknown)}", where)
        if entry["type"] not in FIELD_TYPES:
            raise InputError(str(path), f"type {entry['type']!r} is not one of {', '.join(FIELD_TYPES)}", where)
        fields.append(
            SurveyField(
                id=str(entry["id"]),
                type=entry["type"],
                kind=str(entry.get("kind", "SELF")),
                vi=str(entry.get("vi", entry["id"])),
                en=str(entry.get("en", entry["id"])),
                min=entry.get("min", 0 if entry["type"] == "percent" else None),
                max=entry.get("max", 100 if entry["type"] == "percent" else None),
                max_field=entry.get("max_field"),
                crosscheck=entry.get("crosscheck"),
                compare=entry.get("compare"),
            )
        )
    ids = [f.id for f in fields]
    for f in fields:
        if ids.count(f.id) > 1:
            raise InputError(str(path), f"field {f.id} is defined twice")
        if f.max_field and f.max_field not in ids:
            raise InputError(str(path), f"max_field {f.max_field!r} is not a field", f"field {f.id}")
    return tuple(fields)


def _fields_by_id() -> dict[str, SurveyField]:
    return {f.id: f for f in load_survey_fields()}


# ---------------------------------------------------------------- template


def _allowed_text(f: SurveyField) -> tuple[str, str]:
    if f.type == "yes_no":
        return "có / không (x = có, để trống = không khai báo)", "yes / no (x = yes, empty = not reported)"
    bounds = []
    if f.min is not None:
        bounds.append(f"≥ {f.min:g}")
    if f.max is not None:
        bounds.append(f"≤ {f.max:g}")
    if f.max_field:
        bounds.append(f"≤ {f.max_field}")
    kind_vi = {"integer": "số nguyên", "number": "số", "percent": "phần trăm 0–100"}[f.type]
    kind_en = {"integer": "whole number", "number": "number", "percent": "percent 0–100"}[f.type]
    return f"{kind_vi} {' '.join(bounds)}".strip(), f"{kind_en} {' '.join(bounds)}".strip()


def write_template(
    framework_fields: list[str] | None,
    out: Path,
    units: Iterable[Any] | None = None,
    year: int | None = None,
) -> Path:
    """Write the XLSX survey form.

    ``framework_fields``: the field ids a framework uses (None: every field), in form order.
    ``units``: unit codes, or objects with ``code`` (and ``name``), to pre-fill one row each; ``year``
    pre-fills the year column.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    by_id = _fields_by_id()
    if framework_fields is None:
        chosen = list(by_id.values())
    else:
        unknown = [f for f in framework_fields if f not in by_id]
        if unknown:
            raise InputError("survey_fields.yaml", f"unknown survey fields: {', '.join(unknown)}")
        # Keep the order of survey_fields.yaml so every form looks the same whatever the framework.
        wanted = set(framework_fields)
        chosen = [f for f in by_id.values() if f.id in wanted]
    unit_list = list(units or [])

    workbook = Workbook()
    form = workbook.active
    form.title = FORM_SHEET
    header = [*KEY_COLUMNS, *(f.id for f in chosen)]
    form.append(header)
    bold = Font(bold=True)
    for cell in form[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    form.freeze_panes = "C2"
    for unit in unit_list:
        code = unit if isinstance(unit, str) else unit.code
        form.append([code, year])
    last_row = max(len(unit_list) + 1, TEMPLATE_ROWS)
    # Codes are text: "01" must not become 1 when someone types it.
    for row in range(2, last_row + 1):
        form.cell(row=row, column=1).number_format = "@"
    for column, width in ((1, 12), (2, 8)):
        form.column_dimensions[get_column_letter(column)].width = width

    yes_no = DataValidation(type="list", formula1='"có,không,x"', allow_blank=True)
    yes_no.error = "Chọn có hoặc không / choose yes or no"
    yes_no.errorTitle = "Giá trị không hợp lệ"
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    whole.error = "Nhập số nguyên ≥ 0 / whole number ≥ 0"
    decimal = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    decimal.error = "Nhập số ≥ 0 / number ≥ 0"
    percent = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
    percent.error = "Nhập từ 0 đến 100 / 0 to 100"
    year_check = DataValidation(
        type="whole", operator="between", formula1=str(YEAR_RANGE[0]), formula2=str(YEAR_RANGE[1]), allow_blank=True
    )
    for validation in (yes_no, whole, decimal, percent, year_check):
        validation.showErrorMessage = True
        form.add_data_validation(validation)
    year_check.add(f"B2:B{last_row}")
    for column, f in enumerate(chosen, start=len(KEY_COLUMNS) + 1):
        letter = get_column_letter(column)
        form.column_dimensions[letter].width = max(12, len(f.id) + 2)
        target = {"yes_no": yes_no, "integer": whole, "number": decimal, "percent": percent}[f.type]
        target.add(f"{letter}2:{letter}{last_row}")

    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.append(["cột / column", "nội dung", "description", "kiểu / type", "giá trị hợp lệ", "allowed values",
                  "nguồn / kind", "đối chiếu với / cross-checked with"])
    guide.append(["unit_code", "Mã đơn vị hành chính (mã thống kê)", "Unit code (statistics office)", "text",
                  "2, 3 hoặc 5 chữ số", "2, 3 or 5 digits", "", ""])
    guide.append(["year", "Năm đánh giá", "Evaluation year", "integer", f"{YEAR_RANGE[0]}–{YEAR_RANGE[1]}",
                  f"{YEAR_RANGE[0]}–{YEAR_RANGE[1]}", "", ""])
    for f in chosen:
        allowed_vi, allowed_en = _allowed_text(f)
        guide.append([f.id, f.vi, f.en, f.type, allowed_vi, allowed_en, f.kind, f.crosscheck or ""])
    for cell in guide[1]:
        cell.font = bold
    for column, width in enumerate((28, 60, 45, 10, 40, 40, 8, 24), start=1):
        guide.column_dimensions[get_column_letter(column)].width = width

    named = [u for u in unit_list if not isinstance(u, str) and getattr(u, "name", None)]
    if named:
        sheet = workbook.create_sheet(UNITS_SHEET)
        sheet.append(["unit_code", "tên đơn vị / name"])
        for unit in named:
            sheet.append([unit.code, unit.name])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)
    return out


# ---------------------------------------------------------------- value parsing


class _BadValue(ValueError):
    pass


def _fold(text: str) -> str:
    # NFC so "không" typed as NFD matches; lower-case for "CÓ", "Không".
    return unicodedata.normalize("NFC", text).strip().lower()


def parse_yes_no(value: Any) -> bool | None:
    """``có``/``không``, ``yes``/``no``, ``1``/``0``, ``x`` = yes; empty = not reported (None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise _BadValue(f"{value!r} is not yes/no (có/không, 1/0, x)")
    text = _fold(str(value))
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _BadValue(f"{str(value).strip()!r} is not yes/no (có/không, 1/0, x)")


def _parse_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _BadValue(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _BadValue(f"{value:g} is not a whole number")
    text = str(value).strip().replace("\u00a0", " ")
    # Vietnamese thousands separators: "1.234" or "1 234" (dot or space between groups of three).
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"\d{1,3}([. ]\d{3})+", text):
        return int(re.sub(r"[. ]", "", text))
    raise _BadValue(f"{text!r} is not a whole number")


def _parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise _BadValue(f"{value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"[+-]?\d+,\d+", text):
            text = text.replace(",", ".")  # decimal comma, as Vietnamese writes it
        try:
            number = float(text)
        except ValueError:
            raise _BadValue(f"{str(value).strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise _BadValue(f"{value!r} is not a number")
    return number


def parse_value(f: SurveyField, value: Any) -> Any:
    """The stored value of one cell (None: not reported); raises ``ValueError`` with a message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if f.type == "yes_no":
        return parse_yes_no(value)
    if f.type == "integer":
        number: float = _parse_integer(value)
    elif f.type == "percent":
        text = value.strip().rstrip("%").strip() if isinstance(value, str) else value
        number = _parse_number(text)
    else:
        number = _parse_number(value)
    if f.min is not None and number < f.min:
        raise _BadValue(f"{number:g} is below the minimum {f.min:g}")
    if f.max is not None and number > f.max:
        raise _BadValue(f"{number:g} is above the maximum {f.max:g}")
    return number


# ---------------------------------------------------------------- import


def _key_code(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def parse_selfreports_file(
    path: Path | str, unit_levels: dict[str, str]
) -> tuple[list[SelfReportRow], set[tuple[str, int]]]:
    """Validate a survey file against the known units (``{code: level}``).

    Returns the values to store and every (unit, year) the file covers; raises ``InputError`` listing
    every problem with its row and column.
    """
    path = Path(path)
    by_id = _fields_by_id()
    header, data = read_table(path, sheet=FORM_SHEET)
    problems: list[tuple[int, str, str]] = []

    def problem(row: int, column: str | None, text: str) -> None:
        problems.append((row, f"row {row}, column {column}" if column else f"row {row}", text))

    for position, name in enumerate(header, start=1):
        if name not in by_id and name not in KEY_COLUMNS:
            problem(1, name or f"#{position}", f"unknown column {name!r} (not a survey field)")
        elif header.count(name) > 1 and header.index(name) == position - 1:
            problem(1, name, f"column {name!r} appears twice")
    for name in KEY_COLUMNS:
        if name not in header:
            problem(1, name, f"missing column {name!r}")
    if problems:
        raise InputError(str(path), [(loc, text) for _, loc, text in problems])
    field_columns = [(i, by_id[name]) for i, name in enumerate(header) if name in by_id]
    code_index, year_index = header.index("unit_code"), header.index("year")

    rows: list[SelfReportRow] = []
    covered: set[tuple[str, int]] = set()
    first_row_of: dict[tuple[str, int], int] = {}
    for number, values in data:
        values = values + [None] * (len(header) - len(values))
        if any(v is not None and str(v).strip() for v in values[len(header):]):
            problem(number, None, "values outside the header's columns")
        raw_code = values[code_index]
        code = _key_code(raw_code)
        if isinstance(raw_code, int | float) and code not in unit_levels:
            # An XLSX number lost its leading zeros; the unit's length tells how many.
            code = next((code.zfill(n) for n in (5, 3, 2) if code.zfill(n) in unit_levels), code)
        if not code:
            problem(number, "unit_code", "unit_code is empty")
        elif code not in unit_levels:
            problem(number, "unit_code", f"unknown unit {code} (import the units file first)")
        year: int | None = None
        try:
            if values[year_index] is None or not str(values[year_index]).strip():
                raise _BadValue("year is empty")
            year = _parse_integer(values[year_index])
            if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                raise _BadValue(f"year {year} is outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
        except _BadValue as exc:
            problem(number, "year", str(exc))
            year = None
        if code and year is not None:
            key = (code, year)
            if key in first_row_of:
                problem(number, "unit_code", f"unit {code}, year {year} also on row {first_row_of[key]}")
                problem(first_row_of[key], "unit_code", f"unit {code}, year {year} also on row {number}")
            else:
                first_row_of[key] = number
                covered.add(key)
        parsed: dict[str, Any] = {}
        for index, f in field_columns:
            try:
                value = parse_value(f, values[index])
            except _BadValue as exc:
                problem(number, f.id, f"{f.id}: {exc}")
                continue
            if value is not None:
                parsed[f.id] = value
        for f_id, value in parsed.items():
            limit_field = by_id[f_id].max_field
            if limit_field and limit_field in parsed and value > parsed[limit_field]:
                problem(
                    number,
                    f_id,
                    f"{f_id} = {value:g} is more than {limit_field} = {parsed[limit_field]:g}",
                )
        if code and year is not None:
            for f_id, value in parsed.items():
                stored = int(value) if by_id[f_id].type == "integer" else value
                rows.append(SelfReportRow(code, year, f_id, stored, source_file=path.name))
    if problems:
        problems.sort(key=lambda p: p[0])
        raise InputError(str(path), [(loc, text) for _, loc, text in problems])
    return rows, covered


def import_selfreports(session: Session, path: Path | str) -> ImportResult:
    """Import a returned survey file (XLSX or CSV): all rows or nothing.

    Every (unit, year) in the file replaces what was imported for it before, including values now left
    empty (not reported).
    """
    unit_levels = {u.code: u.level for u in list_units(session)}
    rows, covered = parse_selfreports_file(path, unit_levels)
    save_selfreports(session, rows, replace=covered)
    return ImportResult(file=str(path), rows=len(covered), inserted=len(rows))
