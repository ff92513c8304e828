"""Loading and validating scoring frameworks (config/frameworks/*.yaml, CRITERIA.md §4).

A framework is data a province may edit, so every mistake in it must be reported with the file, the
key path and the problem (``config/frameworks/x.yaml: indicators[3].points: must be a number, got 'ba'``)
before anything is scored. All problems of a file are collected and raised together as one
``FrameworkError`` (an ``InputError``: the CLI prints it and exits 2).
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.core.errors import InputError
from egov_audit.core.yamlfile import load_yaml, parse_yaml

LEVELS: tuple[str, ...] = ("readiness", "I", "II", "III", "IV")
"""Every level an indicator may belong to; ``I``..``IV`` are the achieved levels, in order."""
ACHIEVED_LEVELS: tuple[str, ...] = ("I", "II", "III", "IV")
TIERS: dict[str, tuple[str, ...]] = {
    # Department-level portals are entered with level `district` (CRITERIA.md §5) and scored with the
    # district framework; a `province` row only parents its units and is never rated by 2392.
    "district": ("district",),
    "commune": ("commune",),
}
MODES = ("any", "all")
COMBINES = ("fallback", "any", "all")
NUMERIC_TYPES = ("integer", "number", "percent")

_TOP_KEYS = ("version", "name", "tier", "years", "crosscheck_tolerance", "readiness_levels", "check_options",
             "levels", "indicators")
_REQUIRED_TOP = ("version", "name", "tier", "years", "levels", "indicators")
_INDICATOR_KEYS = ("id", "title", "level", "points", "required", "allow_partial", "source")
_SOURCE_KEYS = ("checks", "mode", "min_value", "field", "condition", "combine")
_CONDITION_KEYS = ("min", "gt", "max", "per", "equals")
_LEVEL_KEYS = ("points", "vi", "en")


class FrameworkError(InputError):
    """A framework file is missing, not YAML, or breaks a rule; names the file and the key path."""


@dataclass(frozen=True)
class SurveyField:
    """One self-reported field of config/survey_fields.yaml (CRITERIA.md §3): the one description of a
    field that the survey form, its import and scoring all read."""

    id: str
    type: str
    """``integer``, ``number``, ``yes_no`` or ``percent``."""
    kind: str
    """``SELF`` or ``BOTH``."""
    crosscheck: str | None = None
    """The check a BOTH field is compared with."""
    compare_value: bool = False
    """True when the check's ``value`` (not its status) is compared with the claim."""
    max_field: str | None = None
    """The value may not exceed this other field of the same form (``staff_with_computer ≤ staff_total``)."""
    vi: str = ""
    en: str = ""
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Condition:
    """When a self-reported value meets an indicator. Yes/no fields: ``equals`` (default true)."""

    min: Fraction | None = None
    gt: Fraction | None = None
    max: Fraction | None = None
    per: str | None = None
    """Divide the field by this other field first (a ratio such as staff_with_computer / staff_total)."""
    equals: bool | None = None


@dataclass(frozen=True)
class Source:
    checks: tuple[str, ...] = ()
    mode: str = "all"
    min_value: Fraction | None = None
    field: str | None = None
    condition: Condition | None = None
    combine: str | None = None
    """How ``field`` combines with ``checks``: ``fallback`` (BOTH: self-report only when the observation
    is unknown), ``any`` or ``all``; None when the indicator has only checks or only a field."""


@dataclass(frozen=True)
class Indicator:
    id: str
    title_vi: str
    title_en: str
    level: str
    points: Fraction
    required: bool
    allow_partial: bool
    source: Source


@dataclass(frozen=True)
class LevelSpec:
    points: Fraction
    title_vi: str
    title_en: str


