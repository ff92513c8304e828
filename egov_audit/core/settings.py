"""How settings are declared, read and validated; each layer declares its own settings with this.

A setting is a dataclass field made with ``setting(default, help, ...)``: its help text and its bounds live
beside its default, once (as Scrapy's settings do). ``apply_values`` sets fields from a TOML table or the
environment, converting to the default's type; ``validate`` checks every field of a section against its
declared bounds, so ``timeout_seconds = 0``, ``max_pages = -5`` or ``delay_seconds = nan`` are refused
with the file and key named, instead of failing later inside a crawl.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from typing import Any

from egov_audit.core.errors import SettingsError


def setting(default: Any, help: str, *, minimum: float | None = None, above: float | None = None,
            maximum: float | None = None, choices: tuple[str, ...] | None = None) -> Any:
    """A documented setting: ``minimum``/``maximum`` are inclusive bounds, ``above`` an exclusive one."""
    metadata = {"help": help, "minimum": minimum, "above": above, "maximum": maximum, "choices": choices}
    return field(default=default, metadata=metadata)


def help_of(section: Any, name: str) -> str:
    return next(f.metadata.get("help", "") for f in dataclasses.fields(section) if f.name == name)


def coerce(value: Any, template: Any, where: str) -> Any:
    """Convert a TOML or environment value to the type of the default it replaces."""
    kind = type(template)
    if template is None:
        if value in ("", None):
            return None
        if not isinstance(value, str):
            raise SettingsError(f"{where}: expected text, got {value!r}")
        return value
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind in (int, float) and isinstance(value, bool):
            raise ValueError(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        if kind is str and not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(f"{where}: expected {kind.__name__}, got {value!r}") from None


def apply_values(section: Any, values: dict[str, Any], where: str) -> None:
    """Set the fields named in ``values`` (a TOML table); unknown keys are an error naming the known ones."""
    names = {f.name for f in dataclasses.fields(section)}
    for key, value in values.items():
        if key not in names:
            raise SettingsError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(names))})")
        setattr(section, key, coerce(value, getattr(section, key), f"{where}.{key}"))


def validate(section: Any, where: str) -> None:
    """Check every field of ``section`` against the bounds its ``setting`` declared."""
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        meta = f.metadata
        name = f"{where}.{f.name}"
        if isinstance(value, float) and not math.isfinite(value):
            raise SettingsError(f"{name}: must be a finite number, got {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if meta.get("minimum") is not None and value < meta["minimum"]:
                raise SettingsError(f"{name}: must be at least {meta['minimum']:g}, got {value!r}")
            if meta.get("above") is not None and value <= meta["above"]:
                raise SettingsError(f"{name}: must be more than {meta['above']:g}, got {value!r}")
            if meta.get("maximum") is not None and value > meta["maximum"]:
                raise SettingsError(f"{name}: must be at most {meta['maximum']:g}, got {value!r}")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise SettingsError(f"{name}: must be one of {', '.join(choices)}, got {value!r}")


def describe(section_type: type, table: str) -> list[tuple[str, str, str]]:
    """``(key, default, help)`` rows of one section, for the settings reference (docs/SETTINGS.md)."""
    rows = []
    for f in dataclasses.fields(section_type):
        default = f.default if f.default is not dataclasses.MISSING else "(computed)"
        rows.append((f"{table}.{f.name}" if table else f.name, repr(default), f.metadata.get("help", "")))
    return rows
