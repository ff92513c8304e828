"""The parts of the distributed mode one at a time, on a real PostgreSQL: the queue's schema, the unit lease
(claim, heartbeat, fence), the shared politeness slots and turns, the retry rules and the commands' errors."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from egov_audit.cli import main
from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus
from egov_audit.services.distributed_worker import (
    AttemptCrashed,
    LeaseBusy,
    TransientOutcome,
    UnitRetry,
    transient_failure,
)
from egov_audit.services.settings import DistributedSettings
from egov_audit.services.shared_politeness import SharedLimiter, SharedSlots
from egov_audit.services.task_queue import conninfo, ensure_queue_schema, pending_migrations
from egov_audit.storage import distributed_repo, runs_repo, units_repo
from egov_audit.storage.db import open_database, session
from egov_audit.storage.distributed_repo import BUSY, CLOSED, DONE, LeaseLost
from egov_audit.storage.models import DistributedUnit
from tests.pg import new_database, postgres_url  # noqa: F401  (fixture)


@pytest.fixture
def pg(postgres_url: str) -> str:  # noqa: F811
    return new_database(postgres_url)


def _site(status: CrawlStatus, error: str | None, home_status: int | None) -> CapturedSite:
    site = CapturedSite(unit_code="1", unit_level="commune", portal_url="http://x/", home_url="http://x/")
    site.pages["http://x/"] = CapturedPage(url="http://x/", final_url="http://x/", status=home_status)
    site.crawl_status, site.crawl_error = status, error
    return site


def test_transient_failures_are_retried_and_permanent_ones_are_outcomes() -> None:
    assert transient_failure(_site(CrawlStatus.UNREACHABLE, "timeout: read", None))
    assert transient_failure(_site(CrawlStatus.UNREACHABLE, "connection_reset: by peer", None))
    assert transient_failure(_site(CrawlStatus.UNREACHABLE, "http_status: HTTP 503", 503))
    assert transient_failure(_site(CrawlStatus.BLOCKED, "http_status: HTTP 429", 429))
    for error, status in (("dns: no address", None), ("tls: certificate", None), ("connect_refused: x", None),
                          ("http_status: HTTP 404", 404)):
        assert transient_failure(_site(CrawlStatus.UNREACHABLE, error, status)) is None, error
    assert transient_failure(_site(CrawlStatus.BLOCKED, "http_status: HTTP 403", 403)) is None
    assert transient_failure(_site(CrawlStatus.OK, None, 200)) is None


class _Job:
    def __init__(self, attempts: int) -> None:
        self.attempts = attempts


def test_retry_rules() -> None:
    retry = UnitRetry(DistributedSettings(unit_attempts=3, retry_wait_seconds=120, lease_seconds=30))
    assert retry.get_retry_decision(exception=LeaseLost("x"), job=_Job(0)) is None
    assert retry.get_retry_decision(exception=LeaseBusy("x"), job=_Job(7)) is not None
    assert retry.get_retry_decision(exception=TransientOutcome("t", final=False, wait=120), job=_Job(0)) is not None
    assert retry.get_retry_decision(exception=TransientOutcome("t", final=True, wait=120), job=_Job(0)) is None
    assert retry.get_retry_decision(exception=AttemptCrashed("c", final=True, wait=120), job=_Job(0)) is None
    assert retry.get_retry_decision(exception=RuntimeError("db"), job=_Job(1)) is not None
    assert retry.get_retry_decision(exception=RuntimeError("db"), job=_Job(2)) is None


def test_pending_migrations_are_the_newer_files_in_order(tmp_path: Path) -> None:
    names = ["03.00.00_01_a.sql", "03.01.00_01_pre_b.sql", "03.01.00_50_post_b.sql", "03.04.00_01_c.sql"]
    files = [tmp_path / n for n in reversed(names)]
    assert [p.name for p in pending_migrations("03.01.00_01_pre_b.sql", files)] == names[2:]
    assert pending_migrations(names[-1], files) == []


def test_queue_schema_installs_once_in_its_own_schema(pg: str) -> None:
    asyncio.run(ensure_queue_schema(pg))
    asyncio.run(ensure_queue_schema(pg))  # a second worker starting: nothing to do
    engine = open_database(pg)
    with engine.connect() as connection:
        assert connection.execute(sa.text("select to_regclass('egov_queue.procrastinate_jobs')")).scalar()
        assert connection.execute(sa.text("select to_regclass('public.procrastinate_jobs')")).scalar() is None
        assert connection.execute(sa.text("select count(*) from egov_queue.egov_queue_version")).scalar() == 1
    engine.dispose()


def _run_with_unit(pg: str) -> tuple[sa.Engine, str]:
    engine = open_database(pg)
    with session(engine) as s:
        units_repo.upsert_units(s, [units_repo.UnitRow("99", "Tỉnh 99", "province", "99"),
                                    units_repo.UnitRow("99001", "Xã 1", "commune", "99", "99", "http://x/")])
        run = runs_repo.create_run(s, {"distributed": True}, {})
        distributed_repo.register_run(s, run.id, "audit", ["99001"])
    return engine, run.id


def test_one_lease_per_unit_fences_its_outcome(pg: str) -> None:
    engine, run_id = _run_with_unit(pg)
    with session(engine) as s:
        first = distributed_repo.claim(s, run_id, "99001", "w1", lease_seconds=30)
    assert first.outcome == "claimed" and first.attempt == 1
    with session(engine) as s:  # a duplicate delivery while w1 is alive
        assert distributed_repo.claim(s, run_id, "99001", "w2", lease_seconds=30).outcome == BUSY
    with session(engine) as s:
        assert distributed_repo.heartbeat(s, run_id, "99001", first.token)
    # w1 falls silent: its heartbeat is older than the lease, so w2 takes the unit over.
    with session(engine) as s:
        s.exec(sa.update(DistributedUnit).values(heartbeat_at=distributed_repo.db_now(s) - timedelta(seconds=31)))
    with session(engine) as s:
        second = distributed_repo.claim(s, run_id, "99001", "w2", lease_seconds=30)
    assert second.outcome == "claimed" and second.attempt == 2
    with session(engine) as s:  # w1 comes back: no heartbeat, no outcome
        assert not distributed_repo.heartbeat(s, run_id, "99001", first.token)
    with pytest.raises(LeaseLost), session(engine) as s:
        distributed_repo.fence(s, run_id, "99001", first.token)
    with session(engine) as s:
        distributed_repo.mark_done(s, distributed_repo.fence(s, run_id, "99001", second.token))
    with session(engine) as s:  # delivered once more after the outcome: nothing to do
        assert distributed_repo.claim(s, run_id, "99001", "w3", lease_seconds=30).outcome == DONE
        runs_repo.finish_run(s, run_id, "abandoned")
    with session(engine) as s:
        assert distributed_repo.claim(s, run_id, "99001", "w3", lease_seconds=30).outcome == CLOSED
        assert distributed_repo.units(s, run_id)[0].attempts == 2
    engine.dispose()


class _LocalLimiter:
    """Stands in for the crawler's HostLimiter of one process (no local limits: the cluster's are tested)."""

    def __init__(self) -> None:
        self.paused: list[tuple[str, float]] = []

    def slot(self, host: str, ip: str | None, delay: float):  # noqa: ANN201
        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def held():  # noqa: ANN202
            yield

        return held()

    def pause(self, host: str, seconds: float) -> None:
        self.paused.append((host, seconds))


async def _politeness(url: str) -> None:
    open_database(url).dispose()  # crawl_host_turn
    workers = [SharedSlots(conninfo(url)) for _ in range(3)]  # three processes' connections
    limiters = [SharedLimiter(_LocalLimiter(), w, per_host=2, per_ip=3) for w in workers]
    now = {"host-a": 0, "ip": 0}
    peak = {"host-a": 0, "ip": 0}

    async def request(limiter: SharedLimiter, host: str) -> None:
        async with limiter.slot(host, "10.0.0.1", 0.0):
            for key in (host, "ip"):
                now.setdefault(key, 0)
                now[key] += 1
                peak[key] = max(peak.get(key, 0), now[key])
            await asyncio.sleep(0.02)
            for key in (host, "ip"):
                now[key] -= 1

    await asyncio.gather(*(request(limiters[n % 3], "host-a" if n % 2 else "host-b") for n in range(36)))
    assert peak["host-a"] == 2 and peak["host-b"] == 2 and peak["ip"] == 3

    # A process dies holding both slots of a host: the server frees them with its connection, at once.
    await workers[0].acquire("host", "host-c", 2)
    await workers[0].acquire("host", "host-c", 2)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await workers[1].acquire("host", "host-c", 2)
    await workers[0].close()
    async with asyncio.timeout(5):
        await workers[1].acquire("host", "host-c", 2)

    # Turns: requests to one host from any process start at least `delay` apart (the database's clock).
    starts = []
    for n in range(4):
        wait = await workers[1 + n % 2].reserve_turn("host-d", 0.2)
        await asyncio.sleep(wait)
        starts.append(time.monotonic())
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 0.18 for gap in gaps), gaps
    # A Retry-After seen by one process delays the next turn of the others too.
    limiters[1].pause("host-e", 0.5)
    assert limiters[1].local.paused == [("host-e", 0.5)]
    await asyncio.sleep(0.05)
    assert await workers[2].reserve_turn("host-e", 0.0) > 0.3
    for w in workers[1:]:
        await w.close()


def test_shared_politeness_holds_across_processes_and_frees_a_dead_ones_slots(pg: str) -> None:
    asyncio.run(_politeness(pg))


def test_distributed_commands_need_postgresql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "d"), "audit", "--all", "--distributed"]) == 2
    assert "needs a PostgreSQL database" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "d"), "worker"]) == 2
    assert main(["--data-dir", str(tmp_path / "d"), "runs", "status"]) == 2
    assert "no audit run yet" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "d"), "audit", "--all", "--queue", "x"]) == 2


def test_a_local_audit_never_resumes_a_distributed_run(pg: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,province_code,parent_code,portal_url,scope\n"
                     "99,Tỉnh 99,province,99,,,\n99001,Xã 1,commune,99,99,,\n", encoding="utf-8")
    base = ["--db", pg, "--data-dir", str(tmp_path / "d")]
    assert main([*base, "units", "import", str(units)]) == 0
    assert main([*base, "audit", "--unit", "99001", "--distributed"]) == 0
    assert "1 put on queue 'audit'" in capsys.readouterr().out
    assert main([*base, "audit", "--unit", "99001"]) == 2
    assert "unfinished distributed run" in capsys.readouterr().err
    # Queued again: the unit waits on the queue already, nothing is added.
    assert main([*base, "audit", "--unit", "99001", "--distributed"]) == 0
    assert "(resumed): 1 unit(s), 0 done, 0 put on queue" in capsys.readouterr().out
    assert main([*base, "runs", "status"]) == 0
    out = capsys.readouterr().out
    assert "1 queued" in out and "99001" in out and "job todo" in out
    # The job is lost (deleted, or the enqueuer died before queueing it): the requeue pass queues it again.
    assert main([*base, "runs", "requeue"]) == 0
    assert "0 unit(s) without a job" in capsys.readouterr().out
    engine = open_database(pg)
    with engine.begin() as connection:
        connection.execute(sa.text("delete from egov_queue.procrastinate_jobs"))
    engine.dispose()
    assert main([*base, "runs", "requeue"]) == 0
    assert "1 unit(s) without a job put back on the queue" in capsys.readouterr().out
    assert main([*base, "runs", "status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["counts"]["queued"] == 1 and status["units"][0]["detail"] == "job todo"
