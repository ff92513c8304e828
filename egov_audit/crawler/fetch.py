"""One fetch: redirects followed by hand, SSRF guard per hop, politeness slot, retries, size guards.

The fetcher judges nothing about content; it returns what happened (status, headers, body, timing,
failure class) and the list of exchanges for the evidence sink.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from egov_audit.core.bodies import content_decoder
from egov_audit.core.failures import FailureClass
from egov_audit.crawler.exchange import Exchange
from egov_audit.crawler.failures import RETRY_STATUSES, TRANSIENT, FetchRefused, classify_exception
from egov_audit.crawler.politeness import HostLimiter, backoff_seconds, parse_retry_after
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.settings import CrawlerSettings

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_REDIRECT_BODY_CAP = 64 * 1024
# Decoded bodies below this size are never called bombs, whatever the ratio (a tiny page compresses well).
_BOMB_FLOOR = 1_000_000
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    headers: httpx.Headers | None = None
    content_type: str | None = None
    body: bytes = b""
    """Decoded (Content-Encoding removed) body, cut at the size cap; empty when not read."""
    wire_bytes: int = 0
    redirects: list[str] = field(default_factory=list)
    error: FailureClass | None = None
    detail: str | None = None
    ttfb: float | None = None
    elapsed: float | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ip: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def body_kept(self) -> bool:
        return bool(self.body) and self.error not in (FailureClass.DECOMPRESSION_BOMB, FailureClass.NOT_HTML)


@dataclass
class _Hop:
    status: int
    headers: httpx.Headers
    raw: bytes
    decoded: bytes
    wire: int
    ttfb: float
    ip: str | None
    exchange: Exchange
    failure: FailureClass | None = None
    detail: str | None = None


def looks_html(content_type: str | None) -> bool:
    """Accept a missing Content-Type (old servers) and the HTML/XML types; refuse PDFs, images..."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _HTML_TYPES or media == "" or media.endswith("+xml")


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def request_headers(settings: CrawlerSettings) -> dict[str, str]:
    """The headers of every request the auditor sends: who we are, and what we accept."""
    return {
        "User-Agent": settings.user_agent,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "vi,en;q=0.5",
        # Only encodings we inflate ourselves, under the size cap and the bomb guard, are offered.
        "Accept-Encoding": "gzip, deflate",
    }


