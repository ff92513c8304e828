"""The SSRF guard on the request path: resolve, refuse non-public addresses, pin the vetted address."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.failures import FetchRefused
from egov_audit.crawler.request import Answer, Next, Request, Transcript
from egov_audit.crawler.safety import Resolver


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(FailureClass.PROTOCOL, f"not an http(s) URL: {url[:100]}")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


class GuardAddress:
    """Every attempt of every hop is resolved and vetted by ``crawler.safety.Resolver`` (cached per unit);
    the address it returns goes inward as ``Request.address``: the politeness key of the IP and the
    address the transport connects to (see ``crawler.transport``), so DNS rebinding cannot swap it."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer:
        host, port = host_and_port(request.url)
        address = await self.resolver.check(host, port)
        return await call_next(replace(request, address=address), transcript)
