"""Checks: pure functions from a captured site to findings (one per id of CRITERIA.md §2).

Each check declares itself in its own module (``checks/<family>/<check>.py``: id, titles, needs, options,
function); ``catalogue`` lists them in CRITERIA order, ``registry`` runs them over one ``SiteAnalysis``.
"""

from egov_audit.checks.catalogue import CHECK_IDS, CHECKS
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.registry import get_check, needs_for, run_checks

__all__ = ["CHECKS", "CHECK_IDS", "Check", "CheckOptions", "Option", "get_check", "needs_for", "run_checks"]
