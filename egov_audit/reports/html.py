"""The HTML report: one self-contained page (inline CSS and SVG charts, no script, no external asset) rendered
from Jinja2 templates with autoescape, so every crawled value (excerpts, URLs, reasons) is escaped by the
template engine and links pass ``core.urls.safe_href``, the one link-safety rule of the project.

This module turns the exports into view dicts (what each table row and chart shows); the templates in
``reports/templates/`` only lay them out.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from numbers import Number
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from egov_audit import __version__
from egov_audit.core.dates import VN_TZ
from egov_audit.core.urls import safe_href
from egov_audit.reports import charts
from egov_audit.reports.content import (
    LEVEL_COLOURS,
    LEVELS,
    change_counts,
    exports_of,
    findings_by_unit,
    framework_title,
    group_title,
    groups,
    is_ranked,
    level_text,
    next_level,
    num,
    pass_rates,
    readiness_text,
    tree,
    unit_names,
    year_over_year,
)
from egov_audit.reports.labels import (
    CRAWL_LABELS,
    DISAGREEMENTS,
    OUTCOME_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
)
from egov_audit.reports.night_sections import night_sections_html

TEMPLATES = Path(__file__).resolve().parent / "templates"
EvidenceLink = Callable[[str], str | None]


@cache
def environment() -> Environment:
    # Exports stored by older versions lack the newer keys: a missing key renders as nothing.
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"], default=True),
                      undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = num
    env.filters["href"] = report_href
    env.globals.update(STATUS=STATUS_LABELS, SOURCE=SOURCE_LABELS, OUTCOME=OUTCOME_LABELS, CRAWL=CRAWL_LABELS,
                       LEVELS=LEVELS, LEVEL_COLOURS=LEVEL_COLOURS, bi=bilingual, badge=badge, text=value_text,
                       decision=decision)
    return env


# The fragments every row of the report repeats. They are Python, not template macros: a 10,000-unit
# report calls them half a million times and a Jinja macro call costs several times a function call.
# Markup.format escapes every argument that is not already Markup, exactly as the template would.
_BILINGUAL = Markup('{} <span class="en">{}</span>')
_BADGE = Markup('<span class="badge {}-{}">{} <span class="en">{}</span></span>')


def bilingual(vi: Any, en: Any) -> Markup:
    """Vietnamese first, the English beside it (hidden by the reader's choice of language)."""
    return _BILINGUAL.format(vi, en)


def badge(kind: str, value: Any, labels: dict[str, tuple[str, str]]) -> Markup:
    """A coloured status word: class ``<kind>-<value>``, the Vietnamese label and the English one."""
    key = value if value is not None else "unknown"
    words = labels.get(str(key), (key, key))
    return _BADGE.format(kind, str(key).lower().replace(" ", "_"), words[0], words[1])


def value_text(value: Any) -> Markup | str:
    """A cell's value in words: a dash for nothing, có/không for yes/no, numbers as people write them."""
    if value is None or value == "":
        return "—"
    if value is True:
        return "có"
    if value is False:
        return "không"
    if isinstance(value, Number):
        return num(value)
    return escape(value)


_DECISION = Markup('<div class="decision">{}: <b>{}</b>, {} — {}</div>')


def decision(d: dict[str, Any] | None) -> Markup | str:
    """Who decided, when and why, under a finding, a cross-check or a unit; nothing without a decision."""
    if not d:
        return ""
    return _DECISION.format(bilingual("Người duyệt", "reviewer"), d.get("reviewer") or "?", d.get("decided_at") or "—",
                            d.get("reason") or "—")


def report_href(url: Any, relative_ok: bool = False) -> str | None:
    """An href for the report, or None to show the URL as text: ``safe_href`` first, then no link to an address
    an official's browser cannot reach (loopback, private, link-local: a demo's or an intranet's port)."""
    href = safe_href(url, relative_ok=relative_ok)
    if href is None or not re.match(r"(?i)https?://", href):
        return href
    host = urlsplit(href).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None if host == "localhost" or host.endswith(".localhost") else href
    return None if (address.is_private or address.is_loopback or address.is_link_local) else href


def anchor(index: int, code: Any) -> str:
    return "u" + str(index) + "-" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(code))


