"""Reports for officials (HTML, XLSX, CSV, JSON) and the terminal ranking, from plain export dicts.

Inputs are the scores export (one dict per framework/tier, as ``egov-audit report --format json`` writes
it) and optionally the findings export of PRODUCT.md; nothing here reads the database, so the CLI, the
web app and tests call the same functions.

Crawled text (unit names come from files, but excerpts, URLs, values and reasons come from the web) is
untrusted: the HTML report escapes every value with ``html.escape`` and only links http(s) URLs; the
spreadsheet writers keep text as text (no formulas). Files are written atomically (temporary file in the
same directory, then rename), so a reader never sees half a report.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any, Literal

from egov_audit import __version__
from egov_audit.core.dates import VN_TZ
from egov_audit.core.errors import InputError
from egov_audit.core.urls import safe_href
from egov_audit.reports.labels import (
    CRAWL_LABELS,
    DISAGREEMENTS,
    OUTCOME_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
)
from egov_audit.reports.night_sections import night_sections_html

ReportFormat = Literal["html", "xlsx", "csv", "json"]
FORMATS: tuple[str, ...] = ("html", "xlsx", "csv", "json")
LEVELS = ("I", "II", "III", "IV")
_LEVEL_RANK = {"I": 1, "II": 2, "III": 3, "IV": 4}
TEMPLATES = Path(__file__).resolve().parent / "templates"

# -- shared helpers -------------------------------------------------------------------------------


def _exports(scores: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    exports = [scores] if isinstance(scores, dict) else list(scores)
    for i, export in enumerate(exports):
        if not isinstance(export, dict) or not isinstance(export.get("units"), list):
            raise InputError("scores", f"export {i + 1} has no 'units' list")
    return exports


def _num(value: Any) -> str:
    """Points as people write them: 12, 12.5 (no trailing .0), empty for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _level_text(level: str | None) -> str:
    return f"Mức {level}" if level else "Chưa đạt mức I"


def _readiness_text(level: int | None) -> str:
    return f"Mức {level}" if level else "—"


def _sort_key(unit: dict[str, Any]) -> tuple[Any, ...]:
    """Ranked units by rank; ties and unranked units by level, points, readiness, then code."""
    ranked = bool(unit.get("ranked", True)) and unit.get("rank") is not None
    return (
        not ranked,
        unit.get("rank") if ranked else math.inf,
        -_LEVEL_RANK.get(unit.get("achieved_level") or "", 0),
        -(unit.get("total") or 0),
        -(unit.get("readiness_points") or 0),
        str(unit.get("unit_code", "")),
    )


def _groups(export: dict[str, Any]) -> list[tuple[tuple[str, str], list[dict[str, Any]]]]:
    """Units of one export by (tier, province): rankings are within a province and a tier."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for unit in export["units"]:
        key = (str(unit.get("level") or ""), str(unit.get("province_code") or ""))
        groups.setdefault(key, []).append(unit)
    order = {"province": 0, "district": 1, "commune": 2}
    return [
        (key, sorted(units, key=_sort_key))
        for key, units in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1]))
    ]


def _framework_title(export: dict[str, Any]) -> str:
    fw = export.get("framework") or {}
    name = fw.get("name") or fw.get("id") or "?"
    version = f" v{fw['version']}" if fw.get("version") else ""
    return f"{name}{version} — {export.get('year', '')}".strip(" —")


def _group_title(export: dict[str, Any], key: tuple[str, str]) -> tuple[str, str]:
    tier, province = key
    vi, en = TIER_LABELS.get(tier, (tier or "Đơn vị", tier or "units"))
    where_vi = f", tỉnh/thành phố mã {province}" if province else ""
    where_en = f", province code {province}" if province else ""
    return f"{vi}{where_vi}", f"{en.capitalize()}{where_en}"


def _findings_by_unit(findings: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not findings:
        return {}
    return {str(u.get("code")): u for u in findings.get("units", []) if isinstance(u, dict)}


def _atomic_write(out: Path, write: Callable[[Path], None]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be shared.
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


# -- public API -----------------------------------------------------------------------------------


def write_json(data: Any, out: Path) -> Path:
    """Write an export (findings, scores) as UTF-8 JSON, atomically: readers never see half a file."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    return _atomic_write(Path(out), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_report(
    fmt: ReportFormat | str,
    scores: dict[str, Any] | list[dict[str, Any]],
    findings: dict[str, Any] | None,
    out: Path,
    *,
    evidence_link: Callable[[str], str | None] | None = None,
    generated_at: datetime | None = None,
    night: dict[str, Any] | None = None,
) -> Path:
    """Write the report in ``fmt`` to ``out`` (a file, or an existing directory) and return its path.

    ``scores`` is one scores export or several (one per framework/tier). ``evidence_link`` maps an
    evidence digest (``sha256:…``) to an href for the HTML report (e.g. the review app's URL); without it
    digests are shown as text. ``generated_at`` (default: now) makes output reproducible in tests.
    ``night`` (HTML only): the night's changes and run metrics (``reports.night_sections``).
    """
    if fmt not in FORMATS:
        raise InputError("--format", f"unknown report format {fmt!r} (one of: {', '.join(FORMATS)})")
    exports = _exports(scores)
    out = Path(out)
    if out.is_dir():
        out = out / f"egov-audit-report.{fmt}"
    when = generated_at or datetime.now(VN_TZ)
    if fmt == "html":
        text = render_html(exports, findings, evidence_link=evidence_link, generated_at=when, night=night)
        return _atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    if fmt == "xlsx":
        return _atomic_write(out, lambda p: _write_xlsx(exports, findings, p))
    if fmt == "csv":
        text = render_csv(exports)
        # BOM: Excel otherwise opens UTF-8 CSV as the local code page and mangles Vietnamese.
        return _atomic_write(out, lambda p: p.write_text(text, encoding="utf-8-sig", newline=""))
    data: dict[str, Any]
    if isinstance(scores, dict) or len(exports) == 1:
        data = dict(exports[0])
    else:
        data = {"scores": exports}
    if findings is not None:
        data["findings"] = findings
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    return _atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))


