"""How the survey form looks in Excel: header styling, cell validation for every field type and cross-field
rule, notes on the headers, and the guide sheet that explains each field (``surveys.write_template``)."""

from __future__ import annotations

from typing import Any

from egov_audit.imports.tables import column_letter
from egov_audit.scoring.framework import SurveyField

FIRST_DATA_ROW = 3
"""Row 1: Vietnamese headers; row 2: field ids (hidden); data from row 3."""


def style_form(form: Any, chosen: list[SurveyField], last_row: int) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    from egov_audit.imports.surveys import KEY_LABELS, allowed_text

    bold = Font(bold=True)
    for cell in form[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    form.row_dimensions[1].height = 60
    # The ids stay in the sheet for the import, out of the official's way.
    form.row_dimensions[2].hidden = True
    form.freeze_panes = f"D{FIRST_DATA_ROW}"
    for column, key in enumerate(("unit_code", "year", "unit_name")):
        vi, en = KEY_LABELS[key]
        form.cell(row=1, column=column + 1).comment = Comment(f"{vi} / {en} ({key})", "egov-audit")
    for column, f in enumerate(chosen, start=4):
        vi, en = allowed_text(f)
        form.cell(row=1, column=column).comment = Comment(f"{f.en}\n[{f.id}]\n{vi}\n{en}", "egov-audit",
                                                          width=260, height=140)
        form.column_dimensions[column_letter(column - 1)].width = 16
    # Codes are text: "01" must not become 1 when someone types it.
    for row in range(FIRST_DATA_ROW, last_row + 1):
        form.cell(row=row, column=1).number_format = "@"
    for column, width in ((1, 10), (2, 8), (3, 28)):
        form.column_dimensions[column_letter(column - 1)].width = width


def _validation(kind: str, message_vi: str, message_en: str, **options: Any) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(type=kind, allow_blank=True, **options)
    validation.error = f"{message_vi} / {message_en}"
    validation.errorTitle = "Giá trị không hợp lệ / invalid value"
    validation.prompt = f"{message_vi} / {message_en}"
    validation.showErrorMessage = True
    validation.showInputMessage = True
    return validation


def _field_validation(f: SurveyField, letter: str, columns: dict[str, str]) -> Any:
    """One validation per column: Excel applies one rule to a cell, so type, bounds and the cross-field
    rule (``≤ staff_total``) are one custom formula when a rule names another field."""
    from egov_audit.imports.surveys import allowed_text

    vi, en = allowed_text(f)
    if f.type == "yes_no":
        return _validation("list", vi, en, formula1='"có,không,x"')
    cell = f"{letter}{FIRST_DATA_ROW}"
    if f.max_field and f.max_field in columns:
        other = f"${columns[f.max_field]}{FIRST_DATA_ROW}"
        whole = f"{cell}=INT({cell})," if f.type == "integer" else ""
        low = f"{cell}>={f.min:g}," if f.min is not None else ""
        formula = f"AND(ISNUMBER({cell}),{whole}{low}OR(ISBLANK({other}),{cell}<={other}))"
        return _validation("custom", vi, en, formula1=formula)
    kind = "whole" if f.type == "integer" else "decimal"
    if f.max is not None:
        return _validation(kind, vi, en, operator="between", formula1=f"{f.min or 0:g}", formula2=f"{f.max:g}")
    return _validation(kind, vi, en, operator="greaterThanOrEqual", formula1=f"{f.min or 0:g}")


def add_validation(form: Any, chosen: list[SurveyField], last_row: int, first_field_column: int) -> None:
    from egov_audit.imports.surveys import YEAR_RANGE

    rows = f"{FIRST_DATA_ROW}:{last_row}"
    code = _validation("custom", "Mã đơn vị: 2, 3 hoặc 5 chữ số", "unit code: 2, 3 or 5 digits",
                       formula1=f"OR(LEN(A{FIRST_DATA_ROW})=2,LEN(A{FIRST_DATA_ROW})=3,LEN(A{FIRST_DATA_ROW})=5)")
    year = _validation("whole", f"Năm {YEAR_RANGE[0]}–{YEAR_RANGE[1]}", f"year {YEAR_RANGE[0]}–{YEAR_RANGE[1]}",
                       operator="between", formula1=str(YEAR_RANGE[0]), formula2=str(YEAR_RANGE[1]))
    for validation, letter in ((code, "A"), (year, "B")):
        form.add_data_validation(validation)
        validation.add(f"{letter}{rows.replace(':', f':{letter}')}")
    columns = {f.id: column_letter(first_field_column - 1 + i) for i, f in enumerate(chosen)}
    shared: dict[str, Any] = {}
    for f in chosen:
        letter = columns[f.id]
        if f.type == "yes_no":
            # One list validation for every yes/no column keeps the file small and the rule in one place.
            validation = shared.get("yes_no")
            if validation is None:
                validation = shared["yes_no"] = _field_validation(f, letter, columns)
                form.add_data_validation(validation)
        else:
            validation = _field_validation(f, letter, columns)
            form.add_data_validation(validation)
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")


GUIDE_NOTES = (
    ("Mỗi dòng là phiếu của một đơn vị; mã, tên và năm đã điền sẵn.",
     "One row per unit; code, name and year are pre-filled."),
    ("Dòng để trống hoàn toàn không thay đổi gì (câu trả lời đã gửi trước vẫn giữ nguyên).",
     "A row left empty changes nothing (earlier answers are kept)."),
    ("Có/không: có, không, x (x = có). Trong dòng dùng x, ô có/không để trống nghĩa là không.",
     "Yes/no: có, không, x (x = yes). In a row that uses x, an empty yes/no cell means no."),
    ("Ô số để trống nghĩa là không khai báo. Không gộp ô, không dùng công thức lỗi.",
     "An empty number cell means not reported. Do not merge cells; no formula errors."),
    ("Dòng 2 (ẩn) chứa mã trường để nhập tự động: xin đừng xoá.",
     "Row 2 (hidden) holds the field ids the import reads: please keep it."),
)


def add_guide(guide: Any, chosen: list[SurveyField]) -> None:
    from openpyxl.styles import Alignment, Font

    from egov_audit.imports.surveys import KEY_LABELS, YEAR_RANGE, allowed_text

    guide.append(["cột / column", "nội dung", "description", "kiểu / type", "giá trị hợp lệ", "allowed values",
                  "nguồn / kind", "đối chiếu với / cross-checked with"])
    guide.append(["unit_code", KEY_LABELS["unit_code"][0] + " (mã thống kê)", "Unit code (statistics office)", "text",
                  "2, 3 hoặc 5 chữ số", "2, 3 or 5 digits", "", ""])
    guide.append(["year", KEY_LABELS["year"][0], "Evaluation year", "integer", f"{YEAR_RANGE[0]}–{YEAR_RANGE[1]}",
                  f"{YEAR_RANGE[0]}–{YEAR_RANGE[1]}", "", ""])
    guide.append(["unit_name", KEY_LABELS["unit_name"][0], "Unit name (not imported)", "text", "", "", "", ""])
    for f in chosen:
        allowed_vi, allowed_en = allowed_text(f)
        kind = "tự báo cáo / self-reported" if f.kind == "SELF" else "đối chiếu với cổng / checked on the portal"
        guide.append([f.id, f.vi, f.en, f.type, allowed_vi, allowed_en, kind, f.crosscheck or ""])
    guide.append([])
    for vi, en in GUIDE_NOTES:
        guide.append(["", vi, en])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate((28, 60, 45, 10, 40, 40, 18, 24), start=1):
        guide.column_dimensions[column_letter(column - 1)].width = width
