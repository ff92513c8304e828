"""Reports for officials: HTML escaping, XLSX sheets, CSV for Excel, JSON, and the terminal ranking."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from egov_audit.core.errors import InputError
from egov_audit.reports import VN_TZ, display_width, ranking_table, render_html, write_report

EVIL = '<script>alert("x")</script>'
WHEN = datetime(2026, 3, 5, 8, 15, tzinfo=VN_TZ)


def _unit(
    code: str, name: str, level: str | None, total: float, rank: int | None, **extra: Any
) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "unit_code": code,
        "unit_name": name,
        "level": "commune",
        "province_code": "27",
        "parent_code": "256",
        "framework": "nd224-commune",
        "framework_version": "1",
        "year": 2026,
        "achieved_level": level,
        "readiness_level": 2,
        "readiness_points": 18,
        "readiness_max": 30,
        "points": {"I": total, "II": 0, "III": 0, "IV": 0},
        "max_points": {"I": 40, "II": 25, "III": 20, "IV": 15},
        "total": total,
        "rank": rank,
        "ranked": rank is not None,
        "not_ranked_reason": None
        if rank is not None
        else "không có phiếu khảo sát và không truy cập được cổng",
        "crawl_status": "ok",
        "indicators": [
            {
                "id": "I.qa",
                "title_vi": "Hỏi đáp",
                "title_en": "Q&A",
                "level": "II",
                "required": True,
                "points": 5,
                "earned": 2.5,
                "status": "partial",
                "source": "observed",
                "unverified": False,
                "checks": ["interact.qa"],
                "field": "publishes_qa",
                "met": True,
            },
            {
                "id": "IV.pay",
                "title_vi": "Thanh toán trực tuyến",
                "title_en": "Online payment",
                "level": "IV",
                "required": True,
                "points": 5,
                "earned": 5,
                "status": "pass",
                "source": "self",
                "unverified": True,
                "checks": ["service.payment"],
                "field": "online_payment",
                "met": True,
            },
        ],
        "crosschecks": [
            {
                "field": "publishes_qa",
                "check": "interact.qa",
                "claimed": True,
                "observed_status": "fail",
                "observed_value": None,
                "outcome": "overclaimed",
            },
            {
                "field": "has_english",
                "check": "info.english",
                "claimed": False,
                "observed_status": "fail",
                "observed_value": None,
                "outcome": "confirmed",
            },
        ],
    }
    unit.update(extra)
    return unit


@pytest.fixture
def scores() -> dict[str, Any]:
    return {
        "framework": {
            "id": "nd224-commune",
            "name": "Nghị định 224 — cấp xã",
            "version": "1",
            "digest": "sha256:ab",
        },
        "year": 2026,
        "units": [
            _unit("26782", "Xã Đông Thọ", "I", 20, 2),
            _unit("26779", f"Phường Hòa Bình {EVIL}", "II", 31.5, 1),
            _unit("26785", "Xã Ngũ Thái", None, 4, None, crawl_status="unreachable"),
            _unit("26788", "Thị trấn Thuỷ Nguyên", "I", 20, 2),
        ],
    }


@pytest.fixture
def findings() -> dict[str, Any]:
    return {
        "run": {
            "id": "run-1",
            "started_at": "2026-03-05T01:00:00+07:00",
            "finished_at": "2026-03-05T02:00:00+07:00",
        },
        "units": [
            {
                "code": "26779",
                "name": "Phường Hòa Bình",
                "level": "commune",
                "portal_url": "https://hoabinh.bacninh.gov.vn/",
                "crawl": {"status": "ok", "pages": 57, "error": None},
                "findings": [
                    {
                        "check": "interact.qa",
                        "status": "fail",
                        "value": None,
                        "reason": f"no answered question {EVIL}",
                        "evidence": [
                            {
                                "url": "javascript:alert(1)",
                                "excerpt": f"Hỏi đáp {EVIL} <img src=x onerror=alert(1)>",
                                "snapshot": "sha256:11",
                                "screenshot": "sha256:22",
                                "locator": "#main > .qa",
                            },
                            {
                                "url": "https://hoabinh.bacninh.gov.vn/hoi-dap",
                                "excerpt": '=HYPERLINK("http://evil")',
                                "snapshot": None,
                                "screenshot": None,
                                "locator": None,
                            },
                        ],
                    }
                ],
            }
        ],
    }


def test_html_escapes_crawled_text_and_links_only_http(
    tmp_path: Path, scores: dict[str, Any], findings: dict[str, Any]
) -> None:
    out = write_report(
        "html",
        scores,
        findings,
        tmp_path / "r.html",
        evidence_link=lambda d: f"evidence/{d[7:]}.png",
        generated_at=WHEN,
    )
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<img src=x" not in text
    assert str(escape(EVIL)) in text  # Jinja2 autoescape (&lt;script&gt;alert(&#34;x&#34;)...)
    assert 'href="javascript:' not in text
    assert 'href="https://hoabinh.bacninh.gov.vn/hoi-dap"' in text
    assert 'href="evidence/22.png"' in text  # screenshot reference through the caller's link
    # Vietnamese first, English second; ranking, charts, disagreements and unverified marks are there.
    assert text.index("Xếp hạng") < text.index("Ranking")
    assert text.count("<svg") >= 2 and "<table" in text
    assert 'class="disagree"' in text and "Báo cáo cao hơn thực tế" in text
    assert "chưa kiểm chứng" in text
    assert "Không xếp hạng" in text
    assert "http://" not in text.split("<main>")[0].replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )  # no external assets


def test_html_ranking_orders_by_rank_then_unranked(scores: dict[str, Any]) -> None:
    text = render_html(scores, generated_at=WHEN)
    table = text[text.index("<table") :]
    positions = [
        table.index(n) for n in ("Phường Hòa Bình", "Xã Đông Thọ", "Thị trấn Thuỷ Nguyên", "Xã Ngũ Thái")
    ]
    assert positions == sorted(positions)


def test_xlsx_has_the_four_sheets_with_rows(
    tmp_path: Path, scores: dict[str, Any], findings: dict[str, Any]
) -> None:
    out = write_report("xlsx", scores, findings, tmp_path / "r.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames[:4] == ["Xếp hạng", "Chỉ tiêu", "Đối chiếu", "Phát hiện"]  # then the figures
    assert wb.sheetnames[4:] == ["Còn thiếu", "Tỷ lệ đạt", "Cây đơn vị", "Người duyệt"]
    ranking = wb["Xếp hạng"]
    assert ranking.freeze_panes == "A2" and ranking.auto_filter.ref.startswith("A1:")
    assert ranking["A1"].font.bold
    assert ranking.max_row == 1 + 4
    assert ranking.cell(row=2, column=5).value == f"Phường Hòa Bình {EVIL}"
    indicators = wb["Chỉ tiêu"]  # one row per unit, one column per indicator (points, coloured by status)
    assert indicators.max_row == 1 + 4 and [c.value for c in indicators[1]][3].startswith("I.qa (II)")
    assert indicators.cell(row=2, column=4).value == "một phần"
    rules = {r.formula[0]: r.dxf.fill.fgColor.rgb for cf in indicators.conditional_formatting for r in cf.rules}
    assert rules['"một phần"'].endswith("FFF0B3") and rules['"không đạt"'].endswith("F8C8C8")  # coloured by status
    assert wb["Đối chiếu"].max_row == 1 + 4  # the discrepancy sheet: the 4 overclaims, not the agreements
    found = wb["Phát hiện"]
    assert found.max_row == 2 and found.cell(row=2, column=4).value == "interact.qa"


def test_xlsx_keeps_formula_like_text_as_text(tmp_path: Path, scores: dict[str, Any]) -> None:
    scores["units"][0]["unit_name"] = '=HYPERLINK("http://evil","x")'
    wb = load_workbook(write_report("xlsx", scores, None, tmp_path / "r.xlsx"))
    cells = [
        c
        for row in wb["Xếp hạng"].iter_rows(min_row=2)
        for c in row
        if c.value == scores["units"][0]["unit_name"]
    ]
    assert cells and all(c.data_type == "s" for c in cells)
    assert wb["Phát hiện"].max_row == 1  # header only without findings


def test_csv_has_bom_header_and_one_row_per_unit(tmp_path: Path, scores: dict[str, Any]) -> None:
    raw = write_report("csv", scores, None, tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["framework", "framework_version", "year", "unit_code", "unit_name"]
    assert [r[3] for r in rows[1:]] == ["26779", "26782", "26788", "26785"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["total"] == "31.5" and first["ranked"] == "true" and first["crosscheck_disagreements"] == "1"


def test_json_is_the_export_plus_findings(
    tmp_path: Path, scores: dict[str, Any], findings: dict[str, Any]
) -> None:
    data = json.loads(write_report("json", scores, findings, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["units"] == scores["units"] and data["findings"] == findings
    several = json.loads(write_report("json", [scores, scores], None, tmp_path / "s.json").read_text("utf-8"))
    assert len(several["scores"]) == 2


def test_writes_are_atomic_and_leave_no_temp_files(tmp_path: Path, scores: dict[str, Any]) -> None:
    out = tmp_path / "reports" / "r.html"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    write_report("html", scores, None, out)
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert sorted(p.name for p in out.parent.iterdir()) == ["r.html"]
    assert write_report("csv", scores, None, out.parent).name == "egov-audit-report.csv"


def test_unknown_format_is_an_input_error(tmp_path: Path, scores: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        write_report("pdf", scores, None, tmp_path / "r.pdf")


def test_ranking_table_orders_and_aligns(scores: dict[str, Any]) -> None:
    text = ranking_table(scores)
    lines = text.splitlines()
    body = [ln for ln in lines[3:] if ln.strip()]
    assert [ln.split()[1] for ln in body] == ["26779", "26782", "26788", "26785"]
    assert (
        body[0].lstrip().startswith("1")
        and body[1].lstrip().startswith("2")
        and body[2].lstrip().startswith("2")
    )
    assert body[3].lstrip().startswith("—") and "không xếp hạng" in body[3]
    # The level column starts at the same terminal column on every row, whatever the diacritics.
    starts = {display_width(ln[: ln.index("Mức")]) if "Mức" in ln else None for ln in body[:3]}
    starts.add(display_width(body[3][: body[3].index("Chưa đạt")]))
    assert len(starts) == 1


def test_display_width_ignores_combining_marks() -> None:
    nfd = "Hòa".replace("ò", "o\u0300")
    assert display_width(nfd) == display_width("Hòa") == 3


def test_xlsx_prints_on_a4_and_has_the_figures(tmp_path: Path, scores: dict[str, Any]) -> None:
    wb = load_workbook(write_report("xlsx", scores, None, tmp_path / "r.xlsx", previous=[_last_year(scores)]))
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    rates = {r[3]: r for r in wb["Tỷ lệ đạt"].iter_rows(min_row=2, values_only=True)}
    assert rates["IV.pay"][7:13] == (4, 0, 0, 0, 4, 100.0) and rates["I.qa"][12] == 50.0
    assert wb["Tỷ lệ đạt"]._charts  # a native bar chart
    missing = {r[1]: r for r in wb["Còn thiếu"].iter_rows(min_row=2, values_only=True)}
    assert missing["26785"][4:6] == ("I", 0) and missing["26779"][4] == "III"
    ranking = {r[3]: r for r in wb["Xếp hạng"].iter_rows(min_row=2, values_only=True)}
    assert ranking["26779"][18:21] == ("I", 20, 1)  # last year level I, 20 points; up one level


def _last_year(scores: dict[str, Any]) -> dict[str, Any]:
    previous = json.loads(json.dumps(scores))
    previous["year"] = 2025
    for unit in previous["units"]:
        unit.update(achieved_level="I", total=20, rank=1)
    previous["units"][2]["unit_name"] = "Xã khác cùng mã"  # a code reused by another place: not compared
    return previous


def test_html_shows_next_level_needs_change_since_last_year_and_the_figures(scores: dict[str, Any]) -> None:
    from bs4 import BeautifulSoup

    text = render_html(scores, generated_at=WHEN, previous=[_last_year(scores)])
    soup = BeautifulSoup(text, "lxml")
    charts = {svg["data-chart"] for svg in soup.select("svg[data-chart]")}
    assert charts == {"levels", "tree", "pass-rates", "change"}
    assert not soup.select("script") and "Pygal" not in soup.title.text
    ranking = soup.select("table.ranking tbody tr")
    first = [td.get_text(" ", strip=True) for td in ranking[0].find_all("td")]
    assert first[1].startswith("Phường Hòa Bình") and first[9].startswith("▲ Chưa đạt") is False
    assert "▲" in first[9] and "(+11.5)" in first[9]
    not_comparable = [td.get_text(strip=True) for td in ranking[3].find_all("td")]
    assert not_comparable[9] == "—"
    details = soup.find(id="u0-26785")
    assert "Còn thiếu để đạt mức I" in details.get_text()
    assert "Mức 1 là tốt nhất" in text or "mức 1 là tốt nhất" in text
    assert len(soup.select("table.matrix tbody tr")) == 4 and soup.select("table.matrix td.m-h")


def test_report_links_never_point_at_loopback_or_private_addresses(scores: dict[str, Any], findings: dict[str, Any]) -> None:
    findings["units"][0]["portal_url"] = "http://127.0.0.1:8765/"
    findings["units"][0]["findings"][0]["evidence"][1]["url"] = "http://192.168.1.5/hoi-dap"
    text = render_html(scores, findings, generated_at=WHEN)
    assert 'href="http://127.0.0.1' not in text and 'href="http://192.168' not in text
    assert "http://127.0.0.1:8765/" in text  # shown as text


def test_json_report_is_one_unit_per_line_and_valid(tmp_path: Path, scores: dict[str, Any]) -> None:
    out = write_report("json", scores, None, tmp_path / "r.json")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(out.read_text(encoding="utf-8"))["units"] == scores["units"]
    assert sum(1 for line in lines if line.startswith('{"unit_code"')) == len(scores["units"])
