"""Checks: pure functions from a captured site to findings (one per id of CRITERIA.md §2)."""

from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.registry import Check, get_check, needs_for, register, run_checks

__all__ = ["CHECK_IDS", "Check", "CheckOptions", "get_check", "needs_for", "register", "run_checks"]
