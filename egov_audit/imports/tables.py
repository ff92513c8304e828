"""Reading the tables officials hand in (CSV, or one sheet of an XLSX workbook) without trusting the file.

Shared by the units import and the survey import. A workbook is capped in size before it is opened (its
parts are decompressed and counted first, so a small file that expands to gigabytes of XML is refused
in a fraction of a second) and in rows; the sheet's stored ``<dimension>`` is never used (openpyxl's
read-only mode stops at a stale ``A1:G2`` and silently drops the rows after it, so the whole sheet is
parsed); merged cells and formula errors (``#DIV/0!``, ``#REF!``, ...) are clear errors naming the cell.
Messages are Vietnamese first, English second, like the rest of the tool.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from egov_audit.core.errors import InputError

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A province's units file or a returned survey is well under a megabyte; 20 MB leaves room for pictures."""
MAX_XLSX_EXPANDED_BYTES = 200 * 1024 * 1024
"""The parts of a workbook together, once decompressed."""
MAX_ROWS = 50_000
"""The whole country had about 10,700 units before 2025: no real file has more rows than this."""
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
_ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                           "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def bilingual(vi: str, en: str) -> str:
    """One message in both languages, Vietnamese first."""
    return f"{vi} / {en}"


@dataclass
class ImportResult:
    """What an import wrote: rows read, rows inserted and updated, and warnings to show the user."""

    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """With ``--partial``: the rows left out, each with its problems."""
    version: int | None = None
    """The survey version the import created (None when nothing changed)."""
    changes: list[str] = field(default_factory=list)
    """With ``--dry-run``: what would change, one line per unit."""


@dataclass
class Table:
    """The filled rows of one sheet (or CSV file), numbered as a spreadsheet shows them."""

    file: str
    sheet: str | None
    rows: list[tuple[int, list[Any]]]

    def where(self, row: int, column: int | None = None, name: str | None = None) -> str:
        """``sheet 'X', row 5, column D (staff_total)``: what a person needs to find the cell."""
        parts = [f"sheet {self.sheet!r}"] if self.sheet else []
        parts.append(f"row {row}")
        if column is not None:
            label = column_letter(column) if self.sheet else str(column + 1)
            parts.append(f"column {label}" + (f" ({name})" if name else ""))
        elif name:
            parts.append(f"column {name}")
        return ", ".join(parts)

    def cell_ref(self, row: int, column: int) -> str:
        """The cell as a spreadsheet names it (``'Phieu khao sat'!D5``), or ``row 5, column 4`` of a CSV."""
        if self.sheet:
            return f"'{self.sheet}'!{column_letter(column)}{row}"
        return f"row {row}, column {column + 1}"


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA`` (zero-based column index)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def is_filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as stripped NFC text (numbers that are whole print without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def load_table(path: Path | str, sheet: str | None = None) -> Table:
    """The filled rows of a CSV file or of an XLSX sheet (``sheet`` when the workbook has it, else the first).

    Raises ``InputError`` for a missing, oversized, damaged or unsupported file, and for merged cells or
    formula errors (every such cell listed)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), bilingual("không tìm thấy tệp", "file not found"))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(str(path), bilingual(f"tệp quá lớn ({size} byte, tối đa {MAX_FILE_BYTES})",
                                              f"file too large ({size} bytes, at most {MAX_FILE_BYTES})"))
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        table = _read_xlsx(path, sheet)
    elif suffix in CSV_SUFFIXES:
        table = Table(str(path), None, _numbered(_read_csv(path), str(path)))
    else:
        raise InputError(str(path), bilingual(f"loại tệp {suffix or '(không có)'} không được hỗ trợ: dùng .csv hoặc .xlsx",
                                              f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx"))
    if not table.rows:
        raise InputError(str(path), bilingual("tệp trống (không có dòng tiêu đề)", "the file is empty (no header row)"))
    return table


def split_header(table: Table) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The first filled row as lower-case column names (trailing empty cells dropped) and the rows after it."""
    (_, header_cells), data = table.rows[0], table.rows[1:]
    header = [cell_text(v).lower() for v in header_cells]
    while header and not header[-1]:
        header.pop()
    return header, data


def _numbered(raw_rows: list[list[Any]], file: str) -> list[tuple[int, list[Any]]]:
    if len(raw_rows) > MAX_ROWS:
        raise InputError(file, bilingual(f"quá nhiều dòng ({len(raw_rows)}, tối đa {MAX_ROWS})",
                                         f"too many rows ({len(raw_rows)}, at most {MAX_ROWS})"))
    return [(i + 1, list(r)) for i, r in enumerate(raw_rows) if any(is_filled(v) for v in r)]


def _read_csv(path: Path) -> list[list[str]]:
    try:
        # utf-8-sig removes the BOM Excel writes in front of "UTF-8 CSV" files.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), bilingual(f"không phải văn bản UTF-8 (byte {exc.start}); hãy lưu tệp dạng 'CSV UTF-8'",
                                              f"not UTF-8 text (byte {exc.start}); save the file as 'CSV UTF-8'")) from None
    first_line = text.split("\n", 1)[0]
    # Excel in a Vietnamese locale saves CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(str(path), bilingual(f"CSV hỏng: {exc}", f"malformed CSV: {exc}")) from None


