"""SSRF guard: destinations the crawler must not reach unless private networks are allowed.

A portal URL comes from a units file anybody can edit, and pages can redirect anywhere, so every
request (every redirect hop, every browser request) is checked after resolving the host: loopback,
private, link-local (which includes the cloud metadata address 169.254.169.254), multicast, reserved and
other non-global addresses are refused. This is the only implementation of the rule: the sender, the
probes and the browser's request interception all ask the same ``Resolver``.

DNS rebinding: the address vetted here is the address connected to. The sender hands it to the
transport (``crawler.transport``), which connects to that IP while the Host header and TLS SNI still
name the host, so a name that answers a public address to us and a private one a second later never
reaches the private one. The address the connection went to is checked again after connecting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from pathlib import Path

from egov_audit.core.errors import InputError
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


def read_hosts_file(path: str | Path) -> dict[str, list[str]]:
    """``name → [addresses]`` from a hosts file (``address name [alias...]`` lines, ``#`` comments)."""
    table: dict[str, list[str]] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"hosts file cannot be read: {exc}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        address, names = fields[0], fields[1:]
        try:
            ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise InputError(str(path), f"not an IP address: {address!r}", f"line {number}") from None
        for name in names:
            table.setdefault(name.lower().rstrip("."), []).append(address)
    return table


async def resolve_host(host: str, port: int, hosts: dict[str, list[str]] | None = None) -> list[str]:
    """Resolve ``host`` to its addresses: an IP literal, the hosts table, then getaddrinfo (thread pool)."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    if hosts and host.lower().rstrip(".") in hosts:
        return list(hosts[host.lower().rstrip(".")])
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


class Resolver:
    """DNS cache plus the private-address policy, for one unit's requests (or a whole probe run)."""

    def __init__(self, allow_private_networks: bool, hosts: dict[str, list[str]] | None = None) -> None:
        self.allow_private = allow_private_networks
        self.hosts = dict(hosts or {})
        self._cache: dict[tuple[str, int], list[str]] = {}

    @classmethod
    def from_settings(cls, settings: object) -> Resolver:
        hosts_file = getattr(settings, "hosts_file", None)
        return cls(bool(getattr(settings, "allow_private_networks", False)),
                   read_hosts_file(hosts_file) if hosts_file else None)

    async def addresses(self, host: str, port: int) -> list[str]:
        """Every address of ``host`` (cached), unvetted; raises ``socket.gaierror`` when it has none."""
        key = (host, port)
        addresses = self._cache.get(key)
        if addresses is None:
            addresses = await resolve_host(host, port, self.hosts)
            if not addresses:
                raise socket.gaierror(socket.EAI_NONAME, f"no address for {host}")
            self._cache[key] = addresses
        return addresses

    async def check(self, host: str, port: int) -> str:
        """Resolve and vet ``host``; return the address to connect to (also the per-IP politeness key).

        Raises ``socket.gaierror`` (classified as ``dns``) or ``FetchRefused(private_address)``.
        """
        addresses = await self.addresses(host, port)
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
