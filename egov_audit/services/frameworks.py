"""Which framework scores a unit, and the check thresholds that framework sets for its tier."""

from __future__ import annotations

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
