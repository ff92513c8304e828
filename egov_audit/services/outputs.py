"""What leaves the workspace: the findings export, the reports for officials and evidence packages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from egov_audit.core.errors import InputError
from egov_audit.exports import findings_json
from egov_audit.services.scoring import latest_scores, previous_published, score_set_export
from egov_audit.services.workspace import Workspace
from egov_audit.storage import runs_repo
from egov_audit.storage.db import session


def findings_export(ws: Workspace, run_id: str | None = None) -> dict[str, Any]:
    with session(ws.engine) as s:
        run_id = run_id or runs_repo.latest_run_id(s)
        if run_id is None:
            raise InputError("findings", "no audit run yet: run `egov-audit audit` first")
        if runs_repo.get_run(s, run_id) is None:
            raise InputError("--run", f"no audit run with id {run_id!r}")
        return findings_json.findings_export(s, run_id)


def write_report(ws: Workspace, fmt: str, out: Path, year: int | None = None, score_set: str | None = None) -> Path:
    """``egov-audit report``: the published score sets of ``year`` (default: the latest year scored; a
    framework never published shows its latest set, marked as not published), or one ``score_set``, with
    the findings of the runs they used and last year's published result to compare with, in ``fmt``."""
    from egov_audit.reports import write_report as write

    scores = [score_set_export(ws, score_set)] if score_set else latest_scores(ws, year=year, prefer="published")
    if not scores:
        raise InputError("report", "no scores yet: run `egov-audit score --framework ID --year YYYY` first")
    previous = [p for y in sorted({e["year"] for e in scores}) for p in previous_published(ws, y - 1)]
    runs = [r for e in scores for r in (e.get("score_set") or {}).get("runs") or []]
    with session(ws.engine) as s:
        run_id = runs_repo.newest_of(s, runs) if runs else runs_repo.latest_run_id(s)
        findings = findings_json.findings_export(s, run_id) if run_id else None
    return write(fmt, scores, findings, out, previous=previous)


def write_findings(ws: Workspace, out: Path, run_id: str | None = None) -> Path:
    """``egov-audit findings --out FILE``: the findings export written atomically."""
    from egov_audit.reports import write_json

    return write_json(findings_export(ws, run_id), out)


def export_evidence(ws: Workspace, unit_code: str, out: Path, fmt: str, run_id: str | None = None) -> Path:
    """``egov-audit evidence export``: one unit's evidence of a run (default: the latest) as WACZ or zip."""
    from egov_audit.exports.evidence import export_unit_evidence

    if run_id is None:
        with session(ws.engine) as s:
            run_id = runs_repo.latest_run_id(s)
        if run_id is None:
            raise InputError("evidence export", "no audit run yet: run `egov-audit audit` first")
    with session(ws.engine) as s:
        names = runs_repo.warc_files_of_unit(s, unit_code)
    # A remote store's WARC files are fetched into the local cache; a directory store has them in place.
    evidence_dir = ws.evidence.fetch(names) if ws.evidence is not None else ws.settings.evidence_dir
    return export_unit_evidence(ws.engine, ws.blobs, evidence_dir, run_id, unit_code, out, fmt)
