"""Politeness that protects the server and still finishes: the adaptive per-IP limit (AIMD), the circuit
breaker, slot waits outside the request's own timeout, and the limiter's read-only statistics.

The unit tests feed the window answers directly; the others run real requests through the sender against
a hosting server on 127.0.0.1 (tests/crawlfarm/hosting.py) that counts requests in flight per portal and
for its one address, and that can be made slow or erroring while the crawl runs.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import httpx
import pytest

from egov_audit.core.artifacts import CrawlStatus
from egov_audit.core.failures import FailureClass
from egov_audit.crawler import HostLimiter, Request, Sender, SiteTarget, crawl_site, make_client
from egov_audit.crawler.policies.slot import TakeSlot
from egov_audit.crawler.politeness import AdaptiveWindow, HostRetired, WindowRule
from egov_audit.crawler.request import Answer, Transcript
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.settings import CrawlerSettings
from tests.crawlfarm.hosting import HostingServer, build_portal

IP = "203.162.10.5"


def _window(**rule: object) -> AdaptiveWindow:
    clock = iter(range(10**6))
    return AdaptiveWindow(WindowRule(**rule), lambda: float(next(clock)))  # type: ignore[arg-type]


def _fill(window: AdaptiveWindow) -> None:
    """Make every slot busy, so answers count as a window in use (the limit only grows when it binds)."""
    window.gate.in_flight = window.gate.capacity


def test_window_grows_one_slot_per_window_of_answers_up_to_the_ceiling() -> None:
    window = _window(start=2, ceiling=8)
    answers = 0
    while window.limit < 8 and answers < 500:
        _fill(window)
        window.answered("xa-a.gov.vn", 0.2, 200, window.epoch)
        answers += 1
    assert window.limit == 8
    assert 20 <= answers <= 40  # additive: about 2+3+...+7 answers, not one per answer
    for _ in range(50):
        _fill(window)
        window.answered("xa-a.gov.vn", 0.2, 200, window.epoch)
    assert window.limit == 8 and window.highest == 8


def test_window_does_not_grow_when_it_is_not_used() -> None:
    window = _window(start=2, ceiling=8)
    for _ in range(100):
        window.answered("xa-a.gov.vn", 0.2, 200, window.epoch)  # nothing waiting, slots free
    assert window.limit == 2


def test_window_is_cut_at_once_on_rising_latency_timeouts_and_errors() -> None:
    window = _window(start=8, ceiling=8, decrease_factor=0.5)
    window.answered("xa-a.gov.vn", 0.2, 200, window.epoch)  # baseline 0.2 s
    window.answered("xa-a.gov.vn", 1.0, 200, window.epoch)  # five times slower...
    assert window.limit == 8  # (one page is no trend)
    window.answered("xa-a.gov.vn", 1.0, 200, window.epoch)  # ...and again: the median is five times slower
    assert window.limit == 4 and window.decreases == 1
    assert "latency" in window.history[-1][2]
    window.congested(window.epoch, "timeout")
    assert window.limit == 2
    window.answered("xa-a.gov.vn", 0.2, 503, window.epoch)
    assert window.limit == 1 and window.lowest == 1  # never below one slot
    window.congested(window.epoch, "timeout")
    assert window.limit == 1


def test_one_cut_per_window_requests_already_in_flight_do_not_cut_again() -> None:
    window = _window(start=8, ceiling=8)
    before = window.epoch  # eight requests start now
    window.congested(before, "timeout")
    for _ in range(7):  # the other seven time out too: the same congestion event, no further cut
        window.congested(before, "timeout")
    assert window.limit == 4 and window.decreases == 1
    window.congested(window.epoch, "timeout")  # a request sent after the cut: a new event
    assert window.limit == 2


def test_latency_is_judged_per_host_against_its_own_baseline() -> None:
    window = _window(start=4, ceiling=8)
    for _ in range(30):
        _fill(window)
        window.answered("fast.gov.vn", 0.05, 200, window.epoch)
        _fill(window)
        window.answered("slow.gov.vn", 2.0, 200, window.epoch)  # always slow, but not getting slower
    assert window.decreases == 0 and window.limit > 4


def test_a_few_slow_pages_among_fast_ones_do_not_cut_the_window() -> None:
    window = _window(start=8, ceiling=8, samples=9)
    for n in range(40):
        window.answered("xa-a.gov.vn", 1.5 if n % 4 == 0 else 0.2, 200, window.epoch)  # a listing now and then
    assert window.decreases == 0
    for _ in range(5):  # the server slows down for every page
        window.answered("xa-a.gov.vn", 0.9, 200, window.epoch)
    assert window.decreases == 1


def test_each_kind_of_answer_is_compared_with_its_own_baseline() -> None:
    window = _window(start=8, ceiling=8)
    for _ in range(10):  # a static robots.txt and 304s are far quicker than pages; neither is a slowdown
        window.answered("xa-a.gov.vn", 0.005, 200, window.epoch, sample="robots GET")
        window.answered("xa-a.gov.vn", 0.02, 304, window.epoch, sample="page GET")
        window.answered("xa-a.gov.vn", 0.3, 200, window.epoch, sample="page GET")
    assert window.decreases == 0 and window.baseline[("xa-a.gov.vn", "page GET 2xx")] == 0.3


async def test_an_answer_read_late_by_our_own_busy_loop_is_not_taken_for_a_slow_server() -> None:
    import time

    limiter = HostLimiter(window=WindowRule(start=4, ceiling=8, samples=3))
    window = limiter.window(IP)

    async def answer(latency: float, held: float = 0.0) -> None:
        async with limiter.slot("xa-a.gov.vn", IP, 0.0) as ticket:
            time.sleep(held)  # the loop held by our own work (parsing, checks) while the request is out
            await asyncio.sleep(0.1)
            ticket.answered(latency, 200)

    for _ in range(3):  # the server's pace: 0.1 s
        await answer(0.1)
    before = window.unjudged
    for _ in range(3):  # 0.5 s only because the loop was held 0.4 s meanwhile: not the server's latency
        await answer(0.5, held=0.4)
    assert window.decreases == 0 and window.unjudged == before + 3
    for _ in range(8):  # the same 0.5 s with the loop free: the server did slow down
        await answer(0.5)
        if window.decreases:
            break
    assert window.decreases == 1 and window.cuts == {"latency": 1}


async def test_a_timeout_while_other_portals_answer_does_not_cut_the_window() -> None:
    limiter = HostLimiter(window=WindowRule(start=8, ceiling=8))
    async with limiter.slot("treo.gov.vn", IP, 0.0) as hanging:
        async with limiter.slot("xa-a.gov.vn", IP, 0.0) as other:
            other.answered(0.1, 200)  # the server answers the others meanwhile
        hanging.failed(FailureClass.TIMEOUT)
    assert limiter.window(IP).decreases == 0
    async with limiter.slot("xa-b.gov.vn", IP, 0.0) as alone:
        alone.failed(FailureClass.TIMEOUT)  # nobody answered while this one waited: the server's trouble
    assert limiter.window(IP).decreases == 1


def test_fixed_window_when_adaptation_is_off() -> None:
    window = _window(start=2, ceiling=8, adaptive=False)
    for _ in range(100):
        _fill(window)
        window.answered("xa.gov.vn", 0.1, 200, window.epoch)
    window.congested(window.epoch, "timeout")
    assert window.limit == 2 and window.decreases == 0


async def test_breaker_retires_a_host_after_timeouts_in_a_row_and_counts_its_timeouts_once() -> None:
    limiter = HostLimiter(per_host=2, per_ip=8, window=WindowRule(start=8, ceiling=8), breaker_timeouts=3)
    for attempt in range(3):
        async with limiter.slot("treo.gov.vn", IP, 0.0) as ticket:
            ticket.failed(FailureClass.TIMEOUT)
        if attempt < 2:
            assert limiter.retired("treo.gov.vn") is None
    assert "3 timeouts in a row" in (limiter.retired("treo.gov.vn") or "")
    # The host's repeated timeouts cut the IP's window once: the other portals on the server keep it.
    assert limiter.stats().ips[IP].decreases == 1
    with pytest.raises(HostRetired):
        async with limiter.slot("treo.gov.vn", IP, 0.0):
            pass
    async with limiter.slot("xa-khac.gov.vn", IP, 0.0) as ticket:  # another portal of the same server
        ticket.answered(0.1, 200)
    stats = limiter.stats()
    assert stats.retired == {"treo.gov.vn": limiter.retired("treo.gov.vn")}
    assert stats.hosts["treo.gov.vn"].requests == 3 and stats.hosts["xa-khac.gov.vn"].requests == 1
    assert stats.ips[IP].requests == 4 and stats.ips[IP].peak_in_flight == 1


async def test_a_host_that_timed_out_never_takes_the_last_free_slot_of_its_ip() -> None:
    limiter = HostLimiter(per_host=2, per_ip=2, breaker_timeouts=5)
    async with limiter.slot("treo.gov.vn", IP, 0.0) as ticket:
        ticket.failed(FailureClass.TIMEOUT)  # one timeout: its next request is a suspect
    order: list[str] = []
    release = asyncio.Event()

    async def hold(host: str) -> None:
        async with limiter.slot(host, IP, 0.0):
            order.append(host)
            await release.wait()

    first = asyncio.create_task(hold("xa-a.gov.vn"))
    await asyncio.sleep(0.01)
    suspect = asyncio.create_task(hold("treo.gov.vn"))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(hold("xa-b.gov.vn"))  # came later, but the free slot is kept for it
    await asyncio.sleep(0.01)
    assert order == ["xa-a.gov.vn", "xa-b.gov.vn"]
    release.set()
    await asyncio.gather(first, second, suspect)
    assert order[-1] == "treo.gov.vn"  # admitted once nobody else wanted the server


async def test_a_timed_out_request_keeps_its_slots_while_the_server_may_still_be_busy_with_it() -> None:
    limiter = HostLimiter(per_host=1, per_ip=1, abandoned_hold=0.2)
    async with limiter.slot("cham.gov.vn", IP, 0.0) as ticket:
        ticket.failed(FailureClass.TIMEOUT)
    # We hung up, but the server's worker may not have noticed yet: the slots are still taken...
    stats = limiter.stats()
    assert stats.hosts["cham.gov.vn"].in_flight == 1 and stats.ips[IP].in_flight == 1
    admitted = asyncio.Event()

    async def other_portal() -> None:
        async with limiter.slot("xa-khac.gov.vn", IP, 0.0) as other:
            admitted.set()
            other.answered(0.1, 200)

    waiting = asyncio.create_task(other_portal())
    await asyncio.sleep(0)
    assert not admitted.is_set()  # ...so a portal of the same server waits for the hold, not for nothing
    await asyncio.wait_for(waiting, 5)
    stats = limiter.stats()
    assert stats.hosts["cham.gov.vn"].in_flight == 0 and stats.ips[IP].in_flight == 0
    # Any other outcome gives the slots back at once.
    async with limiter.slot("cham.gov.vn", IP, 0.0) as ticket:
        ticket.failed(FailureClass.CONNECTION_RESET)
    assert limiter.stats().ips[IP].in_flight == 0


async def test_an_answer_in_between_resets_the_breaker() -> None:
    limiter = HostLimiter(breaker_timeouts=2)
    for failure in (FailureClass.TIMEOUT, None, FailureClass.TIMEOUT):
        async with limiter.slot("xa.gov.vn", IP, 0.0) as ticket:
            ticket.failed(failure) if failure else ticket.answered(0.1, 200)
    assert limiter.retired("xa.gov.vn") is None


async def test_a_host_retired_on_the_previous_run_is_retired_at_its_first_timeout_unless_it_answers() -> None:
    limiter = HostLimiter(breaker_timeouts=3)
    for host in ("treo.gov.vn", "xa.gov.vn"):
        limiter.arm_breaker(host)
    async with limiter.slot("treo.gov.vn", IP, 0.0) as ticket:
        ticket.failed(FailureClass.TIMEOUT)
    assert "as on the previous run" in (limiter.retired("treo.gov.vn") or "")
    # It came back: its first answer clears the count, and the ordinary breaker applies again.
    async with limiter.slot("xa.gov.vn", IP, 0.0) as ticket:
        ticket.answered(0.1, 200)
    for _ in range(2):
        async with limiter.slot("xa.gov.vn", IP, 0.0) as ticket:
            ticket.failed(FailureClass.TIMEOUT)
    assert limiter.retired("xa.gov.vn") is None


async def test_the_wait_for_a_slot_never_counts_against_the_request_timeout() -> None:
    limiter = HostLimiter(per_host=1, per_ip=1)
    slot = TakeSlot(limiter, lambda host: 0.0, max_seconds=0.3)
    busy = asyncio.Event()

    async def slow_exchange(request: Request, transcript: Transcript) -> Answer:
        busy.set()
        await asyncio.sleep(0.25)  # within its own cap, but longer than the next request's cap minus its wait
        return Answer(request.url, 200, httpx.Headers(), ttfb=0.25)

    async def quick_exchange(request: Request, transcript: Transcript) -> Answer:
        return Answer(request.url, 200, httpx.Headers(), ttfb=0.01)

    first = asyncio.create_task(slot.handle(Request("http://xa.gov.vn/a", address=IP), Transcript(), slow_exchange))
    await busy.wait()
    # Queued behind two slow exchanges: it waits ~0.5 s for its slot, more than its 0.3 s cap.
    second = asyncio.create_task(slot.handle(Request("http://xa.gov.vn/b", address=IP), Transcript(), slow_exchange))
    third = await slot.handle(Request("http://xa.gov.vn/c", address=IP), Transcript(), quick_exchange)
    assert third.status == 200
    assert (await first).status == 200 and (await second).status == 200


# --------------------------------------------------------------------------- against a hosting server


@pytest.fixture
def hosting() -> Iterator[HostingServer]:
    rng = random.Random(9)
    portals = [build_portal(f"xa-{n}.tinh-thu.gov.vn", rng, articles=2, page_kb=4, think=0.12) for n in range(6)]
    portals.append(build_portal("xa-treo.tinh-thu.gov.vn", rng, articles=2, page_kb=4, behaviour="hanging"))
    server = HostingServer(portals, capacity=100)
    try:
        yield server
    finally:
        server.close()


def _settings(**overrides: object) -> CrawlerSettings:
    values: dict[str, object] = dict(allow_private_networks=True, delay_seconds=0.0, per_host_concurrency=2,
                                     per_ip_concurrency=2, per_ip_max_concurrency=8, retries=0,
                                     timeout_seconds=5.0, backoff_base_seconds=0.01, fetch_sitemap=False)
    values.update(overrides)
    return CrawlerSettings(**values)  # type: ignore[arg-type]


def _resolver(server: HostingServer) -> Resolver:
    return Resolver(True, {host: [server.address] for host in server.portals})


async def _hammer(sender: Sender, server: HostingServer, rounds: int, per_host: int | None = None) -> None:
    """Healthy portals' pages (``per_host`` of each, or all), requested concurrently (more demand than the
    IP's limit)."""
    hosts = [h for h, p in server.portals.items() if p.behaviour == "normal"]
    urls = [server.url(h, path) for h in hosts
            for path in [p for p, page in server.portals[h].pages.items() if "html" in page.content_type][:per_host]]
    for _ in range(rounds):
        await asyncio.gather(*(sender.send(Request(u, robots="ignore")) for u in urls))


