"""The innermost step: send over the pinned connection, read the body within the size and decompression
limits, and write down the exchange exactly as it went over the wire."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from egov_audit.core.bodies import content_decoder
from egov_audit.core.failures import FailureClass
from egov_audit.crawler.exchange import Exchange
from egov_audit.crawler.policies.redirects import REDIRECT_STATUSES
from egov_audit.crawler.request import Answer, Next, Request, Transcript
from egov_audit.crawler.transport import PIN

REDIRECT_BODY_CAP = 64 * 1024
# Decoded bodies below this size are never called bombs, whatever the ratio (a tiny page compresses well).
BOMB_FLOOR = 1_000_000
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


def looks_html(content_type: str | None) -> bool:
    """Accept a missing Content-Type (old servers) and the HTML/XML types; refuse PDFs, images..."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _HTML_TYPES or media == "" or media.endswith("+xml")


def default_headers(user_agent: str) -> dict[str, str]:
    """The headers of every request the auditor sends: who we are, and what we accept."""
    return {
        "User-Agent": user_agent,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "vi,en;q=0.5",
        # Only encodings we inflate ourselves, under the size cap and the bomb guard, are offered.
        "Accept-Encoding": "gzip, deflate",
    }


def peer_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        addr = stream.get_extra_info("server_addr")
    except Exception:  # noqa: BLE001 - transports differ; the pre-connect check still applies
        return None
    return str(addr[0]) if isinstance(addr, tuple) and addr else None


class BodyReader:
    """Reads a response body up to ``limit`` decoded bytes, inflating gzip/deflate as it goes and stopping
    at a decompression bomb (decoded/wire ratio over ``max_ratio`` once past ``BOMB_FLOOR`` or the cap)."""

    def __init__(self, limit: int, content_encoding: str, max_ratio: float, quiet_cut: bool = False) -> None:
        self.limit = limit
        self.decoder = content_decoder(content_encoding)
        self.max_ratio = max_ratio
        self.quiet_cut = quiet_cut
        """Cut at the cap without calling it ``too_large`` (a redirect's body)."""
        self.raw = bytearray()
        self.decoded = bytearray()
        self.failure: FailureClass | None = None
        self.detail: str | None = None
        self.truncated: str | None = None

    def feed(self, chunk: bytes) -> bool:
        """Take one chunk from the wire; False when reading must stop."""
        self.raw += chunk
        wire = len(self.raw)
        if self.decoder is not None:
            self.decoded += self.decoder.decompress(chunk, self.limit - len(self.decoded) + 1)
            over = len(self.decoded) > self.limit or bool(self.decoder.unconsumed_tail)
            # Compare with the compressed bytes actually inflated so far, not the whole chunk.
            ratio = len(self.decoded) / max(1, wire - len(self.decoder.unconsumed_tail))
            if (over or len(self.decoded) > BOMB_FLOOR) and ratio > self.max_ratio:
                self.failure = FailureClass.DECOMPRESSION_BOMB
                self.detail = f"{len(self.decoded)} bytes from {wire} on the wire"
                self.truncated = "length"
                return False
        else:
            self.decoded += chunk
            over = len(self.decoded) > self.limit
        if over or wire > self.limit:
            self.truncated = "length"
            if not self.quiet_cut:
                self.failure, self.detail = FailureClass.TOO_LARGE, f"over {self.limit} bytes"
            return False
        return True

    def finish(self) -> None:
        if self.failure is None and self.decoder is not None and not self.truncated:
            try:
                self.decoded += self.decoder.flush()
            except zlib.error:
                pass

    @property
    def body(self) -> bytes:
        if self.failure is FailureClass.DECOMPRESSION_BOMB:
            return b""
        return bytes(self.decoded[: self.limit])


class ReadWithinLimits:
    """Terminal policy: one HTTP exchange. Counts the wire bytes of every body read (the site's budget)."""

    def __init__(self, client: httpx.AsyncClient, user_agent: str, max_bytes: int, max_ratio: float,
                 check_peer: Callable[[str | None], None]) -> None:
        self.client = client
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.check_peer = check_peer
        self.bytes_total = 0

    def _headers(self, request: Request) -> dict[str, str]:
        if request.browser_headers:
            headers = {k: v for k, v in request.headers if k.lower() != "accept-encoding"}
            headers["Accept-Encoding"] = "gzip, deflate"
            return headers
        return {**default_headers(self.user_agent), **dict(request.headers)}

    async def handle(self, request: Request, transcript: Transcript, call_next: Next | None = None) -> Answer:
        started_at = datetime.now(UTC)
        t0 = time.monotonic()
        http_request = self.client.build_request(
            request.method, request.url, content=request.body, headers=self._headers(request),
            extensions={PIN: request.address} if request.address else {},
        )
        response = await self.client.send(http_request, stream=True, follow_redirects=False)
        try:
            ttfb = time.monotonic() - t0
            peer = peer_address(response)
            self.check_peer(peer)
            reader = await self._read(request, response)
        finally:
            await response.aclose()
        ip = peer or request.address
        answer = Answer(request.url, response.status_code, response.headers, reader.body, len(reader.raw), ttfb, ip,
                        response.http_version or "HTTP/1.1", reader.failure, reader.detail)
        transcript.exchanges.append(_exchange(request, http_request, response, reader, ip, started_at))
        if transcript.first_ttfb is None:
            transcript.first_ttfb = ttfb
        return answer

    def _reader(self, request: Request, response: httpx.Response) -> BodyReader:
        headers = response.headers
        encoding = headers.get("content-encoding", "")
        redirect = response.status_code in REDIRECT_STATUSES and bool(headers.get("location"))
        if redirect and request.follow_redirects:
            return BodyReader(REDIRECT_BODY_CAP, encoding, self.max_ratio, quiet_cut=True)
        reader = BodyReader(request.max_bytes if request.max_bytes is not None else self.max_bytes, encoding,
                            self.max_ratio)
        if request.method == "HEAD" or response.status_code == 304:
            reader.limit = 0
        elif not request.read_body:
            reader.limit, reader.truncated = 0, "length"
        elif request.html_only and not looks_html(headers.get("content-type")):
            # A PDF or image behind an HTML-looking link: the checks only need the link, not the body.
            reader.limit, reader.truncated = 0, "length"
            reader.failure, reader.detail = FailureClass.NOT_HTML, (headers.get("content-type") or "")[:100]
        return reader

    async def _read(self, request: Request, response: httpx.Response) -> BodyReader:
        reader = self._reader(request, response)
        if reader.limit <= 0:
            return reader
        try:
            async for chunk in response.aiter_raw():
                self.bytes_total += len(chunk)
                if not reader.feed(chunk):
                    break
        except zlib.error as exc:
            encoding = response.headers.get("content-encoding")
            reader.failure, reader.detail = FailureClass.PROTOCOL, f"bad {encoding} body: {exc}"[:200]
        reader.finish()
        return reader


def _exchange(request: Request, http_request: httpx.Request, response: httpx.Response, reader: BodyReader,
              ip: str | None, started_at: datetime) -> Exchange:
    def pairs(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
        # The body is de-chunked by the HTTP client, so a Transfer-Encoding header would lie.
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw if k.lower() != b"transfer-encoding"]

    return Exchange(
        method=request.method, url=request.url, request_headers=pairs(http_request.headers.raw),
        status=response.status_code, response_headers=pairs(response.headers.raw), body=bytes(reader.raw),
        http_version=response.http_version or "HTTP/1.1", ip_address=ip, started_at=started_at,
        kind=request.kind, truncated=reader.truncated, request_body=request.body or b"",
    )
