"""The survey form (phiếu khảo sát): template for units, and import of the returned forms (CRITERIA.md §3)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from config import CONFIG_DIR
from egov_audit.core.errors import InputError
from egov_audit.imports.surveys import (
    FORM_SHEET,
    GUIDE_SHEET,
    import_selfreports,
    parse_yes_no,
    write_template,
)
from egov_audit.scoring import load_survey_fields
from egov_audit.storage import surveys_repo, units_repo
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.db import open_database, session


def _fields():
    return list(load_survey_fields(CONFIG_DIR).values())


ALL_FIELDS = [f.id for f in _fields()]


@pytest.fixture
def engine(tmp_path: Path):
    engine = open_database(f"sqlite:///{tmp_path / 'egov.sqlite3'}")
    with session(engine) as s:
        units_repo.upsert_units(s, [
            units_repo.UnitRow("24", "Tỉnh Bắc Ninh", "province", "24"),
            units_repo.UnitRow("07210", "Phường Bắc Giang", "commune", "24", "24"),
            units_repo.UnitRow("07228", "Phường Đa Mai", "commune", "24", "24"),
        ])
    yield engine
    engine.dispose()


def write_csv(path: Path, header: list[str], rows: list[list[object]], bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def stored(engine: sa.Engine, year: int = 2025) -> dict:
    with session(engine) as s:
        return surveys_repo.load_selfreports(s, year)


def refused(engine: sa.Engine, path: Path) -> dict[str, str]:
    before = {year: stored(engine, year) for year in (2024, 2025)}
    with pytest.raises(InputError) as exc, session(engine) as s:
        import_selfreports(s, path)
    assert {year: stored(engine, year) for year in (2024, 2025)} == before
    return dict(exc.value.problems)


# ---------------------------------------------------------------- template


def test_survey_fields_are_those_of_criteria_section_3() -> None:
    assert len(ALL_FIELDS) == 25
    assert ALL_FIELDS[:2] == ["staff_total", "staff_with_computer"]
    by_id = {f.id: f for f in _fields()}
    assert by_id["staff_with_computer"].max_field == "staff_total"
    assert by_id["official_email_pct"].type == "percent" and by_id["official_email_pct"].max == 100
    assert by_id["publishes_qa"].crosscheck == "interact.qa"


def test_template_has_vietnamese_headers_hidden_ids_names_and_a_guide_sheet(tmp_path: Path) -> None:
    units = [units_repo.UnitRow("07210", "Phường Bắc Giang", "commune", "24"), "07228"]
    out = write_template(None, tmp_path / "form.xlsx", units=units, year=2025)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[:2] == [FORM_SHEET, GUIDE_SHEET]
    form = workbook[FORM_SHEET]
    rows = list(form.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã đơn vị", "Năm đánh giá", "Tên đơn vị", "Tổng số cán bộ, công chức")
    assert list(rows[1]) == ["unit_code", "year", "unit_name", *ALL_FIELDS] and form.row_dimensions[2].hidden
    # Row 3 is already data (a pre-filled unit, with its name), never a third header.
    assert rows[2][:3] == ("07210", 2025, "Phường Bắc Giang") and rows[3][:2] == ("07228", 2025)
    assert "[staff_total]" in form["D1"].comment.text
    guide = {row[0]: row for row in workbook[GUIDE_SHEET].iter_rows(min_row=2, values_only=True) if row[0]}
    assert guide["editorial_board"][1] == "Có Ban biên tập cổng/trang thông tin điện tử"
    assert guide["editorial_board"][3] == "yes_no" and "có / không" in guide["editorial_board"][4]
    assert "≤ staff_total" in guide["staff_with_computer"][4]
    header = rows[1]

    def letter(field: str) -> str:
        return openpyxl.utils.get_column_letter(header.index(field) + 1)

    validations = form.data_validations.dataValidation
    lists = [v for v in validations if v.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"có,không,x"'
    assert all(f"{letter(f.id)}3:" in str(lists[0].sqref) for f in _fields() if f.type == "yes_no")
    # Every other field has its own rule: type and bounds, and the cross-field rule in one formula.
    ruled = {str(r).split(":")[0] for v in validations for r in str(v.sqref).split()}
    assert all(f"{letter(f.id)}3" in ruled for f in _fields())
    computers = next(v for v in validations if f"{letter('staff_with_computer')}3:" in str(v.sqref))
    assert computers.type == "custom" and f"${letter('staff_total')}3" in computers.formula1
    percent = next(v for v in validations if f"{letter('official_email_pct')}3:" in str(v.sqref))
    assert (percent.type, percent.formula1, percent.formula2) == ("decimal", "0", "100")


def test_template_for_a_framework_lists_only_its_fields_in_form_order(tmp_path: Path) -> None:
    out = write_template(["it_plan", "staff_total"], tmp_path / "form.xlsx")
    header = list(openpyxl.load_workbook(out)[FORM_SHEET].iter_rows(values_only=True))[1]
    assert list(header) == ["unit_code", "year", "unit_name", "staff_total", "it_plan"]
    with pytest.raises(InputError, match="no_such_field"):
        write_template(["no_such_field"], tmp_path / "bad.xlsx")


def test_filled_in_template_imports(engine: sa.Engine, tmp_path: Path) -> None:
    with session(engine) as s:
        units = units_repo.list_units(s, codes=["07210"])
    out = write_template(["staff_total", "staff_with_computer", "it_plan", "official_email_pct"],
                         tmp_path / "form.xlsx", units=units, year=2025)
    workbook = openpyxl.load_workbook(out)
    form = workbook[FORM_SHEET]
    assert form["C3"].value == "Phường Bắc Giang"
    for column, value in zip("DEFG", [25, 24, "có", 87.5], strict=True):
        form[f"{column}3"] = value
    workbook.save(out)
    blobs = BlobStore(tmp_path / "blobs")
    with session(engine) as s:
        result = import_selfreports(s, out, blobs=blobs)
    assert (result.rows, result.inserted) == (1, 4)
    assert stored(engine) == {"07210": {"staff_total": 25, "staff_with_computer": 24, "it_plan": True,
                                        "official_email_pct": 87.5}}
    with session(engine) as s:
        answers = surveys_repo.load_answers(s, 2025)["07210"]
        version = surveys_repo.list_versions(s)[-1]
    assert answers.cells["staff_total"] == "'Phieu khao sat'!D3" and answers.version_id == result.version
    assert blobs.get(version["file_digest"]) == out.read_bytes()  # the file as received, kept as evidence


def _form_for(tmp_path: Path, engine: sa.Engine, codes: list[str], year: int | None, name: str) -> Path:
    with session(engine) as s:
        units = units_repo.list_units(s, codes=codes)
    return write_template(["staff_total", "it_plan", "has_english"], tmp_path / name, units=units, year=year)


def test_rows_left_empty_change_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    """Issue 10: a form filled for 2 of its units deleted the others' answers; an untouched one wiped all."""
    header = ["unit_code", "year", "staff_total", "it_plan"]
    with session(engine) as s:
        import_selfreports(s, write_csv(tmp_path / "first.csv", header, [["07210", 2025, 10, "có"],
                                                                         ["07228", 2025, 20, "không"]]))
    before = stored(engine)
    untouched = _form_for(tmp_path, engine, ["07210", "07228", "24"], 2025, "untouched.xlsx")
    with session(engine) as s:
        result = import_selfreports(s, untouched)
    assert result.rows == 0 and result.version is None and stored(engine) == before
    partly = _form_for(tmp_path, engine, ["07210", "07228", "24"], None, "partly.xlsx")  # no --year
    workbook = openpyxl.load_workbook(partly)
    form = workbook[FORM_SHEET]
    form["B3"], form["D3"] = 2025, 12  # only 07210 is filled in; 07228 and 24 stay empty, without a year
    workbook.save(partly)
    with session(engine) as s:
        assert import_selfreports(s, partly).rows == 1
    assert stored(engine) == {"07210": {"staff_total": 12}, "07228": before["07228"]}