async def test_per_ip_limit_grows_then_shrinks_when_the_server_slows_or_errors(hosting: HostingServer) -> None:
    settings = _settings()
    limiter = HostLimiter.from_settings(settings)
    async with make_client(settings) as client:
        sender = Sender(client, settings, limiter=limiter, resolver=_resolver(hosting))
        await _hammer(sender, hosting, rounds=2)
        window = limiter.window(hosting.address)
        grown = window.limit
        assert grown > settings.per_ip_concurrency  # the server kept its latency: the limit grew
        assert hosting.stats.peak_ip > settings.per_ip_concurrency  # ...and the server saw it
        assert hosting.stats.peak_ip <= settings.per_ip_max_concurrency
        hosting.slow_factor = 4.0  # the server struggles: every answer four times slower
        await _hammer(sender, hosting, rounds=1, per_host=4)
        assert window.limit < grown
        assert any("latency" in reason for _, _, reason in window.history)
        hosting.slow_factor = 1.0
        await _hammer(sender, hosting, rounds=2)  # the server recovered: the limit grows again
        recovered, before_errors = window.limit, window.decreases
        hosting.error_every = 2  # every other answer a 503
        await _hammer(sender, hosting, rounds=1, per_host=4)
        assert window.decreases > before_errors and window.limit < max(recovered, 2)
        assert any("HTTP 503" in reason for _, _, reason in window.history)
    stats = limiter.stats()
    assert max(s.peak_in_flight for s in stats.hosts.values()) <= settings.per_host_concurrency
    assert max(hosting.stats.peak_host.values()) <= settings.per_host_concurrency
    assert stats.ips[hosting.address].highest_limit <= settings.per_ip_max_concurrency


