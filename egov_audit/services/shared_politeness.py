"""Politeness held by all workers together: per-host and per-IP slots and per-host start turns in PostgreSQL.

Why a shared limiter rather than routing every unit of one IP to one worker (engine locks): Vietnamese
communes are often hosted by the dozen on one provincial server, and with one unit of an IP at a time a
province of 700 communes behind one address would be crawled at one host's delay, all night long; with
shared slots the server gets ``per_ip`` requests in flight from the whole cluster, whichever units and
workers they come from, and so do hosts reached by redirects and link checks, which no routing by the
portal's address could foresee.

Each worker process wraps its own limiter (the crawler's ``HostLimiter``: in-process slots, the adaptive
delay, Retry-After pauses) in a ``SharedLimiter``. A request then also holds one of the host's
``per_host`` and one of the IP's ``per_ip`` cluster-wide slots: PostgreSQL session advisory locks taken
with ``pg_try_advisory_lock`` on one connection per worker process. The server frees them when that
connection ends, so a worker killed mid-request gives its slots back at once, with no lease to expire.
The start spacing of a host across workers is one row per host in ``crawl_host_turn``, reserved with a
single upsert per request (the database's clock, so the machines' clocks need not agree).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from egov_audit.core.failures import FailureClass

log = logging.getLogger("egov_audit.politeness")

_TURN_SQL = """
INSERT INTO crawl_host_turn (host, next_start)
VALUES (%(host)s, clock_timestamp() + make_interval(secs => %(pause)s + %(delay)s))
ON CONFLICT (host) DO UPDATE
SET next_start = GREATEST(crawl_host_turn.next_start, clock_timestamp() + make_interval(secs => %(pause)s))
                 + make_interval(secs => %(delay)s)
RETURNING EXTRACT(EPOCH FROM (next_start - clock_timestamp()))::float8 - %(delay)s
"""


def slot_key(kind: str, name: str, index: int) -> int:
    """The advisory lock key (signed 64 bits) of slot ``index`` of a host or an IP; the same in every process."""
    digest = hashlib.blake2b(f"egov-audit\0{kind}\0{name}\0{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SharedSlots:
    """Cluster-wide slots and turns on one dedicated connection of this worker process."""

    def __init__(self, conninfo: str, poll_min: float = 0.005, poll_max: float = 0.05) -> None:
        self.conninfo = conninfo
        self.poll_min, self.poll_max = poll_min, poll_max
        self._connection: Any = None
        self._connecting = asyncio.Lock()
        self._held: set[int] = set()
        """Keys this process holds or is trying (a session may take its own advisory lock twice)."""

    async def _conn(self) -> Any:
        import psycopg

        async with self._connecting:
            if self._connection is None or self._connection.closed:
                if self._connection is not None and self._held:
                    # The server let go of every lock of the lost session, so other workers may take them
                    # while this process's requests finish; the keys stay marked here so that no two
                    # requests of this process share one, and their release is a harmless no-op.
                    log.warning("shared politeness connection lost while %d slot(s) were held", len(self._held))
                self._connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            return self._connection

    async def _scalar(self, sql: str, params: Any) -> Any:
        import psycopg

        delay = 0.1
        while True:
            try:
                connection = await self._conn()
                cursor = await connection.execute(sql, params)
                row = await cursor.fetchone()
                return row[0] if row else None
            except psycopg.OperationalError as exc:
                # A database restart or a network cut: wait and reconnect; the crawl waits meanwhile.
                log.warning("shared politeness: %s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def acquire(self, kind: str, name: str, limit: int) -> int:
        """Wait for one of the ``limit`` slots of ``name``; returns its key (give it to ``release``)."""
        wait = self.poll_min
        while True:
            indexes = list(range(max(1, limit)))
            random.shuffle(indexes)  # spread the processes over the slots instead of all trying slot 0
            for index in indexes:
                key = slot_key(kind, name, index)
                if key in self._held:
                    continue
                self._held.add(key)  # before awaiting: another task of this process must not try it too
                try:
                    taken = await self._scalar("SELECT pg_try_advisory_lock(%s)", (key,))
                except BaseException:
                    self._held.discard(key)
                    raise
                if taken:
                    return key
                self._held.discard(key)
            await asyncio.sleep(wait * random.uniform(0.5, 1.5))
            wait = min(wait * 2, self.poll_max)

    async def release(self, key: int) -> None:
        """Give a slot back; completes even when the caller is being cancelled (a leaked slot stays held)."""

        async def unlock() -> None:
            try:
                if self._connection is not None and not self._connection.closed:
                    await self._scalar("SELECT pg_advisory_unlock(%s)", (key,))
            finally:
                self._held.discard(key)

        await asyncio.shield(asyncio.ensure_future(unlock()))

    async def reserve_turn(self, host: str, delay: float, pause: float = 0.0) -> float:
        """Reserve this request's start for ``host``; returns how long to wait for it (0 when due)."""
        wait = await self._scalar(_TURN_SQL, {"host": host, "delay": max(0.0, delay), "pause": max(0.0, pause)})
        return max(0.0, float(wait or 0.0))

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        self._held.clear()


