"""SSRF guard: destinations the crawler must not reach unless private networks are allowed.

A portal URL comes from a units file anybody can edit, and pages can redirect anywhere, so every
request (and every redirect hop) is checked after resolving the host: loopback, private, link-local
(which includes the cloud metadata address 169.254.169.254), multicast, reserved and other
non-global addresses are refused. The address actually connected to is checked again after the
connection is made, which closes the DNS-rebinding gap between our lookup and the HTTP client's.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.failures import FetchRefused

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def is_forbidden_address(address: str) -> bool:
    """True for any address that is not a public unicast Internet address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 addresses carried inside IPv6 (mapped, 6to4) are judged as the IPv4 address they reach.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            ip = embedded
    return (
        ip in METADATA_ADDRESSES
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


async def resolve_host(host: str, port: int) -> list[str]:
    """Resolve ``host`` to its addresses (getaddrinfo runs in the loop's thread pool)."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


class Resolver:
    """Per-crawl DNS cache plus the private-address policy."""

    def __init__(self, allow_private_networks: bool) -> None:
        self.allow_private = allow_private_networks
        self._cache: dict[tuple[str, int], list[str]] = {}

    async def check(self, host: str, port: int) -> str:
        """Resolve and vet ``host``; return the address used as the per-IP politeness key.

        Raises ``socket.gaierror`` (classified as ``dns``) or ``FetchRefused(private_address)``.
        """
        key = (host, port)
        addresses = self._cache.get(key)
        if addresses is None:
            addresses = await resolve_host(host, port)
            if not addresses:
                raise socket.gaierror(socket.EAI_NONAME, f"no address for {host}")
            self._cache[key] = addresses
        if not self.allow_private:
            bad = [a for a in addresses if is_forbidden_address(a)]
            if bad:
                # Any non-public answer is refused: picking a "good" one would invite rebinding tricks.
                raise FetchRefused(FailureClass.PRIVATE_ADDRESS, f"{host} resolves to {bad[0]}")
        return addresses[0]

    def check_peer(self, address: str | None) -> None:
        """Vet the address the connection actually went to."""
        if address and not self.allow_private and is_forbidden_address(address):
            raise FetchRefused(FailureClass.PRIVATE_ADDRESS, f"connected to {address}")