# -- terminal -------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: combining marks take none, wide (CJK) characters two."""
    width = 0
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _fit(text: str, width: int, align: str = "<") -> str:
    text = unicodedata.normalize("NFC", text.replace("\n", " "))
    if display_width(text) > width:
        cut = ""
        for ch in text:
            if display_width(cut + ch) > width - 1:
                break
            cut += ch
        text = cut + "…"
    pad = " " * (width - display_width(text))
    return pad + text if align == ">" else text + pad


def ranking_table(scores: dict[str, Any] | list[dict[str, Any]], name_width: int = 34) -> str:
    """The ranking as a plain-text table for the terminal, one block per framework, tier and province."""
    columns = [
        ("Hạng", 5, ">"),
        ("Mã", 6, "<"),
        ("Đơn vị", name_width, "<"),
        ("Mức", 14, "<"),
        ("Sẵn sàng", 8, "<"),
        ("I", 6, ">"),
        ("II", 6, ">"),
        ("III", 6, ">"),
        ("IV", 6, ">"),
        ("Tổng", 6, ">"),
        ("Ghi chú", 0, "<"),
    ]

    def line(cells: Iterable[str]) -> str:
        parts = [
            _fit(c, w, a) if w else unicodedata.normalize("NFC", c)
            for c, (_, w, a) in zip(cells, columns, strict=True)
        ]
        return "  ".join(parts).rstrip()

    blocks: list[str] = []
    for export in _exports(scores):
        for key, units in _groups(export):
            vi, en = _group_title(export, key)
            rows = [f"{_framework_title(export)} · {vi} ({en})", line(c[0] for c in columns)]
            rows.append("-" * display_width(rows[-1]))
            for u in units:
                ranked = bool(u.get("ranked", True)) and u.get("rank") is not None
                points = u.get("points") or {}
                note = "" if ranked else f"không xếp hạng: {u.get('not_ranked_reason') or '—'}"
                if u.get("crawl_status") not in (None, "ok", "partial") and ranked:
                    note = CRAWL_LABELS.get(u["crawl_status"], (u["crawl_status"],))[0]
                rows.append(
                    line(
                        [
                            str(u["rank"]) if ranked else "—",
                            str(u.get("unit_code", "")),
                            str(u.get("unit_name", "")),
                            _level_text(u.get("achieved_level")),
                            _readiness_text(u.get("readiness_level")),
                            *(_num(points.get(level)) for level in LEVELS),
                            _num(u.get("total")),
                            note,
                        ]
                    )
                )
            blocks.append("\n".join(rows))
    return "\n\n".join(blocks) + "\n" if blocks else "(không có đơn vị nào / no units)\n"


