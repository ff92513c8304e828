"""Per-run metrics (``run_metrics``): the figures of one run, and the stored rows they are computed from.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides what is one transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from egov_audit.storage.columns import dumps
from egov_audit.storage.models import Page, RunMetrics, utcnow
from egov_audit.storage.pages_repo import content_of, with_sources


def save_metrics(s: Session, run_id: str, metrics: dict[str, Any]) -> None:
    """Store (or replace, when a resumed run ends again) the metrics of a run."""
    row = s.get(RunMetrics, run_id) or RunMetrics(run_id=run_id)
    row.metrics_json = dumps(metrics)
    row.computed_at = utcnow()
    s.add(row)
    s.flush()


def load_metrics(s: Session, run_id: str) -> dict[str, Any] | None:
    row = s.get(RunMetrics, run_id)
    return json.loads(row.metrics_json) if row is not None else None


def page_figures(s: Session, run_id: str) -> list[tuple[str, int | None, str | None, int | None, float | None]]:
    """(unit code, HTTP status, error, size in bytes, elapsed seconds) of every page of a run."""
    query = with_sources(select(Page.unit_code, content_of("status"), content_of("error"), content_of("size_bytes"),
                                content_of("elapsed_seconds"))).where(Page.run_id == run_id)
    return list(s.exec(query))
