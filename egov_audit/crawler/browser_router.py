"""The audit browser's request router: which requests of a page may go out, and how they go (the sender).

Chromium hands every request of an audited page to ``Router.handle``; an allowed one is sent through the
unit's ``crawler.sender.Sender`` (SSRF guard with the pinned address, politeness slots, size caps, WARC)
and its answer given back to Chromium with ``route.fulfill``; anything else is aborted. Redirects are
followed by the sender (each hop must pass the same host rule): Chromium follows a redirect it is handed
without consulting the router, so it is never handed one.
"""

from __future__ import annotations

import asyncio
import ipaddress
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PageRequest
from playwright.async_api import Route, WebSocketRoute

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.request import Request, Response
from egov_audit.crawler.sender import Sender

STATIC_RESOURCE_TYPES = frozenset({"stylesheet", "script", "image", "font", "media"})
"""Request types allowed from other hosts of the audited site."""

_SECOND_LEVEL_LABELS = frozenset(
    {"gov", "com", "edu", "org", "net", "ac", "co", "int", "info", "name", "pro", "biz", "health"}
)
# Response headers that describe the wire, not the body handed to Chromium (already decoded, de-chunked).
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"})
# Request headers the sender's HTTP client sets itself.
_CLIENT_HEADERS = frozenset({"host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade"})
_ABORT_CODES = {
    FailureClass.DNS: "namenotresolved",
    FailureClass.CONNECT_REFUSED: "connectionrefused",
    FailureClass.CONNECTION_RESET: "connectionreset",
    FailureClass.TIMEOUT: "timedout",
    FailureClass.PRIVATE_ADDRESS: "blockedbyclient",
    FailureClass.OUT_OF_SCOPE: "blockedbyclient",
    FailureClass.ROBOTS: "blockedbyclient",
}


def site_of(host: str) -> str:
    """Registrable part of a host name (``bacninh.gov.vn`` for ``yenphong.bacninh.gov.vn``).

    A small heuristic instead of the Public Suffix List: Vietnamese portals sit under ``*.gov.vn`` and
    similar two-label suffixes, which is what matters here. IP literals are their own site.
    """
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL_LABELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def request_allowed(audited_host: str, url: str, resource_type: str) -> bool:
    """Whether a request made while auditing ``audited_host`` may go out at all (its address is vetted
    afterwards, by the sender, like every request's)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    audited_host = audited_host.lower()
    if host == audited_host:
        return True
    if site_of(host) == site_of(audited_host):
        # "document" too: a main-frame redirect from example.gov.vn to www.example.gov.vn.
        return resource_type in STATIC_RESOURCE_TYPES or resource_type == "document"
    return False


def fulfil_headers(response: Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in (response.headers.multi_items() if response.headers is not None else []):
        name = key.lower()
        if name in _WIRE_HEADERS:
            continue
        # Playwright splits a multi-line Set-Cookie back into one cookie per line.
        headers[name] = f"{headers[name]}\n{value}" if name == "set-cookie" and name in headers else value
    return headers


async def refuse_websocket(ws: WebSocketRoute) -> None:
    """WebSockets are never opened (see ``crawler.browser``): closed before reaching any server."""
    try:
        await ws.close(code=1008, reason="refused by the audit browser")
    except PlaywrightError:
        pass


class Router:
    """Routes one page context's requests through the sender.

    ``preloaded`` holds answers already fetched (the page's own document, fetched to learn where its
    redirects lead); sender calls still running when the context closes are cancelled by ``close``.
    """

    def __init__(self, sender: Sender, audited_host: str, preloaded: dict[str, Response] | None = None) -> None:
        self.sender = sender
        self.audited_host = audited_host
        self.preloaded = dict(preloaded or {})
        self.pending: set[asyncio.Future[Response]] = set()
        self.answered: list[tuple[str, str, int | None]] = []
        """(resource type, URL, status) of every request handled, for diagnosis and tests."""

    def close(self) -> None:
        for future in list(self.pending):
            future.cancel()

    async def _request(self, request: PageRequest) -> Request:
        resource_type = request.resource_type
        headers = await request.all_headers()
        return Request(
            request.url, method=request.method, body=request.post_data_buffer, kind="browser", robots="ignore",
            headers=tuple((k, v) for k, v in headers.items() if not k.startswith(":") and k.lower() not in _CLIENT_HEADERS),
            browser_headers=True, spaced=resource_type == "document",
            scope=lambda url: request_allowed(self.audited_host, url, resource_type),
        )

    async def handle(self, route: Route, request: PageRequest) -> None:
        try:
            if urlsplit(request.url).scheme in ("data", "blob", "about"):
                await route.continue_()  # answered inside the browser, no network
                return
            if not request_allowed(self.audited_host, request.url, request.resource_type):
                await route.abort("blockedbyclient")
                return
            response = self.preloaded.pop(request.url, None) if request.is_navigation_request() else None
            if response is None:
                future = asyncio.ensure_future(self.sender.send(await self._request(request)))
                self.pending.add(future)
                try:
                    response = await future
                finally:
                    self.pending.discard(future)
            self.answered.append((request.resource_type, request.url, response.status))
            await self._answer(route, response)
        except (PlaywrightError, asyncio.CancelledError):
            pass  # The page or context closed while the request was in flight.

    @staticmethod
    async def _answer(route: Route, response: Response) -> None:
        if response.status is None or response.error is FailureClass.DECOMPRESSION_BOMB:
            await route.abort(_ABORT_CODES.get(response.error or FailureClass.OTHER, "failed"))
            return
        await route.fulfill(status=response.status, headers=fulfil_headers(response), body=response.body)
