"""The XLSX report: ranking (with the change since last year), indicators, cross-checks with both
sides (survey version and cell, the portal's URL, excerpt and screenshot), findings, then the figures of the
HTML report as sheets: pass rate per indicator with a native bar chart, what each unit lacks for its next
level, and the units' tree coloured by level. Every sheet prints on A4 (landscape, fitted to the width,
header row repeated). Text stays text: no crawled string ever becomes a formula or a link.

Written with XlsxWriter, a write-only library made for this: a 10,000-unit province is about 1.6 million
cells, which it writes in about two thirds of the time openpyxl's write-only mode takes (``bench/score.py``).
openpyxl still reads the units and survey files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from egov_audit import __version__
from egov_audit.reports.content import (
    LEVEL_COLOURS,
    LEVELS,
    groups,
    is_ranked,
    next_level,
    pass_rates,
    tree,
    unit_names,
    year_over_year,
)
from egov_audit.reports.labels import DISAGREEMENTS, OUTCOME_LABELS, STATUS_LABELS

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _value(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = ", ".join(map(str, value)) if isinstance(value, list) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        # Control characters are not allowed in XML; Excel's cell limit is 32,767 characters.
        return _ILLEGAL_XML.sub("", value)[:32_000]
    return value


class _Book:
    """A workbook whose sheets share the header style, filters, frozen header and A4 print setup."""

    def __init__(self, path: Path) -> None:
        self.wb = xlsxwriter.Workbook(str(path), {
            # Crawled and imported text stays text: no "=..." formula, no "http..." link, no "1e5" number.
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        })
        self.header = self.wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#0B5394",
                                          "pattern": 1, "text_wrap": True, "valign": "top"})

    def sheet(self, title: str, header: list[str], rows: Iterable[list[Any]], widths: dict[int, int]) -> Any:
        """A sheet of one header row and ``rows``; ``widths`` by 1-based column (default 14)."""
        ws = self.wb.add_worksheet(title)
        for i in range(1, len(header) + 1):
            ws.set_column(i - 1, i - 1, widths.get(i, 14))
        ws.freeze_panes(1, 0)
        self._print_setup(ws)
        ws.write_row(0, 0, header, self.header)
        count = 0
        for count, row in enumerate(rows, start=1):
            ws.write_row(count, 0, [_value(v) for v in row])
        ws.autofilter(0, 0, count, len(header) - 1)
        return ws

    @staticmethod
    def _print_setup(ws: Any) -> None:
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        ws.repeat_rows(0)
        ws.hide_gridlines(0)  # gridlines on screen and on paper
        ws.set_footer("&C&P / &N")

    def fill(self, colour: str) -> Any:
        hex_colour = "#" + colour.lstrip("#").upper()
        return self.wb.add_format({"pattern": 1, "bg_color": hex_colour, "fg_color": hex_colour})


def _ranking_rows(exports: list[dict[str, Any]], previous: list[dict[str, Any]] | None) -> list[list[Any]]:
    rows = []
    for export in exports:
        fw_id = (export.get("framework") or {}).get("id")
        for _, units in groups(export):
            changes = year_over_year(units, previous)
            for u in units:
                points = u.get("points") or {}
                change = changes.get(str(u.get("unit_code")))
                comparable = change is not None and change.comparable
                upcoming = next_level(u)
                rows.append([
                    u.get("framework") or fw_id, u.get("year", export.get("year")),
                    u.get("rank") if u.get("ranked", True) else None, u.get("unit_code"), u.get("unit_name"),
                    u.get("level"), u.get("province_code"), u.get("achieved_level") or "chưa đạt",
                    u.get("readiness_level"), u.get("readiness_points"), *(points.get(level) for level in LEVELS),
                    u.get("total"), "có" if u.get("ranked", True) else "không", u.get("not_ranked_reason"),
                    u.get("crawl_status"),
                    (change.previous_level or "chưa đạt") if comparable and change else None,
                    change.previous_total if comparable and change else None,
                    change.level_delta(u.get("achieved_level")) if comparable and change else None,
                    upcoming["level"] if upcoming else None, len(upcoming["missing"]) if upcoming else None,
                ])
    return rows


RANKING_HEADER = [
    "Khung / Framework", "Năm / Year", "Hạng / Rank", "Mã / Code", "Đơn vị / Unit", "Cấp / Tier", "Tỉnh / Province",
    "Mức đạt / Level", "Sẵn sàng / Readiness", "Điểm sẵn sàng / Readiness points", "Điểm I", "Điểm II", "Điểm III",
    "Điểm IV", "Tổng / Total", "Xếp hạng / Ranked", "Lý do không xếp hạng / Not ranked because", "Thu thập / Crawl",
    "Mức năm trước / Last year's level", "Tổng năm trước / Last year's total", "Thay đổi mức / Level change",
    "Mức tiếp theo / Next level", "Số chỉ tiêu còn thiếu / Indicators missing",
]
CROSSCHECK_HEADER = [
    "Khung / Framework", "Mã đơn vị / Unit code", "Đơn vị / Unit", "Trường / Field", "Kiểm tra / Check",
    "Tự báo cáo / Claimed", "Quan sát / Observed status", "Giá trị quan sát / Observed value", "Kết quả / Outcome",
    "Kết quả (vi)", "Phiên bản phiếu / Survey version", "Tệp phiếu / Survey file", "Ô / Cell",
    "URL bằng chứng / Evidence URL", "Trích đoạn / Excerpt", "Ảnh chụp / Screenshot", "Người duyệt / Reviewer",
    "Lý do / Reason",
]
REVIEW_OUTCOMES = DISAGREEMENTS | {"unverifiable"}
"""The discrepancy sheet lists what a reviewer must look at; agreements are counted on the ranking sheet."""
PROVENANCE_HEADER = [
    "Khung / Framework", "Mã đơn vị / Unit code", "Đơn vị / Unit", "Chỉ tiêu / Indicator", "Tên / Title",
    "Trạng thái / Status", "Nguồn / Source", "Chưa kiểm chứng / Unverified", "Người duyệt / Reviewer",
    "Thời điểm / Decided at", "Lý do / Reason",
]


STATUS_WORDS = {"pass": "đạt", "partial": "một phần", "fail": "không đạt", "unknown": "chưa rõ",
                "not_applicable": "không áp dụng"}
STATUS_FILLS = {"đạt": "#C8E6C9", "một phần": "#FFF0B3", "không đạt": "#F8C8C8", "chưa rõ": "#E3E6EA"}


def _colour_by_value(book: _Book, ws: Any, cells: str, colours: dict[str, str]) -> None:
    """Conditional formats colour the cells by their text: one rule per value, not one style per cell, so a
    10,000-unit sheet stays fast to write and to open."""
    for text, colour in colours.items():
        ws.conditional_format(cells, {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                      "format": book.fill(colour)})


def _indicator_sheet(book: _Book, exports: list[dict[str, Any]]) -> None:
    """One row per unit, one column per indicator (its status, coloured): the province's own table."""
    header, ids, rows = ["Khung / Framework", "Mã đơn vị / Unit code", "Đơn vị / Unit"], [], []
    for export in exports:
        for u in export["units"]:
            for ind in u.get("indicators") or []:
                if ind.get("id") not in ids:
                    ids.append(ind.get("id"))
                    header.append(f"{ind.get('id')} ({ind.get('level')}) {ind.get('title_vi') or ''}")
    column = {indicator: i for i, indicator in enumerate(ids)}
    for export in exports:
        fw_id = (export.get("framework") or {}).get("id")
        for _, units in groups(export):
            for u in units:
                values: list[Any] = [None] * len(ids)
                for ind in u.get("indicators") or []:
                    values[column[ind.get("id")]] = STATUS_WORDS.get(str(ind.get("status")), ind.get("status"))
                rows.append([u.get("framework") or fw_id, u.get("unit_code"), u.get("unit_name"), *values])
    ws = book.sheet("Chỉ tiêu", header, rows, {2: 10, 3: 30})
    if ids:
        _colour_by_value(book, ws, f"D2:{xl_col_to_name(2 + len(ids))}{len(rows) + 1}", STATUS_FILLS)


