"""What travels through the sender's policies: a ``Request``, its ``Transcript``, each hop's ``Answer`` and
the final ``Response``.

A ``Request`` says what the caller wants and which rules apply to it (robots.txt, scope of redirects,
size caps, validators of a conditional request); the policies of ``crawler.sender`` read it and may pass a
modified copy inward (the next redirect hop, the vetted address, conditional headers). The ``Transcript``
is the request's running record, shared by every policy: each exchange sent (redirect hops and retried
attempts included), the redirect chain, whether robots.txt disallowed a hop that was sent anyway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

import httpx

from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.failures import FailureClass
from egov_audit.crawler.exchange import Exchange

RobotsRule = Literal["obey", "note", "ignore"]
"""``obey``: a disallowed URL is not requested (``robots`` failure); ``note``: requested anyway and
``Response.robots_disallowed`` says so (the search probe); ``ignore``: robots.txt not consulted (robots.txt
itself, the browser loading a page the crawl already fetched)."""


@dataclass(frozen=True)
class Validators:
    """What the previous night stored about a URL: the conditional request's headers and, for the WARC
    revisit record of a 304, the earlier capture it refers to."""

    etag: str | None = None
    last_modified: str | None = None
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    """WARC-Date of the earlier response record (``%Y-%m-%dT%H:%M:%S.%fZ``)."""
    digest: str | None = None
    """WARC payload digest of the earlier body."""

    @property
    def usable(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"
    kind: str = "page"
    """Label of its exchanges: page, robots, sitemap, https, search, link_status, browser."""
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    """Extra request headers (win over the sender's defaults)."""
    robots: RobotsRule = "obey"
    scope: Callable[[str], bool] | None = None
    """Every redirect target must satisfy it; None = anywhere (still address-checked)."""
    leaving_scope: Literal["refuse", "stop"] = "refuse"
    """A redirect out of scope: ``refuse`` fails the request (``out_of_scope``); ``stop`` ends it with the
    redirect as the answer and ``Response.stopped_at`` naming where it pointed."""
    follow_redirects: bool = True
    max_bytes: int | None = None
    read_body: bool = True
    """False: the status line and headers only (a GET for a link's status); HEAD never reads one."""
    html_only: bool = False
    """A page: a body that is not HTML/XML is not read (``not_html``)."""
    validators: Validators | None = None
    spaced: bool = True
    """Takes a turn of the host's start delay (False for a page's assets loaded by the browser)."""
    retry: bool = True
    describe: Callable[[Response], CapturedPage | None] | None = None
    """Builds the page the request's exchanges belong to (handed to the sink with them)."""
    browser_headers: bool = False
    """The headers are a browser's own: the sender adds only its Accept-Encoding."""
    hop: int = 0
    address: str | None = None
    """Set by the address guard: the vetted IP every connection of this hop goes to."""


@dataclass
class Answer:
    """The outcome of one hop (the last attempt of it): the server's answer as read within the limits."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""
    """Decoded (Content-Encoding removed), cut at the size cap; empty when not read."""
    wire_bytes: int = 0
    ttfb: float = 0.0
    ip: str | None = None
    http_version: str = "HTTP/1.1"
    failure: FailureClass | None = None
    """A body-level failure with an answer: too_large, decompression_bomb, not_html, protocol."""
    detail: str | None = None
    not_modified: bool = False


@dataclass
class Transcript:
    """A request's running record, shared by the policies."""

    exchanges: list[Exchange] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    final_url: str | None = None
    robots_disallowed: bool = False
    stopped_at: str | None = None
    first_ttfb: float | None = None
    last: Answer | None = None
    """The last hop answered (its status stays on the response when a later step fails)."""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Response:
    """What a request came to; never raised: failures are ``error`` (a ``FailureClass``) and ``detail``."""

    url: str
    final_url: str
    method: str = "GET"
    status: int | None = None
    headers: httpx.Headers | None = None
    content_type: str | None = None
    body: bytes = b""
    """Decoded (Content-Encoding removed) body of the final answer, cut at the size cap."""
    wire_bytes: int = 0
    redirects: list[str] = field(default_factory=list)
    error: FailureClass | None = None
    detail: str | None = None
    ttfb: float | None = None
    elapsed: float | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ip: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    robots_disallowed: bool = False
    stopped_at: str | None = None
    not_modified: bool = False
    page: CapturedPage | None = None

    @property
    def body_kept(self) -> bool:
        return bool(self.body) and self.error not in (FailureClass.DECOMPRESSION_BOMB, FailureClass.NOT_HTML)

    @property
    def location(self) -> str | None:
        return self.headers.get("location") if self.headers is not None else None


Next = Callable[[Request, Transcript], Awaitable[Answer]]


class Policy(Protocol):
    """One step of the request path: may refuse, change the request passed inward, or act on the answer."""

    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer: ...
