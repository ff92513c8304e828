"""The distributed mode's control side: queue a run's units, watch them, requeue what is missing, complete.

``audit --distributed`` opens (or resumes) a run exactly as a local audit does, records its units in
``distributed_unit`` and puts one job per unit on the task queue (``services.task_queue``); the
``egov-audit worker`` processes (``services.distributed_worker``) audit them. ``runs status`` reads the
units' states; ``requeue`` (``runs requeue``) puts back on the queue the jobs of silent workers and the
units left without a job, which also completes a run whose workers all died. The run is finished, scored
and reported by a worker once every unit has its outcome (``complete_run``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import select

from egov_audit.core.errors import BadInput, InputError
from egov_audit.services.audit import AuditOptions, _open_run, _select_units
from egov_audit.services.frameworks import CheckOptionsByTier
from egov_audit.services.task_queue import (
    LIVE_JOB_STATES,
    defer_completion,
    defer_units,
    ensure_queue_schema,
    make_app,
    requeue_stalled,
    require_postgresql,
    unit_jobs,
)
from egov_audit.services.workspace import Workspace
from egov_audit.storage import distributed_repo, runs_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import DistributedUnit, UnitCrawl

log = logging.getLogger("egov_audit.distributed")


@dataclass
class EnqueueOutcome:
    run_id: str
    resumed: bool
    queue: str
    units: int
    done: int
    queued: int


async def enqueue(ws: Workspace, options: AuditOptions, queue: str | None = None) -> EnqueueOutcome:
    """``audit --distributed``: open or resume the run of the selection and queue its units without outcome."""
    url = ws.settings.database_url
    require_postgresql(url)
    queue = queue or ws.settings.distributed.queue
    options = dataclasses.replace(options, distributed=True)
    run_id, resumed, units, done = _open_run(ws, options, CheckOptionsByTier(ws, options.framework))
    with session(ws.engine) as s:
        dist = distributed_repo.register_run(s, run_id, queue, [u.code for u in units])
        queue = dist.queue  # a resumed run keeps the queue it was started on
    await ensure_queue_schema(url)
    async with make_app(url).open_async() as app:
        queued = await requeue_missing(ws, app, run_id)
        with session(ws.engine) as s:
            finished = not distributed_repo.open_codes(s, run_id, include_failed=True)
        if finished:
            await defer_completion(app, run_id, queue)
    return EnqueueOutcome(run_id, resumed, queue, len(units), len(done), queued)


async def requeue_missing(ws: Workspace, app: Any, run_id: str, include_failed: bool = False) -> int:
    """Queue every unit of the run that has no outcome and no job waiting or running; returns how many.

    Failed units (attempts used up) are left alone unless ``include_failed`` (an operator's decision).
    """
    with session(ws.engine) as s:
        dist = distributed_repo.get_run(s, run_id)
        if dist is None:
            raise InputError("--run", f"run {run_id} was not queued for workers (`audit --distributed`)")
        codes = distributed_repo.open_codes(s, run_id, include_failed=include_failed)
    jobs = unit_jobs(ws.engine, run_id)
    missing = [c for c in codes if c not in jobs or jobs[c].status not in LIVE_JOB_STATES]
    if include_failed:
        with session(ws.engine) as s:
            distributed_repo.requeued(s, run_id, missing)
    return await defer_units(app, run_id, missing, dist.queue)


@dataclass
class SweepOutcome:
    stalled_jobs: list[int] = field(default_factory=list)
    queued: dict[str, int] = field(default_factory=dict)
    """Run id → units queued again because they had no job."""


async def sweep(ws: Workspace, app: Any, include_failed: bool = False, run_id: str | None = None) -> SweepOutcome:
    """The pass every worker makes now and then, and ``runs requeue`` makes at once: jobs of silent workers
    go back on the queue, units without a job get one, and a run with every outcome stored is completed."""
    outcome = SweepOutcome(await requeue_stalled(app, ws.settings.distributed.lease_seconds))
    with session(ws.engine) as s:
        runs = [run_id] if run_id else [r.id for r in runs_repo.unfinished_runs(s) if distributed_repo.get_run(s, r.id)]
    for rid in runs:
        queued = await requeue_missing(ws, app, rid, include_failed=include_failed)
        if queued:
            log.warning("run %s: %d unit(s) without a job put on the queue", rid, queued)
            outcome.queued[rid] = queued
        with session(ws.engine) as s:
            run, dist = runs_repo.get_run(s, rid), distributed_repo.get_run(s, rid)
            complete = dist is not None and not distributed_repo.open_codes(s, rid, include_failed=True)
            waiting = run is not None and (run.status == "running" or (dist is not None and dist.scored_at is None))
        if complete and waiting:
            await defer_completion(app, rid, dist.queue)  # type: ignore[union-attr]
    return outcome


async def requeue(ws: Workspace, run_id: str | None = None, include_failed: bool = False) -> SweepOutcome:
    """``runs requeue``: the sweep, now, from any machine (for a run whose workers died, or failed units)."""
    url = ws.settings.database_url
    require_postgresql(url)
    run_id = _run_id(ws, run_id)
    await ensure_queue_schema(url)
    async with make_app(url).open_async() as app:
        return await sweep(ws, app, include_failed=include_failed, run_id=run_id)


def complete_run(ws: Workspace, run_id: str) -> bool:
    """Finish a distributed run once every unit has its outcome, then score it and write its reports (once).

    Returns True when the run is complete (now or before). Runs in a worker, as the job ``complete_run``.
    """
    with session(ws.engine) as s:
        run, dist = distributed_repo.lock_run(s, run_id)
        if run is None or dist is None or distributed_repo.open_codes(s, run_id, include_failed=True):
            return False
        if run.status == "running":
            runs_repo.finish_run(s, run_id, "finished")
            distributed_repo.mark_completed(s, dist)
            log.info("run %s complete", run_id, extra={"fields": {"run": run_id}})
        to_score = dist.scored_at is None and run.status == "finished"
    if to_score:
        from egov_audit.services.schedule import score_and_report

        frameworks: list[str] = []
        error = None
        try:
            frameworks = score_and_report(ws, run_id)
        except BadInput as exc:
            # A framework or year the configuration must fix; trying again each sweep would change nothing.
            error = str(exc)
            log.error("run %s complete, but scoring failed: %s (run `egov-audit score` once it is fixed)", run_id, exc)
        with session(ws.engine) as s:
            _run, dist = distributed_repo.lock_run(s, run_id)
            if dist is not None and dist.scored_at is None:
                distributed_repo.mark_scored(s, dist, frameworks, error)
    return True


# ---------------------------------------------------------------------------- runs status


@dataclass
class UnitStatus:
    code: str
    state: str
    """``done``, ``running``, ``queued`` or ``failed``."""
    attempts: int = 0
    worker: str | None = None
    detail: str = ""


@dataclass
class RunStatus:
    run_id: str
    status: str
    distributed: bool
    queue: str | None
    started_at: datetime
    finished_at: datetime | None
    scored_at: datetime | None
    units: list[UnitStatus]
    scoring: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("done", "running", "queued", "failed"), 0)
        for unit in self.units:
            counts[unit.state] += 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {"run": {"id": self.run_id, "status": self.status, "distributed": self.distributed,
                        "queue": self.queue, "started_at": self.started_at.isoformat(),
                        "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                        "scored_at": self.scored_at.isoformat() if self.scored_at else None,
                        "scoring": self.scoring or None},
                "counts": self.counts, "units": [dataclasses.asdict(u) for u in self.units]}


def _run_id(ws: Workspace, run_id: str | None) -> str:
    with session(ws.engine) as s:
        if run_id is None:
            run_id = runs_repo.latest_run_id(s)
            if run_id is None:
                raise InputError("runs", "no audit run yet: run `egov-audit audit` first")
        elif runs_repo.get_run(s, run_id) is None:
            raise InputError("--run", f"no audit run with id {run_id!r}")
    return run_id


def _crawl_detail(crawl: UnitCrawl) -> str:
    detail = f"{crawl.status}, {crawl.pages} page(s)"
    return f"{detail} ({crawl.error})" if crawl.error else detail


def _distributed_unit_status(row: DistributedUnit, crawl: UnitCrawl | None, job: Any, now: datetime,
                             lease: float) -> UnitStatus:
    status = UnitStatus(row.unit_code, row.state, row.attempts, row.worker)
    if crawl is not None and crawl.status != "running":
        status.state, status.detail = "done", _crawl_detail(crawl)
    elif row.state == "running":
        silent = (now - row.heartbeat_at).total_seconds() if row.heartbeat_at else lease + 1
        if silent > lease:
            status.state, status.detail = "queued", f"worker silent for {silent:.0f} s: put back on the queue"
        else:
            status.detail = f"attempt {row.attempts}, heartbeat {silent:.0f} s ago"
    elif row.state == "failed":
        status.detail = row.error or "failed"
    else:
        waiting = f"job {job.status}" if job is not None else "no job yet"
        status.detail = f"retry pending: {row.error}" if row.error else waiting
    return status


def run_status(ws: Workspace, run_id: str | None = None) -> RunStatus:
    """``runs status``: done / running / queued / failed per unit of a run (default: the latest)."""
    run_id = _run_id(ws, run_id)
    with session(ws.engine) as s:
        run = runs_repo.get_run(s, run_id)
        assert run is not None
        crawls = {c.unit_code: c for c in s.exec(select(UnitCrawl).where(UnitCrawl.run_id == run_id))}
        dist = distributed_repo.get_run(s, run_id)
        if dist is not None:
            now = distributed_repo.db_now(s)
            jobs = unit_jobs(ws.engine, run_id)
            lease = ws.settings.distributed.lease_seconds
            units = [_distributed_unit_status(row, crawls.get(row.unit_code), jobs.get(row.unit_code), now, lease)
                     for row in distributed_repo.units(s, run_id)]
        else:
            units = _local_unit_status(s, run, crawls)
    return RunStatus(run_id, run.status, dist is not None, dist.queue if dist else None, run.started_at,
                     run.finished_at, dist.scored_at if dist else None, units,
                     json.loads(dist.scoring_json or "{}") if dist else {})


def _local_unit_status(s: Any, run: Any, crawls: dict[str, UnitCrawl]) -> list[UnitStatus]:
    """A run of a local `audit`: its crawls, and while it runs the selected units not started yet."""
    units = [UnitStatus(code, "done" if c.status != "running" else ("running" if run.status == "running" else "failed"),
                        1, None, _crawl_detail(c) if c.status != "running" else f"since {c.started_at:%H:%M:%S}")
             for code, c in sorted(crawls.items())]
    if run.status == "running":
        stored = json.loads(run.options_json or "{}")
        try:
            selected = _select_units(s, AuditOptions(unit_codes=stored.get("unit_codes") or [],
                                                     province=stored.get("province"),
                                                     all_units=bool(stored.get("all_units"))))
        except InputError:
            selected = []
        units += [UnitStatus(u.code, "queued", 0, None, "not started") for u in selected if u.code not in crawls]
        units.sort(key=lambda u: u.code)
    return units
