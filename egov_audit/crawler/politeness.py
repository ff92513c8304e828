"""Politeness: per-host and per-IP concurrency, per-host delay, Retry-After and backoff.

One ``HostLimiter`` is shared by every site crawled in the same event loop, so two communes hosted on
the same server (same IP, different host names) together never get more than ``per_ip`` concurrent
requests, and a slow host only delays its own requests.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from egov_audit.crawler.settings import CrawlerSettings


class HostLimiter:
    """Concurrency slots per host name and per IP address, and start spacing per host.

    The spacing adapts to the host (as Scrapy's AutoThrottle does): a host whose answers slow down gets a
    longer delay, ``latency / adaptive_target_concurrency`` averaged with the delay in force, never below
    the configured delay nor above ``max_delay``, so a struggling commune server is not pushed harder.
    Error answers never shorten the delay (a fast 503 says nothing good about the server).
    """

    def __init__(
        self,
        per_host: int = 2,
        per_ip: int = 2,
        clock: Callable[[], float] = time.monotonic,
        *,
        adaptive_target_concurrency: float | None = None,
        max_delay: float = 60.0,
    ) -> None:
        self.per_host = max(1, per_host)
        self.per_ip = max(1, per_ip)
        self._clock = clock
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._ip_sems: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self.adaptive_target = adaptive_target_concurrency if adaptive_target_concurrency else None
        self.max_delay = max_delay
        self._adaptive_delay: dict[str, float] = {}

    @classmethod
    def from_settings(cls, settings: CrawlerSettings) -> HostLimiter:
        return cls(settings.per_host_concurrency, settings.per_ip_concurrency,
                   adaptive_target_concurrency=settings.adaptive_target_concurrency if settings.adaptive_delay else None,
                   max_delay=settings.max_delay_seconds)

    def delay_for(self, host: str, base: float) -> float:
        """The spacing in force for ``host``: the configured one, or longer when the host slowed down."""
        return max(base, self._adaptive_delay.get(host, 0.0))

    def observe(self, host: str, latency: float, base: float, ok: bool) -> None:
        """Adapt ``host``'s delay to the latency (time to first byte) of an answer just received."""
        if self.adaptive_target is None:
            return
        current = self._adaptive_delay.get(host, base)
        target = latency / self.adaptive_target
        new = (current + target) / 2.0
        if not ok and new < current:
            return
        self._adaptive_delay[host] = min(self.max_delay, max(base, new))

    def _sem(self, table: dict[str, asyncio.Semaphore], key: str, size: int) -> asyncio.Semaphore:
        sem = table.get(key)
        if sem is None:
            sem = table[key] = asyncio.Semaphore(size)
        return sem

    @asynccontextmanager
    async def slot(self, host: str, ip: str | None, delay: float) -> AsyncIterator[None]:
        """Hold one request slot for ``host`` (and ``ip``), starting at least ``delay`` after the last.

        Locks are always taken host first, then IP, so sites sharing an IP cannot deadlock. The wait for
        the host's next start happens *before* taking the IP slot: sleeping on it would keep another
        host of the same server from using that slot for nothing (the per-IP limit counts requests in
        flight, not requests waiting for their host's delay).
        """
        host_sem = self._sem(self._host_sems, host, self.per_host)
        async with host_sem:
            ip_sem = self._sem(self._ip_sems, ip, self.per_ip) if ip else None
            while True:
                wait = self._next_start.get(host, 0.0) - self._clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                if ip_sem is not None:
                    await ip_sem.acquire()
                now = self._clock()
                if self._next_start.get(host, now) <= now:
                    break
                # While we waited for the IP, another request to this host took the turn (or a 429
                # paused the host): give the IP slot back and wait for the next turn.
                if ip_sem is not None:
                    ip_sem.release()
            # No await between the check above and this reservation: the turn is ours alone.
            self._next_start[host] = now + max(0.0, self.delay_for(host, delay))
            try:
                yield
            finally:
                if ip_sem is not None:
                    ip_sem.release()

    def pause(self, host: str, seconds: float) -> None:
        """No request to ``host`` starts for ``seconds`` (after a 429/503 with Retry-After)."""
        now = self._clock()
        self._next_start[host] = max(self._next_start.get(host, now), now + max(0.0, seconds))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempt: int, base: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter around it (0.5×–1.5×), so retries do not synchronise."""
    rng = rng or random
    return base * (2**attempt) * rng.uniform(0.5, 1.5)