def _value_text(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def _check_title(check: str) -> tuple[str, str]:
    from egov_audit.checks import get_check

    try:
        declared = get_check(check)
    except KeyError:
        return check, ""
    return declared.title_vi, declared.title_en


def _evidence_view(ev: dict[str, Any], evidence_link: EvidenceLink | None) -> dict[str, Any]:
    shot = ev.get("screenshot")
    link = evidence_link(shot) if shot and evidence_link else None
    return {"url": ev.get("url"), "href": report_href(ev.get("url")), "excerpt": ev.get("excerpt"),
            "screenshot": shot, "screenshot_href": safe_href(link, relative_ok=True) if link else None,
            "locator": ev.get("locator")}


def _findings_view(unit: dict[str, Any] | None, evidence_link: EvidenceLink | None) -> dict[str, Any] | None:
    if not unit:
        return None
    rows = []
    for f in unit.get("findings") or []:
        title_vi, title_en = _check_title(str(f.get("check")))
        rows.append({"check": f.get("check"), "title_vi": title_vi, "title_en": title_en, "status": f.get("status"),
                     "value": _value_text(f.get("value")), "reason": f.get("reason"),
                     "evidence": [_evidence_view(ev, evidence_link) for ev in f.get("evidence") or []]})
    crawl = unit.get("crawl") or {}
    return {"portal": unit.get("portal_url"), "portal_href": report_href(unit.get("portal_url")),
            "crawl": crawl.get("status"), "pages": crawl.get("pages"), "error": crawl.get("error"), "rows": rows}


STATUS_CODES = {"pass": "p", "partial": "h", "fail": "f", "unknown": "u", "not_applicable": "n"}
"""Status → the one-letter class of a cell of the indicator matrix (kept short: a province has 60 × 700 cells)."""
REVIEW_OUTCOMES = DISAGREEMENTS | {"unverifiable"}
"""Cross-check outcomes shown row by row in a unit's details; the others are counted."""


DETAIL_LIMIT = 300
"""Above this many units in a group, a unit's details list only unverified and reviewer-decided indicators
(the matrix and the missing-for-next-level list show the others): 60 rows × 10,000 units is no report."""


_CELLS = {code: Markup(f'<td class="m-{code}"></td>') for code in STATUS_CODES.values()}


def _matrix_cells(unit: dict[str, Any]) -> Markup:
    """A unit's row of the matrix. Only our own class names go in (never a crawled or imported value), so
    joining prepared cells is safe, and it spares the template 60 escapes per unit."""
    return Markup("").join(_CELLS[STATUS_CODES.get(str(i.get("status")), "u")] for i in unit.get("indicators") or [])


def _indicator_notes(unit: dict[str, Any], large: bool) -> list[dict[str, Any]]:
    """The indicators a reader must see in words: not passed (in groups up to ``DETAIL_LIMIT`` units),
    unverified, or decided by a reviewer; the matrix shows the rest at a glance."""
    return [ind for ind in unit.get("indicators") or []
            if (ind.get("status") != "pass" and not large) or ind.get("unverified") or ind.get("decision")]


def _crosscheck_view(cc: dict[str, Any], evidence_link: EvidenceLink | None) -> dict[str, Any]:
    observed = cc.get("observed") or {}
    return {**cc, "disagree": cc.get("outcome") in DISAGREEMENTS, "survey": cc.get("survey") or {},
            "evidence": _evidence_view(observed, evidence_link) if observed else None,
            "decision": cc.get("decision")}


def _unit_view(index: int, unit: dict[str, Any], change: Any, findings: dict[str, Any] | None,
               evidence_link: EvidenceLink | None, large: bool = False) -> dict[str, Any]:
    ranked = is_ranked(unit)
    readiness = readiness_text(unit.get("readiness_level"))
    if unit.get("readiness_points") is not None:
        readiness += f" ({num(unit.get('readiness_points'))}/{num(unit.get('readiness_max'))})"
    delta = None
    if change is not None and change.comparable:
        previous_total = change.previous_total if change.previous_total is not None else 0
        delta = {"level": change.level_delta(unit.get("achieved_level")),
                 "previous": level_text(change.previous_level),
                 "total": round(float(unit.get("total") or 0) - float(previous_total), 2)}
    return {
        "anchor": anchor(index, unit.get("unit_code")), "code": unit.get("unit_code"), "name": unit.get("unit_name"),
        "ranked": ranked, "rank": unit.get("rank") if ranked else None, "reason": unit.get("not_ranked_reason"),
        "crawl": unit.get("crawl_status"), "level": level_text(unit.get("achieved_level")),
        "level_key": unit.get("achieved_level"), "readiness": readiness,
        "points": [num((unit.get("points") or {}).get(lv)) for lv in LEVELS], "total": num(unit.get("total")),
        "change": delta, "next": next_level(unit), "notes": _indicator_notes(unit, large),
        "cells": _matrix_cells(unit),
        "crosschecks": [_crosscheck_view(cc, evidence_link) for cc in unit.get("crosschecks") or []
                        if cc.get("outcome") in REVIEW_OUTCOMES],
        "agreeing": sum(1 for cc in unit.get("crosschecks") or [] if cc.get("outcome") == "confirmed"),
        "unit_decision": unit.get("unit_decision"),
        "findings": _findings_view(findings, evidence_link),
    }


def _group_view(index: int, key: tuple[str, str], units: list[dict[str, Any]], names: dict[str, str],
                previous: list[dict[str, Any]] | None, by_code: dict[str, Any],
                evidence_link: EvidenceLink | None) -> dict[str, Any]:
    vi, en = group_title(key)
    changes = year_over_year(units, previous)
    counts = change_counts(units, changes) if previous else None
    rates = pass_rates(units)
    return {
        "title_vi": vi, "title_en": en,
        "levels_chart": charts.levels_chart(units),
        "tree_chart": charts.tree_chart(tree(units, names), lambda code: anchor(index, code)),
        "pass_chart": charts.pass_rate_chart(rates) if rates else None,
        "rates": rates,
        "change_chart": charts.change_chart(counts) if counts else None,
        "change_counts": counts,
        "large": len(units) > DETAIL_LIMIT,
        "units": [_unit_view(index, u, changes.get(str(u.get("unit_code"))), by_code.get(str(u.get("unit_code"))),
                             evidence_link, len(units) > DETAIL_LIMIT) for u in units],
    }


def render_html(
    scores: dict[str, Any] | list[dict[str, Any]],
    findings: dict[str, Any] | None = None,
    *,
    evidence_link: EvidenceLink | None = None,
    generated_at: datetime | None = None,
    previous: list[dict[str, Any]] | None = None,
    night: dict[str, Any] | None = None,
) -> str:
    """The HTML report as a string (``write_report`` writes it); every crawled value is escaped.

    ``previous``: last year's published exports, for the change since then; ``evidence_link`` maps a
    screenshot digest to an href (e.g. the review app's); without it digests are not shown as links.
    ``night``: the night's changes and run metrics, shown first (``reports.night_sections``)."""
    exports = exports_of(scores)
    by_code = findings_by_unit(findings)
    names = unit_names(exports)
    all_units = [u for ex in exports for u in ex["units"]]
    sections = []
    for index, export in enumerate(exports):
        sections.append({
            "title": framework_title(export), "framework": export.get("framework") or {},
            "score_set": export.get("score_set"),
            "groups": [_group_view(index, key, units, names, previous, by_code, evidence_link)
                       for key, units in groups(export)],
        })
    summary = {
        "units": len(all_units),
        "not_ranked": sum(1 for u in all_units if not u.get("ranked", True)),
        "disagreements": sum(1 for u in all_units for c in u.get("crosschecks") or [] if c.get("outcome") in DISAGREEMENTS),
        "unverified": sum(1 for u in all_units for i in u.get("indicators") or [] if i.get("unverified")),
    }
    subtitle = " · ".join(framework_title(ex) for ex in exports) or "—"
    return environment().get_template("report.html").render(
        title=f"Báo cáo chính quyền điện tử — {subtitle}", subtitle=subtitle, sections=sections, summary=summary,
        run=(findings or {}).get("run"), css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        generated=(generated_at or datetime.now(VN_TZ)).isoformat(timespec="minutes"), version=__version__,
        has_previous=bool(previous), night=Markup(night_sections_html(night)))
