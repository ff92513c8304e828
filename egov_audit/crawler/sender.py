"""The one request path: every HTTP exchange of an audit goes through ``Sender.send``.

Pages, robots.txt, sitemaps, the HTTPS check, the search submission, link statuses and every request
Chromium makes while the audit browser shows a page: all of them are a ``crawler.request.Request`` sent
through the same policies in the same order (``POLICY_ORDER``; Scrapy's downloader middlewares are the
model), so "at most N requests per host and per IP", "every exchange is kept as WARC", "private
addresses are refused" and "robots.txt is obeyed" hold on every path or on none.

One ``Sender`` serves one unit (its evidence sink, its robots.txt cache, its DNS answers, its byte
count); the ``HostLimiter`` and the HTTP client it is given are the run's, shared by every unit, so
politeness holds across communes on one server. The limiter is required: there is no private default.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from egov_audit.crawler.exchange import ExchangeSink
from egov_audit.crawler.failures import classify_exception
from egov_audit.crawler.policies.address import GuardAddress
from egov_audit.crawler.policies.conditional import AskIfModified
from egov_audit.crawler.policies.limits import ReadWithinLimits
from egov_audit.crawler.policies.record import RecordExchanges
from egov_audit.crawler.policies.redirects import FollowRedirects
from egov_audit.crawler.policies.retry import RetryTransient
from egov_audit.crawler.policies.robots import ObeyRobots, RobotsRules
from egov_audit.crawler.policies.scope import StayInScope
from egov_audit.crawler.policies.slot import TakeSlot
from egov_audit.crawler.politeness import HostLimiter
from egov_audit.crawler.request import Answer, Next, Policy, Request, Response, Transcript
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.crawler.transport import PerOriginTransport

POLICY_ORDER = ("record", "redirects", "scope", "robots", "retry", "conditional", "address", "slot", "limits")
"""Outermost first; see ``crawler.policies``."""


@dataclass
class Policies:
    """The policies of one sender, by name (tests reach one through ``Sender.policies``)."""

    record: RecordExchanges
    redirects: FollowRedirects
    scope: StayInScope
    robots: ObeyRobots
    retry: RetryTransient
    conditional: AskIfModified
    address: GuardAddress
    slot: TakeSlot
    limits: ReadWithinLimits
    chain: Next = field(init=False)

    def __post_init__(self) -> None:
        call: Next = self.limits.handle
        for name in reversed(POLICY_ORDER[1:-1]):
            call = _bind(getattr(self, name), call)
        self.chain = call


def make_client(settings: CrawlerSettings) -> httpx.AsyncClient:
    """The HTTP client of a run: no automatic redirects, no proxies from the environment, and a transport
    that connects only to the address the SSRF guard vetted (``crawler.transport``)."""
    # A pool per origin (see crawler.transport): one shared pool of every site's connections costs CPU
    # quadratic in its size. The limiter caps requests per host, so per_host connections per origin
    # are what a crawl uses; twice that leaves room for the browser's requests beside the crawl's.
    transport = PerOriginTransport(
        verify=settings.verify_tls,
        per_origin=2 * max(1, settings.per_host_concurrency),
        max_idle_origins=max(16, 4 * settings.concurrent_sites),
        pinned_only=True,
    )
    return httpx.AsyncClient(follow_redirects=False, timeout=httpx.Timeout(settings.timeout_seconds),
                             trust_env=False, transport=transport, headers={"User-Agent": settings.user_agent})


def _bind(policy: Policy, call_next: Next) -> Next:
    async def call(request: Request, transcript: Transcript) -> Answer:
        return await policy.handle(request, transcript, call_next)

    return call


class Sender:
    """Sends requests for one unit through the policies; never raises for network or policy failures."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: CrawlerSettings,
        *,
        limiter: HostLimiter,
        sink: ExchangeSink | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        # The run's limiter is required (a missing one must never become a private one); a HostLimiter or a
        # wrapper of one that holds limits across processes (the distributed mode's SharedLimiter).
        if not isinstance(limiter, HostLimiter) and not isinstance(getattr(limiter, "local", None), HostLimiter):
            raise TypeError("Sender needs the run's HostLimiter (limiter=...)")
        transport = getattr(client, "_transport", None)
        if not isinstance(transport, PerOriginTransport) or not transport.pinned_only:
            # Only crawler.make_client's transport connects to the vetted address (DNS rebinding).
            raise TypeError("Sender needs a client made by crawler.make_client")
        self.client = client
        self.settings = settings
        self.limiter = limiter
        self.sink = sink
        self.resolver = resolver or Resolver.from_settings(settings)
        self.robots = RobotsRules(settings.user_agent, self.send)
        self.policies = Policies(
            record=RecordExchanges(sink),
            redirects=FollowRedirects(settings.max_redirects),
            scope=StayInScope(),
            robots=ObeyRobots(self.robots, settings.respect_robots),
            retry=RetryTransient(limiter, settings.retries, settings.backoff_base_seconds,
                                 settings.max_retry_after_seconds),
            conditional=AskIfModified(),
            address=GuardAddress(self.resolver),
            slot=TakeSlot(limiter, self.delay_for, settings.max_request_seconds),
            limits=ReadWithinLimits(client, settings.user_agent, settings.max_bytes, settings.max_decompression_ratio,
                                    self.resolver.check_peer),
        )

    @property
    def bytes_total(self) -> int:
        """Bytes read from the wire by this sender (the site's byte budget counts these)."""
        return self.policies.limits.bytes_total

    def delay_for(self, host: str) -> float:
        """The host's start delay: the configured one or robots.txt's Crawl-delay, whichever is longer."""
        return max(self.settings.delay_seconds, self.robots.crawl_delays.get(host, 0.0))

    def with_sink(self, sink: ExchangeSink | None) -> Sender:
        """The same unit's sender recording to another sink (shares its robots.txt and DNS caches)."""
        other = Sender(self.client, self.settings, limiter=self.limiter, sink=sink, resolver=self.resolver)
        known = other.robots
        known.parsers, known.texts, known.crawl_delays = self.robots.parsers, self.robots.texts, self.robots.crawl_delays
        return other

    async def send(self, request: Request) -> Response:
        """Send ``request`` through every policy; the outcome, failures included, is the ``Response``."""
        transcript = Transcript()
        t0 = time.monotonic()
        answer: Answer | None = None
        error = detail = None
        try:
            answer = await self.policies.chain(request, transcript)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a FailureClass, never a crash
            error, detail = classify_exception(exc)
        response = _response(request, transcript, answer, time.monotonic() - t0)
        if error is not None:
            response.error, response.detail = error, detail
        await self.policies.record.record(request, response)
        return response


def _response(request: Request, transcript: Transcript, answer: Answer | None, elapsed: float) -> Response:
    response = Response(
        url=request.url, final_url=transcript.final_url or request.url, method=request.method,
        redirects=list(transcript.redirects), ttfb=transcript.first_ttfb, elapsed=elapsed,
        started_at=transcript.started_at, exchanges=list(transcript.exchanges),
        robots_disallowed=transcript.robots_disallowed, stopped_at=transcript.stopped_at,
    )
    last = answer or transcript.last
    if last is not None:
        response.status, response.headers = last.status, last.headers
    if answer is not None:
        response.content_type = answer.headers.get("content-type")
        response.body, response.wire_bytes, response.ip = answer.body, answer.wire_bytes, answer.ip
        response.error, response.detail = answer.failure, answer.detail
        response.not_modified = answer.not_modified
    return response

