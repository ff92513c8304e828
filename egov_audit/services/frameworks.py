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

    def __init__(self, ws: Workspace, framework_name: str | None) -> None:
        self.ws, self.framework_name = ws, framework_name
        self._by_name: dict[str, checks.CheckOptions] = {}

    def for_level(self, level: str) -> checks.CheckOptions:
        from egov_audit.scoring import load_framework

        name = self.framework_name or default_framework_for(level, None)
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