class Fetcher:
    """Fetches URLs for one site crawl; counts the site's bytes on the wire."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: CrawlerSettings,
        limiter: HostLimiter,
        resolver: Resolver,
        delay_for: Callable[[str], float],
    ) -> None:
        self.client = client
        self.settings = settings
        self.limiter = limiter
        self.resolver = resolver
        self.delay_for = delay_for
        self.bytes_total = 0

    async def fetch(
        self,
        url: str,
        *,
        kind: str = "page",
        max_bytes: int | None = None,
        hop_check: Callable[[str], Awaitable[None]] | None = None,
    ) -> FetchResult:
        """GET ``url``; never raises for network or policy failures (see ``FetchResult.error``).

        ``hop_check`` vets each redirect target (robots, scope) and raises ``FetchRefused`` to stop.
        """
        cap = max_bytes if max_bytes is not None else self.settings.max_bytes
        result = FetchResult(url=url, final_url=url)
        t0 = time.monotonic()
        current = url
        visited = {url}
        try:
            async with asyncio.timeout(self.settings.max_request_seconds):
                while True:
                    hop = await self._fetch_with_retries(current, kind, cap, result)
                    result.status = hop.status
                    result.headers = hop.headers
                    result.final_url = current
                    result.ip = hop.ip
                    result.ttfb = hop.ttfb if result.ttfb is None else result.ttfb
                    location = hop.headers.get("location")
                    if hop.status in REDIRECT_STATUSES and location:
                        hop.exchange.kind = "redirect"
                        target = _strip_fragment(urljoin(current, location.strip()))
                        result.redirects.append(current)
                        result.final_url = target
                        if urlsplit(target).scheme not in ("http", "https"):
                            raise FetchRefused(FailureClass.PROTOCOL, f"redirect to {target[:100]}")
                        if target in visited:
                            raise FetchRefused(FailureClass.REDIRECT_LOOP, f"loop back to {target}")
                        if len(result.redirects) > self.settings.max_redirects:
                            raise FetchRefused(FailureClass.TOO_MANY_REDIRECTS, f"more than {self.settings.max_redirects}")
                        if hop_check is not None:
                            await hop_check(target)
                        visited.add(target)
                        current = target
                        continue
                    result.content_type = hop.headers.get("content-type")
                    result.body = hop.decoded
                    result.wire_bytes = hop.wire
                    if hop.failure is not None:
                        result.error, result.detail = hop.failure, hop.detail
                    break
        except TimeoutError:
            result.error, result.detail = FailureClass.TIMEOUT, f"request took over {self.settings.max_request_seconds:g} s"
        except Exception as exc:  # noqa: BLE001 - every failure becomes a FailureClass, never a crash
            result.error, result.detail = classify_exception(exc)
        result.elapsed = time.monotonic() - t0
        return result

    async def _fetch_with_retries(self, url: str, kind: str, cap: int, result: FetchResult) -> _Hop:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        attempts = max(0, self.settings.retries) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                ip = await self.resolver.check(host, port)
                hop = await self._send_once(url, host, ip, kind, cap)
            except Exception as exc:
                failure, _detail = classify_exception(exc)
                if failure in TRANSIENT and not last:
                    await asyncio.sleep(backoff_seconds(attempt, self.settings.backoff_base_seconds))
                    continue
                raise
            if hop.status in RETRY_STATUSES and not last:
                wait = parse_retry_after(hop.headers.get("retry-after"))
                if wait is not None and wait > self.settings.max_retry_after_seconds:
                    result.exchanges.append(hop.exchange)
                    return hop  # the server asks for longer than we are willing to wait: give up on it
                hop.exchange.kind = "retry"
                result.exchanges.append(hop.exchange)
                if wait is None:
                    wait = backoff_seconds(attempt, self.settings.backoff_base_seconds)
                if hop.status in (429, 503):
                    # The whole host is overloaded or rate-limiting us: every request to it waits.
                    self.limiter.pause(host, wait)
                else:
                    await asyncio.sleep(wait)
                continue
            result.exchanges.append(hop.exchange)
            return hop
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    async def _send_once(self, url: str, host: str, ip: str, kind: str, cap: int) -> _Hop:
        async with self.limiter.slot(host, ip, self.delay_for(host)):
            started_at = datetime.now(UTC)
            t0 = time.monotonic()
            request = self.client.build_request("GET", url, headers=request_headers(self.settings))
            response = await self.client.send(request, stream=True, follow_redirects=False)
            try:
                ttfb = time.monotonic() - t0
                peer = _peer_address(response)
                self.resolver.check_peer(peer)
                hop = await self._read(response, url, kind, cap, ttfb, peer or ip, started_at)
            finally:
                await response.aclose()
        self.limiter.observe(host, ttfb, self.delay_for(host), ok=hop.status < 400)
        return hop

    async def _read(
        self,
        response: httpx.Response,
        url: str,
        kind: str,
        cap: int,
        ttfb: float,
        ip: str | None,
        started_at: datetime,
    ) -> _Hop:
        status = response.status_code
        headers = response.headers
        failure: FailureClass | None = None
        detail: str | None = None
        truncated: str | None = None
        if status in REDIRECT_STATUSES and headers.get("location"):
            limit = _REDIRECT_BODY_CAP
        elif kind == "page" and not looks_html(headers.get("content-type")):
            # A PDF or image behind an HTML-looking link: the checks only need the link, not the body.
            limit = 0
            failure, detail = FailureClass.NOT_HTML, (headers.get("content-type") or "")[:100]
        else:
            limit = cap
        decoder = content_decoder(headers.get("content-encoding", ""))
        raw = bytearray()
        decoded = bytearray()
        wire = 0
        if limit > 0:
            try:
                async for chunk in response.aiter_raw():
                    wire += len(chunk)
                    self.bytes_total += len(chunk)
                    raw += chunk
                    if decoder is not None:
                        out = decoder.decompress(chunk, limit - len(decoded) + 1)
                        decoded += out
                        over = len(decoded) > limit or bool(decoder.unconsumed_tail)
                        # Compare with the compressed bytes actually inflated so far, not the whole chunk.
                        ratio = len(decoded) / max(1, wire - len(decoder.unconsumed_tail))
                        if (over or len(decoded) > _BOMB_FLOOR) and ratio > self.settings.max_decompression_ratio:
                            failure = FailureClass.DECOMPRESSION_BOMB
                            detail = f"{len(decoded)} bytes from {wire} on the wire"
                            truncated = "length"
                            break
                    else:
                        decoded += chunk
                        over = len(decoded) > limit
                    if over or wire > limit:
                        if limit == _REDIRECT_BODY_CAP and status in REDIRECT_STATUSES:
                            truncated = "length"
                            break
                        failure, detail = FailureClass.TOO_LARGE, f"over {limit} bytes"
                        truncated = "length"
                        break
            except zlib.error as exc:
                failure, detail = FailureClass.PROTOCOL, f"bad {headers.get('content-encoding')} body: {exc}"[:200]
            if failure is None and decoder is not None and not truncated:
                try:
                    decoded += decoder.flush()
                except zlib.error:
                    pass
        elif limit == 0:
            truncated = "length"
        body = bytes(decoded[:limit]) if limit else b""
        if failure is FailureClass.DECOMPRESSION_BOMB:
            body = b""
        stored_headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in headers.raw
            # The body is de-chunked by the HTTP client, so a Transfer-Encoding header would lie.
            if k.lower() != b"transfer-encoding"
        ]
        exchange = Exchange(
            method="GET",
            url=url,
            request_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.request.headers.raw],
            status=status,
            response_headers=stored_headers,
            body=bytes(raw),
            http_version=response.http_version or "HTTP/1.1",
            ip_address=ip,
            started_at=started_at,
            kind=kind,
            truncated=truncated,
        )
        return _Hop(status, headers, bytes(raw), body, wire, ttfb, ip, exchange, failure, detail)


def _peer_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        addr = stream.get_extra_info("server_addr")
    except Exception:  # noqa: BLE001 - transports differ; the pre-connect check still applies
        return None
    if isinstance(addr, tuple) and addr:
        return str(addr[0])
    return None
