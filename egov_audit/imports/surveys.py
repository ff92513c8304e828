"""The yearly survey (phiếu khảo sát, CRITERIA.md §3): the XLSX form sent to units, and its import.

The form's first sheet has Vietnamese column headers in row 1 and the field ids in row 2 (hidden; the
import reads them, so relabelling a column changes nothing), then one row per unit with its code, name and
year pre-filled. Every cell carries validation for its type and the cross-field rules
(``staff_with_computer ≤ staff_total``); a second sheet explains each field. Files whose first row holds
the field ids (``unit_code, year, <field ids>``, PRODUCT.md) import as well, as CSV or XLSX.

Import rules: a row whose answers are all empty changes nothing (a pre-filled form returned untouched
keeps every earlier answer); each import is a new survey version with the original file kept in the blob
store; a file with any invalid row changes nothing unless ``partial`` (then the valid rows are imported and
the others listed). Every problem names the file, sheet, row, column, value and rule, in Vietnamese and
English. Yes/no answers: ``có``/``không``, ``yes``/``no``, ``1``/``0``; a form that marks yeses with ``x``
means "no" by a blank yes/no cell in that row (PRODUCT.md's ``x``/empty convention).
"""

from __future__ import annotations

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
from egov_audit.core.text import fold
from egov_audit.imports.tables import ImportResult, Table, bilingual, cell_text, is_filled, load_table
from egov_audit.scoring.framework import SurveyField, load_survey_fields
from egov_audit.storage.blobs import BlobStore, digest_of
from egov_audit.storage.surveys_repo import SelfReportRow, add_version
from egov_audit.storage.units_repo import list_units

FORM_SHEET = "Phieu khao sat"
GUIDE_SHEET = "Huong dan"
KEY_COLUMNS = ("unit_code", "year")
NAME_COLUMN = "unit_name"
"""Pre-filled on the form for the person filling it in; not imported (names come from the units file)."""
KEY_LABELS = {"unit_code": ("Mã đơn vị", "Unit code"), "year": ("Năm đánh giá", "Evaluation year"),
              NAME_COLUMN: ("Tên đơn vị", "Unit name")}
FIELD_TYPES = ("integer", "number", "yes_no", "percent")
TEMPLATE_ROWS = 500
"""Rows that get data validation in an empty template (units fill in their own codes)."""
YEAR_RANGE = (2000, 2100)
HEADER_SEARCH_ROWS = 5

_YES = {"có", "co", "yes", "y", "1", "x", "true", "đúng", "dung"}
_NO = {"không", "khong", "no", "n", "0", "false", "sai"}


def survey_fields(config_dir: Path = CONFIG_DIR) -> dict[str, SurveyField]:
    """The survey fields by id, in form order (``scoring.framework.load_survey_fields``)."""
    return load_survey_fields(config_dir)


# ---------------------------------------------------------------- template


def allowed_text(f: SurveyField) -> tuple[str, str]:
    """The values a field accepts, in Vietnamese and English (guide sheet, cell notes, messages)."""
    if f.type == "yes_no":
        return ("có / không (x = có; trong dòng dùng x, ô để trống = không)",
                "yes / no (x = yes; in a row that uses x, an empty cell = no)")
    bounds_vi, bounds_en = [], []
    if f.min is not None:
        bounds_vi.append(f"≥ {f.min:g}")
        bounds_en.append(f"≥ {f.min:g}")
    if f.max is not None:
        bounds_vi.append(f"≤ {f.max:g}")
        bounds_en.append(f"≤ {f.max:g}")
    if f.max_field:
        bounds_vi.append(f"≤ {f.max_field}")
        bounds_en.append(f"≤ {f.max_field}")
    kind_vi = {"integer": "số nguyên", "number": "số", "percent": "phần trăm 0–100"}[f.type]
    kind_en = {"integer": "whole number", "number": "number", "percent": "percent 0–100"}[f.type]
    return f"{kind_vi} {' '.join(bounds_vi)}".strip(), f"{kind_en} {' '.join(bounds_en)}".strip()


def _chosen_fields(framework_fields: list[str] | None) -> list[SurveyField]:
    by_id = survey_fields()
    if framework_fields is None:
        return list(by_id.values())
    unknown = [f for f in framework_fields if f not in by_id]
    if unknown:
        raise InputError("survey_fields.yaml", f"unknown survey fields: {', '.join(unknown)}")
    # Keep the order of survey_fields.yaml so every form looks the same whatever the framework.
    wanted = set(framework_fields)
    return [f for f in by_id.values() if f.id in wanted]


