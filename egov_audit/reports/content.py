"""What every report format shows, computed once from the plain export dicts: ranking order and groups,
number and level wording, and the figures officials look at first (per-indicator pass rates, the units'
tree by level, what each unit lacks for its next level, the change since last year's published result).

Pure functions: no database, no files; the format modules (html, xlsx, csv, json, terminal) only lay out
what these return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from egov_audit.core.errors import InputError
from egov_audit.core.text import fold
from egov_audit.reports.labels import TIER_LABELS

LEVELS = ("I", "II", "III", "IV")
LEVEL_RANK = {"I": 1, "II": 2, "III": 3, "IV": 4}
LEVEL_COLOURS = {None: "#c9ced6", "I": "#f6d365", "II": "#9ad0a8", "III": "#4f9bd9", "IV": "#1f4e8c"}
"""Achieved level → colour, shared by the HTML charts and the XLSX fills (none: grey; IV: darkest)."""
STATUS_COLOURS = {"pass": "#3f9b5a", "partial": "#e0b43c", "fail": "#c94a4a", "unknown": "#aab2bd"}


def exports_of(scores: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    exports = [scores] if isinstance(scores, dict) else list(scores)
    for i, export in enumerate(exports):
        if not isinstance(export, dict) or not isinstance(export.get("units"), list):
            raise InputError("scores", f"export {i + 1} has no 'units' list")
    return exports


def num(value: Any) -> str:
    """Points as people write them: 12, 12.5 (no trailing .0), empty for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def level_text(level: str | None) -> str:
    return f"Mức {level}" if level else "Chưa đạt mức I"


def readiness_text(level: int | None) -> str:
    return f"Mức {level}" if level else "—"


def is_ranked(unit: dict[str, Any]) -> bool:
    return bool(unit.get("ranked", True)) and unit.get("rank") is not None


def sort_key(unit: dict[str, Any]) -> tuple[Any, ...]:
    """Ranked units by rank; ties and unranked units by level, points, readiness, then code."""
    ranked = is_ranked(unit)
    return (
        not ranked,
        unit.get("rank") if ranked else math.inf,
        -LEVEL_RANK.get(unit.get("achieved_level") or "", 0),
        -(unit.get("total") or 0),
        -(unit.get("readiness_points") or 0),
        str(unit.get("unit_code", "")),
    )


def groups(export: dict[str, Any]) -> list[tuple[tuple[str, str], list[dict[str, Any]]]]:
    """Units of one export by (tier, province): rankings are within a province and a tier."""
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for unit in export["units"]:
        key = (str(unit.get("level") or ""), str(unit.get("province_code") or ""))
        by_key.setdefault(key, []).append(unit)
    order = {"province": 0, "district": 1, "commune": 2}
    return [
        (key, sorted(units, key=sort_key))
        for key, units in sorted(by_key.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1]))
    ]


def framework_title(export: dict[str, Any]) -> str:
    fw = export.get("framework") or {}
    name = fw.get("name") or fw.get("id") or "?"
    version = f" v{fw['version']}" if fw.get("version") else ""
    return f"{name}{version} — {export.get('year', '')}".strip(" —")


def group_title(key: tuple[str, str]) -> tuple[str, str]:
    tier, province = key
    vi, en = TIER_LABELS.get(tier, (tier or "Đơn vị", tier or "units"))
    where_vi = f", tỉnh/thành phố mã {province}" if province else ""
    where_en = f", province code {province}" if province else ""
    return f"{vi}{where_vi}", f"{en.capitalize()}{where_en}"


