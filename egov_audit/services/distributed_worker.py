"""`egov-audit worker`: takes units off the task queue and audits each with ``audit_unit``, one outcome each.

One job is "audit one unit in one run". A job first claims the unit's lease (``distributed_repo.claim``):
a second delivery of the job, or a job for a unit another live attempt holds, stores nothing. While the
unit is audited, a heartbeat renews the lease; if another attempt took the unit over (this worker was
silent for longer than ``lease_seconds``), the audit is cancelled. The outcome is stored only after the
lease is found still held, in the transaction that marks the unit done (``Gatherers.before_outcome``).

A worker killed mid-unit leaves its job "doing" and its unit "running"; its connections close, so its
politeness slots are free at once; after ``lease_seconds`` without heartbeats every worker's sweep puts
the job back on the queue, and the next attempt resumes from the pages stored (those whose evidence the
store holds). Portals unreachable for a transient reason (timeout, reset, HTTP 429/502/503/504) are
tried again after ``retry_wait_seconds`` up to ``unit_attempts`` times; DNS, TLS and refused connections
are the unit's outcome at once. All units of a run done, a worker finishes, scores and reports the run.

Every worker process shares one HTTP client, one limiter (wrapped by ``SharedLimiter``, so the per-host
and per-IP limits hold across all workers) and one Chromium among the units it audits at once.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import json
import logging
import os
import random
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procrastinate import BaseRetryStrategy, RetryDecision
from sqlmodel import Session

from egov_audit.core.artifacts import CapturedSite, CrawlStatus
from egov_audit.core.errors import BadInput
from egov_audit.core.settings import apply_values
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.services.audit import AuditOptions, _start_browser, arm_breakers
from egov_audit.services.distributed import complete_run, sweep
from egov_audit.services.frameworks import CheckOptionsByTier
from egov_audit.services.settings import DistributedSettings
from egov_audit.services.shared_politeness import SharedLimiter, SharedSlots
from egov_audit.services.task_queue import (
    COMPLETE_TASK,
    UNIT_TASK,
    conninfo,
    defer_completion,
    ensure_queue_schema,
    make_app,
    require_postgresql,
)
from egov_audit.services.unit_audit import Gatherers, audit_unit
from egov_audit.services.workspace import Workspace
from egov_audit.storage import distributed_repo, pages_repo, runs_repo, units_repo
from egov_audit.storage.db import session
from egov_audit.storage.distributed_repo import BUSY, CLOSED, DONE, LeaseLost

log = logging.getLogger("egov_audit.worker")


class LeaseBusy(Exception):
    """A live attempt of another worker holds the unit: this delivery waits one lease and looks again."""


class UnitGone(Exception):
    """The unit is no longer in the database: nothing to audit, never retried."""


class AttemptEnded(Exception):
    """An attempt stored no outcome; ``final`` when the unit's attempts are used up."""

    def __init__(self, message: str, final: bool, wait: float) -> None:
        super().__init__(message)
        self.final, self.wait = final, wait


class TransientOutcome(AttemptEnded):
    """The portal failed for a reason that may pass (timeout, reset, 429, 5xx): try again later."""


class AttemptCrashed(AttemptEnded):
    """The attempt raised (a bug, the database, the browser): try again later."""


def transient_failure(site: CapturedSite) -> str | None:
    """Why a unit's crawl failed for a reason worth another attempt later tonight, or None.

    Uses the crawler's own notion of transient failures; DNS, TLS, refused connections, robots.txt,
    403/404 and the like are outcomes (CRITERIA.md §5) and are never retried.
    """
    from egov_audit.crawler.failures import RETRY_STATUSES, TRANSIENT

    failure = (site.crawl_error or "").split(":", 1)[0]
    home_status = site.home.status if site.home is not None else None
    if site.crawl_status == CrawlStatus.UNREACHABLE:
        if failure in {f.value for f in TRANSIENT}:
            return site.crawl_error
        if failure == "http_status" and home_status in RETRY_STATUSES:
            return site.crawl_error
    if site.crawl_status == CrawlStatus.BLOCKED and home_status == 429:
        return site.crawl_error
    return None