def test_a_file_with_field_id_headers_still_imports_and_x_marks_make_blanks_no(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ids.csv", ["unit_code", "year", "it_plan", "has_english", "publishes_qa", "staff_total"],
                     [["07210", 2025, "x", "", "", ""], ["07228", 2025, "có", "", "", 5]])
    with session(engine) as s:
        import_selfreports(s, path)
    assert stored(engine) == {"07210": {"it_plan": True, "has_english": False, "publishes_qa": False},
                              "07228": {"it_plan": True, "staff_total": 5}}


def test_partial_imports_the_valid_rows_and_lists_the_others(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ["unit_code", "year", "staff_total"], [["07210", 2025, 5], ["07228", 2025, -1]])
    refused(engine, path)
    with session(engine) as s:
        result = import_selfreports(s, path, partial=True)
    assert result.rows == 1 and len(result.skipped) == 1
    assert result.skipped[0].startswith("row 3, column 3 (staff_total): '-1': ")
    assert stored(engine) == {"07210": {"staff_total": 5}}


def test_later_versions_win_and_a_reviewer_may_pick_an_earlier_one(engine: sa.Engine, tmp_path: Path) -> None:
    header = ["unit_code", "year", "staff_total"]
    with session(engine) as s:
        first = import_selfreports(s, write_csv(tmp_path / "a.csv", header, [["07210", 2025, 10]])).version
        import_selfreports(s, write_csv(tmp_path / "b.csv", header, [["07210", 2025, 11]]))
    assert stored(engine) == {"07210": {"staff_total": 11}}
    with session(engine) as s:
        surveys_repo.choose_version(s, unit_code="07210", year=2025, version_id=first, reviewer="lan",
                                    reason="bản thứ hai gửi nhầm")
    assert stored(engine) == {"07210": {"staff_total": 10}}
    with session(engine) as s:
        assert [v["file_name"] for v in surveys_repo.list_versions(s)] == ["a.csv", "b.csv"]


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("text", ["có", "CÓ", "Có", unicodedata.normalize("NFD", "có"), "co", "yes", "YES", "1", "x",
                                  "X", 1, True])