def write_template(framework_fields: list[str] | None, out: Path, units: Iterable[Any] | None = None,
                   year: int | None = None) -> Path:
    """Write the XLSX survey form.

    ``framework_fields``: the field ids a framework uses (None: every field), in form order.
    ``units``: unit codes, or objects with ``code`` (and ``name``), to pre-fill one row each; ``year``
    pre-fills the year column.
    """
    from openpyxl import Workbook

    from egov_audit.imports.survey_form import add_guide, add_validation, style_form

    chosen = _chosen_fields(framework_fields)
    unit_list = list(units or [])
    workbook = Workbook()
    form = workbook.active
    form.title = FORM_SHEET
    ids = [KEY_COLUMNS[0], KEY_COLUMNS[1], NAME_COLUMN, *(f.id for f in chosen)]
    form.append([KEY_LABELS[c][0] for c in ids[:3]] + [f.vi for f in chosen])
    form.append(ids)
    for unit in unit_list:
        code = unit if isinstance(unit, str) else unit.code
        name = None if isinstance(unit, str) else getattr(unit, "name", None)
        form.append([code, year, name])
    last_row = max(len(unit_list) + 2, TEMPLATE_ROWS + 2)
    style_form(form, chosen, last_row)
    add_validation(form, chosen, last_row, first_field_column=len(ids) - len(chosen) + 1)
    add_guide(workbook.create_sheet(GUIDE_SHEET), chosen)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)
    return out


# ---------------------------------------------------------------- value parsing


class _BadValue(ValueError):
    """A cell that breaks a rule; the message is bilingual (Vietnamese / English)."""


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
        raise _BadValue(bilingual("không phải có/không (có/không, 1/0, x)", "not yes/no (có/không, 1/0, x)"))
    text = _fold(str(value))
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _BadValue(bilingual("không phải có/không (có/không, 1/0, x)", "not yes/no (có/không, 1/0, x)"))


def _parse_integer(value: Any) -> int:
    not_whole = bilingual("không phải số nguyên", "not a whole number")
    if isinstance(value, bool):
        raise _BadValue(not_whole)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _BadValue(not_whole)
    text = str(value).strip().replace("\u00a0", " ")
    # Vietnamese thousands separators: "1.234" or "1 234" (dot or space between groups of three).
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"\d{1,3}([. ]\d{3})+", text):
        return int(re.sub(r"[. ]", "", text))
    raise _BadValue(not_whole)


def _parse_number(value: Any) -> float:
    not_number = bilingual("không phải số", "not a number")
    if isinstance(value, bool):
        raise _BadValue(not_number)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"[+-]?\d+,\d+", text):
            text = text.replace(",", ".")  # decimal comma, as Vietnamese writes it
        try:
            number = float(text)
        except ValueError:
            raise _BadValue(not_number) from None
    if not math.isfinite(number):
        raise _BadValue(not_number)
    return number


def parse_value(f: SurveyField, value: Any) -> Any:
    """The stored value of one cell (None: not reported); raises ``ValueError`` with a bilingual rule."""
    if not is_filled(value):
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
        raise _BadValue(bilingual(f"nhỏ hơn mức tối thiểu {f.min:g}", f"below the minimum {f.min:g}"))
    if f.max is not None and number > f.max:
        raise _BadValue(bilingual(f"lớn hơn mức tối đa {f.max:g}", f"above the maximum {f.max:g}"))
    return number


# ---------------------------------------------------------------- reading a returned form


@dataclass
class _Layout:
    columns: dict[int, str]
    """Column index → key (``unit_code``, ``year``, ``unit_name``) or field id."""
    data: list[tuple[int, list[Any]]]


def _header_keys(cells: list[Any], by_id: dict[str, SurveyField], by_label: dict[str, str]) -> dict[int, str]:
    keys: dict[int, str] = {}
    for index, value in enumerate(cells):
        text = cell_text(value)
        key = text.lower() if text.lower() in by_id or text.lower() in KEY_LABELS else by_label.get(fold(text))
        if key:
            keys[index] = key
    return keys


