"""Re-running the checks on what a past run captured, without the network (``egov-audit recheck``)."""

from __future__ import annotations

from egov_audit import checks
from egov_audit.core.artifacts import Finding
from egov_audit.core.errors import InputError
from egov_audit.services.frameworks import CheckOptionsByTier
from egov_audit.services.workspace import Workspace
from egov_audit.storage import findings_repo, pages_repo, runs_repo, units_repo
from egov_audit.storage.db import session


def recheck(ws: Workspace, run_id: str, framework: str | None = None) -> list[tuple[str, list[Finding]]]:
    """Re-run the checks on what a past run captured, without the network; replaces its findings."""
    results = []
    with session(ws.engine) as s:
        codes = sorted(runs_repo.finished_unit_codes(s, run_id))
        if not codes:
            raise InputError("--run", f"run {run_id!r} has no audited units")
        units = {u.code: u for u in units_repo.list_units(s, codes=codes)}
        check_options = CheckOptionsByTier(ws, framework)
        for code in codes:
            site = pages_repo.load_site(s, run_id, code, ws.blobs)
            old = {f["check"]: f for f in findings_repo.load_findings(s, run_id, code)}
            level = units[code].level if code in units else site.unit_level
            findings = checks.run_checks(site, options=check_options.for_level(level))
            # Screenshots belong to the evidence of the original run; keep them where the page still proves it.
            for finding in findings:
                before = old.get(finding.check)
                if not before:
                    continue
                shots = {(e.get("url"), e.get("locator")): e.get("screenshot") for e in before.get("evidence", [])}
                for evidence in finding.evidence:
                    evidence.screenshot = shots.get((evidence.url, evidence.locator))
            findings_repo.save_findings(s, run_id, code, findings)
            results.append((code, findings))
    return results
