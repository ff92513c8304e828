"""Threaded HTTP(S) listeners on loopback addresses that serve many portals and measure the crawler.

Each portal is a ``Site``: something answering ``respond(path, hits)`` with a ``Reply`` (status, headers,
body as bytes or an iterator of chunks), or one of the actions ``RESET`` (drop the connection with a TCP
reset) and ``HANG`` (never answer). Listeners bind to distinct addresses of 127.0.0.0/8, some of them
carrying two or three portals on different ports (communes sharing one hosting server), so the per-IP
politeness limit is exercised as well as the per-host one.

The server records, for every request: the portal, path, Host header, local address and a monotonic
timestamp; and the highest number of requests in flight at once per host name and per IP address. A
request counts as in flight from the moment its request line is read until just before the last body
chunk is written: excluding the last write keeps a client that has already received the whole answer
and starts its next request from being counted twice by a thread that has not been scheduled yet,
while any real overlap (the server still thinking, sleeping or streaming) is counted.
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""
    delay: float = 0.0
    """Seconds the server "thinks" before answering (slow portals)."""


RESET = "reset"
HANG = "hang"
Answer = Reply | str


class Site(Protocol):
    def respond(self, path: str, hits: int) -> Answer: ...


@dataclass
class Hit:
    site: str
    path: str
    host: str
    ip: str
    at: float


class FarmServer:
    """All listeners of the farm, their logs and concurrency measurements."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.max_host: Counter[str] = Counter()
        self.max_ip: Counter[str] = Counter()
        self._host_now: Counter[str] = Counter()
        self._ip_now: Counter[str] = Counter()
        self._per_path: dict[str, Counter[str]] = defaultdict(Counter)
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.stopping = threading.Event()

    # --- listeners ------------------------------------------------------------------------------

    def add(self, name: str, site: Site, ip: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> int:
        """Serve ``site`` on a new port of ``ip``; returns the port."""
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass  # quiet tests

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                farm._handle(self, name, site)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the crawler closing connections early (size caps, timeouts) is expected

        server = Server((ip, 0), Handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return int(server.server_address[1])

    def close(self) -> None:
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    # --- measurements ---------------------------------------------------------------------------

    def paths(self, site: str) -> list[str]:
        with self._lock:
            return [h.path for h in self.hits if h.site == site]

    def times(self, site: str) -> list[float]:
        with self._lock:
            return [h.at for h in self.hits if h.site == site]

    def _enter(self, host: str, ip: str) -> None:
        with self._lock:
            self._host_now[host] += 1
            self._ip_now[ip] += 1
            self.max_host[host] = max(self.max_host[host], self._host_now[host])
            self.max_ip[ip] = max(self.max_ip[ip], self._ip_now[ip])

    def _leave(self, host: str, ip: str) -> None:
        with self._lock:
            self._host_now[host] -= 1
            self._ip_now[ip] -= 1

    def _handle(self, handler: BaseHTTPRequestHandler, name: str, site: Site) -> None:
        host = urlsplit("//" + (handler.headers.get("Host") or "")).hostname or ""
        ip = handler.connection.getsockname()[0]
        with self._lock:
            self.hits.append(Hit(name, handler.path, host, ip, time.monotonic()))
            self._per_path[name][handler.path] += 1
            hits = self._per_path[name][handler.path]
        self._enter(host, ip)
        inside = True
        try:
            answer = site.respond(handler.path, hits)
            if answer == HANG:
                self._wait(handler, 120)
                return
            if answer == RESET:
                # SO_LINGER with a zero timeout makes close() send RST: a connection reset by peer.
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                handler.close_connection = True
                return
            assert isinstance(answer, Reply)
            if answer.delay and self._wait(handler, answer.delay):
                return
            handler.send_response(answer.status)
            names = {k.lower() for k, _ in answer.headers}
            for key, value in answer.headers:
                handler.send_header(key, value)
            chunks: Iterator[bytes]
            if isinstance(answer.body, bytes):
                if "content-length" not in names:
                    handler.send_header("Content-Length", str(len(answer.body)))
                chunks = iter([answer.body])
            else:
                handler.send_header("Connection", "close")  # streamed: the end of the body is the close
                handler.close_connection = True
                chunks = iter(answer.body)
            handler.end_headers()
            pending = next(chunks, None)
            while pending is not None:
                following = next(chunks, None)
                if following is None:
                    self._leave(host, ip)  # see the module docstring: the last write is not "in flight"
                    inside = False
                try:
                    handler.wfile.write(pending)
                except OSError:
                    return  # the crawler stopped reading (size caps): that is the point
                pending = following
        finally:
            if inside:
                self._leave(host, ip)


    def _wait(self, handler: BaseHTTPRequestHandler, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (stop answering) when the client hung up or the farm stops.

        A request the crawler abandoned (timeout, budget) must not stay "in flight" in the measurements.
        """
        return wait_or_hang_up(handler.connection, seconds, self.stopping, 0.05)


def wait_or_hang_up(conn: socket.socket, seconds: float, stopping: threading.Event, poll: float) -> bool:
    """Sleep up to ``seconds`` watching ``conn``; True as soon as the client hung up or ``stopping`` is set."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if stopping.is_set():
            return True
        readable, _, _ = select.select([conn], [], [], min(poll, left))
        if readable:
            try:
                if conn.recv(1, socket.MSG_PEEK) == b"":
                    return True
            except (OSError, ValueError):
                return True
            time.sleep(min(poll, max(0.0, end - time.monotonic())))  # pipelined bytes: keep waiting
    return False


def self_signed_context(common_name: str = "ubnd.tls-loi.gov.vn") -> ssl.SSLContext:
    """A server TLS context with a certificate made now, signed by itself (no client trusts it)."""
    import datetime
    import tempfile
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_path, key_path = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
        )
        context.load_cert_chain(cert_path, key_path)
    return context