def findings_by_unit(findings: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not findings:
        return {}
    return {str(u.get("code")): u for u in findings.get("units", []) if isinstance(u, dict)}


# -- figures ------------------------------------------------------------------------------------------


@dataclass
class PassRate:
    """How many units of a group met one indicator."""

    id: str
    title_vi: str
    title_en: str
    level: str
    required: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def applicable(self) -> int:
        return sum(n for status, n in self.counts.items() if status != "not_applicable")

    @property
    def rate(self) -> float:
        """Share of applicable units that passed (partial counts half, as in the points)."""
        if not self.applicable:
            return 0.0
        return (self.counts.get("pass", 0) + self.counts.get("partial", 0) / 2) / self.applicable


def pass_rates(units: list[dict[str, Any]]) -> list[PassRate]:
    """Per indicator, in framework order, the statuses of the group's units."""
    rates: dict[str, PassRate] = {}
    for unit in units:
        for ind in unit.get("indicators") or []:
            rate = rates.get(ind.get("id"))
            if rate is None:
                rate = rates[ind["id"]] = PassRate(str(ind["id"]), str(ind.get("title_vi") or ind["id"]),
                                                   str(ind.get("title_en") or ""), str(ind.get("level") or ""),
                                                   bool(ind.get("required")))
            status = str(ind.get("status") or "unknown")
            rate.counts[status] = rate.counts.get(status, 0) + 1
    return list(rates.values())


def next_level(unit: dict[str, Any]) -> dict[str, Any] | None:
    """The level above the unit's and the required indicators it still lacks for it (levels I..next);
    None for a unit at level IV."""
    achieved = unit.get("achieved_level")
    target_rank = LEVEL_RANK.get(achieved or "", 0) + 1
    if target_rank > len(LEVELS):
        return None
    target = LEVELS[target_rank - 1]
    missing = [ind for ind in unit.get("indicators") or []
               if ind.get("required") and LEVEL_RANK.get(ind.get("level") or "", 0) and
               LEVEL_RANK[ind["level"]] <= target_rank and not ind.get("met") and
               ind.get("status") != "not_applicable"]
    return {"level": target, "missing": missing}


@dataclass
class Change:
    """A unit's result against last year's published result."""

    previous_level: str | None
    previous_total: float | None
    previous_rank: int | None
    comparable: bool

    def level_delta(self, level: str | None) -> int:
        return LEVEL_RANK.get(level or "", 0) - LEVEL_RANK.get(self.previous_level or "", 0)


def year_over_year(units: list[dict[str, Any]], previous: list[dict[str, Any]] | None) -> dict[str, Change]:
    """For each unit of ``units``, its result in ``previous`` (last year's published exports), matched by code
    *and* name within the same tier: the pre- and post-2025 code spaces overlap and mean different places,
    so a code whose name changed is not compared."""
    before: dict[tuple[str, str], dict[str, Any]] = {}
    for export in previous or []:
        for unit in export.get("units") or []:
            before[(str(unit.get("level")), str(unit.get("unit_code")))] = unit
    changes: dict[str, Change] = {}
    for unit in units:
        old = before.get((str(unit.get("level")), str(unit.get("unit_code"))))
        if old is None:
            continue
        same_place = fold(str(old.get("unit_name") or "")) == fold(str(unit.get("unit_name") or ""))
        changes[str(unit["unit_code"])] = Change(old.get("achieved_level"), old.get("total"),
                                                 old.get("rank") if is_ranked(old) else None, same_place)
    return changes


def change_counts(units: list[dict[str, Any]], changes: dict[str, Change]) -> dict[str, int]:
    """Units whose level rose, held or fell since last year, and those with no comparable result."""
    counts = {"up": 0, "same": 0, "down": 0, "new": 0}
    for unit in units:
        change = changes.get(str(unit.get("unit_code")))
        if change is None or not change.comparable:
            counts["new"] += 1
            continue
        delta = change.level_delta(unit.get("achieved_level"))
        counts["up" if delta > 0 else "down" if delta < 0 else "same"] += 1
    return counts


def tree(units: list[dict[str, Any]], names: dict[str, str]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The group's units under their parents (districts, or the province for two tiers), parents by code:
    ``(parent code, parent name, units by code)``. ``names`` maps codes of other exports' units to names."""
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for unit in units:
        by_parent.setdefault(str(unit.get("parent_code") or unit.get("province_code") or ""), []).append(unit)
    return [(code, names.get(code) or (f"Mã {code}" if code else "—"),
             sorted(members, key=lambda u: str(u.get("unit_code"))))
            for code, members in sorted(by_parent.items())]


def unit_names(exports: list[dict[str, Any]]) -> dict[str, str]:
    return {str(u.get("unit_code")): str(u.get("unit_name") or "") for e in exports for u in e["units"]}
