"""The task queue of the distributed mode: Procrastinate on the PostgreSQL database egov-audit already uses.

Why Procrastinate (docs/ARCHITECTURE.md, "Distributed mode"): no broker beside the database; a job is a row,
deferred in a transaction, fetched with ``FOR UPDATE SKIP LOCKED``; locks and queueing locks; retries
with strategies; worker heartbeats and stalled-job detection; periodic tasks; all of it inspectable
with SQL. Its tables, types and functions live in the PostgreSQL schema ``egov_queue`` (the connections
of the queue set ``search_path`` to it), apart from egov-audit's own tables and Alembic's view of them.

The queue's schema is Procrastinate's, installed and upgraded here from the SQL files the installed
version ships (``ensure_queue_schema``), under an advisory lock so that workers starting together do not
race; the last migration applied is recorded in ``egov_queue.egov_queue_version``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from egov_audit.core.errors import InputError

log = logging.getLogger("egov_audit.queue")

QUEUE_SCHEMA = "egov_queue"
UNIT_TASK = "egov_audit.audit_unit"
COMPLETE_TASK = "egov_audit.complete_run"
DEFAULT_QUEUE = "audit"
_SCHEMA_LOCK = 0x6567_6F76_7175_6575 & 0x7FFF_FFFF_FFFF_FFFF
"""Advisory lock key held while the queue schema is installed or upgraded ("egovqueu")."""
LIVE_JOB_STATES = ("todo", "doing")
_BATCH = 1000


def require_postgresql(url: str) -> None:
    """The distributed mode keeps its queue, leases and shared politeness in PostgreSQL."""
    try:
        backend = make_url(url).get_backend_name()
    except sa.exc.ArgumentError:
        backend = ""
    if backend != "postgresql":
        raise InputError("--db", "the distributed mode needs a PostgreSQL database shared by every worker "
                         "(--db postgresql://user@host/egov); the queue, the leases and the politeness limits "
                         "of all workers live there")


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy URL (``postgresql+psycopg://…`` → ``postgresql://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def unit_lock(run_id: str, unit_code: str) -> str:
    """Lock and queueing lock of a unit's job: one job of a unit waits, and one runs, at a time."""
    return f"unit:{run_id}:{unit_code}"


def make_app(url: str) -> Any:
    """A Procrastinate app on the database ``url``, its connections confined to the queue's schema."""
    import procrastinate

    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(url), kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"}, min_size=1, max_size=4)
    return procrastinate.App(connector=connector)


def _migrations() -> list[Path]:
    from procrastinate.schema import SchemaManager

    return sorted(Path(SchemaManager.get_migrations_path()).glob("*.sql"))


async def ensure_queue_schema(url: str) -> None:
    """Install Procrastinate's schema in ``egov_queue`` when absent, or apply the migrations it lacks."""
    import psycopg
    from procrastinate.schema import SchemaManager

    migrations = _migrations()
    latest = migrations[-1].name if migrations else ""
    async with await psycopg.AsyncConnection.connect(conninfo(url)) as connection:
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
            await connection.execute(f"SET LOCAL search_path TO {QUEUE_SCHEMA}")
            cursor = await connection.execute(f"SELECT to_regclass('{QUEUE_SCHEMA}.procrastinate_jobs')")
            installed = (await cursor.fetchone())[0] is not None
            if not installed:
                log.info("installing the task queue schema in %s", QUEUE_SCHEMA)
                await connection.execute(SchemaManager.get_schema())  # type: ignore[arg-type]
                await connection.execute("CREATE TABLE egov_queue_version (migration text NOT NULL)")
                await connection.execute("INSERT INTO egov_queue_version VALUES (%s)", (latest,))
                await connection.execute(_PIN_SEARCH_PATH)
                return
            cursor = await connection.execute("SELECT migration FROM egov_queue_version")
            row = await cursor.fetchone()
            recorded = row[0] if row else ""
            pending = pending_migrations(recorded, migrations)
            for path in pending:
                log.info("task queue schema: applying %s", path.name)
                await connection.execute(path.read_text(encoding="utf-8"))  # type: ignore[arg-type]
            if pending:
                await connection.execute("UPDATE egov_queue_version SET migration = %s", (pending[-1].name,))
                await connection.execute(_PIN_SEARCH_PATH)