def _check_expansion(path: Path) -> None:
    """Decompress every part of the workbook once, counting, and stop past the cap (declared sizes may lie)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(str(path), bilingual("không phải tệp XLSX (không đọc được dạng nén)",
                                              "not an XLSX workbook (not a readable zip file)")) from None
    total = 0
    with archive:
        for info in archive.infolist():
            try:
                with archive.open(info) as part:
                    while chunk := part.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_XLSX_EXPANDED_BYTES:
                            raise InputError(str(path), bilingual(
                                f"bảng tính giải nén ra hơn {MAX_XLSX_EXPANDED_BYTES} byte (tệp nén bất thường)",
                                f"the workbook expands to more than {MAX_XLSX_EXPANDED_BYTES} bytes (a zip bomb?)"))
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                raise InputError(str(path), bilingual(f"bảng tính hỏng ({info.filename})",
                                                      f"damaged workbook ({info.filename}: {exc})")) from None


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl

    _check_expansion(path)
    try:
        # Not read-only: read-only mode trusts the sheet's <dimension>, which spreadsheet tools leave stale.
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-XLSX file
        raise InputError(str(path), bilingual("không đọc được bảng tính", f"cannot read the workbook: {exc}")) from None
    try:
        worksheet = workbook[sheet] if sheet and sheet in workbook.sheetnames else workbook.worksheets[0]
        table = Table(str(path), worksheet.title, [])
        if worksheet.max_row > MAX_ROWS:
            raise InputError(str(path), bilingual(f"quá nhiều dòng ({worksheet.max_row}, tối đa {MAX_ROWS})",
                                                  f"too many rows ({worksheet.max_row}, at most {MAX_ROWS})"),
                             f"sheet {worksheet.title!r}")
        problems: list[tuple[str, str]] = []
        for merged in sorted(worksheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
            problems.append((f"sheet {worksheet.title!r}, cells {merged.coord}", bilingual(
                "ô bị gộp: hãy bỏ gộp ô (mỗi ô một giá trị)", "merged cells: unmerge them (one value per cell)")))
        raw: list[list[Any]] = []
        for row in worksheet.iter_rows():
            values = []
            for cell in row:
                value = cell.value
                if cell.data_type == "e" or (isinstance(value, str) and value.strip() in _ERROR_VALUES):
                    problems.append((f"sheet {worksheet.title!r}, row {cell.row}, column {cell.column_letter}",
                                     bilingual(f"lỗi công thức {value!r}: hãy nhập giá trị",
                                               f"formula error {value!r}: enter a value")))
                    value = None
                values.append(value)
            raw.append(values)
        if problems:
            raise InputError(str(path), problems)
        table.rows = _numbered(raw, str(path))
        return table
    finally:
        workbook.close()
