"""Check thresholds (CheckOptions): defaults from config/checks.yaml, overridable per framework."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from config import CONFIG_DIR
from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.core.errors import BadInput, InputError
from egov_audit.core.yamlfile import load_yaml

DEFAULT_CONFIG_DIR = CONFIG_DIR
# Keys that are not check ids but groups shared by several checks.
_GROUPS = {"sections"}


class OptionsError(BadInput, ValueError):
    """checks.yaml or a framework override is invalid; the message names the file and key."""


@dataclass(frozen=True)
class CheckOptions:
    """Thresholds by check id (``values["fresh.news"]["partial_days"]``) and the audit time zone."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    timezone: str = "Asia/Ho_Chi_Minh"

    @classmethod
    def from_config(cls, config_dir: str | Path | None = None,
                    overrides: dict[str, dict[str, Any]] | None = None) -> CheckOptions:
        """Defaults from ``<config_dir>/checks.yaml``, then ``overrides`` (check id → {key: value})."""
        path = Path(config_dir or DEFAULT_CONFIG_DIR) / "checks.yaml"
        if not path.exists():
            # A province's own config directory may hold only the files it changed.
            path = DEFAULT_CONFIG_DIR / "checks.yaml"
        base = _read(str(path.resolve()))
        values = copy.deepcopy(base["checks"])
        for check_id, keys in (overrides or {}).items():
            if check_id not in values:
                raise OptionsError(f"override {check_id!r}: no such check threshold group (see {path})")
            if not isinstance(keys, dict):
                raise OptionsError(f"override {check_id!r}: must be a mapping")
            for key, value in keys.items():
                # A threshold split by tier (`pass_days_district` / `pass_days_other`) can be overridden by
                # its plain name: a framework scores one tier, so its `pass_days` is the one for its units.
                targets = [key] if key in values[check_id] else [
                    k for k in (f"{key}_district", f"{key}_other") if k in values[check_id]]
                if not targets:
                    raise OptionsError(f"override {check_id}.{key}: unknown threshold "
                                       f"(known: {', '.join(sorted(values[check_id]))})")
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise OptionsError(f"override {check_id}.{key}: must be a number")
                for target in targets:
                    values[check_id][target] = value
        return cls(values, base["timezone"])

    def get(self, group: str, key: str) -> Any:
        try:
            return self.values[group][key]
        except KeyError:
            raise KeyError(f"check option {group}.{key} is not configured") from None

    @property
    def min_text_chars(self) -> int:
        return int(self.get("sections", "min_text_chars"))


@lru_cache(maxsize=8)
def _read(path: str) -> dict[str, Any]:
    try:
        data = load_yaml(path)
    except InputError as exc:
        raise OptionsError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), dict):
        raise OptionsError(f"{path}: checks: must be a mapping of check id to thresholds")
    for check_id, keys in data["checks"].items():
        if check_id not in CHECK_IDS and check_id not in _GROUPS:
            raise OptionsError(f"{path}: checks.{check_id}: unknown check id")
        if not isinstance(keys, dict):
            raise OptionsError(f"{path}: checks.{check_id}: must be a mapping")
        for key, value in keys.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise OptionsError(f"{path}: checks.{check_id}.{key}: must be a number")
    timezone = data.get("timezone", "Asia/Ho_Chi_Minh")
    if not isinstance(timezone, str):
        raise OptionsError(f"{path}: timezone: must be a string")
    return {"checks": data["checks"], "timezone": timezone}