# -- CSV ------------------------------------------------------------------------------------------

CSV_HEADER = [
    "framework",
    "framework_version",
    "year",
    "unit_code",
    "unit_name",
    "level",
    "province_code",
    "parent_code",
    "rank",
    "ranked",
    "not_ranked_reason",
    "achieved_level",
    "readiness_level",
    "readiness_points",
    "readiness_max",
    "points_I",
    "points_II",
    "points_III",
    "points_IV",
    "total",
    "max_I",
    "max_II",
    "max_III",
    "max_IV",
    "crawl_status",
    "unverified_indicators",
    "crosscheck_disagreements",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value: Any) -> Any:
    """Spreadsheet-safe value: text that Excel would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _num(value)
    return _cell_text(value)


def _unit_row(export: dict[str, Any], u: dict[str, Any]) -> list[Any]:
    fw = export.get("framework") or {}
    points = u.get("points") or {}
    maxima = u.get("max_points") or {}
    return [
        u.get("framework") or fw.get("id"),
        u.get("framework_version") or fw.get("version"),
        u.get("year", export.get("year")),
        u.get("unit_code"),
        u.get("unit_name"),
        u.get("level"),
        u.get("province_code"),
        u.get("parent_code"),
        u.get("rank"),
        bool(u.get("ranked", True)),
        u.get("not_ranked_reason"),
        u.get("achieved_level"),
        u.get("readiness_level"),
        u.get("readiness_points"),
        u.get("readiness_max"),
        *(points.get(level) for level in LEVELS),
        u.get("total"),
        *(maxima.get(level) for level in LEVELS),
        u.get("crawl_status"),
        sum(1 for i in u.get("indicators") or [] if i.get("unverified")),
        sum(1 for c in u.get("crosschecks") or [] if c.get("outcome") in DISAGREEMENTS),
    ]


def render_csv(scores: dict[str, Any] | list[dict[str, Any]]) -> str:
    """One row per unit (and framework), ranked order; the caller adds the BOM when writing."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for export in _exports(scores):
        for _, units in _groups(export):
            for u in units:
                row = _unit_row(export, u)
                writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()


# -- XLSX -----------------------------------------------------------------------------------------

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = (
            ", ".join(map(str, value)) if isinstance(value, list) else json.dumps(value, ensure_ascii=False)
        )
    if isinstance(value, str):
        # Control characters are not allowed in XML; Excel's cell limit is 32,767 characters.
        return _ILLEGAL_XML.sub("", value)[:32_000]
    return value