async def test_a_hanging_host_is_retired_and_does_not_starve_the_others_on_its_ip(hosting: HostingServer) -> None:
    settings = _settings(timeout_seconds=0.5, retries=2, breaker_timeouts=3, per_ip_concurrency=2,
                         adaptive_ip_concurrency=False, max_pages=20)
    limiter = HostLimiter.from_settings(settings)
    async with make_client(settings) as client:
        resolver = _resolver(hosting)

        async def one(host: str) -> tuple[str, object]:
            sender = Sender(client, settings, limiter=limiter, resolver=resolver)
            target = SiteTarget(host.split(".")[0], "commune", hosting.url(host))
            return host, await crawl_site(target, settings, sender=sender)

        sites = dict(await asyncio.gather(*(one(h) for h in hosting.portals)))
    hanging = "xa-treo.tinh-thu.gov.vn"
    site = sites[hanging]
    assert site.crawl_status == CrawlStatus.UNREACHABLE  # type: ignore[attr-defined]
    assert site.crawl_error.startswith("timeout")  # type: ignore[attr-defined]
    assert "retired" in (limiter.retired(hanging) or "")
    # Three requests (robots.txt and its two retries) timed out; the breaker then stopped every other one.
    assert hosting.stats.requests[hanging] == settings.breaker_timeouts
    log = hosting.stats.log
    first, last = (i for i in (log.index(next(e for e in log if e[0] == hanging)),
                               max(i for i, e in enumerate(log) if e[0] == hanging)))
    # While the hanging portal held its slot, the other portals on the same IP went on being crawled.
    assert sum(1 for host, _, _ in log[first:last] if host != hanging) >= 3
    for host, captured in sites.items():
        if host != hanging:
            assert captured.crawl_status == CrawlStatus.OK, (host, captured.crawl_error)  # type: ignore[attr-defined]
            pages = {p for p, page in hosting.portals[host].pages.items() if "html" in page.content_type} - {"/tim-kiem"}
            fetched = {u.split(str(hosting.port), 1)[1] for u, p in captured.pages.items() if p.status == 200}  # type: ignore[attr-defined]
            assert pages <= fetched, host
    assert hosting.stats.peak_ip <= settings.per_ip_concurrency
