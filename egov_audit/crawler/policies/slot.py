"""The politeness slot: per-host and per-IP concurrency, the host's start delay, the circuit breaker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.failures import FetchRefused, classify_exception
from egov_audit.crawler.politeness import HostLimiter
from egov_audit.crawler.request import Answer, Next, Request, Transcript


class ExchangeTimeout(TimeoutError):
    """One exchange outlasted ``max_request_seconds`` once its slot was held (a slow-drip server)."""


class TakeSlot:
    """Holds a ``HostLimiter`` slot for the exchange and reports how it went (latency, status, failure)
    to the limiter, which adapts the host's delay and the IP's limit and may retire the host.

    The exchange's time cap starts inside the slot: the wait for a slot never counts against a request's
    own timeout (nor do httpx's connect/read timeouts, which start when the request is sent).
    """

    def __init__(self, limiter: HostLimiter, delay_for: Callable[[str], float], max_seconds: float) -> None:
        self.limiter = limiter
        self.delay_for = delay_for
        self.max_seconds = max_seconds

    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer:
        host = urlsplit(request.url).hostname or ""
        delay = self.delay_for(host)
        async with self.limiter.slot(host, request.address, delay, spaced=request.spaced) as ticket:
            try:
                async with asyncio.timeout(self.max_seconds):
                    answer = await call_next(request, transcript)
            except TimeoutError as exc:
                ticket.failed(FailureClass.TIMEOUT)
                raise ExchangeTimeout(f"exchange took over {self.max_seconds:g} s") from exc
            except FetchRefused:
                raise  # the crawler's own refusal says nothing about the server
            except Exception as exc:
                ticket.failed(classify_exception(exc)[0])
                raise
            # Compared with the same host's fastest answer of the same kind (a 304 or a HEAD costs less).
            ticket.answered(answer.ttfb, answer.status, sample=f"{request.kind} {request.method}")
        self.limiter.observe(host, answer.ttfb, delay, ok=answer.status < 400)
        return answer
