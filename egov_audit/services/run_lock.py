"""Exclusive work across processes: one audit at a time, one night at a time, through a lock in the database.

A holder is ``host:pid:token``. While held, a daemon thread renews the heartbeat; a lock is stale when
its heartbeat is older than ``schedule.lock_stale_seconds`` or its holder was a process on this host
that no longer exists (a killed ``audit``), and a stale lock is taken over. So two scheduler processes,
even on two machines sharing a PostgreSQL database, never run the same night twice, and a killed audit
never blocks the next night.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from egov_audit.core.errors import BadInput
from egov_audit.storage import locks_repo
from egov_audit.storage.models import DbLock, utcnow

AUDIT_LOCK = "audit"
"""Held by every ``audit`` (manual or nightly): runs never overlap."""
NIGHT_LOCK = "night"
"""Held by the scheduler's nightly job for the whole night (audit, scores, reports, notifications)."""


class LockBusy(BadInput):
    """Another live process holds the lock."""

    def __init__(self, name: str, holder: DbLock | None) -> None:
        self.name, self.holder = name, holder
        who = (f"process {holder.pid} on {holder.host} since {holder.acquired_at:%Y-%m-%d %H:%M} UTC"
               f"{f' ({holder.purpose})' if holder.purpose else ''}") if holder else "another process"
        super().__init__(f"{name}: {who} is already running it; wait for it to finish (a killed process's lock "
                         "is taken over automatically)")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class DatabaseLock:
    """One named lock for one holder; ``acquire``/``release`` or ``with lock.held(...)``."""

    def __init__(self, engine: sa.Engine, name: str, stale_seconds: float, purpose: str | None = None) -> None:
        self.engine, self.name, self.stale_seconds, self.purpose = engine, name, stale_seconds, purpose
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.holder = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:12]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False
        """Set when a renewal found the lock taken over (this process was presumed dead)."""

    def is_stale(self, lock: DbLock) -> bool:
        if lock.host == self.host and lock.pid != self.pid and not _pid_alive(lock.pid):
            return True
        return utcnow() - lock.heartbeat_at > timedelta(seconds=self.stale_seconds)

    def try_acquire(self) -> bool:
        if locks_repo.try_insert(self.engine, self.name, self.holder, self.host, self.pid, self.purpose):
            return True
        lock = locks_repo.current(self.engine, self.name)
        if lock is None:  # released between the two statements
            return locks_repo.try_insert(self.engine, self.name, self.holder, self.host, self.pid, self.purpose)
        if self.is_stale(lock):
            return locks_repo.take_over(self.engine, self.name, lock.holder, self.holder, self.host, self.pid,
                                        self.purpose)
        return False

    def acquire(self, wait_seconds: float = 0.0, poll_seconds: float = 2.0) -> None:
        """Take the lock, waiting up to ``wait_seconds`` for a live holder; raises ``LockBusy``."""
        deadline = time.monotonic() + wait_seconds
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise LockBusy(self.name, locks_repo.current(self.engine, self.name))
            time.sleep(min(poll_seconds, max(0.05, deadline - time.monotonic())))
        self._stop.clear()
        self._thread = threading.Thread(target=self._heartbeat, name=f"lock-{self.name}", daemon=True)
        self._thread.start()

    def _heartbeat(self) -> None:
        interval = max(0.05, self.stale_seconds / 4)
        while not self._stop.wait(interval):
            try:
                if not locks_repo.renew(self.engine, self.name, self.holder):
                    self.lost = True
                    return
            except sa.exc.SQLAlchemyError:  # a database hiccup: try again at the next beat
                continue

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        locks_repo.release(self.engine, self.name, self.holder)

    @contextmanager
    def held(self, wait_seconds: float = 0.0) -> Iterator[DatabaseLock]:
        self.acquire(wait_seconds)
        try:
            yield self
        finally:
            self.release()