def test_yes_answers(text: object) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["không", "KHÔNG", unicodedata.normalize("NFD", "Không"), "khong", "no", "0", 0,
                                  False])
def test_no_answers(text: object) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "  ", None])
def test_empty_means_not_reported(text: object) -> None:
    assert parse_yes_no(text) is None


def test_csv_with_bom_and_vietnamese_number_formats_imports(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "survey.csv",
                     ["unit_code", "year", "staff_total", "dossiers_total", "dossiers_online", "it_budget_million_vnd",
                      "official_email_pct", "broadband_internet", "has_english"],
                     [["07210", "2025", "30", "1.234", "1 000", "12,5", "85%", "Có", ""],
                      ["07228", "2025", "", "", "", "0", "100", "x", "không"]], bom=True)
    with session(engine) as s:
        import_selfreports(s, path)
    assert stored(engine) == {
        "07210": {"staff_total": 30, "dossiers_total": 1234, "dossiers_online": 1000, "it_budget_million_vnd": 12.5,
                  "official_email_pct": 85.0, "broadband_internet": True},
        "07228": {"it_budget_million_vnd": 0.0, "official_email_pct": 100.0, "broadband_internet": True,
                  "has_english": False},
    }


def test_xlsx_numeric_unit_code_keeps_its_leading_zero(engine: sa.Engine, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["unit_code", "year", "staff_total"])
    workbook.active.append([7210, 2025, 12])
    workbook.active.append([24, 2025.0, 40])
    workbook.save(tmp_path / "survey.xlsx")
    with session(engine) as s:
        import_selfreports(s, tmp_path / "survey.xlsx")
    assert stored(engine) == {"07210": {"staff_total": 12}, "24": {"staff_total": 40}}


def test_reimporting_a_unit_and_year_makes_a_new_version_that_counts(engine: sa.Engine, tmp_path: Path) -> None:
    header = ["unit_code", "year", "staff_total", "it_plan"]
    with session(engine) as s:
        import_selfreports(s, write_csv(tmp_path / "a.csv", header, [["07210", 2025, 10, "có"],
                                                                     ["07210", 2024, 9, "không"]]))
    with session(engine) as s:
        import_selfreports(s, write_csv(tmp_path / "b.csv", header, [["07210", 2025, 11, ""]]))
    assert stored(engine, 2025) == {"07210": {"staff_total": 11}}  # the later form counts as a whole
    assert stored(engine, 2024) == {"07210": {"staff_total": 9, "it_plan": False}}  # other year untouched


