"""What a check declares about itself, in its own module (as a Lighthouse audit declares its ``meta``).

A check module ends with ``CHECK = Check(id=..., title_vi=..., title_en=..., needs=..., run=..., options=...)``:
the id of CRITERIA.md §2, the titles reports show, the captured data it relies on (``Need``; the pipeline
gathers what the selected checks need), the thresholds it reads with their defaults (``Option``), and the
pure function ``run(analysis, options) -> Finding``. ``checks.catalogue`` lists the modules in CRITERIA
order; the registry, the titles and the option defaults are all derived from these declarations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from egov_audit.core.artifacts import Finding, Need

if TYPE_CHECKING:
    from egov_audit.checks.analysis import SiteAnalysis
    from egov_audit.checks.options import CheckOptions

CheckFunction = Callable[["SiteAnalysis", "CheckOptions"], Finding]
FAMILIES = ("info", "fresh", "interact", "service", "tech")


@dataclass(frozen=True)
class Option:
    """A threshold a check reads, with its default (config/checks.yaml must hold the same value) and bounds."""

    default: float
    help: str
    minimum: float | None = 0
    maximum: float | None = None

    def problem(self, value: object) -> str | None:
        """Why ``value`` cannot be this option's value (None when it can)."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "must be a number"
        if not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}, got {value!r}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}, got {value!r}"
        return None


@dataclass(frozen=True)
class Check:
    """One check of CRITERIA.md §2 as its module declares it."""

    id: str
    """``<family>.<name>``, as in CRITERIA.md §2 (a public interface: never renamed)."""
    title_vi: str
    title_en: str
    needs: frozenset[Need]
    """What must have been captured; ``run_checks`` gives ``unknown`` when a need other than pages is unmet."""
    run: CheckFunction
    implemented: bool = True
    """False for a check declared before its rule is written: ``run_checks`` then gives ``unknown``."""
    options: Mapping[str, Option] = field(default_factory=dict)
    """The thresholds read from ``checks.<id>`` of config/checks.yaml, by key."""

    def __post_init__(self) -> None:
        family, _, name = self.id.partition(".")
        if family not in FAMILIES or not name:
            raise ValueError(f"check id {self.id!r} must be <family>.<name> with a family of {FAMILIES}")
        if not self.title_vi or not self.title_en:
            raise ValueError(f"check {self.id}: both titles are required")
        object.__setattr__(self, "needs", frozenset(Need(n) for n in self.needs))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        for key, option in self.options.items():
            problem = option.problem(option.default)
            if problem:
                raise ValueError(f"check {self.id}: option {key} default {problem}")

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


def option_table(groups: Iterable[tuple[str, Mapping[str, Option]]]) -> dict[str, dict[str, Option]]:
    """Option groups by name (a check id, or a group several checks share), refusing a name declared twice."""
    table: dict[str, dict[str, Option]] = {}
    for name, options in groups:
        if name in table:
            raise ValueError(f"option group {name!r} declared twice")
        if options:
            table[name] = dict(options)
    return table