def _layout(table: Table, by_id: dict[str, SurveyField]) -> _Layout:
    """Find the header: a row of field ids (the form's hidden row 2, or row 1 of a plain file), else a row of
    Vietnamese or English labels. Unknown or repeated columns are errors naming the cell."""
    by_label = {fold(lab): key for key, labels in KEY_LABELS.items() for lab in labels}
    by_label.update({fold(lab): f.id for f in by_id.values() for lab in (f.vi, f.en)})
    by_exact_id = {i: i for i in [*by_id, *KEY_LABELS]}
    candidates = table.rows[:HEADER_SEARCH_ROWS]
    chosen: tuple[int, list[Any], dict[int, str]] | None = None
    for position, (_, cells) in enumerate(candidates):
        ids = _header_keys(cells, by_exact_id, {})
        if "unit_code" in ids.values():
            chosen = (position, cells, ids)
            break
        labels = _header_keys(cells, {}, by_label)
        if chosen is None and "unit_code" in labels.values():
            chosen = (position, cells, labels)
    if chosen is None:
        raise InputError(table.file, bilingual(
            "không tìm thấy dòng tiêu đề có cột unit_code (Mã đơn vị) và year (Năm đánh giá)",
            "no header row with the columns unit_code and year"), table.where(table.rows[0][0]))
    position, cells, keys = chosen
    number = candidates[position][0]
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for index, value in enumerate(cells):
        if not is_filled(value):
            continue
        key = keys.get(index)
        if key is None:
            problems.append((table.where(number, index, cell_text(value)), bilingual(
                f"cột {cell_text(value)!r} không phải trường khảo sát", f"unknown column {cell_text(value)!r} (not a survey field)")))
        elif key in seen:
            problems.append((table.where(number, index, key), bilingual(f"cột {key!r} lặp lại", f"column {key!r} appears twice")))
        else:
            seen[key] = index
    for key in KEY_COLUMNS:
        if key not in seen:
            problems.append((table.where(number, None, key), bilingual(f"thiếu cột {key!r}", f"missing column {key!r}")))
    if problems:
        raise InputError(table.file, problems)
    return _Layout({i: k for k, i in seen.items()}, table.rows[position + 1:])


@dataclass
class _Form:
    number: int
    code: str
    year: int | None
    values: dict[str, Any]
    cells: dict[str, str]
    problems: list[tuple[str, str]]


def _unit_code(value: Any, unit_levels: dict[str, str]) -> str:
    code = cell_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and code not in unit_levels:
        # An XLSX number lost its leading zeros; the unit's length tells how many.
        code = next((code.zfill(n) for n in (5, 3, 2) if code.zfill(n) in unit_levels), code)
    return code


def _read_form(table: Table, layout: _Layout, number: int, values: list[Any], by_id: dict[str, SurveyField],
               unit_levels: dict[str, str]) -> _Form | None:
    """One row as a unit's form, or None when it holds no answer (it then changes nothing)."""
    cell = {key: (values[i] if i < len(values) else None) for i, key in layout.columns.items()}
    fields = [(i, by_id[k]) for i, k in layout.columns.items() if k in by_id]
    if not any(is_filled(cell[f.id]) for _, f in fields):
        return None
    form = _Form(number, _unit_code(cell["unit_code"], unit_levels), None, {}, {}, [])

    def problem(index: int | None, key: str, raw: Any, rule: str) -> None:
        shown = f"{cell_text(raw)!r}: " if is_filled(raw) else ""
        form.problems.append((table.where(number, index, key), shown + rule))

    code_index = next(i for i, k in layout.columns.items() if k == "unit_code")
    year_index = next(i for i, k in layout.columns.items() if k == "year")
    for extra_index in range(len(values)):
        if extra_index not in layout.columns and is_filled(values[extra_index]):
            problem(extra_index, "", values[extra_index], bilingual("giá trị nằm ngoài các cột tiêu đề",
                                                                    "value outside the header's columns"))
    if not form.code:
        problem(code_index, "unit_code", None, bilingual("thiếu mã đơn vị", "unit_code is empty"))
    elif form.code not in unit_levels:
        problem(code_index, "unit_code", cell["unit_code"], bilingual(
            f"đơn vị {form.code} chưa có (hãy nhập tệp đơn vị trước)", f"unknown unit {form.code} (import the units file first)"))
    try:
        if not is_filled(cell["year"]):
            raise _BadValue(bilingual("thiếu năm đánh giá", "year is empty"))
        year = _parse_integer(cell["year"])
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            raise _BadValue(bilingual(f"năm ngoài khoảng {YEAR_RANGE[0]}–{YEAR_RANGE[1]}",
                                      f"year outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}"))
        form.year = year
    except _BadValue as exc:
        problem(year_index, "year", cell["year"], str(exc))
    # PRODUCT.md's x/empty convention: a row that marks yeses with x says "no" by leaving the cell empty.
    x_marks = any(by_id[k].type == "yes_no" and cell_text(cell[k]).lower() == "x" for _, k in
                  ((i, f.id) for i, f in fields))
    for index, f in fields:
        raw = cell[f.id]
        try:
            value = parse_value(f, raw)
        except _BadValue as exc:
            problem(index, f.id, raw, str(exc))
            continue
        if value is None and x_marks and f.type == "yes_no":
            value = False
        if value is not None:
            form.values[f.id] = int(value) if f.type == "integer" else value
            form.cells[f.id] = table.cell_ref(number, index)
    for index, f in fields:
        limit = f.max_field
        if limit and f.id in form.values and limit in form.values and form.values[f.id] > form.values[limit]:
            problem(index, f.id, cell[f.id], bilingual(
                f"{f.id} lớn hơn {limit} = {form.values[limit]:g}", f"{f.id} is more than {limit} = {form.values[limit]:g}"))
    return form


