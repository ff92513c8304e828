"""A province scored end to end (issue 10, "Done when"): real unit codes, findings and returned survey forms
with planted overclaims, underclaims and value mismatches. Every planted discrepancy is reported (JSON export,
XLSX cross-check sheet, HTML report) with both sides attached, none is invented; and levels and ranks of a
10-unit case match a table computed by hand."""

from __future__ import annotations

import csv
import json
import random
import shutil
import time
from pathlib import Path

import openpyxl
import pytest

from config import CONFIG_DIR
from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Evidence, Finding, Status
from egov_audit.imports.surveys import FORM_SHEET, write_template
from egov_audit.reports.labels import DISAGREEMENTS
from egov_audit.services.intake import import_survey_file, import_units_file
from egov_audit.services.outputs import write_report
from egov_audit.services.scoring import score
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import findings_repo, runs_repo, units_repo
from egov_audit.storage.db import session

PRE_2025 = Path(__file__).resolve().parents[2] / "shared" / "data" / "admin-units" / "pre-2025" / "units_2025-03-01_flat.csv"
YES_NO = {"editorial_board": "info.ownership", "it_plan": "info.plans", "publishes_qa": "interact.qa",
          "publishes_consultation": "interact.consultation", "publishes_budget": "info.budget",
          "has_english": "info.english", "online_payment": "service.payment", "dossier_lookup": "service.dossier_lookup"}


def _workspace(tmp_path: Path, config_dir: Path | None = None) -> Workspace:
    settings = Settings()
    settings.data_dir = tmp_path / "data"
    if config_dir is not None:
        settings.config_dir = config_dir
    return Workspace.open(settings)


def _store_run(ws: Workspace, findings: dict[str, list[Finding]]) -> str:
    with session(ws.engine) as s:
        run = runs_repo.create_run(s, options={}, settings={})
        for code, unit_findings in findings.items():
            runs_repo.start_unit_crawl(s, run.id, code)
            site = CapturedSite(unit_code=code, unit_level="commune", portal_url=f"https://x{code}.hanoi.gov.vn/",
                                crawl_status=CrawlStatus.OK)
            runs_repo.finish_unit_crawl(s, run.id, site, [])
            findings_repo.save_findings(s, run.id, code, unit_findings)
        runs_repo.finish_run(s, run.id, "finished")
    time.sleep(0.01)  # runs are ordered by start time
    return run.id


def _province(tmp_path: Path) -> tuple[Path, list[str]]:
    """A pre-2025 units file of 200 units of Hà Nội (province 01): its first districts and their communes."""
    with PRE_2025.open(encoding="utf-8") as handle:
        source = [r for r in csv.DictReader(handle) if r["province_code"] == "01"]
    districts: list[tuple[str, str]] = []
    communes: list[dict[str, str]] = []
    for r in source:
        if len(districts) + len(communes) >= 199:
            break
        if (r["district_code"], r["district_name"]) not in districts:
            districts.append((r["district_code"], r["district_name"]))
        communes.append(r)
    path = tmp_path / "ha-noi-2024.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "level", "province_code", "parent_code", "portal_url", "scope"])
        writer.writerow(["01", "Thành phố Hà Nội", "province", "", "", "https://hanoi.gov.vn/", ""])
        for code, name in districts:
            writer.writerow([code, name, "district", "01", "01", f"https://d{code}.hanoi.gov.vn/", ""])
        for r in communes:
            writer.writerow([r["commune_code"], r["commune_name"], "commune", "", r["district_code"],
                             f"https://x{r['commune_code']}.hanoi.gov.vn/", ""])
    assert 1 + len(districts) + len(communes) == 200
    return path, [r["commune_code"] for r in communes]


