"""`egov-audit units import`: every row validated, every problem listed, all or nothing (PRODUCT.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from egov_audit.core.errors import InputError
from egov_audit.imports.units import COLUMNS, import_units, parse_units_file
from egov_audit.storage import units_repo
from egov_audit.storage.db import open_database, session

# The GPL-3.0 pre-2025 compilation is read from shared/ beside the checkout, never copied into the project.
PRE_2025 = Path(__file__).resolve().parents[2] / "shared" / "data" / "admin-units" / "pre-2025" / "units_2025-03-01_flat.csv"


@pytest.fixture
def engine(tmp_path: Path):
    engine = open_database(f"sqlite:///{tmp_path / 'egov.sqlite3'}")
    yield engine
    engine.dispose()


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None, bom: bool = False) -> Path:
    header = header or list(COLUMNS)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header or list(COLUMNS))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def two_tier() -> list[dict[str, str]]:
    return [
        {"code": "24", "name": "Tỉnh Bắc Ninh", "level": "province", "portal_url": "https://bacninh.gov.vn/"},
        {"code": "07210", "name": "Phường Bắc Giang", "level": "commune", "province_code": "24",
         "parent_code": "24", "portal_url": "https://bacgiang.bacninh.gov.vn/"},
        {"code": "07228", "name": "Phường Đa Mai", "level": "commune", "province_code": "24", "parent_code": "24",
         "portal_url": "https://bacninh.gov.vn/", "scope": "https://bacninh.gov.vn/web/phuong-da-mai/"},
    ]


def problems_of(exc: pytest.ExceptionInfo[InputError]) -> dict[str, str]:
    return {location: problem for location, problem in exc.value.problems}


def all_units(engine: sa.Engine) -> list[tuple]:
    with session(engine) as s:
        return [(u.code, u.name, u.level, u.province_code, u.parent_code, u.portal_url, u.scope)
                for u in units_repo.list_units(s)]


# ---------------------------------------------------------------- files that import


def test_realistic_three_tier_file_from_the_pre_2025_list_imports(engine: sa.Engine, tmp_path: Path) -> None:
    with PRE_2025.open(encoding="utf-8") as handle:
        source = [r for r in csv.DictReader(handle) if r["province_code"] == "35"]
    rows = [{"code": "35", "name": source[0]["province_name"], "level": "province",
             "portal_url": "https://hanam.gov.vn/"}]
    for district in sorted({(r["district_code"], r["district_name"]) for r in source}):
        rows.append({"code": district[0], "name": district[1], "level": "district", "parent_code": "35",
                     "portal_url": f"https://d{district[0]}.hanam.gov.vn/"})
    for r in source:
        rows.append({"code": r["commune_code"], "name": r["commune_name"], "level": "commune",
                     "parent_code": r["district_code"], "portal_url": ""})
    path = write_csv(tmp_path / "ha-nam-2024.csv", rows)
    with session(engine) as s:
        result = import_units(s, path)
    assert result.inserted == len(rows) == 1 + 6 + len(source)
    assert len(result.warnings) == 1 and "pre-2025 file" in result.warnings[0]  # said once, not per row
    units = {u[0]: u for u in all_units(engine)}
    first = source[0]
    assert units[first["commune_code"]][3:5] == ("35", first["district_code"])  # province filled from parent
    assert units[first["district_code"]][3:5] == ("35", "35")
    assert units[first["commune_code"]][5] is None  # empty portal_url: no portal


def test_two_tier_file_imports_and_reimport_updates(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "units.csv", two_tier())
    with session(engine) as s:
        first = import_units(s, path)
    assert (first.inserted, first.updated, first.warnings) == (3, 0, [])
    changed = two_tier()
    changed[1]["portal_url"] = "https://phuongbacgiang.bacninh.gov.vn/"
    with session(engine) as s:
        second = import_units(s, write_csv(tmp_path / "units2.csv", changed))
    assert (second.inserted, second.updated) == (0, 3)
    assert all_units(engine)[0] == ("07210", "Phường Bắc Giang", "commune", "24", "24",
                                    "https://phuongbacgiang.bacninh.gov.vn/", None)


def test_missing_name_province_and_parent_come_from_the_reference_list(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [{"code": "24", "level": "province"}, {"code": "07420", "level": "commune"}]
    with session(engine) as s:
        import_units(s, write_csv(tmp_path / "units.csv", rows))
    assert all_units(engine) == [
        ("07420", "Xã Mỹ Thái", "commune", "24", "24", None, None),
        ("24", "Tỉnh Bắc Ninh", "province", "24", None, None, None),
    ]


def test_csv_with_a_bom_imports(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", two_tier(), bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with session(engine) as s:
        assert import_units(s, path).inserted == 3


def test_semicolon_csv_from_vietnamese_excel_imports(engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("code;name;level;portal_url\n24;Tỉnh Bắc Ninh;province;https://bacninh.gov.vn/\n",
                    encoding="utf-8")
    with session(engine) as s:
        assert import_units(s, path).inserted == 1


def test_xlsx_numeric_codes_keep_their_leading_zeros(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "units.xlsx", [
        [1, "Thành phố Hà Nội", "province", None, None, "https://hanoi.gov.vn/", None],
        [4, "Phường Ba Đình", "commune", 1, 1, "https://badinh.hanoi.gov.vn", None],
        [7, "Quận Ba Đình (cũ)", "district", 1, 1, None, None],
        [25, "Phường Giảng Võ", "commune", None, 7, None, None],
    ])
    with session(engine) as s:
        import_units(s, path)
    assert [u[:5] for u in all_units(engine)] == [
        ("00004", "Phường Ba Đình", "commune", "01", "01"),
        ("00025", "Phường Giảng Võ", "commune", "01", "007"),
        ("007", "Quận Ba Đình (cũ)", "district", "01", "01"),
        ("01", "Thành phố Hà Nội", "province", "01", None),
    ]


def test_parent_already_in_the_database_is_accepted(engine: sa.Engine, tmp_path: Path) -> None:
    with session(engine) as s:
        import_units(s, write_csv(tmp_path / "province.csv", two_tier()[:1]))
    with session(engine) as s:
        result = import_units(s, write_csv(tmp_path / "communes.csv", two_tier()[1:]))
    assert result.inserted == 2


def test_unknown_commune_code_is_a_warning_not_an_error(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [*two_tier(), {"code": "99999", "name": "Xã Mới", "level": "commune", "parent_code": "24"}]
    with session(engine) as s:
        result = import_units(s, write_csv(tmp_path / "units.csv", rows))
    assert result.inserted == 4
    assert result.warnings == [f"{tmp_path / 'units.csv'}: 1 commune code(s) not in the 2026 reference list: 99999 (row 5)"]


# ---------------------------------------------------------------- files that are refused, changing nothing


def refused(engine: sa.Engine, path: Path) -> dict[str, str]:
    before = all_units(engine)
    with pytest.raises(InputError) as exc, session(engine) as s:
        import_units(s, path)
    assert all_units(engine) == before
    assert str(path) in str(exc.value)
    return problems_of(exc)


def test_units_file_with_duplicate_code_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [*two_tier(), {**two_tier()[1], "name": "Bản sao"}]
    problems = refused(engine, write_csv(tmp_path / "dup.csv", rows))
    assert problems == {"row 3, column code": "duplicate code 07210: also on row 5",
                        "row 5, column code": "duplicate code 07210: also on row 3"}


def test_units_file_with_codes_of_the_wrong_length_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [{"code": "1", "name": "Hà Nội", "level": "province"},
            {"code": "0012", "name": "Quận X", "level": "district", "parent_code": "01"},
            {"code": "abcde", "name": "Xã Y", "level": "commune", "parent_code": "01"}]
    problems = refused(engine, write_csv(tmp_path / "codes.csv", rows))
    assert problems["row 2, column code"] == "code '1' must be 2 digits for a province (leading zero lost?)"
    assert problems["row 3, column code"] == "code '0012' must be 3 digits for a district"
    assert problems["row 4, column code"] == "code 'abcde' must be 5 digits for a commune"


def test_units_file_with_an_unknown_level_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    problems = refused(engine, write_csv(tmp_path / "level.csv", [{"code": "24", "name": "Bắc Ninh", "level": "tỉnh"}]))
    assert problems == {"row 2, column level": "level 'tỉnh' is not one of province, district, commune"}


def test_units_file_with_unknown_or_missing_columns_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cols.csv", [{"code": "24", "level": "province"}],
                     header=["code", "level", "website"])
    problems = refused(engine, path)
    assert set(problems) == {"row 1, column website", "row 1, column name", "row 1, column portal_url"}
    assert problems["row 1, column name"] == "missing column 'name'"
    assert problems["row 1, column website"].startswith("unknown column 'website'")


def test_units_file_with_missing_or_wrong_level_parents_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [*two_tier(),
            {"code": "07246", "name": "Xã Xuân Lương", "level": "commune", "parent_code": "07210"},
            {"code": "07420", "name": "Xã Mỹ Thái", "level": "commune", "parent_code": "213"},
            {"code": "213", "name": "TP Bắc Giang", "level": "district", "parent_code": "07228"},
            {"code": "214", "name": "Huyện Z", "level": "district"},
            {"code": "01", "name": "Hà Nội", "level": "province", "parent_code": "24"}]
    problems = refused(engine, write_csv(tmp_path / "parents.csv", rows))
    assert problems == {
        "row 5, column parent_code": "parent 07210 is a commune; a commune's parent must be a district or a province",
        "row 7, column parent_code": "parent 07228 is a commune; a district's parent must be a province",
        "row 8, column parent_code": "parent_code is empty and so is province_code",
        "row 9, column parent_code": "a province has no parent_code",
    }
    rows = [{"code": "07421", "name": "Xã X", "level": "commune", "parent_code": "205"}]
    problems = refused(engine, write_csv(tmp_path / "orphan.csv", rows))
    assert problems == {"row 2, column parent_code": "parent 205 is neither in the file nor in the database"}


def test_units_file_with_a_province_code_that_contradicts_the_parent_changes_nothing(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [*two_tier(), {"code": "07420", "name": "Xã Mỹ Thái", "level": "commune", "parent_code": "24",
                          "province_code": "01"}]
    problems = refused(engine, write_csv(tmp_path / "prov.csv", rows))
    assert problems == {"row 5, column province_code": "province_code 01 differs from the province 24 of parent 24"}


def test_units_file_with_malformed_portal_urls_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    base = two_tier()
    base[0]["portal_url"] = "bacninh.gov.vn"
    base[1]["portal_url"] = "ftp://bacgiang.bacninh.gov.vn/"
    base[2]["portal_url"] = "https://bac ninh.gov.vn/"
    base[2]["scope"] = ""
    problems = refused(engine, write_csv(tmp_path / "urls.csv", base))
    assert problems == {
        "row 2, column portal_url": "portal_url 'bacninh.gov.vn' is not an absolute http(s) URL",
        "row 3, column portal_url": "portal_url 'ftp://bacgiang.bacninh.gov.vn/' is not an absolute http(s) URL",
        "row 4, column portal_url": "portal_url 'https://bac ninh.gov.vn/' is not an absolute http(s) URL",
    }


def test_units_file_with_a_scope_off_the_portal_host_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    rows = two_tier()
    rows[2]["scope"] = "https://yenphong.bacninh.gov.vn/web/ubnd-xa-tam-giang/"
    rows[1]["portal_url"] = ""
    rows[1]["scope"] = "https://bacninh.gov.vn/web/x/"
    problems = refused(engine, write_csv(tmp_path / "scope.csv", rows))
    assert problems == {
        "row 3, column scope": "scope is given but portal_url is empty",
        "row 4, column scope": "scope 'https://yenphong.bacninh.gov.vn/web/ubnd-xa-tam-giang/' is not on the "
                               "portal's host bacninh.gov.vn",
    }


def test_units_file_with_an_empty_name_of_an_unknown_code_changes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [*two_tier(), {"code": "99999", "level": "commune", "parent_code": "24"},
            {"code": "214", "level": "district", "parent_code": "24"}]
    problems = refused(engine, write_csv(tmp_path / "names.csv", rows))
    assert problems == {
        "row 5, column name": "name is empty: names are filled only for post-2025 files, and this file is "
                              "pre-2025 (commune 99999)",
        "row 6, column name": "name is empty: names are filled only for post-2025 files, and this file is "
                              "pre-2025 (district 214)",
    }
    problems = refused(engine, write_csv(tmp_path / "names2.csv", [*two_tier(), {"code": "99999", "level": "commune",
                                                                                 "parent_code": "24"}]))
    assert problems == {"row 5, column name": "name is empty and the reference list does not know commune 99999"}


def test_every_problem_is_listed_and_existing_units_stay_unchanged(engine: sa.Engine, tmp_path: Path) -> None:
    with session(engine) as s:
        import_units(s, write_csv(tmp_path / "good.csv", two_tier()))
    before = all_units(engine)
    rows = two_tier()
    rows[0]["name"] = "Tên mới"  # a valid change that must not be applied either
    rows[1]["portal_url"] = "not a url"
    rows.append({"code": "7", "name": "X", "level": "commune", "parent_code": "24"})
    problems = refused(engine, write_csv(tmp_path / "bad.csv", rows))
    assert list(problems) == ["row 3, column portal_url", "row 5, column code"]
    assert all_units(engine) == before


def test_xlsx_problems_are_reported_like_csv_problems(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bad.xlsx", [[24, "Tỉnh Bắc Ninh", "province", None, None, "http://", None],
                                              [24, "Trùng", "province", None, None, None, None]])
    problems = refused(engine, path)
    assert problems == {"row 2, column portal_url": "portal_url 'http://' is not an absolute http(s) URL",
                        "row 2, column code": "duplicate code 24: also on row 3",
                        "row 3, column code": "duplicate code 24: also on row 2"}


def test_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("code,name,level,portal_url\n24,Bắc Ninh,province,\n".encode("utf-16"))
    with pytest.raises(InputError, match="not UTF-8"):
        parse_units_file(latin)
    with pytest.raises(InputError, match="unsupported file type"):
        parse_units_file(tmp_path / "units.ods") if (tmp_path / "units.ods").write_text("x") else None
    with pytest.raises(InputError, match="file not found"):
        parse_units_file(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        parse_units_file(empty)


# ---------------------------------------------------------------- eras (issue 10.1)


def _pre_2025(province: str) -> list[dict[str, str]]:
    with PRE_2025.open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["province_code"] == province]


def test_pre_2025_file_without_a_province_row_imports_and_no_name_comes_from_the_2026_list(
    engine: sa.Engine, tmp_path: Path
) -> None:
    source = _pre_2025("27")  # Bắc Ninh before 2025: 27 is not a province code any more (it is 24 now)
    rows = [{"code": d, "name": n, "level": "district", "parent_code": "27", "portal_url": ""}
            for d, n in sorted({(r["district_code"], r["district_name"]) for r in source})]
    rows += [{"code": r["commune_code"], "name": r["commune_name"], "level": "commune",
              "parent_code": r["district_code"], "portal_url": ""} for r in source]
    with session(engine) as s:
        result = import_units(s, write_csv(tmp_path / "bac-ninh-2024.csv", rows))
    assert result.inserted == len(rows) + 1
    notices = [w for w in result.warnings if "province 27" in w]
    assert len(notices) == 1 and "Tỉnh/thành phố mã 27" in notices[0]
    assert len(result.warnings) == 2  # the province notice and one era notice, not one line per row
    units = {u[0]: u for u in all_units(engine)}
    assert units["27"][1:4] == ("Tỉnh/thành phố mã 27", "province", "27")
    assert units["09169"][1] == "Phường Thị Cầu"  # not "Phường Vũ Ninh", the 2026 unit with the same code
    assert all(units[r["commune_code"]][3] == "27" for r in source)
    # Without a name a pre-2025 row is refused rather than named after the 2026 unit with its code.
    rows[-1] = {**rows[-1], "name": ""}
    problems = refused(engine, write_csv(tmp_path / "noname.csv", rows))
    assert list(problems) == [f"row {len(rows) + 1}, column name"]


def test_two_tier_2026_file_with_parent_24_and_no_province_row_imports(engine: sa.Engine, tmp_path: Path) -> None:
    with session(engine) as s:
        result = import_units(s, write_csv(tmp_path / "bn-2026.csv", two_tier()[1:]))
    assert result.inserted == 3
    assert result.warnings == [f"{tmp_path / 'bn-2026.csv'}: province 24 (parent on row 2) is not in the file: "
                               "added 'Tỉnh Bắc Ninh' from the 2026 list"]
    assert all_units(engine)[-1][:3] == ("24", "Tỉnh Bắc Ninh", "province")


def test_a_mismatch_with_the_chosen_era_is_one_summarised_warning(engine: sa.Engine, tmp_path: Path) -> None:
    source = _pre_2025("27")[:81]
    rows = [{"code": "24", "name": "Tỉnh Bắc Ninh", "level": "province", "portal_url": ""}]
    rows += [{"code": r["commune_code"], "name": r["commune_name"], "level": "commune", "parent_code": "24",
              "portal_url": ""} for r in source]
    with session(engine) as s:
        result = import_units(s, write_csv(tmp_path / "mixed.csv", rows), era="post-2025")
    differ = [w for w in result.warnings if "differ from the 2026 list" in w]
    assert len(result.warnings) <= 2 and len(differ) == 1
    assert "09169 'Phường Thị Cầu' ≠ 'Phường Vũ Ninh'" in differ[0] or "(+" in differ[0]
    with session(engine) as s:  # auto: most names disagree with the 2026 list, so the file is pre-2025
        era_warning = import_units(s, write_csv(tmp_path / "mixed2.csv", rows), dry_run=True).warnings
    assert any("pre-2025 file" in w and "names differ" in w for w in era_warning)


def test_dry_run_shows_the_changes_and_writes_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    with session(engine) as s:
        import_units(s, write_csv(tmp_path / "units.csv", two_tier()))
    before = all_units(engine)
    changed = two_tier()
    changed[1]["portal_url"] = "https://phuongbacgiang.bacninh.gov.vn/"
    changed.append({"code": "07420", "name": "Xã Mỹ Thái", "level": "commune", "parent_code": "24"})
    with session(engine) as s:
        result = import_units(s, write_csv(tmp_path / "units2.csv", changed), dry_run=True)
    assert all_units(engine) == before
    assert (result.inserted, result.updated) == (1, 1)
    assert result.changes == ["~ 07210: portal_url 'https://bacgiang.bacninh.gov.vn/' → "
                              "'https://phuongbacgiang.bacninh.gov.vn/'", "+ 07420 commune 'Xã Mỹ Thái'"]


def test_a_stale_xlsx_dimension_does_not_hide_rows(engine: sa.Engine, tmp_path: Path) -> None:
    import re
    import zipfile

    path = write_xlsx(tmp_path / "stale.xlsx", [["24", "Tỉnh Bắc Ninh", "province", None, None, None, None],
                                                *[[f"0742{i}", f"Xã {i}", "commune", "24", "24", None, None]
                                                  for i in range(4)]])
    stale = tmp_path / "stale2.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:G2"', data)
            dst.writestr(item, data)
    with session(engine) as s:
        assert import_units(s, stale).inserted == 5


def test_a_workbook_that_expands_too_far_is_refused_quickly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from egov_audit.imports import tables

    path = write_xlsx(tmp_path / "big.xlsx", [[f"{i:05d}", "Xã", "commune", "24", "24", None, None] for i in range(3000)])
    monkeypatch.setattr(tables, "MAX_XLSX_EXPANDED_BYTES", 100_000)
    with pytest.raises(InputError, match="expands to more than"):
        parse_units_file(path)
    monkeypatch.setattr(tables, "MAX_XLSX_EXPANDED_BYTES", 10**9)
    monkeypatch.setattr(tables, "MAX_ROWS", 1000)
    with pytest.raises(InputError, match="too many rows"):
        parse_units_file(path)


def test_merged_cells_and_formula_errors_are_clear_errors(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append(["24", "Tỉnh Bắc Ninh", "province", None, None, None, None])
    sheet.append(["07210", "#REF!", "commune", "24", "24", None, None])
    sheet.merge_cells("A5:B5")
    workbook.save(tmp_path / "m.xlsx")
    with pytest.raises(InputError) as exc:
        parse_units_file(tmp_path / "m.xlsx")
    problems = problems_of(exc)
    assert any("cells A5:B5" in loc and "merged" in text for loc, text in problems.items())
    assert any("row 3, column B" in loc and "#REF!" in text for loc, text in problems.items())