@dataclass(frozen=True)
class Framework:
    id: str
    """The file name without ``.yaml`` (what ``--framework`` takes)."""
    name: str
    version: str
    digest: str
    """``sha256:<hex>`` of the file bytes: scores name exactly the framework text they came from."""
    path: Path
    content: str
    tier: str
    year_from: int | None
    year_to: int | None
    levels: dict[str, LevelSpec]
    readiness_levels: tuple[tuple[int, Fraction], ...]
    """``(level, min_percent)`` best first; the last has min_percent 0."""
    crosscheck_tolerance: Fraction
    check_options: dict[str, dict[str, Any]]
    indicators: tuple[Indicator, ...]
    field_catalogue: dict[str, SurveyField] = field(repr=False)
    """Every survey field of config/survey_fields.yaml, by id."""

    @property
    def levels_audited(self) -> tuple[str, ...]:
        """Unit levels this framework scores."""
        return TIERS[self.tier]

    def applies_to(self, year: int) -> bool:
        return (self.year_from is None or year >= self.year_from) and (self.year_to is None or year <= self.year_to)

    @property
    def check_ids(self) -> tuple[str, ...]:
        """Checks the indicators read, in catalogue order."""
        used = {c for ind in self.indicators for c in ind.source.checks}
        return tuple(c for c in CHECK_IDS if c in used)

    @property
    def crosscheck_fields(self) -> tuple[str, ...]:
        """Every BOTH field of config/survey_fields.yaml (in its order): a claim is compared with the portal
        under every framework, also where no indicator of this one scores it (``has_english`` for communes)."""
        return tuple(f.id for f in self.field_catalogue.values() if f.kind == "BOTH")

    @property
    def survey_fields(self) -> tuple[str, ...]:
        """Fields the survey form for this framework must ask (survey_fields.yaml order): the fields
        indicators use, their ratio denominators, BOTH fields to cross-check, and the fields those
        are bounded by (``max_field``) so the import can validate them."""
        wanted: set[str] = set(self.crosscheck_fields)
        for ind in self.indicators:
            if ind.source.field:
                wanted.add(ind.source.field)
            if ind.source.condition and ind.source.condition.per:
                wanted.add(ind.source.condition.per)
        for fid in list(wanted):
            bound = self.field_catalogue[fid].max_field
            if bound:
                wanted.add(bound)
        return tuple(f for f in self.field_catalogue if f in wanted)


# ── loading ────────────────────────────────────────────────────────────────────────────────────────

def _display(path: Path, config_dir: Path) -> str:
    """The file name as messages show it: relative to the project when it is inside config_dir."""
    try:
        return str(path.resolve().relative_to(config_dir.resolve().parent))
    except ValueError:
        return str(path)


def list_frameworks(config_dir: Path) -> list[str]:
    """Ids of the frameworks in ``config_dir/frameworks`` (file names without .yaml), sorted."""
    folder = Path(config_dir) / "frameworks"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


SURVEY_FIELD_TYPES = ("integer", "number", "yes_no", "percent")
_SURVEY_FIELD_KEYS = ("id", "type", "kind", "vi", "en", "min", "max", "max_field", "crosscheck", "compare")


def load_survey_fields(config_dir: Path) -> dict[str, SurveyField]:
    """The survey field catalogue (config/survey_fields.yaml), by id, in file order; every mistake is a
    ``FrameworkError`` naming the file and the key."""
    path = Path(config_dir) / "survey_fields.yaml"
    shown = _display(path, Path(config_dir))
    data = load_yaml(path, shown, FrameworkError)
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise FrameworkError(shown, "expected a top-level 'fields' list")
    result: dict[str, SurveyField] = {}
    for i, row in enumerate(data["fields"]):
        where = f"fields[{i}]"
        if not isinstance(row, dict) or "id" not in row or "type" not in row:
            raise FrameworkError(shown, "each field needs 'id' and 'type'", where)
        unknown = sorted(set(row) - set(_SURVEY_FIELD_KEYS))
        if unknown:
            raise FrameworkError(shown, f"unknown keys {unknown}", where)
        kind = str(row.get("kind", "SELF"))
        if row["type"] not in SURVEY_FIELD_TYPES:
            raise FrameworkError(shown, f"type {row['type']!r} is not one of {', '.join(SURVEY_FIELD_TYPES)}", where)
        if kind not in ("SELF", "BOTH") or (kind == "BOTH") != bool(row.get("crosscheck")):
            raise FrameworkError(shown, "kind must be SELF, or BOTH with the crosscheck it is compared with", where)
        if row.get("crosscheck") and row["crosscheck"] not in CHECK_IDS:
            raise FrameworkError(shown, f"unknown check id {row['crosscheck']!r}", f"{where}.crosscheck")
        fid = str(row["id"])
        if fid in result:
            raise FrameworkError(shown, f"field {fid} is defined twice", where)
        percent = row["type"] == "percent"
        result[fid] = SurveyField(
            id=fid, type=str(row["type"]), kind=kind, crosscheck=row.get("crosscheck"),
            compare_value=row.get("compare") == "value", max_field=row.get("max_field"),
            vi=str(row.get("vi", fid)), en=str(row.get("en", fid)),
            min=row.get("min", 0 if percent else None), max=row.get("max", 100 if percent else None))
    for f in result.values():
        if f.max_field and f.max_field not in result:
            raise FrameworkError(shown, f"max_field {f.max_field!r} is not a field", f"field {f.id}")
    return result


