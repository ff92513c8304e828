"""The database lock that keeps audits and nights from overlapping, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from egov_audit.services.run_lock import AUDIT_LOCK, DatabaseLock, LockBusy
from egov_audit.storage import locks_repo
from egov_audit.storage.db import open_database
from egov_audit.storage.models import utcnow
from tests.pg import postgres_url  # noqa: F401  (fixture)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'lock.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue(
        "postgres_url")
    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM db_lock"))
    yield engine
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM db_lock"))
    engine.dispose()


def _other_host(engine: sa.Engine, name: str = AUDIT_LOCK) -> DatabaseLock:
    """A holder on another machine: it cannot be seen dying, only going quiet."""
    lock = DatabaseLock(engine, name, stale_seconds=600, purpose="night 2026-12-07")
    lock.host, lock.pid, lock.holder = "worker-2", 4242, "worker-2:4242:abc"
    return lock


def test_a_held_lock_is_refused_with_its_holder_named_then_free_after_release(engine):
    holder = _other_host(engine)
    assert holder.try_acquire()
    with pytest.raises(LockBusy, match="process 4242 on worker-2 .*night 2026-12-07"):
        DatabaseLock(engine, AUDIT_LOCK, 600).acquire(wait_seconds=0)
    locks_repo.release(engine, AUDIT_LOCK, holder.holder)
    with DatabaseLock(engine, AUDIT_LOCK, 600).held():
        assert locks_repo.current(engine, AUDIT_LOCK).pid != 4242
    assert locks_repo.current(engine, AUDIT_LOCK) is None


def test_a_quiet_holder_is_taken_over_and_learns_it_lost_the_lock(engine):
    quiet = _other_host(engine)
    assert quiet.try_acquire()
    assert not DatabaseLock(engine, AUDIT_LOCK, 600).try_acquire()
    # Its heartbeat stopped 11 minutes ago (the machine went away).
    assert locks_repo.renew(engine, AUDIT_LOCK, quiet.holder, when=utcnow() - timedelta(minutes=11))
    taker = DatabaseLock(engine, AUDIT_LOCK, 600)
    assert taker.try_acquire()
    assert locks_repo.current(engine, AUDIT_LOCK).holder == taker.holder
    assert not locks_repo.renew(engine, AUDIT_LOCK, quiet.holder)  # the old holder's next beat sees it


def test_a_holder_that_died_on_this_host_is_taken_over_at_once(engine):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = DatabaseLock(engine, AUDIT_LOCK, 600)
    dead.pid, dead.holder = child.pid, f"{dead.host}:{child.pid}:dead"
    assert dead.try_acquire()
    assert DatabaseLock(engine, AUDIT_LOCK, 600).try_acquire()


def test_of_many_processes_racing_for_a_free_lock_exactly_one_wins(engine):
    contenders = [DatabaseLock(engine, AUDIT_LOCK, 600) for _ in range(8)]
    start = threading.Barrier(len(contenders))
    won: list[bool] = []

    def race(lock: DatabaseLock) -> None:
        start.wait()
        won.append(lock.try_acquire())

    threads = [threading.Thread(target=race, args=(lock,)) for lock in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == [False] * 7 + [True]


def test_the_holder_renews_its_heartbeat_while_it_works(engine):
    lock = DatabaseLock(engine, AUDIT_LOCK, stale_seconds=0.4)
    with lock.held():
        first = locks_repo.current(engine, AUDIT_LOCK).heartbeat_at
        deadline = threading.Event()
        for _ in range(100):  # a step of the test, not a timing assertion: wait for one beat
            if locks_repo.current(engine, AUDIT_LOCK).heartbeat_at > first:
                break
            deadline.wait(0.05)
        assert locks_repo.current(engine, AUDIT_LOCK).heartbeat_at > first
        assert not lock.lost


def test_the_job_store_lives_in_the_project_database(engine, tmp_path):
    from egov_audit.services.schedule import JOB_ID, build_scheduler, next_scheduled_run
    from egov_audit.services.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    scheduler = build_scheduler(settings, blocking=False, engine=engine)
    scheduler.start(paused=True)
    scheduler.shutdown()
    # Read back from the database, not from the scheduler that stored it.
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id FROM apscheduler_jobs")).scalars().all() == [JOB_ID]
    assert next_scheduled_run(engine) > utcnow()


def test_an_audit_while_another_one_runs_is_refused_naming_it(tmp_path, capsys):
    from egov_audit.cli import main

    data = tmp_path / "data"
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,province_code,parent_code,portal_url,scope\n"
                     "27,Tỉnh Bắc Ninh,province,27,,,\n", encoding="utf-8")
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    engine = open_database(f"sqlite:///{data / 'egov-audit.sqlite3'}")
    running = _other_host(engine)
    assert running.try_acquire()
    assert main(["--data-dir", str(data), "audit", "--all", "--no-browser"]) == 2
    assert "process 4242 on worker-2" in capsys.readouterr().err
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_run")).scalar() == 0  # nothing started
    engine.dispose()