def _unit_rows(exports: list[dict[str, Any]]) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    """Rows of the discrepancy sheet, the missing-for-next-level sheet and the provenance sheet."""
    crosschecks, missing, provenance = [], [], []
    for export in exports:
        fw_id = (export.get("framework") or {}).get("id")
        for _, units in groups(export):
            for u in units:
                fw = u.get("framework") or fw_id
                for ind in u.get("indicators") or []:
                    d = ind.get("decision") or {}
                    if d or ind.get("unverified"):
                        provenance.append([fw, u.get("unit_code"), u.get("unit_name"), ind.get("id"), ind.get("title_vi"),
                                           ind.get("status"), ind.get("source"),
                                           "chưa kiểm chứng" if ind.get("unverified") else "", d.get("reviewer"),
                                           d.get("decided_at"), d.get("reason")])
                unit_decision = u.get("unit_decision") or {}
                if unit_decision:
                    provenance.append([fw, u.get("unit_code"), u.get("unit_name"), "__unit__", "xếp hạng / ranking",
                                       unit_decision.get("status"), "reviewer", "", unit_decision.get("reviewer"),
                                       unit_decision.get("decided_at"), unit_decision.get("reason")])
                for cc in u.get("crosschecks") or []:
                    if cc.get("outcome") not in REVIEW_OUTCOMES:
                        continue
                    survey, observed, d = cc.get("survey") or {}, cc.get("observed") or {}, cc.get("decision") or {}
                    crosschecks.append([
                        fw, u.get("unit_code"), u.get("unit_name"), cc.get("field"), cc.get("check"), cc.get("claimed"),
                        cc.get("observed_status"), cc.get("observed_value"), cc.get("outcome"),
                        OUTCOME_LABELS.get(str(cc.get("outcome")), ("",))[0], survey.get("version"),
                        survey.get("file"), survey.get("cell"), observed.get("url"), observed.get("excerpt"),
                        observed.get("screenshot"), d.get("reviewer"), d.get("reason")])
                upcoming = next_level(u)
                if upcoming:
                    missing.append([fw, u.get("unit_code"), u.get("unit_name"), u.get("achieved_level") or "chưa đạt",
                                    upcoming["level"], len(upcoming["missing"]),
                                    "; ".join(f"{i.get('id')} ({i.get('level')}, {i.get('status')})"
                                              for i in upcoming["missing"]),
                                    "; ".join(str(i.get("title_vi")) for i in upcoming["missing"])])
    return crosschecks, missing, provenance


