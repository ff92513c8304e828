"""The findings export of PRODUCT.md ("Findings export"): one run's units, crawl outcomes and findings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from egov_audit.storage.columns import iso
from egov_audit.storage.findings_repo import load_run_findings
from egov_audit.storage.models import (
    AuditRun,
    UnitCrawl,
)
from egov_audit.storage.pages_repo import page_failures
from egov_audit.storage.units_repo import list_units


def findings_export(s: Session, run_id: str, unit_codes: Iterable[str] | None = None) -> dict[str, Any]:
    """The "Findings export" document of PRODUCT.md for one run (extra keys: reason, looked_at), of every
    unit it audited or only of ``unit_codes`` (exporting one commune's evidence loads only its findings)."""
    run = s.get(AuditRun, run_id)
    if run is None:
        raise KeyError(f"unknown run {run_id}")
    query = select(UnitCrawl).where(UnitCrawl.run_id == run_id)
    if unit_codes is not None:
        unit_codes = list(unit_codes)
        query = query.where(UnitCrawl.unit_code.in_(unit_codes))
    crawls = {c.unit_code: c for c in s.exec(query)}
    findings = load_run_findings(s, run_id, unit_codes)
    failures = page_failures(s, run_id, unit_codes)
    codes = sorted(set(crawls) | set(findings))
    units = {u.code: u for u in list_units(s, codes)} if codes else {}
    exported = []
    for code in codes:
        unit = units[code]
        crawl = crawls.get(code)
        exported.append(
            {
                "code": unit.code,
                "name": unit.name,
                "level": unit.level,
                "portal_url": unit.portal_url,
                "crawl": {
                    "status": crawl.status if crawl else None,
                    "pages": crawl.pages if crawl else 0,
                    "error": crawl.error if crawl else None,
                    # Extension: pages that failed, by failure class (http_status, robots, timeout, ...).
                    "failures": failures.get(code, {}),
                },
                "findings": findings.get(code, []),
            }
        )
    return {
        "run": {
            "id": run.id,
            "started_at": iso(run.started_at),
            "finished_at": iso(run.finished_at),
            "status": run.status,
        },
        "units": exported,
    }
