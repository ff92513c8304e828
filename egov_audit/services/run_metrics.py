"""Per-run metrics: units, pages, bytes, errors by failure class, durations and requests per IP address.

Computed from what the run stored (page rows, unit crawls, and the WARC files, whose request records
carry ``WARC-IP-Address`` and so count every request the auditor made, probes and robots.txt included),
so the figures can be recomputed from the evidence at any time; stored in ``run_metrics`` when a run
ends, for the reports, the review app and ``health``.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from egov_audit.services.workspace import Workspace, log
from egov_audit.storage import metrics_repo, runs_repo
from egov_audit.storage.columns import iso
from egov_audit.storage.db import session

SLOWEST_UNITS = 5
"""How many of the slowest units the metrics name (where a night's time went)."""


def _failure_class(error: str | None, status: int | None) -> str | None:
    if error:
        return error.split(":", 1)[0].strip() or "other"
    return "http_status" if status is not None and status >= 400 else None


def _warc_requests(paths: list[Path]) -> tuple[Counter[str], Counter[str]]:
    """Requests per IP address and response records per type (``response``, ``revisit``) in WARC files."""
    from warcio.archiveiterator import ArchiveIterator

    by_ip: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    for path in paths:
        try:
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh):
                    kind = record.rec_type
                    if kind == "request":
                        by_ip[record.rec_headers.get_header("WARC-IP-Address") or "unknown"] += 1
                    elif kind in ("response", "revisit"):
                        by_type[kind] += 1
        except (OSError, ValueError) as exc:  # a damaged file loses its figures, never the metrics
            log.warning("metrics: cannot read %s: %s", path, exc)
    return by_ip, by_type


def compute_run_metrics(ws: Workspace, run_id: str) -> dict[str, Any]:
    """The metrics of one run, from its stored rows and WARC files."""
    with session(ws.engine) as s:
        run = runs_repo.get_run(s, run_id)
        if run is None:
            raise KeyError(run_id)
        crawls = runs_repo.run_crawls(s, run_id)
        pages = metrics_repo.page_figures(s, run_id)
    failures: Counter[str] = Counter()
    for _code, status, error, _size, _elapsed in pages:
        failure = _failure_class(error, status)
        if failure:
            failures[failure] += 1
    unit_seconds = {c.unit_code: (c.finished_at - c.started_at).total_seconds()
                    for c in crawls if c.finished_at is not None and c.started_at is not None}
    warc_paths = [ws.settings.evidence_dir / name for c in crawls for name in _json_list(c.warc_files_json)]
    by_ip, by_type = _warc_requests([p for p in warc_paths if p.is_file()])
    slowest = sorted(unit_seconds.items(), key=lambda kv: (-kv[1], kv[0]))[:SLOWEST_UNITS]
    return {
        "run_id": run.id, "status": run.status, "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
        "units": {"total": len(crawls), "by_crawl_status": dict(sorted(Counter(c.status for c in crawls).items()))},
        "pages": {"total": len(pages), "failed": sum(failures.values())},
        "bytes": {"fetched": sum(size or 0 for *_, size, _elapsed in pages),
                  "warc": sum(p.stat().st_size for p in warc_paths if p.is_file())},
        "errors": {"pages_by_failure_class": dict(sorted(failures.items())),
                   "units_by_crawl_error": dict(sorted(Counter(
                       _failure_class(c.error, None) for c in crawls if c.error).items()))},
        "durations": {
            "run_seconds": _seconds(run.started_at, run.finished_at),
            "unit_seconds_total": round(sum(unit_seconds.values()), 3),
            "unit_seconds_median": round(statistics.median(unit_seconds.values()), 3) if unit_seconds else None,
            "unit_seconds_max": round(max(unit_seconds.values()), 3) if unit_seconds else None,
            "fetch_seconds_total": round(sum(e or 0.0 for *_, e in pages), 3),
            "slowest_units": [{"code": code, "seconds": round(sec, 3)} for code, sec in slowest],
        },
        "requests": {"total": sum(by_ip.values()), "by_ip": dict(sorted(by_ip.items(), key=lambda kv: (-kv[1], kv[0]))),
                     "responses_by_type": dict(sorted(by_type.items()))},
    }


def _json_list(text: str | None) -> list[str]:
    import json

    value = json.loads(text or "[]")
    return [str(v) for v in value] if isinstance(value, list) else []


def _seconds(start: Any, end: Any) -> float | None:
    return round((end - start).total_seconds(), 3) if start is not None and end is not None else None


def store_run_metrics(ws: Workspace, run_id: str) -> dict[str, Any]:
    """Compute and store the metrics of a run (called when a run ends); a failure is logged, never raised,
    because figures must not cost the run its findings."""
    try:
        metrics = compute_run_metrics(ws, run_id)
        with session(ws.engine) as s:
            metrics_repo.save_metrics(s, run_id, metrics)
        return metrics
    except Exception:  # noqa: BLE001
        log.exception("metrics of run %s could not be computed", run_id)
        return {}


def run_metrics(ws: Workspace, run_id: str, store: bool = True) -> dict[str, Any]:
    """The stored metrics of a run; for a run without them (still running, or older than them) computed
    now, and stored unless ``store`` is False (the review app only reads)."""
    with session(ws.engine) as s:
        stored = metrics_repo.load_metrics(s, run_id)
    if stored is not None:
        return stored
    return store_run_metrics(ws, run_id) if store else compute_run_metrics(ws, run_id)