def _finding_rows(findings: dict[str, Any] | None) -> list[list[Any]]:
    rows = []
    for unit in (findings or {}).get("units", []):
        crawl = unit.get("crawl") or {}
        for f in unit.get("findings") or []:
            evidence = f.get("evidence") or []
            first = evidence[0] if evidence else {}
            rows.append([unit.get("code"), unit.get("name"), crawl.get("status"), f.get("check"), f.get("status"),
                         STATUS_LABELS.get(str(f.get("status")), ("",))[0],
                         f.get("value") if not isinstance(f.get("value"), dict | list) else json.dumps(f["value"]),
                         f.get("reason"), first.get("url"), first.get("excerpt"), first.get("screenshot"),
                         first.get("locator"), first.get("snapshot"), len(evidence)])
    return rows


def _figures(book: _Book, exports: list[dict[str, Any]]) -> None:
    """Pass rates (with a native bar chart) and the units' tree coloured by level."""
    rate_rows, tree_rows = [], []
    names = unit_names(exports)
    for export in exports:
        fw = (export.get("framework") or {}).get("id")
        for (tier, province), units in groups(export):
            for r in pass_rates(units):
                rate_rows.append([fw, tier, province, r.id, r.title_vi, r.level, "có" if r.required else "",
                                  r.counts.get("pass", 0), r.counts.get("partial", 0), r.counts.get("fail", 0),
                                  r.counts.get("unknown", 0), r.applicable, round(100 * r.rate, 1)])
            for parent_code, parent_name, members in tree(units, names):
                for u in members:
                    tree_rows.append([fw, province, parent_code, parent_name, u.get("unit_code"), u.get("unit_name"),
                                      u.get("achieved_level") or "chưa đạt", u.get("rank") if is_ranked(u) else None])
    rates = book.sheet("Tỷ lệ đạt", ["Khung / Framework", "Cấp / Tier", "Tỉnh / Province", "Chỉ tiêu / Indicator",
                                     "Tên / Title", "Mức / Level", "Bắt buộc / Required", "Đạt / Pass",
                                     "Một phần / Partial", "Không đạt / Fail", "Chưa xác định / Unknown",
                                     "Áp dụng / Applicable", "Tỷ lệ đạt % / Pass rate %"], rate_rows, {4: 22, 5: 44})
    if rate_rows:
        last = len(rate_rows)
        chart = book.wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
        for column in range(7, 11):  # pass, partial, fail, unknown (0-based columns H to K)
            chart.add_series({"name": [rates.name, 0, column], "categories": [rates.name, 1, 3, last, 3],
                              "values": [rates.name, 1, column, last, column], "overlap": 100})
        chart.set_style(10)
        chart.set_title({"name": "Tỷ lệ đạt từng chỉ tiêu / pass rate per indicator"})
        # 24 × max(8, 0.5 × rows) cm, as the sheet's first figure to the right of the table.
        chart.set_size({"width": 24 * 37.8, "height": max(8, 0.5 * last) * 37.8})
        rates.insert_chart("O2", chart)
    sheet = book.sheet("Cây đơn vị", ["Khung / Framework", "Tỉnh / Province", "Mã cấp trên / Parent code",
                                       "Cấp trên / Parent", "Mã / Code", "Đơn vị / Unit", "Mức đạt / Level",
                                       "Hạng / Rank"], tree_rows, {4: 30, 6: 34})
    _colour_by_value(book, sheet, f"G2:G{len(tree_rows) + 1}",
                     {("chưa đạt" if lv is None else lv): LEVEL_COLOURS[lv] for lv in (None, *LEVELS)})


