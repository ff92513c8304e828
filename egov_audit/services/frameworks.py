"""Which framework scores a unit, and the check thresholds that framework sets for its tier."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from egov_audit import checks
from egov_audit.services.workspace import Workspace


class CheckOptionsByTier:
    """Check thresholds per tier for one audit or recheck: config/checks.yaml overridden by the framework
    that scores the tier; each framework file is read once per job, not once per unit."""

    def __init__(self, ws: Workspace, framework_name: str | None, year: int | None = None) -> None:
        self.ws, self.framework_name, self.year = ws, framework_name, year
        self._by_name: dict[str, checks.CheckOptions] = {}
        self._name_by_level: dict[str, str] = {}

    def for_level(self, level: str) -> checks.CheckOptions:
        from egov_audit.scoring import load_framework

        if level not in self._name_by_level:
            self._name_by_level[level] = self.framework_name or framework_for_checks(
                self.ws.settings.config_dir, level, self.year)
        name = self._name_by_level[level]
        if name not in self._by_name:
            overrides = load_framework(name, self.ws.settings.config_dir).check_options
            self._by_name[name] = checks.CheckOptions.from_config(self.ws.settings.config_dir, overrides)
        return self._by_name[name]


def default_framework_for(level: str, year: int | None) -> str:
    """The framework of CRITERIA.md §4 that applies to a tier and evaluation year."""
    if level in ("district", "province"):
        return "qd2392-district"
    if year is not None and year >= 2025:
        return "nd224-commune"
    return "qd2392-commune"


def frameworks_covering(config_dir: Path, level: str, year: int) -> list[str]:
    """Ids of the frameworks in ``config_dir`` that score units of ``level`` in evaluation ``year``
    (read from each file's ``tier`` and ``years``, so a province that adds a framework needs no code)."""
    from egov_audit.scoring import list_frameworks, load_framework

    return [name for name in list_frameworks(config_dir)
            if level in (fw := load_framework(name, config_dir)).levels_audited and fw.applies_to(year)]


def framework_for_checks(config_dir: Path, level: str, year: int | None) -> str:
    """The framework whose check thresholds apply to a tier: the default one of CRITERIA.md §4 when it covers
    the year (or no year is given), else the one framework file that does; a tier no framework covers in
    that year (districts and provinces from 2025) keeps the default's thresholds: it is audited, not scored."""
    default = default_framework_for(level, year)
    if year is None:
        return default
    covering = frameworks_covering(config_dir, level, year)
    return default if default in covering or len(covering) != 1 else covering[0]


@functools.lru_cache(maxsize=64)
def _load_cached(config_dir: Path, name: str, mtime_ns: int) -> Any:
    from egov_audit.scoring import load_framework

    return load_framework(name, config_dir)


def framework_for_reading(config_dir: Path, name: str) -> Any:
    """A framework loaded once per file version (pages read frameworks on every request)."""
    path = Path(config_dir) / "frameworks" / f"{name}.yaml"
    return _load_cached(Path(config_dir), name, path.stat().st_mtime_ns if path.exists() else 0)


def frameworks_for_level(config_dir: Path, level: str) -> list[str]:
    """Ids of the frameworks that score units of ``level`` (a commune is never offered a district framework)."""
    from egov_audit.scoring import list_frameworks

    return [name for name in list_frameworks(config_dir)
            if level in framework_for_reading(config_dir, name).levels_audited]
