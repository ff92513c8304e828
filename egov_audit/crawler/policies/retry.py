"""Retries: transient failures and overload answers, with exponential backoff, jitter and Retry-After."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from egov_audit.crawler.failures import RETRY_STATUSES, TRANSIENT, FetchRefused, classify_exception
from egov_audit.crawler.politeness import HostLimiter, backoff_seconds, parse_retry_after
from egov_audit.crawler.request import Answer, Next, Request, Transcript


class RetryTransient:
    """Timeouts and resets, and 429/502/503/504 answers, are tried again up to ``retries`` times.

    Retry-After (seconds or an HTTP date) is honoured up to ``max_retry_after``; a longer one gives up
    and returns the answer. A 429 or 503 says the whole host is overloaded or rate-limiting us, so the
    host is paused (no request to it starts meanwhile) instead of only this request sleeping. A refusal
    by the crawler itself (``FetchRefused``: robots, private address, a retired host) is never retried.
    """

    def __init__(self, limiter: HostLimiter, retries: int, backoff_base: float, max_retry_after: float) -> None:
        self.limiter = limiter
        self.retries = max(0, retries)
        self.backoff_base = backoff_base
        self.max_retry_after = max_retry_after

    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer:
        attempts = self.retries + 1 if request.retry else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                answer = await call_next(request, transcript)
            except FetchRefused:
                raise
            except Exception as exc:
                if classify_exception(exc)[0] in TRANSIENT and not last:
                    await asyncio.sleep(backoff_seconds(attempt, self.backoff_base))
                    continue
                raise
            if answer.status not in RETRY_STATUSES or last:
                return answer
            wait = parse_retry_after(answer.headers.get("retry-after"))
            if wait is not None and wait > self.max_retry_after:
                return answer  # the server asks for longer than we are willing to wait: give up on it
            if transcript.exchanges and transcript.exchanges[-1].kind == "page":
                transcript.exchanges[-1].kind = "retry"
            if wait is None:
                wait = backoff_seconds(attempt, self.backoff_base)
            if answer.status in (429, 503):
                self.limiter.pause(urlsplit(request.url).hostname or "", wait)
            else:
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises
