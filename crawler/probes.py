"""Small network probes besides the crawl: HTTPS (certificate, HTTP→HTTPS redirect) and AAAA records.

Both are safe by default: the host is resolved and refused when it is not a public address (unless
``allow_private_networks``), only one request per scheme is made, and no redirect is followed.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from crawler.failures import FetchRefused, classify_exception
from crawler.safety import Resolver


async def https_probe(
    host: str, client: httpx.AsyncClient, *, allow_private_networks: bool = False, timeout: float = 15.0
) -> dict[str, Any]:
    """Does ``https://host/`` answer with a valid certificate, and does ``http://host/`` redirect to HTTPS?

    Returns ``{"https_ok", "https_status", "https_error", "http_status", "http_redirects_to_https",
    "http_location", "http_error"}``. ``https_error`` is a failure class (``tls`` = bad certificate or
    handshake). The client must verify certificates (httpx does by default).
    """
    host = host.strip().lower()
    # "host:port" is accepted (tests, non-standard ports); the port is then used for both schemes.
    name, _, port_text = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    fixed_port = int(port_text) if port_text.isdigit() else None
    if fixed_port is None:
        name = host
    result: dict[str, Any] = {
        "https_ok": False,
        "https_status": None,
        "https_error": None,
        "http_status": None,
        "http_redirects_to_https": None,
        "http_location": None,
        "http_error": None,
    }
    resolver = Resolver(allow_private_networks)
    for scheme, port in (("https", 443), ("http", 80)):
        try:
            await resolver.check(name, fixed_port or port)
            response = await client.get(f"{scheme}://{host}/", follow_redirects=False, timeout=timeout)
            await response.aclose()
        except (FetchRefused, socket.gaierror, httpx.HTTPError, OSError) as exc:
            failure, _detail = classify_exception(exc)
            result[f"{scheme}_error"] = failure.value
            continue
        result[f"{scheme}_status"] = response.status_code
        if scheme == "https":
            result["https_ok"] = response.status_code < 500
        else:
            location = response.headers.get("location")
            result["http_location"] = location
            redirects = response.status_code in (301, 302, 303, 307, 308) and bool(location)
            target = urlsplit(str(response.url.join(location))) if redirects and location else None
            result["http_redirects_to_https"] = bool(target and target.scheme == "https")
    return result


async def dns_probe(host: str) -> dict[str, Any]:
    """IPv6 readiness: ``{"aaaa": [addresses]}`` (empty when the name has only A records) or ``{"error": ...}``."""
    host = host.strip().lower().strip("[]")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, family=socket.AF_INET6, type=socket.SOCK_STREAM)
    except socket.gaierror as v6_error:
        # No AAAA is not an error if the name resolves at all.
        try:
            await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            return {"error": f"dns: {exc}"[:200]}
        del v6_error
        return {"aaaa": []}
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        # getaddrinfo may synthesise v4-mapped addresses; those are not AAAA records.
        if not address.startswith("::ffff:") and address not in addresses:
            addresses.append(address)
    return {"aaaa": addresses}