class UnitRetry(BaseRetryStrategy):
    """When a unit job is tried again: after a lease when busy, after ``retry_wait_seconds`` otherwise."""

    def __init__(self, settings: DistributedSettings) -> None:
        self.settings = settings

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if isinstance(exception, LeaseLost | UnitGone | BadInput):
            return None  # another attempt owns the unit, or there is nothing to audit
        if isinstance(exception, LeaseBusy):
            return RetryDecision(retry_in={"seconds": self.settings.lease_seconds})
        if isinstance(exception, asyncio.CancelledError):
            return RetryDecision(retry_in={"seconds": 0})  # the worker is stopping: another one goes on
        if isinstance(exception, AttemptEnded):
            return None if exception.final else RetryDecision(retry_in={"seconds": exception.wait})
        if job.attempts + 1 >= self.settings.unit_attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.settings.retry_wait_seconds})


def warc_target_uris(path: Path) -> set[str]:
    """Target URIs of the responses (and revisits) a WARC file holds, up to its last complete record."""
    from warcio.archiveiterator import ArchiveIterator

    uris: set[str] = set()
    try:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit"):
                    uris.add(record.rec_headers.get_header("WARC-Target-URI"))
    except Exception:  # noqa: BLE001 - a cut record ends the file; what came before counts
        pass
    return uris


def prepare_evidence(ws: Workspace, run_id: str, unit_code: str) -> int:
    """Before an attempt: bring the unit's WARC segments from the shared store, and forget stored pages whose
    WARC records are in none of them (lost with a worker on another machine), so they are fetched again."""
    from egov_audit.crawler.warc import recover_open_file

    assert ws.evidence is not None
    segments = ws.evidence.pull_unit_segments(run_id, unit_code)
    with session(ws.engine) as s:
        stored = pages_repo.stored_urls(s, run_id, unit_code)
    if not stored:
        return 0
    covered: set[str] = set()
    for relative in segments:
        path = ws.evidence.root / relative
        if path.name.endswith(".open"):
            recover_open_file(path)  # what the next WarcRecorder would keep of it
        covered |= warc_target_uris(path)
    missing = sorted(stored - covered)
    if missing:
        with session(ws.engine) as s:
            pages_repo.forget_pages(s, run_id, unit_code, missing)
        log.warning("unit %s: %d stored page(s) without WARC records will be fetched again", unit_code, len(missing))
    return len(missing)


def run_settings(ws: Workspace, settings_json: str, where: str) -> Any:
    """The worker's settings with the run's ``[crawler]`` section: every worker crawls a run with the limits,
    politeness and budgets it was queued with (``audit --distributed --max-pages …``)."""
    settings = copy.deepcopy(ws.settings)
    snapshot = (json.loads(settings_json or "{}") or {}).get("crawler") or {}
    known = {f.name for f in dataclasses.fields(CrawlerSettings)}
    apply_values(settings.crawler, {k: v for k, v in snapshot.items() if k in known}, f"{where}: crawler")
    settings.validate(f"{where}: ")
    return settings


@dataclass
class RunContext:
    """What the units of one run share in this worker: the run's settings, client, limiter and browser."""

    ws: Workspace
    options: AuditOptions
    check_options: CheckOptionsByTier
    gatherers: Gatherers
    users: int = 0