def write_xlsx(exports: list[dict[str, Any]], findings: dict[str, Any] | None, path: Path,
               previous: list[dict[str, Any]] | None = None) -> None:
    book = _Book(path)
    crosscheck_rows, missing_rows, provenance_rows = _unit_rows(exports)
    book.sheet("Xếp hạng", RANKING_HEADER, _ranking_rows(exports, previous), {1: 18, 4: 9, 5: 34, 17: 30})
    _indicator_sheet(book, exports)
    sheet = book.sheet("Đối chiếu", CROSSCHECK_HEADER, crosscheck_rows, {3: 30, 4: 28, 5: 24, 10: 26, 14: 40, 15: 50})
    _colour_by_value(book, sheet, f"I2:I{len(crosscheck_rows) + 1}", dict.fromkeys(sorted(DISAGREEMENTS), DISAGREE_FILL))
    book.sheet("Phát hiện", [
        "Mã đơn vị / Unit code", "Đơn vị / Unit", "Thu thập / Crawl", "Kiểm tra / Check", "Trạng thái / Status",
        "Trạng thái (vi)", "Giá trị / Value", "Lý do / Reason", "URL bằng chứng / Evidence URL", "Trích đoạn / Excerpt",
        "Ảnh chụp / Screenshot", "Vị trí phần tử / Locator", "Bản lưu trang / Snapshot", "Số bằng chứng / Evidence count",
    ], _finding_rows(findings), {2: 30, 4: 24, 8: 30, 9: 45, 10: 50, 11: 30, 12: 24, 13: 30})
    book.sheet("Còn thiếu", ["Khung / Framework", "Mã đơn vị / Unit code", "Đơn vị / Unit", "Mức hiện tại / Level",
                             "Mức tiếp theo / Next level", "Số chỉ tiêu còn thiếu / Missing",
                             "Chỉ tiêu còn thiếu / Indicators missing", "Tên / Titles"], missing_rows,
               {3: 30, 7: 50, 8: 60})
    _figures(book, exports)
    book.sheet("Người duyệt", PROVENANCE_HEADER, provenance_rows, {3: 30, 5: 40, 11: 40})
    book.wb.set_properties({"author": f"egov-audit {__version__}"})
    book.wb.close()


DISAGREE_FILL = "#FDE7E7"
