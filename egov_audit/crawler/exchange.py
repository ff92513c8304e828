"""One HTTP exchange as the crawler saw it, and the sink that receives every exchange.

The sink is how storage and the WARC writer get evidence *while* the crawl runs: a killed run keeps
everything recorded so far.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from egov_audit.core.artifacts import CapturedPage


@dataclass
class Exchange:
    """A request and its response (one redirect hop, one retry attempt, robots.txt or a sitemap)."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    status: int
    response_headers: list[tuple[str, str]]
    """As received, in order, duplicates kept. ``Transfer-Encoding`` is dropped because ``body`` is
    de-chunked; ``Content-Encoding`` is kept because ``body`` is still content-encoded."""
    body: bytes
    """Body bytes as received on the wire (still gzip/deflate-compressed when the server compressed)."""
    http_version: str
    ip_address: str | None
    started_at: datetime
    page: CapturedPage | None = None
    """The page this exchange belongs to (also for its redirect hops); None for robots.txt/sitemaps."""
    kind: str = "page"
    """``page``, ``redirect``, ``retry``, ``robots``, ``sitemap``, ``https``, ``search``, ``link_status`` or
    ``browser`` (``crawler.request.Request.kind``)."""
    truncated: str | None = None
    """WARC-Truncated reason when the body was cut: ``length`` (size cap) or ``disconnect``."""
    extra: dict[str, str] = field(default_factory=dict)
    request_body: bytes = b""
    """The request's body (a search form posted), kept in the WARC request record."""
    revisit_of: tuple[str, str, str] | None = None
    """A 304 to a conditional request: (URI, WARC-Date, payload digest) of the earlier capture it confirms."""


@runtime_checkable
class ExchangeSink(Protocol):
    """Receives every exchange.

    ``record`` is synchronous and is called from the event loop, so it must be quick (a local file
    append, a queue put); an implementation needing slow I/O should hand the work to a thread. For
    convenience the crawler also awaits ``record`` when it returns an awaitable.
    """

    def record(self, exchange: Exchange) -> None: ...


async def deliver(sink: ExchangeSink | None, exchange: Exchange) -> None:
    if sink is None:
        return
    result = sink.record(exchange)
    if inspect.isawaitable(result):
        await result