class Worker:
    """One `egov-audit worker` process: a Procrastinate worker running unit and completion jobs."""

    def __init__(self, ws: Workspace, name: str | None = None) -> None:
        require_postgresql(ws.settings.database_url)
        self.ws = ws
        self.settings = ws.settings.distributed
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.retry = UnitRetry(self.settings)
        url = ws.settings.database_url
        self.slots = SharedSlots(conninfo(url)) if self.settings.shared_politeness else None
        self.app = make_app(url)
        self._runs: dict[str, RunContext] = {}
        self._opening = asyncio.Lock()
        self._register_tasks()

    def _register_tasks(self) -> None:
        @self.app.task(name=UNIT_TASK, pass_context=True, retry=self.retry)
        async def audit_unit_task(context: Any, run_id: str, unit_code: str) -> str:
            return await self.audit_unit_job(context, run_id, unit_code)

        @self.app.task(name=COMPLETE_TASK)
        async def complete_run_task(run_id: str) -> bool:
            # Never retried by the queue (a retry would collide with the job the sweep queues meanwhile):
            # a run complete but not scored is queued again by the next sweep.
            try:
                return await asyncio.to_thread(complete_run, self.ws, run_id)
            except Exception:  # noqa: BLE001
                log.exception("completing run %s failed; the next sweep tries again", run_id)
                return False

    async def run(self, concurrency: int = 1, queues: Iterable[str] | None = None) -> None:
        """Work until SIGINT/SIGTERM (then running units get ``shutdown_seconds`` to finish)."""
        await ensure_queue_schema(self.ws.settings.database_url)
        if not self.ws.settings.evidence_url:
            log.warning("evidence is written to %s on this machine; give every worker and the review app the same "
                        "--evidence URL when workers run on several machines", self.ws.settings.evidence_dir)
        async with self.app.open_async():
            sweeper = asyncio.create_task(self._sweep_forever())
            try:
                await self.app.run_worker_async(
                    queues=list(queues) if queues else None, concurrency=concurrency, name=self.name,
                    update_heartbeat_interval=self.settings.heartbeat_seconds,
                    stalled_worker_timeout=self.settings.lease_seconds,
                    fetch_job_polling_interval=self.settings.poll_seconds,
                    shutdown_graceful_timeout=self.settings.shutdown_seconds, listen_notify=True)
            finally:
                sweeper.cancel()
                for run_id in list(self._runs):
                    await self._close_run(run_id)
                if self.slots is not None:
                    await self.slots.close()

    async def _sweep_forever(self) -> None:
        # A side task, not a periodic job: it must run even when every slot of every worker is busy.
        while True:
            try:
                await sweep(self.ws, self.app)
            except Exception:  # noqa: BLE001 - the next sweep tries again
                log.exception("sweep failed")
            await asyncio.sleep(self.settings.sweep_seconds * random.uniform(0.8, 1.2))

    # --- one unit ---------------------------------------------------------------------------------

    async def audit_unit_job(self, context: Any, run_id: str, unit_code: str) -> str:
        with session(self.ws.engine) as s:
            claim = distributed_repo.claim(s, run_id, unit_code, self.name, self.settings.lease_seconds)
        if claim.outcome in (DONE, CLOSED):
            log.info("unit %s of run %s: %s, nothing to do", unit_code, run_id, claim.outcome)
            return claim.outcome
        if claim.outcome == BUSY:
            raise LeaseBusy(f"unit {unit_code} of run {run_id} is being audited by a live worker")
        assert claim.token is not None
        last = claim.attempt >= self.settings.unit_attempts
        run = await self._run_context(run_id)
        try:
            await self._attempt(run, run_id, unit_code, claim.token, last)
        except LeaseLost:
            log.warning("unit %s of run %s was taken over by another worker; this attempt stored nothing",
                        unit_code, run_id)
            raise
        except (AttemptEnded, UnitGone) as exc:
            self._release(run_id, unit_code, claim.token, exc, context.job)
            raise
        except Exception as exc:
            crashed = AttemptCrashed(f"{type(exc).__name__}: {exc}", final=last, wait=self.settings.retry_wait_seconds)
            log.exception("unit %s of run %s: attempt %d crashed", unit_code, run_id, claim.attempt)
            self._release(run_id, unit_code, claim.token, crashed, context.job)
            raise crashed from exc
        except BaseException as exc:  # cancelled: the worker is stopping
            self._release(run_id, unit_code, claim.token, exc, context.job)
            raise
        finally:
            run.users -= 1
        await self._after_outcome(run, run_id, unit_code)
        return "done"

    async def _attempt(self, run: RunContext, run_id: str, unit_code: str, token: str, last: bool) -> None:
        with session(run.ws.engine) as s:
            unit = units_repo.get_unit(s, unit_code)
            previous = runs_repo.previous_crawls(s, run_id, [unit_code])
        if unit is None:
            raise UnitGone(f"unit {unit_code} is not in the database")
        arm_breakers(previous, [unit], run.gatherers.limiter)
        await asyncio.to_thread(prepare_evidence, run.ws, run_id, unit_code)
        guard = functools.partial(self._store_outcome_if_held, token=token, last=last)
        gatherers = dataclasses.replace(run.gatherers, before_outcome=guard)
        work = asyncio.ensure_future(audit_unit(run.ws, run_id, unit, run.check_options.for_level(unit.level),
                                                gatherers))
        lost = asyncio.Event()
        beat = asyncio.ensure_future(self._heartbeat(run_id, unit_code, token, work, lost))
        try:
            await work
        except asyncio.CancelledError:
            if lost.is_set():
                raise LeaseLost(f"unit {unit_code} of run {run_id} was taken over by another worker") from None
            raise
        finally:
            beat.cancel()
            if not work.done():
                work.cancel()

    def _store_outcome_if_held(self, s: Session, run_id: str, site: CapturedSite, *, token: str, last: bool) -> None:
        """In the outcome's transaction: still our lease? a transient failure worth another attempt?"""
        row = distributed_repo.fence(s, run_id, site.unit_code, token)
        reason = transient_failure(site)
        if reason is not None and not last:
            raise TransientOutcome(f"transient failure, tried again later: {reason}", final=False,
                                   wait=self.settings.retry_wait_seconds)
        distributed_repo.mark_done(s, row)

    async def _heartbeat(self, run_id: str, unit_code: str, token: str, work: asyncio.Future[Any],
                         lost: asyncio.Event) -> None:
        while not work.done():
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                with session(self.ws.engine) as s:
                    held = distributed_repo.heartbeat(s, run_id, unit_code, token)
            except Exception:  # noqa: BLE001 - the database is away a moment: the lease may still hold
                log.warning("heartbeat of unit %s failed", unit_code, exc_info=True)
                continue
            if not held:
                lost.set()
                work.cancel()
                return

    def _release(self, run_id: str, unit_code: str, token: str, exc: BaseException, job: Any) -> None:
        retried = self.retry.get_retry_decision(exception=exc, job=job) is not None
        reason = str(exc) or type(exc).__name__
        try:
            with session(self.ws.engine) as s:
                distributed_repo.release(s, run_id, unit_code, token, "queued" if retried else "failed", reason)
        except Exception:  # noqa: BLE001 - the sweep and the lease take care of the unit anyway
            log.warning("could not record the end of the attempt at unit %s", unit_code, exc_info=True)

    async def _after_outcome(self, run: RunContext, run_id: str, unit_code: str) -> None:
        with session(self.ws.engine) as s:
            crawl = runs_repo.unit_crawl(s, run_id, unit_code)
            files = json.loads(crawl.warc_files_json or "[]") if crawl else []
            dist = distributed_repo.get_run(s, run_id)
            complete = dist is not None and not distributed_repo.open_codes(s, run_id, include_failed=True)
        if run.ws.evidence is not None and run.ws.evidence.remote:
            run.ws.evidence.drop_local(files)  # published before the outcome was stored
        if complete and dist is not None:
            await defer_completion(self.app, run_id, dist.queue)

    # --- what the units of a run share ------------------------------------------------------------

    async def _run_context(self, run_id: str) -> RunContext:
        async with self._opening:
            context = self._runs.get(run_id)
            if context is None:
                for other_id, other in list(self._runs.items()):
                    if other.users == 0:  # an earlier night's run: its client and browser go
                        await self._close_run(other_id)
                context = self._runs[run_id] = await self._open_run(run_id)
            context.users += 1
            return context

    async def _open_run(self, run_id: str) -> RunContext:
        from egov_audit.crawler import HostLimiter, make_client

        with session(self.ws.engine) as s:
            run = runs_repo.get_run(s, run_id)
        if run is None:
            raise UnitGone(f"run {run_id} is not in the database")
        stored = json.loads(run.options_json or "{}")
        known = {f.name for f in dataclasses.fields(AuditOptions)}
        options = AuditOptions(**{k: v for k, v in stored.items() if k in known})
        settings = run_settings(self.ws, run.settings_json, f"run {run_id}")
        run_ws = dataclasses.replace(self.ws, settings=settings)
        local = HostLimiter.from_settings(settings.crawler)
        limiter: Any = local
        if self.slots is not None:
            limiter = SharedLimiter(local, self.slots, settings.crawler.per_host_concurrency,
                                    settings.crawler.per_ip_concurrency)
        gatherers = Gatherers(client=make_client(settings.crawler), limiter=limiter,
                              browser=await _start_browser(run_ws, options), screenshots=options.screenshots,
                              progress=_log_progress)
        return RunContext(run_ws, options, CheckOptionsByTier(run_ws, options.framework), gatherers)

    async def _close_run(self, run_id: str) -> None:
        context = self._runs.pop(run_id)
        await context.gatherers.client.aclose()
        if context.gatherers.browser is not None:
            await context.gatherers.browser.__aexit__(None, None, None)


def _log_progress(event: str, data: dict[str, Any]) -> None:
    if event in ("unit_started", "unit_finished"):
        log.info("%s %s", event.replace("_", " "), data.get("unit"), extra={"fields": {"event": event, **data}})


async def run_worker(ws: Workspace, concurrency: int = 1, queues: Iterable[str] | None = None,
                     name: str | None = None) -> None:
    """``egov-audit worker``."""
    await Worker(ws, name).run(concurrency=concurrency, queues=queues)