def _write_xlsx(exports: list[dict[str, Any]], findings: dict[str, Any] | None, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0B5394")
    disagree_fill = PatternFill("solid", fgColor="FDE7E7")

    wb = Workbook()
    wb.remove(wb.active)

    def sheet(title: str, header: list[str], rows: Iterable[list[Any]], widths: dict[int, int]) -> Any:
        ws = wb.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    # openpyxl turns any string starting with "=" into a formula; crawled text must not be.
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(ws.max_row, 1)}"
        for i in range(1, len(header) + 1):
            ws.column_dimensions[get_column_letter(i)].width = widths.get(i, 14)
        return ws

    ranking_header = [
        "Khung / Framework",
        "Năm / Year",
        "Hạng / Rank",
        "Mã / Code",
        "Đơn vị / Unit",
        "Cấp / Tier",
        "Tỉnh / Province",
        "Mức đạt / Level",
        "Sẵn sàng / Readiness",
        "Điểm sẵn sàng / Readiness points",
        "Điểm I",
        "Điểm II",
        "Điểm III",
        "Điểm IV",
        "Tổng / Total",
        "Xếp hạng / Ranked",
        "Lý do không xếp hạng / Not ranked because",
        "Thu thập / Crawl",
    ]
    ranking_rows: list[list[Any]] = []
    indicator_rows: list[list[Any]] = []
    crosscheck_rows: list[list[Any]] = []
    for export in exports:
        fw_id = (export.get("framework") or {}).get("id")
        for _, units in _groups(export):
            for u in units:
                points = u.get("points") or {}
                ranking_rows.append(
                    [
                        u.get("framework") or fw_id,
                        u.get("year", export.get("year")),
                        u.get("rank") if u.get("ranked", True) else None,
                        u.get("unit_code"),
                        u.get("unit_name"),
                        u.get("level"),
                        u.get("province_code"),
                        u.get("achieved_level") or "chưa đạt",
                        u.get("readiness_level"),
                        u.get("readiness_points"),
                        *(points.get(level) for level in LEVELS),
                        u.get("total"),
                        "có" if u.get("ranked", True) else "không",
                        u.get("not_ranked_reason"),
                        u.get("crawl_status"),
                    ]
                )
                for ind in u.get("indicators") or []:
                    indicator_rows.append(
                        [
                            u.get("framework") or fw_id,
                            u.get("unit_code"),
                            u.get("unit_name"),
                            ind.get("id"),
                            ind.get("title_vi"),
                            ind.get("title_en"),
                            ind.get("level"),
                            "có" if ind.get("required") else "",
                            ind.get("status"),
                            STATUS_LABELS.get(str(ind.get("status")), ("",))[0],
                            ind.get("source"),
                            "chưa kiểm chứng" if ind.get("unverified") else "",
                            ind.get("earned"),
                            ind.get("points"),
                            ind.get("checks") or None,
                            ind.get("field"),
                        ]
                    )
                for cc in u.get("crosschecks") or []:
                    crosscheck_rows.append(
                        [
                            u.get("framework") or fw_id,
                            u.get("unit_code"),
                            u.get("unit_name"),
                            cc.get("field"),
                            cc.get("check"),
                            cc.get("claimed"),
                            cc.get("observed_status"),
                            cc.get("observed_value"),
                            cc.get("outcome"),
                            OUTCOME_LABELS.get(str(cc.get("outcome")), ("",))[0],
                        ]
                    )

    sheet("Xếp hạng", ranking_header, ranking_rows, {1: 18, 4: 9, 5: 34, 17: 30})
    sheet(
        "Chỉ tiêu",
        [
            "Khung / Framework",
            "Mã đơn vị / Unit code",
            "Đơn vị / Unit",
            "Chỉ tiêu / Indicator",
            "Tên / Title (vi)",
            "Title (en)",
            "Mức / Level",
            "Bắt buộc / Required",
            "Trạng thái / Status",
            "Trạng thái (vi)",
            "Nguồn / Source",
            "Chưa kiểm chứng / Unverified",
            "Điểm đạt / Earned",
            "Điểm tối đa / Points",
            "Kiểm tra / Checks",
            "Trường tự báo cáo / Field",
        ],
        indicator_rows,
        {3: 30, 4: 24, 5: 40, 6: 32, 15: 30},
    )
    cc_sheet = sheet(
        "Đối chiếu",
        [
            "Khung / Framework",
            "Mã đơn vị / Unit code",
            "Đơn vị / Unit",
            "Trường / Field",
            "Kiểm tra / Check",
            "Tự báo cáo / Claimed",
            "Quan sát / Observed status",
            "Giá trị quan sát / Observed value",
            "Kết quả / Outcome",
            "Kết quả (vi)",
        ],
        crosscheck_rows,
        {3: 30, 4: 28, 5: 24, 10: 26},
    )
    for row in cc_sheet.iter_rows(min_row=2):
        if row[8].value in DISAGREEMENTS:
            for cell in row:
                cell.fill = disagree_fill

    finding_rows: list[list[Any]] = []
    for unit in (findings or {}).get("units", []):
        crawl = unit.get("crawl") or {}
        for f in unit.get("findings") or []:
            evidence = f.get("evidence") or []
            first = evidence[0] if evidence else {}
            finding_rows.append(
                [
                    unit.get("code"),
                    unit.get("name"),
                    crawl.get("status"),
                    f.get("check"),
                    f.get("status"),
                    STATUS_LABELS.get(str(f.get("status")), ("",))[0],
                    f.get("value") if not isinstance(f.get("value"), dict | list) else json.dumps(f["value"]),
                    f.get("reason"),
                    first.get("url"),
                    first.get("excerpt"),
                    first.get("screenshot"),
                    first.get("locator"),
                    first.get("snapshot"),
                    len(evidence),
                ]
            )
    sheet(
        "Phát hiện",
        [
            "Mã đơn vị / Unit code",
            "Đơn vị / Unit",
            "Thu thập / Crawl",
            "Kiểm tra / Check",
            "Trạng thái / Status",
            "Trạng thái (vi)",
            "Giá trị / Value",
            "Lý do / Reason",
            "URL bằng chứng / Evidence URL",
            "Trích đoạn / Excerpt",
            "Ảnh chụp / Screenshot",
            "Vị trí phần tử / Locator",
            "Bản lưu trang / Snapshot",
            "Số bằng chứng / Evidence count",
        ],
        finding_rows,
        {2: 30, 4: 24, 8: 30, 9: 45, 10: 50, 11: 30, 12: 24, 13: 30},
    )
    wb.properties.creator = f"egov-audit {__version__}"
    wb.save(path)


