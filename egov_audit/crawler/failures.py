"""Mapping of fetch exceptions to ``FailureClass`` values, and which failures are worth a retry.

Kept apart from the fetch loop so the taxonomy (exported as-is in reports) is defined in one place.
"""

from __future__ import annotations

import errno
import socket
import ssl

import httpx

from egov_audit.core.failures import FailureClass


class FetchRefused(Exception):
    """The crawler itself declined or stopped a fetch (robots, private address, size, redirects...)."""

    def __init__(self, failure: FailureClass, detail: str = "") -> None:
        super().__init__(detail or str(failure))
        self.failure = failure
        self.detail = detail or str(failure)


# Failures after which another attempt may succeed (RFC 9110 transient conditions).
TRANSIENT = {FailureClass.TIMEOUT, FailureClass.CONNECTION_RESET}
RETRY_STATUSES = {429, 502, 503, 504}
# Page failures meaning "no answer": they make a crawl partial. An HTTP error status is an answer.
NO_ANSWER = {
    FailureClass.DNS,
    FailureClass.CONNECT_REFUSED,
    FailureClass.CONNECTION_RESET,
    FailureClass.TLS,
    FailureClass.TIMEOUT,
    FailureClass.PROTOCOL,
    FailureClass.OTHER,
    FailureClass.PRIVATE_ADDRESS,
}


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def classify_exception(exc: BaseException) -> tuple[FailureClass, str]:
    """Return the failure class and a short detail for an exception raised while fetching."""
    if isinstance(exc, FetchRefused):
        return exc.failure, exc.detail
    detail = f"{type(exc).__name__}: {exc}"[:200]
    chain = _causes(exc)
    for item in chain:
        if isinstance(item, socket.gaierror):
            return FailureClass.DNS, detail
        if isinstance(item, ssl.SSLError | ssl.CertificateError):
            return FailureClass.TLS, detail
        if isinstance(item, ConnectionRefusedError):
            return FailureClass.CONNECT_REFUSED, detail
        if isinstance(item, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return FailureClass.CONNECTION_RESET, detail
        if isinstance(item, TimeoutError):
            return FailureClass.TIMEOUT, detail
        if isinstance(item, OSError) and item.errno in (errno.ECONNREFUSED,):
            return FailureClass.CONNECT_REFUSED, detail
    if isinstance(exc, httpx.TimeoutException):
        return FailureClass.TIMEOUT, detail
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError):
        # httpcore flattens the OS error into the message on some paths.
        if "name or service not known" in text or "nodename" in text or "getaddrinfo" in text:
            return FailureClass.DNS, detail
        if "certificate" in text or "ssl" in text or "tls" in text:
            return FailureClass.TLS, detail
        if "refused" in text:
            return FailureClass.CONNECT_REFUSED, detail
        return FailureClass.CONNECT_REFUSED, detail
    if isinstance(exc, httpx.RemoteProtocolError):
        # "Server disconnected without sending a response" is a dropped connection, not bad HTTP.
        if "disconnect" in text or "peer closed" in text or "incomplete" in text:
            return FailureClass.CONNECTION_RESET, detail
        return FailureClass.PROTOCOL, detail
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return FailureClass.CONNECTION_RESET, detail
    if isinstance(exc, httpx.ProtocolError | httpx.DecodingError | httpx.UnsupportedProtocol):
        return FailureClass.PROTOCOL, detail
    return FailureClass.OTHER, detail
