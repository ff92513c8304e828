"""A provincial hosting server: many commune portals as virtual hosts on one address and one port.

Commune portals usually live on the provincial platform: sub-domains of one server, one IP address. This
server answers for every portal by its Host header from one threaded listener on 127.0.0.1 and measures
what the crawler does to it:

- requests in flight per portal (host name) and for the whole server (the IP), with their peaks; a
  request is in flight from its request line until just before its last body write (see
  ``crawlfarm.server`` for why the last write is excluded);
- the server's latency (the think time it applied to each request, by arrival) and its counts;
- a **capacity**: past ``capacity`` requests in flight the server slows down, each answer taking
  ``think × (1 + slope × (in_flight − capacity) / capacity)``, as an overloaded PHP/IIS host does;
- **conditional requests**: each page has an ETag and a Last-Modified; If-None-Match / If-Modified-Since
  that match are answered ``304 Not Modified`` (counted apart);
- portals that are **slow** (a long think time), **hanging** (never answer) or **failing** (503), and
  switches that make the whole server slow or erroring at run time (``slow_factor``, ``error_every``);
- ``change(fraction)``: a share of the pages gets new content (new ETag and Last-Modified), for the
  second night of an incremental audit.

``serve_in_process`` runs it in a child process (one server process, as the benchmark asks) driven
through a pipe.
"""

from __future__ import annotations

import hashlib
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.crawlfarm.server import wait_or_hang_up

SECTIONS = (
    ("tin-tuc", "Tin tức - Sự kiện", True),
    ("thong-bao", "Thông báo", True),
    ("lich-cong-tac", "Lịch công tác", True),
    ("hoi-dap", "Hỏi đáp", True),
    ("van-ban", "Văn bản chỉ đạo điều hành", True),
    ("gioi-thieu", "Giới thiệu chung", False),
    ("co-cau-to-chuc", "Cơ cấu tổ chức", False),
    ("lien-he", "Liên hệ", False),
)
# A 1×1 PNG.
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082")
_FILLER = ("Ủy ban nhân dân xã thông báo đến toàn thể nhân dân trên địa bàn về kế hoạch triển khai "
           "thực hiện nhiệm vụ phát triển kinh tế - xã hội, bảo đảm quốc phòng, an ninh năm 2026. ")


@dataclass
class HostedPage:
    body: bytes
    etag: str
    last_modified: str
    content_type: str = "text/html; charset=utf-8"


@dataclass
class HostedPortal:
    host: str
    pages: dict[str, HostedPage]
    think: float = 0.05
    behaviour: str = "normal"
    """``normal``, ``slow`` (think × 10 on every page but robots.txt), ``hanging`` or ``failing``."""
    version: int = 0
    validators: bool = True
    """Send ETag / Last-Modified and answer conditional requests (many portals do neither)."""


def _page_html(portal: str, title: str, nav: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>{title} - {portal}</title>"
            "<link rel='stylesheet' href='/style.css'><script src='http://thongke.example.com/t.js'></script></head>"
            f"<body><header><img src='/logo.png' alt='Logo'><h1>{portal}</h1><nav class='menu'>{nav}</nav>"
            f"<form action='/tim-kiem' method='get'><input type='search' name='q' placeholder='Tìm kiếm'>"
            f"<button>Tìm kiếm</button></form></header><main><h2>{title}</h2>{body}</main>"
            f"<footer>Bản quyền © UBND {portal}. Điện thoại: 0241 3850 123. Email: ubnd@{portal}</footer></body></html>")


def _stamp(path: str, version: int) -> tuple[str, str]:
    etag = '"' + hashlib.sha1(f"{path}:{version}".encode()).hexdigest()[:16] + '"'
    return etag, formatdate(1_767_225_600 + version * 86_400, usegmt=True)