# ---------------------------------------------------------------- refused files


def test_survey_with_unknown_unit_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "year", "staff_total"], [["07210", 2025, 5],
                                                                                ["99999", 2025, 5]])
    assert refused(engine, path) == {"row 3, column 1 (unit_code)": "'99999': đơn vị 99999 chưa có (hãy nhập tệp "
                                     "đơn vị trước) / unknown unit 99999 (import the units file first)"}


def test_survey_with_unknown_or_missing_columns_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "staff_total", "staff_count"], [["07210", 5, 5]])
    assert refused(engine, path) == {
        "row 1, column 3 (staff_count)": "cột 'staff_count' không phải trường khảo sát / unknown column "
                                         "'staff_count' (not a survey field)",
        "row 1, column year": "thiếu cột 'year' / missing column 'year'",
    }


def test_survey_with_a_second_form_for_a_unit_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "year", "staff_total"],
                     [["07210", 2025, 5], ["07228", 2025, 5], ["07210", 2025, 6], ["07210", 2024, 6]])
    problems = refused(engine, path)
    assert set(problems) == {"row 2, column unit_code", "row 4, column unit_code"}
    assert "a second form for unit 07210, year 2025 in one file (row 4)" in problems["row 2, column unit_code"]


def test_survey_with_bad_values_lists_every_problem_and_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    with session(engine) as s:
        import_selfreports(s, write_csv(tmp_path / "ok.csv", ["unit_code", "year", "staff_total"],
                                        [["07210", 2025, 3]]))
    header = ["unit_code", "year", "staff_total", "staff_with_computer", "it_plan", "official_email_pct",
              "procedures_total", "it_budget_million_vnd"]
    path = write_csv(tmp_path / "bad.csv", header, [
        ["07210", 2025, 10, 12, "có", 50, 5, 1],  # more computers than staff
        ["07228", "năm", "-1", "2.5", "maybe", 101, "1,234", "nhiều"],
    ])
    problems = {k: v.split(" / ")[-1] for k, v in refused(engine, path).items()}
    assert problems == {
        "row 2, column 4 (staff_with_computer)": "staff_with_computer is more than staff_total = 10",
        "row 3, column 2 (year)": "not a whole number",
        "row 3, column 3 (staff_total)": "below the minimum 0",
        "row 3, column 4 (staff_with_computer)": "not a whole number",
        "row 3, column 5 (it_plan)": "not yes/no (có/không, 1/0, x)",
        "row 3, column 6 (official_email_pct)": "above the maximum 100",
        "row 3, column 7 (procedures_total)": "not a whole number",
        "row 3, column 8 (it_budget_million_vnd)": "not a number",
    }
    assert refused(engine, path)["row 3, column 3 (staff_total)"].startswith("'-1': nhỏ hơn mức tối thiểu 0")
    assert stored(engine) == {"07210": {"staff_total": 3}}


def test_xlsx_problems_name_the_sheet_and_cell(engine: sa.Engine, tmp_path: Path) -> None:
    out = _form_for(tmp_path, engine, ["07210"], 2025, "bad.xlsx")
    workbook = openpyxl.load_workbook(out)
    workbook[FORM_SHEET]["D3"] = "mười"
    workbook.save(out)
    assert refused(engine, out) == {"sheet 'Phieu khao sat', row 3, column D (staff_total)":
                                    "'mười': không phải số nguyên / not a whole number"}


def test_survey_year_must_be_given_and_plausible(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "year", "staff_total"], [["07210", "", 1], ["07228", 1890, 1]])
    assert refused(engine, path) == {"row 2, column 2 (year)": "thiếu năm đánh giá / year is empty",
                                     "row 3, column 2 (year)": "'1890': năm ngoài khoảng 2000–2100 / year outside 2000–2100"}