class SharedLimiter:
    """The crawler's limiter of this process, with the limits of the whole cluster held on top of it.

    Anything else the crawler asks of its limiter (``observe``, ``delay_for``, …) goes to the local one.
    """

    def __init__(self, local: Any, slots: SharedSlots, per_host: int, per_ip: int) -> None:
        self.local, self.slots = local, slots
        self.per_host, self.per_ip = max(1, per_host), max(1, per_ip)
        self._pausing: set[asyncio.Task[Any]] = set()
        """Background tasks (Retry-After pauses, slots released after a timeout's hold): kept until done."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)

    def pause(self, host: str, seconds: float) -> None:
        """A Retry-After of ``host``: no request to it starts before then, from this process or any other."""
        self.local.pause(host, seconds)
        # The crawler calls this without awaiting: the turn is pushed back by a task of its own.
        task = asyncio.get_running_loop().create_task(self.slots.reserve_turn(host, 0.0, seconds))
        self._pausing.add(task)
        task.add_done_callback(self._pausing.discard)

    def _delay(self, host: str, delay: float) -> float:
        delay_for = getattr(self.local, "delay_for", None)
        return float(delay_for(host, delay)) if delay_for is not None else delay

    @asynccontextmanager
    async def slot(self, host: str, ip: str | None, delay: float, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        """This process's slot, then the cluster's: host first, its turn, then the IP (the order the local
        limiter keeps, so no two requests wait on each other's slots). Yields the local slot's ticket, through
        which the exchange reports how the server answered (the adaptive window and the circuit breaker)."""
        async with self.local.slot(host, ip, delay, *args, **kwargs) as ticket:
            host_key = await self.slots.acquire("host", host, self.per_host)
            try:
                wait = await self.slots.reserve_turn(host, self._delay(host, delay))
                if wait > 0:
                    await asyncio.sleep(wait)
                ip_key = await self.slots.acquire("ip", ip, self.per_ip) if ip else None
                try:
                    yield ticket
                finally:
                    if ip_key is not None:
                        await self._release(ip_key, ticket)
            finally:
                await self._release(host_key, ticket)

    async def _release(self, key: int, ticket: Any) -> None:
        """Give a cluster slot back; after a timeout only once the local limiter's ``abandoned_hold`` has
        passed (the server is still busy with the abandoned request), in a task so the crawl goes on."""
        hold = float(getattr(self.local, "abandoned_hold", 0.0) or 0.0)
        if hold <= 0 or getattr(ticket, "failure", None) is not FailureClass.TIMEOUT:
            await self.slots.release(key)
            return

        async def later() -> None:
            await asyncio.sleep(hold)
            await self.slots.release(key)

        task = asyncio.get_running_loop().create_task(later())
        self._pausing.add(task)
        task.add_done_callback(self._pausing.discard)