def _plant(code: str, rng: random.Random) -> tuple[list[Finding], dict[str, object], dict[str, str]]:
    """One commune's findings, survey answers and the cross-check outcome planted for each BOTH field."""
    status = {c: rng.choice([Status.PASS, Status.FAIL, Status.PARTIAL, Status.UNKNOWN]) for c in CHECK_IDS}
    values: dict[str, object] = {}
    answers: dict[str, object] = {"staff_total": 20, "procedures_total": 500}
    planted: dict[str, str] = {}
    for field, check in YES_NO.items():
        outcome = rng.choice(["confirmed", "overclaimed", "underclaimed", "not_reported"])
        shown = outcome in ("underclaimed",) or (outcome == "confirmed" and rng.random() < 0.5)
        status[check] = rng.choice([Status.PASS, Status.PARTIAL]) if shown else Status.FAIL
        if outcome != "not_reported":
            answers[field] = "có" if outcome in ("overclaimed",) or (outcome == "confirmed" and shown) else "không"
        planted[field] = outcome
    services = rng.choice(["confirmed", "overclaimed", "underclaimed", "value_mismatch"])
    on_portal = rng.randint(10, 40)
    status["service.levels_shown"], values["service.levels_shown"] = Status.PASS, on_portal
    answers["services_level3_or_higher"] = {"confirmed": on_portal, "overclaimed": on_portal * 2 + 5,
                                            "underclaimed": 0, "value_mismatch": on_portal // 3}[services]
    planted["services_level3_or_higher"] = services
    freshness = rng.choice(["confirmed", "overclaimed"])
    status["fresh.news"], values["fresh.news"] = Status.PASS, (10 if freshness == "confirmed" else 45)
    answers["update_interval_days"] = 30 if freshness == "confirmed" else 7
    planted["update_interval_days"] = freshness
    findings = [Finding(c, status[c], values.get(c),
                        [Evidence(f"https://x{code}.hanoi.gov.vn/{c.replace('.', '/')}", f"{c} trên cổng {code}")])
                for c in CHECK_IDS]
    return findings, answers, planted


def _survey_form(ws: Workspace, tmp_path: Path, answers: dict[str, dict[str, object]]) -> Path:
    """The XLSX form of qd2392-commune, pre-filled for every commune, filled in as the units would."""
    from egov_audit.scoring import load_framework

    framework = load_framework("qd2392-commune", ws.settings.config_dir)
    with session(ws.engine) as s:
        units = [u for u in units_repo.list_units(s) if u.level == "commune"]
    out = write_template(framework.survey_fields, tmp_path / "phieu-2024.xlsx", units=units, year=2024)
    workbook = openpyxl.load_workbook(out)
    form = workbook[FORM_SHEET]
    ids = [c.value for c in form[2]]
    for row in form.iter_rows(min_row=3, max_row=2 + len(units)):
        for field, value in answers[row[0].value].items():
            row[ids.index(field)].value = value
    workbook.save(out)
    return out


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp_path = tmp_path_factory.mktemp("province")
    ws = _workspace(tmp_path)
    units_file, communes = _province(tmp_path)
    assert import_units_file(ws, units_file).inserted == 200
    rng = random.Random(20241231)
    planted, findings, answers = {}, {}, {}
    for code in communes:
        findings[code], answers[code], planted[code] = _plant(code, rng)
    _store_run(ws, findings)
    result = import_survey_file(ws, _survey_form(ws, tmp_path, answers))
    assert result.rows == len(communes) and not result.skipped
    export = score(ws, "qd2392-commune", 2024, publish=True)
    reports = {fmt: write_report(ws, fmt, tmp_path / f"report.{fmt}") for fmt in ("json", "xlsx", "html")}
    yield {"ws": ws, "planted": planted, "export": export, "reports": reports, "version": result.version}
    ws.engine.dispose()


def _disagreements(planted: dict[str, dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(code, field, outcome) for code, fields in planted.items() for field, outcome in fields.items()
            if outcome in DISAGREEMENTS}


def test_every_planted_discrepancy_is_reported_and_none_is_invented(province: dict) -> None:
    data = json.loads(province["reports"]["json"].read_text(encoding="utf-8"))
    reported = {(u["unit_code"], cc["field"], cc["outcome"]) for u in data["units"] for cc in u["crosschecks"]}
    planted = {(code, field, outcome) for code, fields in province["planted"].items() for field, outcome in fields.items()}
    assert reported == planted  # every outcome, disagreements and agreements alike
    expected = _disagreements(province["planted"])
    assert len(expected) > 300 and {o for _, _, o in expected} == set(DISAGREEMENTS)
    assert {r for r in reported if r[2] in DISAGREEMENTS} == expected


def test_each_discrepancy_carries_both_sides(province: dict) -> None:
    data = json.loads(province["reports"]["json"].read_text(encoding="utf-8"))
    for unit in data["units"]:
        for cc in unit["crosschecks"]:
            if cc["outcome"] in DISAGREEMENTS:
                assert cc["survey"]["version"] == province["version"] and cc["survey"]["file"] == "phieu-2024.xlsx"
                assert cc["survey"]["cell"].startswith("'Phieu khao sat'!")
                assert cc["observed"]["url"] == f"https://x{unit['unit_code']}.hanoi.gov.vn/{cc['check'].replace('.', '/')}"
    assert data["score_set"]["survey_versions"] == [province["version"]] and data["score_set"]["published"]
    workbook = openpyxl.load_workbook(province["reports"]["xlsx"])
    sheet = workbook["Đối chiếu"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    in_sheet = {(r["Mã đơn vị / Unit code"], r["Trường / Field"], r["Kết quả / Outcome"]) for r in rows
                if r["Kết quả / Outcome"] in DISAGREEMENTS}
    assert in_sheet == _disagreements(province["planted"])
    assert all(r["Ô / Cell"] and r["URL bằng chứng / Evidence URL"] for r in rows if r["Kết quả / Outcome"] in DISAGREEMENTS)
    html = province["reports"]["html"].read_text(encoding="utf-8")
    assert html.count('<tr class="disagree">') == len(_disagreements(province["planted"]))


def test_has_english_is_cross_checked_under_the_commune_framework(province: dict) -> None:
    fields = {cc["field"] for cc in province["export"]["units"][0]["crosschecks"]}
    assert "has_english" in fields and fields == {*YES_NO, "services_level3_or_higher", "update_interval_days"}


# ---------------------------------------------------------------- the 10-unit case computed by hand

MINI = """\
version: "t1"
name: "Mini"
tier: commune
years: {to: 2024}
levels:
  readiness: {points: 10, vi: "Sẵn sàng", en: "Readiness"}
  I: {points: 10, vi: "Hiện diện", en: "Presence"}
  II: {points: 6, vi: "Tương tác", en: "Interaction"}
  III: {points: 4, vi: "Giao dịch", en: "Transaction"}
  IV: {points: 4, vi: "Chuyển đổi", en: "Transformation"}
indicators:
  - {id: r.computers, title: {vi: "Máy tính", en: "Computers"}, level: readiness, points: 10,
     source: {field: staff_with_computer, condition: {per: staff_total, min: 0.9}}}
  - {id: p.reach, title: {vi: "Truy cập", en: "Reachable"}, level: I, points: 4, required: true, source: {checks: [tech.reachable]}}
  - {id: p.news, title: {vi: "Tin tức", en: "News"}, level: I, points: 4, required: true, source: {checks: [info.news]}}
  - {id: p.budget, title: {vi: "Ngân sách", en: "Budget"}, level: I, points: 2, source: {checks: [info.budget]}}
  - {id: i.qa, title: {vi: "Hỏi đáp", en: "Q&A"}, level: II, points: 4, required: true, source: {checks: [interact.qa]}}
  - {id: i.email, title: {vi: "Thư điện tử", en: "Email"}, level: II, points: 2, source: {checks: [interact.email]}}
  - {id: t.portal, title: {vi: "Dịch vụ công", en: "Services"}, level: III, points: 4, required: true,
     source: {checks: [service.portal_link]}}
  - {id: x.pay, title: {vi: "Thanh toán", en: "Payment"}, level: IV, points: 4, required: true, source: {checks: [service.payment]}}
"""
# unit: checks that are not "pass" (R reachable, N news, B budget, Q qa, E email, P portal link, Y payment),
# staff with a computer out of 10, then the level, total and rank worked out by hand.
HAND = {
    "00001": ({}, 10, "IV", 24, 1),
    "00004": ({"Y": "fail"}, 10, "III", 20, 4),
    "00006": ({"Y": "fail", "B": "fail"}, 10, "III", 18, 6),
    "00007": ({"P": "fail"}, 10, "II", 20, 7),
    "00008": ({"N": "partial"}, 10, None, 22, 9),
    "00010": ({"Q": "fail"}, 10, "I", 20, 8),
    "00013": ({"E": "partial"}, 5, "IV", 23, 3),
    "00016": ({"Y": "fail"}, 10, "III", 20, 4),
    "00019": ({c: "fail" for c in "RNBQEPY"}, 10, None, 0, 10),
    "00022": ({"B": "partial"}, 10, "IV", 23, 2),
}
LETTERS = {"R": "tech.reachable", "N": "info.news", "B": "info.budget", "Q": "interact.qa", "E": "interact.email",
           "P": "service.portal_link", "Y": "service.payment"}


def test_levels_and_ranks_match_the_table_computed_by_hand(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config, ignore=shutil.ignore_patterns("__pycache__"))
    (config / "frameworks" / "mini.yaml").write_text(MINI, encoding="utf-8")
    ws = _workspace(tmp_path, config)
    with session(ws.engine) as s:
        units_repo.upsert_units(s, [units_repo.UnitRow("01", "Hà Nội", "province", "01"),
                                    units_repo.UnitRow("001", "Ba Đình", "district", "01", "01"),
                                    *(units_repo.UnitRow(c, f"Phường {c}", "commune", "01", "001") for c in HAND)])
    findings = {code: [Finding(c, Status(next((v for k, v in off.items() if LETTERS[k] == c), "pass")))
                       for c in CHECK_IDS] for code, (off, _, _, _, _) in HAND.items()}
    _store_run(ws, findings)
    survey = tmp_path / "s.csv"
    survey.write_text("unit_code,year,staff_total,staff_with_computer\n"
                      + "".join(f"{c},2024,10,{row[1]}\n" for c, row in HAND.items()), encoding="utf-8")
    import_survey_file(ws, survey)
    export = score(ws, "mini", 2024)
    got = {u["unit_code"]: (u["achieved_level"], u["total"], u["rank"]) for u in export["units"]}
    assert got == {code: (level, total, rank) for code, (_, _, level, total, rank) in HAND.items()}
    readiness = {u["unit_code"]: u["readiness_level"] for u in export["units"]}
    assert readiness["00013"] == 3 and {v for k, v in readiness.items() if k != "00013"} == {1}
    ws.engine.dispose()