def load_framework(id_or_path: str | Path, config_dir: Path) -> Framework:
    """Load and validate a framework by id (``qd2392-district``) or by path to a YAML file."""
    config_dir = Path(config_dir)
    candidate = Path(id_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        path = candidate
    else:
        path = config_dir / "frameworks" / f"{id_or_path}.yaml"
    shown = _display(path, config_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        known = ", ".join(list_frameworks(config_dir)) or "none"
        raise FrameworkError(shown, f"framework not found (known: {known})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameworkError(shown, f"not UTF-8 text (byte {exc.start})") from None
    data = parse_yaml(text, shown, FrameworkError)
    catalogue = load_survey_fields(config_dir)
    v = _Validator(catalogue)
    fw = v.framework(data)
    if fw is not None and fw.get("check_options"):
        # The checks own their threshold names: ask them, so a typo is caught here, naming this file.
        from egov_audit.checks.options import CheckOptions, OptionsError

        try:
            CheckOptions.from_config(config_dir, fw["check_options"])
        except OptionsError as exc:
            v.err("check_options", str(exc))
    if v.problems:
        raise FrameworkError(shown, v.problems)
    assert fw is not None
    return Framework(id=path.stem, digest="sha256:" + hashlib.sha256(raw).hexdigest(), path=path, content=text,
                     field_catalogue=catalogue, **fw)


# ── validation ─────────────────────────────────────────────────────────────────────────────────────

def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fraction(value: int | float) -> Fraction:
    # Through str so 0.1 stays 1/10: points and thresholds then sum and compare exactly.
    return Fraction(str(value))


class _Validator:
    """Walks the parsed YAML, collecting ``(key path, problem)`` pairs instead of stopping at the first."""

    def __init__(self, catalogue: dict[str, SurveyField]) -> None:
        self.catalogue = catalogue
        self.problems: list[tuple[str, str]] = []

    def err(self, where: str, problem: str) -> None:
        self.problems.append((where, problem))

    def keys(self, mapping: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in mapping:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(allowed)})"
                self.err(f"{where}.{key}" if where else str(key), f"unknown key{more}")

    def mapping(self, value: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.err(where, f"must be a mapping, got {value!r}")
            return None
        return value

    def number(self, value: Any, where: str, negative_ok: bool = False) -> Fraction | None:
        if not _is_number(value):
            self.err(where, f"must be a number, got {value!r}")
            return None
        if not negative_ok and value < 0:
            self.err(where, f"must not be negative, got {value!r}")
            return None
        return _fraction(value)

    def text(self, value: Any, where: str) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.err(where, "missing")
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.err(where, f"must be text, got {value!r}")
            return None
        return str(value)

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.err(where, f"must be true or false, got {value!r}")
            return False
        return value

    def framework(self, data: Any) -> dict[str, Any] | None:
        top = self.mapping(data, "")
        if top is None:
            return None
        self.keys(top, _TOP_KEYS, "")
        for key in _REQUIRED_TOP:
            if key not in top:
                self.err(key, "missing")
        tier = top.get("tier")
        if "tier" in top and not (isinstance(tier, str) and tier in TIERS):
            self.err("tier", f"must be one of {', '.join(TIERS)}, got {tier!r}")
        levels = self.levels(top.get("levels"))
        indicators = self.indicators(top.get("indicators"), levels)
        year_from, year_to = self.years(top.get("years"))
        tolerance = Fraction(1, 5)
        if "crosscheck_tolerance" in top:
            given = self.number(top["crosscheck_tolerance"], "crosscheck_tolerance")
            if given is not None and given >= 1:
                self.err("crosscheck_tolerance", f"must be a fraction below 1 (0.2 = 20 %), got {top['crosscheck_tolerance']!r}")
            elif given is not None:
                tolerance = given
        return {
            "name": self.text(top.get("name"), "name") if "name" in top else "",
            "version": self.text(top.get("version"), "version") if "version" in top else "",
            "tier": tier if isinstance(tier, str) and tier in TIERS else "district",
            "year_from": year_from,
            "year_to": year_to,
            "levels": levels,
            "readiness_levels": self.readiness_levels(top.get("readiness_levels")),
            "crosscheck_tolerance": tolerance,
            "check_options": self.check_options(top.get("check_options")),
            "indicators": tuple(indicators),
        }

    def years(self, value: Any) -> tuple[int | None, int | None]:
        if value is None:
            return None, None
        years = self.mapping(value, "years")
        if years is None:
            return None, None
        self.keys(years, ("from", "to"), "years")
        bounds: list[int | None] = []
        for key in ("from", "to"):
            y = years.get(key)
            if y is not None and (not isinstance(y, int) or isinstance(y, bool) or not 1990 <= y <= 2200):
                self.err(f"years.{key}", f"must be a year, got {y!r}")
                y = None
            bounds.append(y)
        if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
            self.err("years", f"from {bounds[0]} is after to {bounds[1]}")
        return bounds[0], bounds[1]

    def levels(self, value: Any) -> dict[str, LevelSpec]:
        result: dict[str, LevelSpec] = {}
        if value is None:
            return result
        levels = self.mapping(value, "levels")
        if levels is None:
            return result
        self.keys(levels, LEVELS, "levels")
        for name in LEVELS:
            where = f"levels.{name}"
            spec = levels.get(name)
            if spec is None:
                self.err(where, "missing")
                continue
            if self.mapping(spec, where) is None:
                continue
            self.keys(spec, _LEVEL_KEYS, where)
            points = self.number(spec.get("points"), f"{where}.points")
            vi = self.text(spec.get("vi"), f"{where}.vi")
            en = self.text(spec.get("en"), f"{where}.en")
            if points is not None:
                result[name] = LevelSpec(points, vi or "", en or "")
        return result

    def readiness_levels(self, value: Any) -> tuple[tuple[int, Fraction], ...]:
        default = ((1, Fraction(80)), (2, Fraction(50)), (3, Fraction(0)))
        if value is None:
            return default
        if not isinstance(value, list) or not value:
            self.err("readiness_levels", f"must be a non-empty list, got {value!r}")
            return default
        result: list[tuple[int, Fraction]] = []
        for i, row in enumerate(value):
            where = f"readiness_levels[{i}]"
            if self.mapping(row, where) is None:
                return default
            self.keys(row, ("level", "min_percent"), where)
            pct = self.number(row.get("min_percent"), f"{where}.min_percent")
            if row.get("level") != i + 1:
                self.err(f"{where}.level", f"must be {i + 1} (levels are numbered from 1, best first), got {row.get('level')!r}")
            if pct is None:
                return default
            if result and pct >= result[-1][1]:
                self.err(f"{where}.min_percent", "must be lower than the level before")
            result.append((i + 1, pct))
        if result[-1][1] != 0:
            self.err(f"readiness_levels[{len(result) - 1}].min_percent", "the last level must start at 0")
        return tuple(result)

    def check_options(self, value: Any) -> dict[str, dict[str, Any]]:
        if value is None:
            return {}
        options = self.mapping(value, "check_options")
        if options is None:
            return {}
        result: dict[str, dict[str, Any]] = {}
        for check, opts in options.items():
            where = f"check_options.{check}"
            if check not in CHECK_IDS:
                self.err(where, f"unknown check id {check!r}")
                continue
            if self.mapping(opts, where) is None:
                continue
            for key, val in opts.items():
                if not isinstance(val, str | int | float | bool):
                    self.err(f"{where}.{key}", f"must be a number, text or true/false, got {val!r}")
            result[str(check)] = dict(opts)
        return result

    def indicators(self, value: Any, levels: dict[str, LevelSpec]) -> list[Indicator]:
        result: list[Indicator] = []
        if value is None:
            return result
        if not isinstance(value, list) or not value:
            self.err("indicators", f"must be a non-empty list, got {value!r}")
            return result
        seen: dict[str, int] = {}
        totals: dict[str, Fraction] = {}
        invalid = False
        for i, row in enumerate(value):
            ind = self.indicator(row, f"indicators[{i}]")
            if ind is None:
                invalid = True
                continue
            if ind.id in seen:
                self.err(f"indicators[{i}].id", f"duplicate indicator id {ind.id!r} (first at indicators[{seen[ind.id]}])")
            seen.setdefault(ind.id, i)
            totals[ind.level] = totals.get(ind.level, Fraction(0)) + ind.points
            result.append(ind)
        # Totals and required sets are only meaningful once every indicator is valid; otherwise a
        # single typo would also be reported as a wrong total.
        if invalid:
            return result
        for name, spec in levels.items():
            got = totals.get(name, Fraction(0))
            if got != spec.points:
                self.err(f"levels.{name}.points",
                         f"indicators of level {name} sum to {_show(got)} points, but the level declares {_show(spec.points)}")
        for name in ACHIEVED_LEVELS:
            if result and not any(ind.level == name and ind.required for ind in result):
                # Without one, every unit (even an unreachable one) would "meet" that level.
                self.err(f"levels.{name}", "has no required indicator")
        return result

    def indicator(self, row: Any, where: str) -> Indicator | None:
        if self.mapping(row, where) is None:
            return None
        before = len(self.problems)
        self.keys(row, _INDICATOR_KEYS, where)
        ind_id = self.text(row.get("id"), f"{where}.id")
        if ind_id is not None and ind_id in CHECK_IDS:
            # Reviewer decisions are keyed by indicator id or check id; one name must mean one thing.
            self.err(f"{where}.id", f"{ind_id!r} is a check id; an indicator id must differ from every check id")
        title = row.get("title")
        title_vi = title_en = None
        if title is None:
            self.err(f"{where}.title", "missing title (vi and en)")
        elif self.mapping(title, f"{where}.title") is not None:
            self.keys(title, ("vi", "en"), f"{where}.title")
            title_vi = self.text(title.get("vi"), f"{where}.title.vi")
            title_en = self.text(title.get("en"), f"{where}.title.en")
        level = row.get("level")
        if level not in LEVELS:
            self.err(f"{where}.level", f"level {level!r} does not exist (levels: {', '.join(LEVELS)})")
        points = self.number(row.get("points"), f"{where}.points") if "points" in row else None
        if "points" not in row:
            self.err(f"{where}.points", "missing")
        required = self.boolean(row["required"], f"{where}.required") if "required" in row else False
        allow_partial = self.boolean(row["allow_partial"], f"{where}.allow_partial") if "allow_partial" in row else False
        if allow_partial and not required:
            self.err(f"{where}.allow_partial", "only a required indicator can allow partial")
        if required and level == "readiness":
            self.err(f"{where}.required", "readiness indicators cannot be required (readiness has no achieved level)")
        source = self.source(row.get("source"), f"{where}.source")
        if len(self.problems) != before or source is None or points is None:
            return None
        assert ind_id is not None and title_vi is not None and title_en is not None
        return Indicator(ind_id, title_vi, title_en, str(level), points, required, allow_partial, source)

    def source(self, value: Any, where: str) -> Source | None:
        if value is None:
            self.err(where, "missing (checks, field or both)")
            return None
        src = self.mapping(value, where)
        if src is None:
            return None
        self.keys(src, _SOURCE_KEYS, where)
        checks: list[str] = []
        if "checks" in src:
            raw = src["checks"]
            if not isinstance(raw, list) or not raw:
                self.err(f"{where}.checks", f"must be a non-empty list of check ids, got {raw!r}")
            else:
                for j, check in enumerate(raw):
                    if check not in CHECK_IDS:
                        hint = difflib.get_close_matches(str(check), CHECK_IDS, n=1)
                        more = f" (did you mean {hint[0]!r}?)" if hint else ""
                        self.err(f"{where}.checks[{j}]", f"unknown check id {check!r}{more}")
                    elif check in checks:
                        self.err(f"{where}.checks[{j}]", f"check {check!r} named twice")
                    else:
                        checks.append(check)
        mode = src.get("mode", "all")
        if mode not in MODES:
            self.err(f"{where}.mode", f"must be any or all, got {mode!r}")
        min_value = None
        if "min_value" in src:
            min_value = self.number(src["min_value"], f"{where}.min_value", negative_ok=True)
            if "checks" not in src:
                self.err(f"{where}.min_value", "needs checks")
        fid = src.get("field")
        sf: SurveyField | None = None
        if fid is not None:
            sf = self.catalogue.get(str(fid))
            if sf is None:
                hint = difflib.get_close_matches(str(fid), list(self.catalogue), n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.err(f"{where}.field", f"unknown survey field {fid!r}{more}")
        if fid is None and "checks" not in src:
            self.err(where, "names neither checks nor a field")
        condition = self.condition(src.get("condition"), sf, f"{where}.condition") if sf else None
        if fid is None and "condition" in src:
            self.err(f"{where}.condition", "needs a field")
        combine = src.get("combine")
        if combine is not None and combine not in COMBINES:
            self.err(f"{where}.combine", f"must be one of {', '.join(COMBINES)}, got {combine!r}")
            combine = None
        if sf is not None and checks:
            if sf.kind == "BOTH" and sf.crosscheck not in checks:
                self.err(f"{where}.field", f"{sf.id} is cross-checked against {sf.crosscheck}, which this indicator does not name")
            if sf.kind == "BOTH" and combine in ("any", "all"):
                # CRITERIA §4: an observable field is used only when the observation is unknown, so a claim
                # can never outvote a conclusive observation.
                self.err(f"{where}.combine", f"{sf.id} is observable: it can only be a fallback for {sf.crosscheck}")
            if combine is None:
                if sf.kind == "BOTH":
                    combine = "fallback"
                else:
                    self.err(f"{where}.combine", f"{sf.id} is self-reported only: say how it combines with the checks (any or all)")
            elif combine == "fallback" and sf.kind != "BOTH":
                self.err(f"{where}.combine", f"fallback needs a BOTH field; {sf.id} is self-reported only")
        elif sf is not None and sf.kind == "BOTH":
            self.err(f"{where}.checks", f"{sf.id} is observable: name its check {sf.crosscheck} too")
        elif combine is not None and not (sf and checks):
            self.err(f"{where}.combine", "only applies when both checks and a field are named")
        return Source(tuple(checks), str(mode), min_value, sf.id if sf else None, condition, combine)

    def condition(self, value: Any, sf: SurveyField, where: str) -> Condition | None:
        numeric = sf.type in NUMERIC_TYPES
        if value is None:
            if numeric:
                self.err(where, f"{sf.id} is a number: give a condition (min, gt or max)")
            return Condition(equals=True) if not numeric else None
        cond = self.mapping(value, where)
        if cond is None:
            return None
        self.keys(cond, _CONDITION_KEYS, where)
        if not numeric:
            if set(cond) - {"equals"}:
                self.err(where, f"{sf.id} is yes/no: only equals applies")
            equals = self.boolean(cond.get("equals", True), f"{where}.equals")
            return Condition(equals=equals)
        if "equals" in cond:
            self.err(f"{where}.equals", f"{sf.id} is a number: use min, gt or max")
        bounds = {k: self.number(cond[k], f"{where}.{k}") for k in ("min", "gt", "max") if k in cond}
        if not bounds:
            self.err(where, f"{sf.id} is a number: give min, gt or max")
        per = cond.get("per")
        if per is not None:
            other = self.catalogue.get(str(per))
            if other is None:
                self.err(f"{where}.per", f"unknown survey field {per!r}")
            elif other.type not in NUMERIC_TYPES:
                self.err(f"{where}.per", f"{per} is not a number")
        return Condition(min=bounds.get("min"), gt=bounds.get("gt"), max=bounds.get("max"),
                         per=str(per) if per is not None else None)


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(float(value))
