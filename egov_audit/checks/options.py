"""Check thresholds (CheckOptions): the options the checks declare, valued from config/checks.yaml and
overridable per framework (``check_options``).

Every threshold is declared once, with its default, help text and bounds, in the module of the check that
reads it (``Check.options``; a group several checks share, such as ``sections``, in the helper that reads it).
config/checks.yaml holds the same values for a province to edit (tests/test_checks_declarations.py keeps the
two equal), and is what runs: a province's own checks.yaml may hold only the keys it changes, the others keep
their declared defaults. A key no check declares, or a value out of its bounds, is refused with the file and
key named.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from config import CONFIG_DIR
from egov_audit.checks.declaration import Option
from egov_audit.core.errors import BadInput, InputError
from egov_audit.core.yamlfile import load_yaml

DEFAULT_CONFIG_DIR = CONFIG_DIR


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
        declared = _declared()
        for check_id, keys in (overrides or {}).items():
            if check_id not in declared:
                raise OptionsError(f"override {check_id!r}: no such check threshold group (see {path})")
            if not isinstance(keys, dict):
                raise OptionsError(f"override {check_id!r}: must be a mapping")
            for key, value in keys.items():
                for target in _targets(declared[check_id], check_id, key):
                    problem = declared[check_id][target].problem(value)
                    if problem:
                        raise OptionsError(f"override {check_id}.{key}: {problem}")
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


def _declared() -> dict[str, dict[str, Option]]:
    # The catalogue imports every check module, and those import this one: read it when first needed.
    from egov_audit.checks.catalogue import OPTION_GROUPS

    return OPTION_GROUPS


def _targets(declared: Mapping[str, Option], check_id: str, key: str) -> list[str]:
    """The declared keys an override sets. A threshold split by tier (``pass_days_district`` /
    ``pass_days_other``) can be overridden by its plain name: a framework scores one tier, so its
    ``pass_days`` is the one for its units."""
    targets = [key] if key in declared else [k for k in (f"{key}_district", f"{key}_other") if k in declared]
    if not targets:
        raise OptionsError(f"override {check_id}.{key}: unknown threshold (known: {', '.join(sorted(declared))})")
    return targets


@lru_cache(maxsize=8)
def _read(path: str) -> dict[str, Any]:
    """checks.yaml validated against the declared options; declared defaults for the keys it leaves out."""
    try:
        data = load_yaml(path)
    except InputError as exc:
        raise OptionsError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), dict):
        raise OptionsError(f"{path}: checks: must be a mapping of check id to thresholds")
    declared = _declared()
    values = {group: {key: option.default for key, option in options.items()} for group, options in declared.items()}
    for group, keys in data["checks"].items():
        if group not in declared:
            raise OptionsError(f"{path}: checks.{group}: no check declares thresholds under this name "
                               f"(known: {', '.join(declared)})")
        if not isinstance(keys, dict):
            raise OptionsError(f"{path}: checks.{group}: must be a mapping")
        for key, value in keys.items():
            option = declared[group].get(key)
            if option is None:
                raise OptionsError(f"{path}: checks.{group}.{key}: unknown threshold "
                                   f"(known: {', '.join(sorted(declared[group]))})")
            problem = option.problem(value)
            if problem:
                raise OptionsError(f"{path}: checks.{group}.{key}: {problem}")
            values[group][key] = value
    timezone = data.get("timezone", "Asia/Ho_Chi_Minh")
    if not isinstance(timezone, str):
        raise OptionsError(f"{path}: timezone: must be a string")
    return {"checks": values, "timezone": timezone}
