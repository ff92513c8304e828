"""Vietnamese and English titles of every check (shown in reports), as the checks declare them."""

from __future__ import annotations

from egov_audit.checks.catalogue import CHECKS

TITLES: dict[str, tuple[str, str]] = {check.id: (check.title_vi, check.title_en) for check in CHECKS}
