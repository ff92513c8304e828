"""The ranking as a plain-text table for the terminal (``egov-audit score`` and the demo print it), aligned by
display width so Vietnamese diacritics (combining marks in NFD) and wide characters keep the columns straight."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from egov_audit.reports.content import (
    LEVELS,
    exports_of,
    framework_title,
    group_title,
    groups,
    level_text,
    num,
    readiness_text,
)
from egov_audit.reports.labels import CRAWL_LABELS


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: combining marks take none, wide (CJK) characters two."""
    width = 0
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fit(text: str, width: int, align: str = "<") -> str:
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
            fit(c, w, a) if w else unicodedata.normalize("NFC", c)
            for c, (_, w, a) in zip(cells, columns, strict=True)
        ]
        return "  ".join(parts).rstrip()

    blocks: list[str] = []
    for export in exports_of(scores):
        for key, units in groups(export):
            vi, en = group_title(key)
            rows = [f"{framework_title(export)} · {vi} ({en})", line(c[0] for c in columns)]
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
                            level_text(u.get("achieved_level")),
                            readiness_text(u.get("readiness_level")),
                            *(num(points.get(level)) for level in LEVELS),
                            num(u.get("total")),
                            note,
                        ]
                    )
                )
            blocks.append("\n".join(rows))
    return "\n\n".join(blocks) + "\n" if blocks else "(không có đơn vị nào / no units)\n"
