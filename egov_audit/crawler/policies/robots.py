"""robots.txt: fetched once per origin through the sender itself, obeyed (or noted) on every hop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from protego import Protego

from egov_audit.core.failures import FailureClass
from egov_audit.core.urls import normalize_url, origin_of
from egov_audit.crawler.failures import FetchRefused
from egov_audit.crawler.request import Answer, Next, Request, Response, Transcript

ROBOTS_MAX_BYTES = 512 * 1024


def parse_robots(text: str | None) -> Protego | None:
    """Rules of a robots.txt body; None (no rules) for an empty, HTML (soft 404) or garbled one."""
    if not text or "<html" in text[:2000].lower():
        return None
    try:
        return Protego.parse(text)
    except Exception:  # noqa: BLE001 - a garbled robots.txt means no rules
        return None


class RobotsRules:
    """robots.txt per origin, fetched once (concurrent callers wait for the first), with each host's
    Crawl-delay. 4xx: no rules (RFC 9309). 5xx or no answer: no rules either (a public portal whose
    robots.txt errors is still audited; its home page shows whether the server is really down)."""

    def __init__(self, user_agent: str, fetch: Callable[[Request], Awaitable[Response]]) -> None:
        self.user_agent = user_agent
        self._fetch = fetch
        self.parsers: dict[str, Protego | None] = {}
        self.texts: dict[str, str | None] = {}
        self.crawl_delays: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def preload(self, origin: str, text: str | None) -> None:
        """Use a robots.txt already captured (the crawl's) instead of fetching it again."""
        if origin not in self.parsers:
            self._set(origin, text)

    def _set(self, origin: str, text: str | None) -> None:
        parser = parse_robots(text)
        self.parsers[origin] = parser
        self.texts[origin] = text if parser is not None else None
        delay = parser.crawl_delay(self.user_agent) if parser is not None else None
        if delay:
            host = urlsplit(origin).hostname or ""
            self.crawl_delays[host] = max(self.crawl_delays.get(host, 0.0), float(delay))

    async def rules_for(self, url: str) -> Protego | None:
        origin = origin_of(normalize_url(url) or url)
        if origin in self.parsers:
            return self.parsers[origin]
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self.parsers:
                response = await self._fetch(Request(origin + "/robots.txt", kind="robots", robots="ignore",
                                                     max_bytes=ROBOTS_MAX_BYTES))
                ok = response.error is None and response.status == 200 and response.body
                self._set(origin, response.body.decode("utf-8", errors="replace") if ok else None)
        return self.parsers[origin]

    async def allows(self, url: str) -> bool:
        parser = await self.rules_for(url)
        return parser is None or parser.can_fetch(url, self.user_agent)


class ObeyRobots:
    def __init__(self, rules: RobotsRules, respect_robots: bool) -> None:
        self.rules = rules
        self.respect_robots = respect_robots

    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer:
        if request.robots != "ignore" and self.respect_robots and not await self.rules.allows(request.url):
            if request.robots == "obey":
                what = "redirect to " if request.hop else ""
                raise FetchRefused(FailureClass.ROBOTS, f"{what}{request.url[:200]}")
            transcript.robots_disallowed = True
        return await call_next(request, transcript)
