"""The survey form (phiếu khảo sát): template for units, and import of the returned forms (CRITERIA.md §3)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from egov_audit.core.errors import InputError
from egov_audit.imports.surveys import (
    FORM_SHEET,
    GUIDE_SHEET,
    import_selfreports,
    load_survey_fields,
    parse_yes_no,
    write_template,
)
from egov_audit.storage import surveys_repo, units_repo
from egov_audit.storage.db import open_database, session

ALL_FIELDS = [f.id for f in load_survey_fields()]


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
    by_id = {f.id: f for f in load_survey_fields()}
    assert by_id["staff_with_computer"].max_field == "staff_total"
    assert by_id["official_email_pct"].type == "percent" and by_id["official_email_pct"].max == 100
    assert by_id["publishes_qa"].crosscheck == "interact.qa"


def test_template_has_the_import_header_and_a_guide_sheet(tmp_path: Path) -> None:
    out = write_template(None, tmp_path / "form.xlsx", units=["07210", "07228"], year=2025)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[:2] == [FORM_SHEET, GUIDE_SHEET]
    form = workbook[FORM_SHEET]
    rows = list(form.iter_rows(values_only=True))
    assert list(rows[0]) == ["unit_code", "year", *ALL_FIELDS]
    # Row 2 is already data (a pre-filled unit), never a second header.
    assert rows[1][:2] == ("07210", 2025) and rows[2][:2] == ("07228", 2025)
    guide = {row[0]: row for row in workbook[GUIDE_SHEET].iter_rows(min_row=2, values_only=True)}
    assert guide["editorial_board"][1] == "Có Ban biên tập cổng/trang thông tin điện tử"
    assert guide["editorial_board"][3] == "yes_no" and "có / không" in guide["editorial_board"][4]
    assert "≤ staff_total" in guide["staff_with_computer"][4]
    lists = [v for v in form.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"có,không,x"'
    covered = str(lists[0].sqref)
    header = rows[0]
    yes_no_letters = [openpyxl.utils.get_column_letter(header.index(f.id) + 1)
                      for f in load_survey_fields() if f.type == "yes_no"]
    assert all(f"{letter}2:" in covered for letter in yes_no_letters)
    staff_letter = openpyxl.utils.get_column_letter(header.index("staff_total") + 1)
    assert f"{staff_letter}2:" not in covered


def test_template_for_a_framework_lists_only_its_fields_in_form_order(tmp_path: Path) -> None:
    out = write_template(["it_plan", "staff_total"], tmp_path / "form.xlsx")
    header = next(openpyxl.load_workbook(out)[FORM_SHEET].iter_rows(values_only=True))
    assert list(header) == ["unit_code", "year", "staff_total", "it_plan"]
    with pytest.raises(InputError, match="no_such_field"):
        write_template(["no_such_field"], tmp_path / "bad.xlsx")


def test_filled_in_template_imports(engine: sa.Engine, tmp_path: Path) -> None:
    with session(engine) as s:
        units = units_repo.list_units(s, codes=["07210"])
    out = write_template(["staff_total", "staff_with_computer", "it_plan", "official_email_pct"],
                         tmp_path / "form.xlsx", units=units, year=2025)
    workbook = openpyxl.load_workbook(out)
    assert workbook["Don vi"]["B2"].value == "Phường Bắc Giang"
    form = workbook[FORM_SHEET]
    for column, value in zip("CDEF", [25, 24, "có", 87.5], strict=True):
        form[f"{column}2"] = value
    workbook.save(out)
    with session(engine) as s:
        result = import_selfreports(s, out)
    assert (result.rows, result.inserted) == (1, 4)
    assert stored(engine) == {"07210": {"staff_total": 25, "staff_with_computer": 24, "it_plan": True,
                                        "official_email_pct": 87.5}}


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


def test_reimporting_a_unit_and_year_replaces_its_answers(engine: sa.Engine, tmp_path: Path) -> None:
    header = ["unit_code", "year", "staff_total", "it_plan"]
    with session(engine) as s:
        import_selfreports(s, write_csv(tmp_path / "a.csv", header, [["07210", 2025, 10, "có"],
                                                                     ["07210", 2024, 9, "không"]]))
    with session(engine) as s:
        import_selfreports(s, write_csv(tmp_path / "b.csv", header, [["07210", 2025, 11, ""]]))
    assert stored(engine, 2025) == {"07210": {"staff_total": 11}}  # it_plan now not reported
    assert stored(engine, 2024) == {"07210": {"staff_total": 9, "it_plan": False}}  # other year untouched


# ---------------------------------------------------------------- refused files


def test_survey_with_unknown_unit_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "year", "staff_total"], [["07210", 2025, 5],
                                                                                ["99999", 2025, 5]])
    assert refused(engine, path) == {"row 3, column unit_code": "unknown unit 99999 (import the units file first)"}


def test_survey_with_unknown_or_missing_columns_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "staff_total", "staff_count"], [["07210", 5, 5]])
    assert refused(engine, path) == {
        "row 1, column staff_count": "unknown column 'staff_count' (not a survey field)",
        "row 1, column year": "missing column 'year'",
    }


def test_survey_with_duplicate_unit_and_year_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "year", "staff_total"],
                     [["07210", 2025, 5], ["07228", 2025, 5], ["07210", 2025, 6], ["07210", 2024, 6]])
    assert refused(engine, path) == {"row 2, column unit_code": "unit 07210, year 2025 also on row 4",
                                     "row 4, column unit_code": "unit 07210, year 2025 also on row 2"}


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
    assert refused(engine, path) == {
        "row 2, column staff_with_computer": "staff_with_computer = 12 is more than staff_total = 10",
        "row 3, column year": "'năm' is not a whole number",
        "row 3, column staff_total": "staff_total: -1 is below the minimum 0",
        "row 3, column staff_with_computer": "staff_with_computer: '2.5' is not a whole number",
        "row 3, column it_plan": "it_plan: 'maybe' is not yes/no (có/không, 1/0, x)",
        "row 3, column official_email_pct": "official_email_pct: 101 is above the maximum 100",
        "row 3, column procedures_total": "procedures_total: '1,234' is not a whole number",
        "row 3, column it_budget_million_vnd": "it_budget_million_vnd: 'nhiều' is not a number",
    }
    assert stored(engine) == {"07210": {"staff_total": 3}}


def test_survey_year_must_be_given_and_plausible(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["unit_code", "year"], [["07210", ""], ["07228", 1890]])
    assert refused(engine, path) == {"row 2, column year": "year is empty",
                                     "row 3, column year": "year 1890 is outside 2000–2100"}