def parse_survey(path: Path | str, unit_levels: dict[str, str]) -> tuple[Table, list[_Form], list[tuple[str, str]]]:
    """Every filled form of a survey file and the problems found (location, message)."""
    by_id = survey_fields()
    table = load_table(path, sheet=FORM_SHEET)
    layout = _layout(table, by_id)
    forms: list[_Form] = []
    first_row_of: dict[tuple[str, int], _Form] = {}
    for number, values in layout.data:
        form = _read_form(table, layout, number, values, by_id, unit_levels)
        if form is None:
            continue
        forms.append(form)
        if form.code and form.year is not None:
            earlier = first_row_of.setdefault((form.code, form.year), form)
            if earlier is not form:
                twice = bilingual(f"phiếu thứ hai của đơn vị {form.code} năm {form.year} trong cùng tệp",
                                  f"a second form for unit {form.code}, year {form.year} in one file")
                form.problems.append((table.where(number, None, "unit_code"), f"{twice} (row {earlier.number})"))
                earlier.problems.append((table.where(earlier.number, None, "unit_code"), f"{twice} (row {number})"))
    return table, forms, [p for f in forms for p in f.problems]


def import_selfreports(session: Session, path: Path | str, blobs: BlobStore | None = None,
                       partial: bool = False) -> ImportResult:
    """Import a returned survey file (XLSX or CSV) as a new survey version.

    All rows or nothing, unless ``partial`` (valid rows imported, the others listed in ``skipped``). Rows
    without answers change nothing; earlier versions are kept and the latest counts per unit and year.
    ``blobs`` keeps the original file (content-addressed) as evidence of what the unit sent.
    """
    path = Path(path)
    unit_levels = {u.code: u.level for u in list_units(session)}
    table, forms, problems = parse_survey(path, unit_levels)
    if problems and not partial:
        raise InputError(str(path), problems)
    good = [f for f in forms if not f.problems]
    skipped = [f"{loc}: {text}" for f in forms if f.problems for loc, text in f.problems]
    if not good:
        if forms:
            raise InputError(str(path), problems)
        return ImportResult(file=str(path), rows=0, warnings=[bilingual(
            "không có phiếu nào được điền: không thay đổi gì", "no filled form: nothing changed")])
    data = path.read_bytes()
    digest = blobs.put(data) if blobs is not None else digest_of(data)
    rows = [SelfReportRow(f.code, f.year or 0, fid, value, path.name, f.cells.get(fid))
            for f in good for fid, value in f.values.items()]
    version = add_version(session, file_name=path.name, file_digest=digest, file_size=len(data), sheet=table.sheet,
                          rows=rows, partial=partial, skipped=skipped)
    return ImportResult(file=str(path), rows=len(good), inserted=len(rows), skipped=skipped, version=version.id)
