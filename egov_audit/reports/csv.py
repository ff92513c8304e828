"""The CSV report: one row per unit (and framework) in ranking order, for Excel (UTF-8 with a BOM, written by
``write_report``) and for other programs; text that a spreadsheet would run as a formula is made inert."""

from __future__ import annotations

import csv
import io
from typing import Any

from egov_audit.reports.content import LEVELS, Change, exports_of, groups, next_level, num, year_over_year
from egov_audit.reports.labels import DISAGREEMENTS

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
    # Extensions (issue 10): which score set, what is missing for the next level, last year's published result.
    "framework_digest",
    "score_set",
    "published",
    "next_level",
    "missing_for_next_level",
    "previous_level",
    "previous_total",
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
        return num(value)
    return _cell_text(value)


def _unit_row(export: dict[str, Any], u: dict[str, Any], change: Change | None) -> list[Any]:
    fw = export.get("framework") or {}
    score_set = export.get("score_set") or {}
    upcoming = next_level(u)
    comparable = change is not None and change.comparable
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
        fw.get("digest"),
        score_set.get("id"),
        score_set.get("published") if score_set else None,
        upcoming["level"] if upcoming else None,
        " | ".join(str(i.get("id")) for i in upcoming["missing"]) if upcoming else None,
        change.previous_level if comparable and change else None,
        change.previous_total if comparable and change else None,
    ]


def render_csv(scores: dict[str, Any] | list[dict[str, Any]], previous: list[dict[str, Any]] | None = None) -> str:
    """One row per unit (and framework), ranked order; the caller adds the BOM when writing. ``previous``:
    last year's published exports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for export in exports_of(scores):
        for _, units in groups(export):
            changes = year_over_year(units, previous)
            for u in units:
                row = _unit_row(export, u, changes.get(str(u.get("unit_code"))))
                writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()
