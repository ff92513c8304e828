"""An HTTP transport with one small connection pool per origin instead of one big shared pool.

Why: httpcore's ``ConnectionPool`` re-scans every connection it holds (and, for each idle one, every
connection again) each time a request is queued or finishes, so its cost per request grows with the
square of the pool size. A crawl of 100 sites at 2 requests per host keeps ~200 connections in one
pool; profiling showed that scan taking about half of the crawler's CPU. The politeness limiter
already caps concurrency per host, so each origin only ever needs ``per_host`` connections: a pool per
origin keeps every scan at two or three connections and the behaviour (HTTP/1.1, keep-alive, TLS
verification, no proxies from the environment, the same httpx exceptions) unchanged.

Pools of origins nobody is talking to are closed, least recently used first, once more than
``max_idle_origins`` exist, so a long run over thousands of units does not keep a socket open to each.

Connect-time pinning (DNS rebinding): a request carrying the extension ``PIN`` (the address the SSRF
guard vetted, set by the sender) is sent over a pool that connects to exactly that address; the URL, the
Host header and the TLS server name (SNI and certificate check) keep the host name. The pool is keyed by
origin *and* address, so a connection is never reused for another address. With ``pinned_only`` (what
``crawler.make_client`` builds), a request without a vetted address is refused before any connection.
"""

from __future__ import annotations

import importlib.util
import ssl
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import httpcore
import httpx

# httpcore asks sniffio which event loop runs each time it creates a lock (several per request). When
# sniffio is not installed, that ``import sniffio`` fails afresh each time, walking sys.path on disk
# (several percent of the crawl's CPU). Recording the absence once makes the import fail at once, with
# the same outcome (httpcore then assumes asyncio). Only done when the module really does not exist.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]


class _TrackedStream(httpx.AsyncByteStream):
    """A response body that tells its pool's owner when it is closed (the request is then over)."""

    def __init__(self, stream: httpx.AsyncByteStream, done: Callable[[], None]) -> None:
        self._stream = stream
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()

    def _release(self) -> None:
        done, self._done = self._done, None
        if done is not None:
            done()


PIN = "egov_audit.address"
"""Request extension: the vetted IP address to connect to."""


class UnpinnedRequest(httpx.TransportError):
    """A request reached a pinned-only transport without a vetted address (a bug, never sent)."""


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects every TCP stream of its pool to one vetted address, whatever host name httpcore asks for."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return await self._backend.connect_tcp(self.address, port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise UnpinnedRequest("unix sockets are never used by the crawler")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _Origin:
    __slots__ = ("active", "transport")

    def __init__(self, transport: httpx.AsyncHTTPTransport) -> None:
        self.transport = transport
        self.active = 0
        """Requests sent through this pool whose response is not closed yet."""


class PerOriginTransport(httpx.AsyncBaseTransport):
    """Routes each request to the connection pool of its origin (scheme, host, port)."""

    def __init__(
        self,
        *,
        verify: bool,
        per_origin: int,
        max_idle_origins: int,
        pinned_only: bool = False,
    ) -> None:
        # One TLS context for all pools: building one loads the CA bundle (milliseconds each time).
        self._ssl: ssl.SSLContext = httpx.create_ssl_context(verify=verify, trust_env=False)
        self._limits = httpx.Limits(max_connections=per_origin, max_keepalive_connections=per_origin)
        self._max_idle = max(1, max_idle_origins)
        self._origins: OrderedDict[tuple[bytes, bytes, int | None, str | None], _Origin] = OrderedDict()
        self.pinned_only = pinned_only

    def _transport(self, address: str | None) -> httpx.AsyncHTTPTransport:
        transport = httpx.AsyncHTTPTransport(verify=self._ssl, limits=self._limits, trust_env=False)
        if address is not None:
            # httpx does not take a network backend; its pool is rebuilt with the same limits and one that
            # connects to the vetted address (httpx 0.27/0.28 keep the pool in ``_pool``).
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl, max_connections=self._limits.max_connections,
                max_keepalive_connections=self._limits.max_keepalive_connections,
                keepalive_expiry=self._limits.keepalive_expiry, network_backend=_PinnedBackend(address),
            )
        return transport

    def _origin(self, key: tuple[bytes, bytes, int | None, str | None]) -> _Origin:
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(self._transport(key[3]))
        else:
            self._origins.move_to_end(key)  # most recently used last: eviction takes from the front
        return origin

    async def _evict_idle(self) -> None:
        if len(self._origins) <= self._max_idle:
            return
        idle = [key for key, origin in self._origins.items() if origin.active == 0]
        for key in idle[: len(self._origins) - self._max_idle]:
            origin = self._origins.pop(key)
            await origin.transport.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        address = request.extensions.get(PIN)
        if address is None and self.pinned_only:
            raise UnpinnedRequest(f"{url.host}: no vetted address (requests go through crawler.sender)",
                                  request=request)
        key = (url.raw_scheme, url.raw_host, url.port, address)
        origin = self._origin(key)
        origin.active += 1
        try:
            await self._evict_idle()
            response = await origin.transport.handle_async_request(request)
        except BaseException:
            origin.active -= 1
            raise

        def done() -> None:
            origin.active -= 1

        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _TrackedStream(response.stream, done)
        return response

    async def aclose(self) -> None:
        origins = list(self._origins.values())
        self._origins.clear()
        for origin in origins:
            await origin.transport.aclose()