_PIN_SEARCH_PATH = f"""
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{QUEUE_SCHEMA}'
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = {QUEUE_SCHEMA}, pg_catalog', f.signature);
    END LOOP;
END $$;
"""
"""Procrastinate's functions and triggers name its tables without a schema: pinning their search_path makes
them work from any session (an operator's psql deleting old jobs, a backup restore), not only the queue's."""


def pending_migrations(recorded: str, migrations: Iterable[Path]) -> list[Path]:
    """Procrastinate's migration files newer than the one recorded, in order (their names sort by version)."""
    return sorted((p for p in migrations if p.name > recorded), key=lambda p: p.name)


@dataclass
class UnitJob:
    """A unit's job as the queue holds it."""

    job_id: int
    unit_code: str
    status: str
    attempts: int


def unit_jobs(engine: sa.Engine, run_id: str) -> dict[str, UnitJob]:
    """The newest job of each unit of a run (empty when the queue was never installed)."""
    with engine.connect() as connection:
        if connection.execute(sa.text(f"SELECT to_regclass('{QUEUE_SCHEMA}.procrastinate_jobs')")).scalar() is None:
            return {}
        rows = connection.execute(sa.text(
            f"SELECT id, args->>'unit_code', status::text, attempts FROM {QUEUE_SCHEMA}.procrastinate_jobs "
            "WHERE task_name = :task AND args->>'run_id' = :run ORDER BY id"), {"task": UNIT_TASK, "run": run_id})
        return {code: UnitJob(job_id, code, status, attempts) for job_id, code, status, attempts in rows}


async def defer_units(app: Any, run_id: str, unit_codes: Iterable[str], queue: str) -> int:
    """Put one job per unit on ``queue`` (one batch); a unit that already waits on the queue is skipped."""
    from procrastinate import exceptions

    codes = list(unit_codes)
    if not codes:
        return 0

    def deferrer(code: str) -> Any:
        lock = unit_lock(run_id, code)
        return app.configure_task(UNIT_TASK, queue=queue, lock=lock, queueing_lock=lock)

    deferred = 0
    for start in range(0, len(codes), _BATCH):
        chunk = codes[start:start + _BATCH]
        try:
            # One statement per chunk: a province's thousands of units are queued in a few round trips.
            await app.job_manager.batch_defer_jobs_async(
                [deferrer(c).make_new_job(run_id=run_id, unit_code=c) for c in chunk])
            deferred += len(chunk)
            continue
        except exceptions.AlreadyEnqueued:
            pass  # some unit of the chunk waits already: queue the others one by one
        for code in chunk:
            try:
                await deferrer(code).defer_async(run_id=run_id, unit_code=code)
                deferred += 1
            except exceptions.AlreadyEnqueued:
                pass  # the queueing lock keeps a unit on the queue once
    return deferred


async def defer_completion(app: Any, run_id: str, queue: str) -> None:
    """Ask a worker to finish the run, score it and write its reports (once: a queueing lock)."""
    from procrastinate import exceptions

    lock = f"complete:{run_id}"
    try:
        await app.configure_task(COMPLETE_TASK, queue=queue, lock=lock, queueing_lock=lock).defer_async(run_id=run_id)
    except exceptions.AlreadyEnqueued:
        pass


async def requeue_stalled(app: Any, stalled_after: float) -> list[int]:
    """Put back on the queue the jobs whose worker stopped sending heartbeats; returns their ids."""
    requeued = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            await app.job_manager.retry_job(job)
        except Exception:  # noqa: BLE001 - another worker's sweep retried it first
            continue
        log.warning("job %s (%s) of a silent worker put back on the queue", job.id, job.task_kwargs)
        requeued.append(job.id)
    await app.job_manager.prune_stalled_workers(stalled_after)
    return requeued


async def retry_failed(app: Any, job_ids: Iterable[int]) -> int:
    """Put failed jobs back on the queue (an operator's decision: ``runs requeue --failed``)."""
    count = 0
    for job_id in job_ids:
        try:
            await app.job_manager.retry_job_by_id_async(job_id, retry_at=_now())
            count += 1
        except Exception:  # noqa: BLE001 - no longer failed (retried or running)
            continue
    return count


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