# -- HTML -----------------------------------------------------------------------------------------


def _e(value: Any) -> str:
    """Escaped text of any value; None as an em dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float):
        return html.escape(_num(value))
    if isinstance(value, list):
        return html.escape(", ".join(map(str, value))) or "—"
    return html.escape(str(value), quote=True)


def _bi(vi: str, en: str) -> str:
    """Vietnamese first, English second (both escaped)."""
    return f'{html.escape(vi)} <span class="en">{html.escape(en)}</span>'


def _badge(kind: str, value: Any, labels: dict[str, tuple[str, str]]) -> str:
    key = str(value) if value is not None else "unknown"
    vi, en = labels.get(key, (key, key))
    css = re.sub(r"[^a-z_]", "", key.lower())
    return (
        f'<span class="badge {kind}-{css}">{html.escape(vi)} <span class="en">{html.escape(en)}</span></span>'
    )


def _href(url: Any, relative_ok: bool = False) -> str | None:
    """An escaped href for URLs that may be links (``core.urls.safe_href``): crawled ``javascript:`` or
    ``data:`` links stay text. ``relative_ok`` also accepts scheme-less paths (our own evidence links)."""
    href = safe_href(url, relative_ok=relative_ok)
    return html.escape(href, quote=True) if href is not None else None


def _link(url: Any) -> str:
    href = _href(url)
    return f'<a href="{href}" rel="noopener noreferrer nofollow">{_e(url)}</a>' if href else _e(url)


def _anchor(index: int, code: Any) -> str:
    return "u" + str(index) + "-" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(code))


def _svg_levels(units: list[dict[str, Any]]) -> str:
    """Vertical bars: how many units reached each level (and none)."""
    cats = [("—", None), *((lv, lv) for lv in LEVELS)]
    counts = [sum(1 for u in units if (u.get("achieved_level") or None) == key) for _, key in cats]
    top = max(counts) or 1
    w, h, bar, gap, base = 360, 190, 46, 22, 150
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        f'aria-label="Số đơn vị theo mức đạt được">'
    ]
    for i, ((label, _), n) in enumerate(zip(cats, counts, strict=True)):
        x = 20 + i * (bar + gap)
        bh = round(120 * n / top)
        parts.append(f'<rect x="{x}" y="{base - bh}" width="{bar}" height="{bh}" fill="#0b5394"/>')
        parts.append(
            f'<text x="{x + bar / 2}" y="{base - bh - 5}" text-anchor="middle" font-size="13">{n}</text>'
        )
        name = "Chưa đạt" if label == "—" else f"Mức {label}"
        parts.append(
            f'<text x="{x + bar / 2}" y="{base + 18}" text-anchor="middle" font-size="12">{name}</text>'
        )
    parts.append(f'<line x1="10" y1="{base}" x2="{w - 10}" y2="{base}" stroke="#555"/>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_points(units: list[dict[str, Any]]) -> str:
    """Total points: one bar per unit for small groups, a histogram by 10 % bands for large ones."""
    maxima = [sum((u.get("max_points") or {}).get(lv) or 0 for lv in LEVELS) for u in units]
    full = max(maxima + [1])
    if len(units) <= 40:
        row, label_w, bar_w = 18, 190, 300
        h = row * len(units) + 10
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" height="{h}" role="img" '
            f'aria-label="Tổng điểm theo đơn vị">'
        ]
        for i, u in enumerate(units):
            y = 5 + i * row
            total = float(u.get("total") or 0)
            bw = round(bar_w * total / full)
            name = _fit(str(u.get("unit_name") or u.get("unit_code") or ""), 28).rstrip()
            parts.append(
                f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" font-size="12">{html.escape(name)}</text>'
            )
            parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bw}" height="{row - 5}" fill="#3d85c6"/>')
            parts.append(
                f'<text x="{label_w + bw + 4}" y="{y + 12}" font-size="11">{html.escape(_num(total))}</text>'
            )
        parts.append("</svg>")
        return "".join(parts)
    bins = [0] * 10
    for u in units:
        share = float(u.get("total") or 0) / full
        bins[min(9, int(share * 10))] += 1
    top = max(bins) or 1
    w, base = 520, 150
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="190" role="img" '
        f'aria-label="Phân bố tổng điểm">'
    ]
    for i, n in enumerate(bins):
        x = 20 + i * 48
        bh = round(120 * n / top)
        parts.append(f'<rect x="{x}" y="{base - bh}" width="40" height="{bh}" fill="#3d85c6"/>')
        parts.append(f'<text x="{x + 20}" y="{base - bh - 4}" text-anchor="middle" font-size="12">{n}</text>')
        parts.append(
            f'<text x="{x + 20}" y="{base + 16}" text-anchor="middle" font-size="10">{i * 10}–{i * 10 + 10}%</text>'
        )
    parts.append(f'<line x1="10" y1="{base}" x2="{w - 10}" y2="{base}" stroke="#555"/></svg>')
    return "".join(parts)


def _ranking_html(index: int, units: list[dict[str, Any]]) -> str:
    head = (
        "<tr>"
        f'<th class="num">{_bi("Hạng", "Rank")}</th><th>{_bi("Đơn vị", "Unit")}</th>'
        f"<th>{_bi('Mức đạt', 'Level')}</th><th>{_bi('Sẵn sàng', 'Readiness')}</th>"
        + "".join(f'<th class="num">{_bi("Điểm " + lv, "Points " + lv)}</th>' for lv in LEVELS)
        + f'<th class="num">{_bi("Tổng", "Total")}</th><th>{_bi("Ghi chú", "Note")}</th></tr>'
    )
    rows = []
    for u in units:
        ranked = bool(u.get("ranked", True)) and u.get("rank") is not None
        points = u.get("points") or {}
        if ranked:
            note = (
                _badge("c", u.get("crawl_status"), CRAWL_LABELS)
                if u.get("crawl_status") not in (None, "ok")
                else ""
            )
        else:
            note = f"{_bi('Không xếp hạng', 'not ranked')}: {_e(u.get('not_ranked_reason'))}"
        readiness = _readiness_text(u.get("readiness_level"))
        if u.get("readiness_points") is not None:
            readiness += f" ({_num(u.get('readiness_points'))}/{_num(u.get('readiness_max'))})"
        rows.append(
            f'<tr class="{"ranked" if ranked else "not-ranked"}">'
            f'<td class="num">{_e(u.get("rank")) if ranked else "—"}</td>'
            f'<td><a href="#{_anchor(index, u.get("unit_code"))}">{_e(u.get("unit_name"))}</a> '
            f'<span class="en">{_e(u.get("unit_code"))}</span></td>'
            f"<td>{html.escape(_level_text(u.get('achieved_level')))}</td><td>{html.escape(readiness)}</td>"
            + "".join(f'<td class="num">{html.escape(_num(points.get(lv)))}</td>' for lv in LEVELS)
            + f'<td class="num"><b>{html.escape(_num(u.get("total")))}</b></td><td>{note}</td></tr>'
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _indicators_html(unit: dict[str, Any]) -> str:
    rows = []
    for ind in unit.get("indicators") or []:
        source = _badge("src", ind.get("source"), SOURCE_LABELS) if ind.get("source") else "—"
        if ind.get("unverified"):
            source += f' <span class="unverified">⚠ {_bi("chưa kiểm chứng", "unverified")}</span>'
        basis = _e(ind.get("checks")) if ind.get("checks") else ""
        if ind.get("field"):
            basis += (" + " if basis else "") + f"<code>{_e(ind.get('field'))}</code>"
        rows.append(
            f"<tr><td><code>{_e(ind.get('id'))}</code></td>"
            f'<td>{_e(ind.get("title_vi"))} <span class="en">{_e(ind.get("title_en"))}</span></td>'
            f"<td>{_e(ind.get('level'))}</td><td>{'✔' if ind.get('required') else ''}</td>"
            f"<td>{_badge('s', ind.get('status'), STATUS_LABELS)}</td><td>{source}</td>"
            f'<td class="num">{html.escape(_num(ind.get("earned")))}/{html.escape(_num(ind.get("points")))}</td>'
            f"<td>{basis or '—'}</td></tr>"
        )
    if not rows:
        return f"<p>{_bi('Không có chỉ tiêu.', 'No indicators.')}</p>"
    head = (
        f"<tr><th>{_bi('Chỉ tiêu', 'Indicator')}</th><th>{_bi('Tên', 'Title')}</th><th>{_bi('Mức', 'Level')}</th>"
        f"<th>{_bi('Bắt buộc', 'Required')}</th><th>{_bi('Trạng thái', 'Status')}</th>"
        f'<th>{_bi("Nguồn", "Source")}</th><th class="num">{_bi("Điểm", "Points")}</th>'
        f"<th>{_bi('Căn cứ', 'Based on')}</th></tr>"
    )
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _crosschecks_html(unit: dict[str, Any]) -> str:
    items = unit.get("crosschecks") or []
    if not items:
        return ""
    rows = []
    for cc in items:
        cls = ' class="disagree"' if cc.get("outcome") in DISAGREEMENTS else ""
        rows.append(
            f"<tr{cls}><td><code>{_e(cc.get('field'))}</code></td><td><code>{_e(cc.get('check'))}</code></td>"
            f"<td>{_e(cc.get('claimed'))}</td><td>{_badge('s', cc.get('observed_status'), STATUS_LABELS)}</td>"
            f"<td>{_e(cc.get('observed_value'))}</td><td>{_badge('o', cc.get('outcome'), OUTCOME_LABELS)}</td></tr>"
        )
    head = (
        f"<tr><th>{_bi('Trường', 'Field')}</th><th>{_bi('Kiểm tra', 'Check')}</th>"
        f"<th>{_bi('Tự báo cáo', 'Claimed')}</th><th>{_bi('Quan sát', 'Observed')}</th>"
        f"<th>{_bi('Giá trị quan sát', 'Observed value')}</th><th>{_bi('Kết quả', 'Outcome')}</th></tr>"
    )
    return (
        f"<h4>{_bi('Đối chiếu số liệu tự báo cáo', 'Cross-checks of self-reported figures')}</h4>"
        f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _findings_html(unit: dict[str, Any] | None, evidence_link: Callable[[str], str | None] | None) -> str:
    if not unit:
        return ""
    crawl = unit.get("crawl") or {}
    out = [f"<h4>{_bi('Phát hiện trên cổng thông tin', 'Findings on the portal')}</h4>"]
    out.append(
        f"<p>{_bi('Cổng', 'Portal')}: {_link(unit.get('portal_url'))} · "
        f"{_badge('c', crawl.get('status'), CRAWL_LABELS)} · {_bi('Số trang', 'pages')}: {_e(crawl.get('pages'))}"
        + (f" · {_bi('Lỗi', 'error')}: {_e(crawl.get('error'))}" if crawl.get("error") else "")
        + "</p>"
    )
    rows = []
    for f in unit.get("findings") or []:
        evidence_html = []
        for ev in f.get("evidence") or []:
            bits = [_link(ev.get("url"))]
            if ev.get("locator"):
                bits.append(f"<code>{_e(ev.get('locator'))}</code>")
            if ev.get("screenshot"):
                href = evidence_link(ev["screenshot"]) if evidence_link else None
                label = f'{html.escape("Ảnh chụp")} <span class="en">screenshot</span>'
                safe = _href(href, relative_ok=True)
                bits.append(
                    f'<a href="{safe}">{label}</a>'
                    if safe
                    else f"{label}: <code>{_e(ev.get('screenshot'))}</code>"
                )
            if ev.get("snapshot"):
                bits.append(f"{_bi('bản lưu', 'snapshot')}: <code>{_e(ev.get('snapshot'))}</code>")
            excerpt = f"<blockquote>{_e(ev.get('excerpt'))}</blockquote>" if ev.get("excerpt") else ""
            evidence_html.append(f"<div>{' · '.join(bits)}{excerpt}</div>")
        value = f.get("value")
        rows.append(
            f"<tr><td><code>{_e(f.get('check'))}</code></td><td>{_badge('s', f.get('status'), STATUS_LABELS)}</td>"
            f"<td>{_e(json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value)}</td>"
            f"<td>{_e(f.get('reason'))}</td><td>{''.join(evidence_html) or '—'}</td></tr>"
        )
    head = (
        f"<tr><th>{_bi('Kiểm tra', 'Check')}</th><th>{_bi('Trạng thái', 'Status')}</th>"
        f"<th>{_bi('Giá trị', 'Value')}</th><th>{_bi('Lý do', 'Reason')}</th><th>{_bi('Bằng chứng', 'Evidence')}</th></tr>"
    )
    out.append(f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>")
    return "".join(out)


def render_html(
    scores: dict[str, Any] | list[dict[str, Any]],
    findings: dict[str, Any] | None = None,
    *,
    evidence_link: Callable[[str], str | None] | None = None,
    generated_at: datetime | None = None,
    night: dict[str, Any] | None = None,
) -> str:
    """The HTML report as a string (``write_report`` writes it); every crawled value is escaped."""
    exports = _exports(scores)
    by_code = _findings_by_unit(findings)
    when = (generated_at or datetime.now(VN_TZ)).isoformat(timespec="minutes")
    body: list[str] = []
    all_units = [u for ex in exports for u in ex["units"]]
    disagreements = sum(
        1 for u in all_units for c in u.get("crosschecks") or [] if c.get("outcome") in DISAGREEMENTS
    )
    unverified = sum(1 for u in all_units for i in u.get("indicators") or [] if i.get("unverified"))
    not_ranked = sum(1 for u in all_units if not u.get("ranked", True))
    body.append(
        '<section class="summary-grid">'
        f"<div><b>{len(all_units)}</b>{_bi('đơn vị', 'units')}</div>"
        f"<div><b>{not_ranked}</b>{_bi('không xếp hạng', 'not ranked')}</div>"
        f"<div><b>{disagreements}</b>{_bi('chênh lệch cần xem xét', 'disagreements to review')}</div>"
        f"<div><b>{unverified}</b>{_bi('chỉ tiêu chưa kiểm chứng', 'unverified indicators')}</div>"
        "</section>"
    )
    body.append(night_sections_html(night))  # the night's changes and metrics, first thing in the morning
    for index, export in enumerate(exports):
        fw = export.get("framework") or {}
        body.append(f"<h2>{_e(_framework_title(export))}</h2>")
        if fw.get("digest"):
            body.append(
                f'<p class="meta">{_bi("Mã băm khung", "Framework digest")}: <code>{_e(fw.get("digest"))}</code></p>'
            )
        for key, units in _groups(export):
            vi, en = _group_title(export, key)
            body.append(f"<h3>{_bi('Xếp hạng — ' + vi, 'Ranking — ' + en)}</h3>")
            body.append(
                '<div class="charts">'
                f"<figure>{_svg_levels(units)}<figcaption>{_bi('Số đơn vị theo mức đạt được', 'Units per achieved level')}"
                "</figcaption></figure>"
                f"<figure>{_svg_points(units)}<figcaption>{_bi('Tổng điểm mức I–IV', 'Total points, levels I–IV')}"
                "</figcaption></figure></div>"
            )
            body.append(_ranking_html(index, units))
            body.append(f"<h3>{_bi('Chi tiết từng đơn vị — ' + vi, 'Unit details — ' + en)}</h3>")
            for u in units:
                summary = (
                    f'{_e(u.get("unit_name"))} <span class="en">{_e(u.get("unit_code"))}</span> — '
                    f"{html.escape(_level_text(u.get('achieved_level')))} — {_bi('tổng', 'total')} "
                    f"{html.escape(_num(u.get('total')))}"
                )
                body.append(
                    f'<details id="{_anchor(index, u.get("unit_code"))}"><summary>{summary}</summary>'
                    f"<h4>{_bi('Chỉ tiêu', 'Indicators')}</h4>{_indicators_html(u)}"
                    f"{_crosschecks_html(u)}{_findings_html(by_code.get(str(u.get('unit_code'))), evidence_link)}"
                    "</details>"
                )
    if findings and findings.get("run"):
        run = findings["run"]
        body.append(
            f'<p class="meta">{_bi("Lượt kiểm tra", "Audit run")}: {_e(run.get("id"))}, '
            f"{_e(run.get('started_at'))} → {_e(run.get('finished_at'))}</p>"
        )
    subtitle = " · ".join(_framework_title(ex) for ex in exports) or "—"
    template = Template((TEMPLATES / "report.html").read_text(encoding="utf-8"))
    return template.substitute(
        title=html.escape(f"Báo cáo chính quyền điện tử — {subtitle}"),
        subtitle=html.escape(subtitle),
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        body="\n".join(body),
        generated=html.escape(when),
        version=html.escape(__version__),
    )
