"""Politeness: per-host and adaptive per-IP concurrency, per-host delay, Retry-After, backoff, circuit breaker.

One ``HostLimiter`` is shared by every request of a run (pages, robots.txt, sitemaps, probes and the
browser's page loads), so two communes hosted on the same server (same IP, different host names)
together never get more than the IP's limit of requests in flight, and a slow host only delays its own
requests.

The per-IP limit adapts to how the server answers (AIMD, as TCP congestion avoidance does; see
``AdaptiveWindow`` and docs/POLITENESS.md): it starts at ``per_ip_concurrency``, grows by one slot per
window of answers while the server's latency stays near its observed baseline, and is cut at once
(multiplied by ``ip_decrease_factor``) on a timeout, a connection failure, a 429/5xx answer or rising
latency (a timeout of one host while the others answer is that host's, not the server's), never below 1 nor above ``per_ip_max_concurrency``. A host that times out
``breaker_timeouts`` times in a row is retired for the run (a circuit breaker): its later requests fail
at once with ``timeout`` instead of holding the IP's slots for their full timeout again and again.
A request that timed out keeps its slots ``abandoned_hold`` seconds more (released in the background,
so the crawl goes on): hanging up does not free the server's worker at once, and a new request sent the
moment we gave up would be one more than the limit on the server's side.

``stats()`` is the read-only view a run's metrics need: requests and peak in flight per host and per
IP, the IP limits reached and the hosts retired.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.failures import FetchRefused

if TYPE_CHECKING:
    from egov_audit.crawler.settings import CrawlerSettings

# Failures that say "the server is struggling" (as a lost packet does to TCP): the IP's window shrinks.
CONGESTION_FAILURES = frozenset({FailureClass.TIMEOUT, FailureClass.CONNECTION_RESET, FailureClass.CONNECT_REFUSED})
_CONGESTION_STATUSES = frozenset({429, 500, 502, 503, 504})


class HostRetired(FetchRefused):
    """The host timed out too often in a row: no more requests to it in this run (circuit breaker)."""


class _Gate:
    """Admits at most ``capacity`` holders at once, first come first served; the limit may change while
    it is held (a lowered limit lets holders finish and admits nobody until they are under it).

    A *suspect* (a request to a host whose last request timed out) is admitted only while another place
    stays free for everyone else, or when nobody else wants one: a host that hangs cannot hold the last
    slots of its server while its timeouts run out, whatever the limit was cut to.
    """

    def __init__(self, limit: float) -> None:
        self.limit = float(limit)
        self.in_flight = 0
        self.peak = 0
        self.requests = 0
        self._waiters: deque[tuple[asyncio.Future[None], bool]] = deque()

    @property
    def capacity(self) -> int:
        return max(1, int(self.limit))

    @property
    def waiting(self) -> int:
        return sum(1 for w, _ in self._waiters if not w.done())

    def _admits(self, suspect: bool, others_waiting: bool) -> bool:
        if not suspect:
            return self.in_flight < self.capacity
        return self.in_flight < self.capacity - 1 or (self.in_flight == 0 and not others_waiting)

    def _take(self) -> None:
        self.in_flight += 1
        self.requests += 1
        self.peak = max(self.peak, self.in_flight)

    async def acquire(self, suspect: bool = False) -> None:
        if not self.waiting and self._admits(suspect, False):
            self._take()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (waiter, suspect)
        self._waiters.append(entry)
        self.wake()  # a suspect waiting ahead does not keep an ordinary request from a free slot
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # admitted just as we were cancelled: give the place back
            raise
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def release(self) -> None:
        self.in_flight -= 1
        self.wake()

    def wake(self) -> None:
        for entry in list(self._waiters):
            waiter, suspect = entry
            if waiter.done():
                self._waiters.remove(entry)
                continue
            ordinary_waiting = any(not s and not w.done() for w, s in self._waiters if w is not waiter)
            if self._admits(suspect, ordinary_waiting):
                self._waiters.remove(entry)
                self._take()  # taken on the waiter's behalf: nobody can slip in before it runs
                waiter.set_result(None)
            elif not suspect:
                break  # no room for an ordinary request: none for anyone behind it


class LoopLag:
    """How long this process's event loop was held from running callbacks on time, in total.

    Every answer is read by the event loop: while other work holds it (parsing, checks, a thread holding
    the interpreter), an answer that already arrived waits, and its time to first byte grows although the
    server was as fast as ever. A chain of timers, kept going while requests are in flight, measures how
    late each one fires; a request's own share is the growth of the total during its flight
    (``since(mark)``), a delay in progress included. It uses the loop's clock, not the limiter's.
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.total = 0.0
        self._due: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._users = 0

    def start(self) -> float:
        """A request begins: keep measuring while it is in flight; its mark for ``since``."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new run, or a test's new loop: what the old one measured is gone
            self._loop, self._due, self._users = loop, None, 0
        self._users += 1
        if self._due is None:
            self._schedule()
        return self.now()

    def stop(self) -> None:
        self._users = max(0, self._users - 1)  # the chain ends at its next timer once nobody is in flight

    def _schedule(self) -> None:
        assert self._loop is not None
        self._due = self._loop.time() + self.interval
        self._loop.call_later(self.interval, self._tick)

    def _tick(self) -> None:
        if self._due is not None and self._loop is not None:
            self.total += max(0.0, self._loop.time() - self._due)
        if self._users > 0:
            self._schedule()
        else:
            self._due = None

    def now(self) -> float:
        if self._due is None or self._loop is None:
            return self.total
        return self.total + max(0.0, self._loop.time() - self._due)

    def since(self, mark: float) -> float:
        return max(0.0, self.now() - mark)


OWN_LAG_FLOOR = 0.05
"""Seconds of the loop's own delay always tolerated in an answer's latency (timer and scheduling jitter)."""


@dataclass(frozen=True)
class WindowRule:
    """The figures of the adaptive per-IP limit (all settings, see ``CrawlerSettings``)."""

    start: int = 2
    ceiling: int = 8
    grow_ratio: float = 1.25
    shrink_ratio: float = 1.5
    decrease_factor: float = 0.5
    samples: int = 9
    adaptive: bool = True
    own_lag_share: float = 0.25


class AdaptiveWindow:
    """The per-IP limit: additive increase, multiplicative decrease (AIMD).

    - Latency is an answer's time to first byte divided by its baseline: the fastest answer of the same
      kind (page, robots.txt, HEAD, 304, browser asset...) from the same host. An IP carrying one slow
      portal and many fast ones is judged by how each host compares with itself, and a 304 or a static
      robots.txt, cheaper for a server than a page, never makes the pages look slow. The signal is the
      median ratio of the last ``samples`` answers: one slow page type (a big listing) among many
      articles does not move it, a server slowing down for everyone does.
    - Increase: while that median is at most ``grow_ratio`` and the window is in use (requests waiting
      or every slot taken), each answer adds ``1 / limit``: one slot per window of answers.
    - Decrease: a median above ``shrink_ratio``, a 429/5xx answer, a timeout or a refused or reset
      connection multiplies the limit by ``decrease_factor`` at once. Only requests that started
      after the last decrease can cause the next one (one cut per window, like TCP's one reduction per
      round trip). A host's repeated timeouts count once, and a timeout while other hosts of the IP
      answered meanwhile is that host's trouble, not the server's: neither cuts the window (the circuit breaker deals with the host), so a portal
      that hangs does not starve the other portals on its server.
    """

    def __init__(self, rule: WindowRule, clock: Callable[[], float]) -> None:
        self.rule = rule
        self.gate = _Gate(rule.start)
        self._clock = clock
        self.epoch = 0
        self.ratios: deque[float] = deque(maxlen=max(1, rule.samples))
        self.baseline: dict[tuple[str, str], float] = {}
        """(host, kind of answer) → the fastest such answer: the latency baseline."""
        self.last_answer: dict[str, float] = {}
        """Host → clock of its last answer (a timeout while other hosts answer is that host's trouble)."""
        self.decreases = 0
        self.unjudged = 0
        """Answers whose latency was not judged: the audit's own loop was held while they were read."""
        self.cuts: Counter[str] = Counter()
        """Why the limit was cut: ``latency``, ``HTTP 503``, ``timeout``… → how many times."""
        self.lowest = self.highest = float(rule.start)
        self.history: deque[tuple[float, float, str]] = deque(maxlen=500)
        """(clock, new limit, reason) of every change."""

    @property
    def limit(self) -> float:
        return self.gate.limit

    def _set(self, limit: float, reason: str) -> None:
        limit = min(float(self.rule.ceiling), max(1.0, limit))
        if limit == self.gate.limit:
            if reason != "growth":
                self.history.append((self._clock(), limit, reason))  # a cut at the floor is still a signal
            return
        self.gate.limit = limit
        self.lowest, self.highest = min(self.lowest, limit), max(self.highest, limit)
        self.history.append((self._clock(), limit, reason))
        self.gate.wake()

    @property
    def latency_ratio(self) -> float | None:
        """Median latency ratio of the recent pages (None until a few were answered)."""
        if len(self.ratios) < min(3, self.ratios.maxlen or 1):
            return None
        ordered = sorted(self.ratios)
        return ordered[len(ordered) // 2]

    def answered(self, host: str, latency: float, status: int, epoch: int, sample: str | None = "page") -> None:
        """An answer of ``host``; ``sample`` names what kind of answer it was (its latency is compared with
        the fastest answer of the same kind from the same host), None when its latency says nothing."""
        self.last_answer[host] = self._clock()
        if not self.rule.adaptive:
            return
        if status in _CONGESTION_STATUSES:
            self.congested(epoch, f"HTTP {status}")
            return
        if sample is not None and epoch == self.epoch:
            key = (host, f"{sample} {status // 100}xx" if status != 304 else f"{sample} 304")
            base = self.baseline.get(key)
            if base is None or latency < base:
                base = self.baseline[key] = max(latency, 0.001)
            self.ratios.append(min(latency / base, 20.0))
        ratio = self.latency_ratio
        if ratio is None:
            return
        if ratio > self.rule.shrink_ratio:
            self.congested(epoch, f"latency x{ratio:.2f}")
        elif ratio <= self.rule.grow_ratio and (self.gate.waiting or self.gate.in_flight >= self.gate.capacity):
            self._set(self.limit + 1.0 / self.limit, "growth")

    def congested(self, epoch: int, reason: str) -> None:
        if not self.rule.adaptive or epoch < self.epoch:
            return  # this request was already in flight when the window was last cut
        self.epoch += 1
        self.decreases += 1
        self.cuts[reason.split(" x")[0]] += 1
        self.ratios.clear()  # measure afresh at the new limit
        self._set(self.limit * self.rule.decrease_factor, reason)


@dataclass(frozen=True)
class SlotStats:
    requests: int
    peak_in_flight: int
    in_flight: int


@dataclass(frozen=True)
class IpStats(SlotStats):
    limit: float
    lowest_limit: float
    highest_limit: float
    decreases: int
    cuts: Mapping[str, int] = field(default_factory=dict)
    unjudged: int = 0
    """Answers whose latency was not judged (read while the audit's own event loop was held)."""
    """Cuts of the limit by reason (``latency``, ``HTTP 503``, ``timeout``…)."""


@dataclass(frozen=True)
class PolitenessStats:
    """A snapshot for a run's metrics (read-only)."""

    hosts: Mapping[str, SlotStats]
    ips: Mapping[str, IpStats]
    retired: Mapping[str, str]
    """Host → why it was retired."""


@dataclass
class Ticket:
    """One admitted request: what the sender reports back when it ends."""

    host: str
    ip: str | None
    epoch: int
    limiter: HostLimiter = field(repr=False)
    started: float = 0.0
    failure: FailureClass | None = None
    lag_mark: float = 0.0
    """``LoopLag`` total when the request started."""

    def answered(self, latency: float, status: int, sample: str | None = "page") -> None:
        """The exchange got an answer; ``sample`` names its kind for the latency baseline (None: its
        latency says nothing about the server's load)."""
        self.limiter._answered(self, latency, status, sample)

    def failed(self, failure: FailureClass) -> None:
        self.failure = failure
        self.limiter._failed(self, failure)


class HostLimiter:
    """Concurrency slots per host name and per IP address, start spacing per host, the circuit breaker.

    The spacing adapts to the host (as Scrapy's AutoThrottle does): a host whose answers slow down gets a
    longer delay, ``latency / adaptive_target_concurrency`` averaged with the delay in force, never below
    the configured delay nor above ``max_delay``, so a struggling commune server is not pushed harder.
    Error answers never shorten the delay (a fast 503 says nothing good about the server).

    Built directly, the per-IP limit is fixed at ``per_ip`` unless ``window`` says otherwise; a run
    builds it with ``from_settings``, which turns the adaptive window and the breaker on as configured.
    """

    def __init__(
        self,
        per_host: int = 2,
        per_ip: int = 2,
        clock: Callable[[], float] = time.monotonic,
        *,
        adaptive_target_concurrency: float | None = None,
        max_delay: float = 60.0,
        window: WindowRule | None = None,
        breaker_timeouts: int = 0,
        abandoned_hold: float = 0.0,
    ) -> None:
        self.per_host = max(1, per_host)
        self.per_ip = max(1, per_ip)
        self._clock = clock
        self.window_rule = window or WindowRule(start=self.per_ip, ceiling=self.per_ip, adaptive=False)
        self.breaker_timeouts = max(0, breaker_timeouts)
        self.abandoned_hold = max(0.0, abandoned_hold)
        self._hosts: dict[str, _Gate] = {}
        self._ips: dict[str, AdaptiveWindow] = {}
        self._next_start: dict[str, float] = {}
        self.adaptive_target = adaptive_target_concurrency if adaptive_target_concurrency else None
        self.max_delay = max_delay
        self._adaptive_delay: dict[str, float] = {}
        self._timeouts_in_a_row: dict[str, int] = {}
        self._retired: dict[str, str] = {}
        self._armed: set[str] = set()
        """Hosts that start one timeout short of the breaker (``arm_breaker``) and have not answered yet."""
        self.loop_lag = LoopLag()

    @classmethod
    def from_settings(cls, settings: CrawlerSettings) -> HostLimiter:
        start = settings.per_ip_concurrency
        rule = WindowRule(
            start=start, ceiling=max(start, settings.per_ip_max_concurrency),
            grow_ratio=settings.ip_grow_latency_ratio, shrink_ratio=settings.ip_shrink_latency_ratio,
            decrease_factor=settings.ip_decrease_factor, samples=settings.ip_latency_samples,
            adaptive=settings.adaptive_ip_concurrency, own_lag_share=settings.ip_latency_own_lag_share,
        )
        return cls(settings.per_host_concurrency, start,
                   adaptive_target_concurrency=settings.adaptive_target_concurrency if settings.adaptive_delay else None,
                   max_delay=settings.max_delay_seconds, window=rule, breaker_timeouts=settings.breaker_timeouts,
                   abandoned_hold=settings.abandoned_hold_seconds)

    # --- per-host delay ---------------------------------------------------------------------------

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

    def pause(self, host: str, seconds: float) -> None:
        """No request to ``host`` starts for ``seconds`` (after a 429/503 with Retry-After)."""
        now = self._clock()
        self._next_start[host] = max(self._next_start.get(host, now), now + max(0.0, seconds))

    # --- slots ------------------------------------------------------------------------------------

    def _host_gate(self, host: str) -> _Gate:
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = _Gate(self.per_host)
        return gate

    def window(self, ip: str) -> AdaptiveWindow:
        window = self._ips.get(ip)
        if window is None:
            window = self._ips[ip] = AdaptiveWindow(self.window_rule, self._clock)
        return window

    def retired(self, host: str) -> str | None:
        """Why ``host`` was retired for this run, or None."""
        return self._retired.get(host)

    def arm_breaker(self, host: str) -> None:
        """Start ``host`` one timeout short of retirement (it was retired on the previous night): a host
        that still never answers then costs one timeout tonight, not ``breaker_timeouts``, while its first
        answer clears the count as usual."""
        if self.breaker_timeouts > 1:
            self._timeouts_in_a_row[host] = max(self._timeouts_in_a_row.get(host, 0), self.breaker_timeouts - 1)
            self._armed.add(host)

    def _refuse_if_retired(self, host: str) -> None:
        reason = self._retired.get(host)
        if reason is not None:
            raise HostRetired(FailureClass.TIMEOUT, reason)

    @asynccontextmanager
    async def slot(self, host: str, ip: str | None, delay: float, *, spaced: bool = True) -> AsyncIterator[Ticket]:
        """Hold one request slot for ``host`` (and ``ip``), starting at least ``delay`` after the last.

        Locks are always taken host first, then IP, so sites sharing an IP cannot deadlock. The wait for
        the host's next start happens *before* taking the IP slot: sleeping on it would keep another
        host of the same server from using that slot for nothing (the per-IP limit counts requests in
        flight, not requests waiting for their host's delay). ``spaced=False`` (a page's images and
        styles loaded by the browser) takes the slots but no turn of the start delay: a page's assets
        are one visit. Raises ``HostRetired`` for a host the circuit breaker retired.
        """
        self._refuse_if_retired(host)
        host_gate = self._host_gate(host)
        await host_gate.acquire()
        held: list[_Gate] = [host_gate]
        ticket: Ticket | None = None
        try:
            window = self.window(ip) if ip else None
            await self._wait_turn(host, window, delay if spaced else None)
            if window is not None:
                held.append(window.gate)
            self._refuse_if_retired(host)
            ticket = Ticket(host, ip, window.epoch if window else 0, self, self._clock(),
                            lag_mark=self.loop_lag.start())
            yield ticket
        finally:
            if ticket is not None:
                self.loop_lag.stop()
            if ticket is not None and ticket.failure is FailureClass.TIMEOUT and self.abandoned_hold:
                loop = asyncio.get_running_loop()
                for gate in reversed(held):
                    loop.call_later(self.abandoned_hold, gate.release)
            else:
                for gate in reversed(held):
                    gate.release()

    async def _wait_turn(self, host: str, window: AdaptiveWindow | None, delay: float | None) -> None:
        """Wait for the host's next start (unless unspaced), then take an IP slot; reserve the next turn."""
        while True:
            wait = self._next_start.get(host, 0.0) - self._clock() if delay is not None else 0.0
            if wait > 0:
                await asyncio.sleep(wait)
            if window is not None:
                await window.gate.acquire(suspect=self._timeouts_in_a_row.get(host, 0) > 0)
            now = self._clock()
            if delay is None or self._next_start.get(host, now) <= now:
                break
            # While we waited for the IP, another request to this host took the turn (or a 429
            # paused the host): give the IP slot back and wait for the next turn.
            if window is not None:
                window.gate.release()
        if delay is not None:
            # No await between the check above and this reservation: the turn is ours alone.
            self._next_start[host] = now + max(0.0, self.delay_for(host, delay))

    # --- outcomes ---------------------------------------------------------------------------------

    def _answered(self, ticket: Ticket, latency: float, status: int, sample: str | None) -> None:
        self._timeouts_in_a_row.pop(ticket.host, None)
        self._armed.discard(ticket.host)
        if ticket.ip:
            window = self.window(ticket.ip)
            held = self.loop_lag.since(ticket.lag_mark)
            if sample is not None and held > max(OWN_LAG_FLOOR, window.rule.own_lag_share * latency):
                # The answer waited for our own loop: its latency would read our load as the server's.
                sample = None
                window.unjudged += 1
            window.answered(ticket.host, latency, status, ticket.epoch, sample)

    def _failed(self, ticket: Ticket, failure: FailureClass) -> None:
        in_a_row = self._timeouts_in_a_row.get(ticket.host, 0)
        if failure is FailureClass.TIMEOUT:
            self._timeouts_in_a_row[ticket.host] = in_a_row + 1
            if self.breaker_timeouts and in_a_row + 1 >= self.breaker_timeouts:
                why = ("a timeout, as on the previous run" if ticket.host in self._armed
                       else f"{in_a_row + 1} timeouts in a row")
                self._retired.setdefault(ticket.host, f"host retired for this run after {why}")
        if ticket.ip and failure in CONGESTION_FAILURES:
            window = self.window(ticket.ip)
            others = any(when > ticket.started for host, when in window.last_answer.items() if host != ticket.host)
            # A host's repeated timeouts count once; one while others answer is that host's alone.
            if not (failure is FailureClass.TIMEOUT and (others or in_a_row)):
                window.congested(ticket.epoch, str(failure))

    # --- metrics ----------------------------------------------------------------------------------

    def stats(self) -> PolitenessStats:
        """Requests and peak in flight per host and per IP, IP limits and retired hosts (a snapshot)."""
        hosts = {h: SlotStats(g.requests, g.peak, g.in_flight) for h, g in self._hosts.items()}
        ips = {
            ip: IpStats(w.gate.requests, w.gate.peak, w.gate.in_flight, w.limit, w.lowest, w.highest, w.decreases,
                        MappingProxyType(dict(w.cuts)), w.unjudged)
            for ip, w in self._ips.items()
        }
        return PolitenessStats(MappingProxyType(hosts), MappingProxyType(ips), MappingProxyType(dict(self._retired)))


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