def build_portal(host: str, rng: random.Random, articles: int = 4, page_kb: int = 40, think: float = 0.05,
                 behaviour: str = "normal") -> HostedPortal:
    """A commune portal: home, eight sections (five that change), ``articles`` articles per changing
    section, a PDF per article (for link statuses), robots.txt and a search page; pages of ~``page_kb``."""
    name = host.split(".")[0]
    nav = "".join(f"<a href='/{slug}'>{title}</a>" for slug, title, _ in SECTIONS)
    filler = "".join(f"<p>{_FILLER}</p>" for _ in range(max(1, page_kb * 1024 // (len(_FILLER.encode()) + 7))))
    pages: dict[str, str] = {}
    latest = []
    for slug, title, changing in SECTIONS:
        items = []
        for n in range(articles if changing else 0):
            path = f"/{slug}/bai-{n + 1}-{rng.randrange(10_000)}.html"
            day = 1 + (n * 3) % 27
            pages[path] = _page_html(name, f"{title} số {n + 1}", nav,
                                     f"<p>Ngày {day:02d}/03/2026</p>{filler}<a href='/files{path}.pdf'>Tải văn bản</a>")
            items.append(f"<li><a href='{path}'>{title} số {n + 1}</a> ({day:02d}/03/2026)</li>")
        pages[f"/{slug}"] = _page_html(name, title, nav, f"<ul>{''.join(items)}</ul>{filler[: len(filler) // 4]}")
        latest += items[:1]
    pages["/"] = _page_html(name, "Trang chủ", nav, f"<ul class='latest'>{''.join(latest)}</ul>{filler[: len(filler) // 2]}")
    pages["/tim-kiem"] = _page_html(name, "Kết quả tìm kiếm", nav, "<ul>" + "".join(latest) + "</ul>")
    hosted = {path: HostedPage(html.encode(), *_stamp(path, 0)) for path, html in pages.items()}
    for path in [p for p in hosted if p.endswith(".html")]:
        hosted[f"/files{path}.pdf"] = HostedPage(b"%PDF-1.4\n" + path.encode() * 20, *_stamp(path + ".pdf", 0),
                                                 content_type="application/pdf")
    hosted["/robots.txt"] = HostedPage(b"User-agent: *\nDisallow: /quan-tri/\n", *_stamp("/robots.txt", 0),
                                       content_type="text/plain")
    hosted["/style.css"] = HostedPage(b"body{font-family:sans-serif}nav a{margin:0 4px}", *_stamp("/style.css", 0),
                                      content_type="text/css")
    hosted["/logo.png"] = HostedPage(_PNG, *_stamp("/logo.png", 0), content_type="image/png")
    return HostedPortal(host, hosted, think, behaviour)


@dataclass
class Measurements:
    requests: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    conditional: Counter[str] = field(default_factory=Counter)
    peak_host: Counter[str] = field(default_factory=Counter)
    peak_ip: int = 0
    latencies: list[tuple[float, float, float]] = field(default_factory=list)
    """(arrival time, think time applied, think time the server takes when idle) of every answered request."""
    log: list[tuple[str, str, str]] = field(default_factory=list)
    """(host, method, path) of every request, in arrival order."""
    agents: Counter[str] = field(default_factory=Counter)
    """Requests by User-Agent."""
    at_peak_ip: list[tuple[str, str, float]] = field(default_factory=list)
    """(host, path, seconds in flight) of every request in flight when the IP's peak was last reached: what a
    peak above the limit was made of."""


class HostingServer:
    """All portals on one listener of ``address`` (default 127.0.0.1); see the module docstring."""

    def __init__(self, portals: list[HostedPortal], address: str = "127.0.0.1", capacity: int = 8,
                 slope: float = 2.0) -> None:
        self.portals = {p.host: p for p in portals}
        self.capacity, self.slope = capacity, slope
        self.slow_factor = 1.0
        self.error_every = 0
        """Every n-th request answers 503 (0: never)."""
        self.stats = Measurements()
        self._now_host: Counter[str] = Counter()
        self._now_ip = 0
        self._in_flight: dict[int, tuple[str, str, float]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = self._make_server(address)
        self.address = address
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def _make_server(self, address: str) -> ThreadingHTTPServer:
        hosting = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                hosting._handle(self, "GET")

            def do_HEAD(self) -> None:  # noqa: N802
                hosting._handle(self, "HEAD")

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        return Server((address, 0), Handler)

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    # --- what the crawler sees ----------------------------------------------------------------

    def change(self, fraction: float, rng: random.Random) -> list[tuple[str, str]]:
        """Give ``fraction`` of the pages (robots.txt aside) new content; returns (host, path) changed."""
        changed = []
        for portal in self.portals.values():
            for path, page in portal.pages.items():
                if page.content_type.startswith("text/html") and rng.random() < fraction:
                    portal.version += 1
                    marker = f"<p>Cập nhật lần {portal.version}: {rng.randrange(10**9)}</p></main>".encode()
                    page.body = page.body.replace(b"</main>", marker, 1)
                    page.etag, page.last_modified = _stamp(path, portal.version)
                    changed.append((portal.host, path))
        return changed

    def _idle_think(self, portal: HostedPortal, path: str) -> float:
        return portal.think * (10 if portal.behaviour == "slow" and path != "/robots.txt" else 1)

    def _think(self, portal: HostedPortal, path: str, in_flight: int) -> float:
        think = self._idle_think(portal, path) * self.slow_factor
        if in_flight > self.capacity:
            think *= 1 + self.slope * (in_flight - self.capacity) / self.capacity
        return think

    def _enter(self, host: str, method: str, path: str, agent: str = "") -> int:
        with self._lock:
            self.stats.agents[agent] += 1
            self._now_host[host] += 1
            self._now_ip += 1
            stats = self.stats
            stats.requests[host] += 1
            stats.log.append((host, method, path))
            stats.peak_host[host] = max(stats.peak_host[host], self._now_host[host])
            self._in_flight[threading.get_ident()] = (host, path, time.monotonic())
            if self._now_ip > stats.peak_ip:
                now = time.monotonic()
                stats.at_peak_ip = [(h, p, now - t) for h, p, t in self._in_flight.values()]
            stats.peak_ip = max(stats.peak_ip, self._now_ip)
            return self._now_ip

    def _leave(self, host: str) -> None:
        with self._lock:
            self._now_host[host] -= 1
            self._now_ip -= 1
            self._in_flight.pop(threading.get_ident(), None)

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, portal: HostedPortal | None,
                path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        page = portal.pages.get(path.split("?", 1)[0]) if portal else None
        if page is None:
            return 404, [("Content-Type", "text/html; charset=utf-8")], b"<html><body>404</body></html>"
        headers = [("Content-Type", page.content_type), ("ETag", page.etag), ("Last-Modified", page.last_modified)]
        if not portal.validators:  # type: ignore[union-attr]
            return 200, headers[:1], page.body
        if handler.headers.get("If-None-Match") or handler.headers.get("If-Modified-Since"):
            self.stats.conditional[portal.host] += 1  # type: ignore[union-attr]
            if handler.headers.get("If-None-Match") == page.etag or (
                    not handler.headers.get("If-None-Match") and handler.headers.get("If-Modified-Since") == page.last_modified):
                self.stats.not_modified[portal.host] += 1  # type: ignore[union-attr]
                return 304, headers[1:], b""
        return 200, headers, page.body

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        host = (urlsplit("//" + (handler.headers.get("Host") or "")).hostname or "").lower()
        path = handler.path
        portal = self.portals.get(host)
        arrived = time.monotonic()
        in_flight = self._enter(host, method, path, handler.headers.get("User-Agent") or "")
        inside = True
        try:
            if portal is not None and portal.behaviour == "hanging":
                self._wait(handler, 600)
                return
            think = self._think(portal, path, in_flight) if portal else 0.0
            if think and self._wait(handler, think):
                return
            with self._lock:
                self.stats.latencies.append((arrived, think, self._idle_think(portal, path) if portal else 0.0))
                erroring = self.error_every and len(self.stats.latencies) % self.error_every == 0
            if (portal is not None and portal.behaviour == "failing") or erroring:
                status, headers, body = 503, [("Content-Type", "text/html"), ("Retry-After", "1")], b"busy"
            else:
                status, headers, body = self._answer(handler, method, portal, path)
            handler.send_response(status)
            for key, value in headers:
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(body)))
            with_body = method != "HEAD" and status != 304 and bool(body)
            if not with_body:
                # The headers are then the last write (a HEAD, a 304): the client has its answer as soon as
                # they are sent and may send its next request before this thread runs again.
                self._leave(host)
                inside = False
            handler.end_headers()
            if with_body:
                self._leave(host)  # the last write is not "in flight" (see the module docstring)
                inside = False
                handler.wfile.write(body)
        except OSError:
            pass
        finally:
            if inside:
                self._leave(host)

    def _wait(self, handler: BaseHTTPRequestHandler, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the client hung up or the server stops. Polled often: a request
        the client gave up on must stop counting as in flight at once."""
        return wait_or_hang_up(handler.connection, seconds, self.stopping, 0.005)

    def idle_latency(self, host: str, samples: int = 20) -> float:
        """Mean time to first byte of sequential requests to ``host``'s home page (nothing else running)."""
        total = 0.0
        for _ in range(samples):
            with socket.create_connection((self.address, self.port)) as conn:
                t0 = time.monotonic()
                conn.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                conn.recv(1)
                total += time.monotonic() - t0
                while conn.recv(65536):
                    pass
        return total / samples


def hosts_file_for(hosts: list[str], address: str = "127.0.0.1") -> str:
    """A hosts file (``[crawler] hosts_file``) pointing every portal name at the server."""
    return "".join(f"{address} {host}\n" for host in hosts)
