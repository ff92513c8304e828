"""The crawl farm: healthy generated portals and faulty ones, with the outcome each should get.

Healthy portals come from ``egov_audit.demo.sitegen`` (five platform styles, DotNetNuke's
``/Default.aspx?tabid=N&ItemID=M`` among them). Faulty portals are small hand-written sites, one fault
each. ``build_farm`` starts them on a ``FarmServer`` and returns one ``FarmPortal`` per portal with the
crawl status and failure class the crawler must report (CRITERIA.md §5).
"""

from __future__ import annotations

import itertools
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from egov_audit.demo.portal_spec import PortalSpec
from egov_audit.demo.sitegen import Portal
from egov_audit.demo.spec_values import SECTION_KEYS, SectionState
from tests.crawlfarm.server import HANG, RESET, Answer, FarmServer, Reply, self_signed_context
from tests.test_crawler_farm import closed_port, encode_cp1258, encode_tcvn3, page

HTML = [("Content-Type", "text/html; charset=utf-8")]
STYLES = ("nukeviet", "liferay", "sharepoint", "dnn", "provincial")


@dataclass
class FarmPortal:
    name: str
    url: str
    status: str
    """Expected ``crawl_status``."""
    error: str | None = None
    """Expected failure class (the part of ``crawl_error`` before the colon), or a page error class."""
    healthy: bool = False
    site: object | None = None
    render_twin: Portal | None = None
    """For the JavaScript-menu portal: the same portal with a static menu (what Chromium would show)."""
    notes: dict[str, object] = field(default_factory=dict)


class GeneratedSite:
    """A sitegen portal served through the farm, with a fixed think time per request."""

    def __init__(self, portal: Portal, think: float) -> None:
        self.portal = portal
        self.think = think

    def respond(self, path: str, hits: int) -> Answer:
        r = self.portal.handle("GET", path)
        return Reply(r.status, [("Content-Type", r.content_type), *r.headers], r.body, self.think)


class RoutedSite:
    """Routes by path (query stripped as a fallback) to a ``Reply``, HTML text or a callable."""

    def __init__(self, routes: dict[str, Reply | str | Callable[[str, int], Answer]], robots: str = "") -> None:
        self.routes = routes
        self.robots = robots

    def respond(self, path: str, hits: int) -> Answer:
        if path == "/robots.txt":
            if self.robots:
                return Reply(200, [("Content-Type", "text/plain")], self.robots.encode())
            return Reply(404, HTML, b"<html><body>404</body></html>")
        route = self.routes.get(path)
        if route is None:
            route = self.routes.get(path.split("?", 1)[0].split(";", 1)[0])
        if route is None:
            return Reply(404, HTML, b"<html><body><h1>404</h1></body></html>")
        if callable(route):
            return route(path, hits)
        if isinstance(route, str):
            return Reply(200, HTML, route.encode())
        return route


def _spec(code: str, style: str, **extra: object) -> PortalSpec:
    sections = {k: SectionState.PRESENT for k in SECTION_KEYS if k not in ("english", "forms")}
    values: dict[str, object] = dict(
        code=code, name=f"Xã Thử Nghiệm {code}", level="commune", style=style, sections=sections,
        news_ages=(1, 3, 6), direction_ages=(2,), document_ages=(5, 40), question_form=True,
    )
    values.update(extra)
    return PortalSpec(**values)  # type: ignore[arg-type]


def _generated(server: FarmServer, code: str, style: str, ip: str, think: float, host: str | None = None,
               **extra: object) -> tuple[GeneratedSite, str]:
    portal = Portal(_spec(code, style, **extra))
    site = GeneratedSite(portal, think)
    port = server.add(code, site, ip)
    portal.origin = f"http://{host or ip}:{port}"
    return site, portal.origin + portal.base_path


def _stream(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    block = b"<p>" + b"x" * (chunk - 7) + b"</p>\n"
    sent = 0
    yield b"<html><body>"
    while sent < total:
        yield block
        sent += len(block)


def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join([packer.compress(b"<html><body>"), *(packer.compress(zeros) for _ in range(64)), packer.flush()])


def _calendar(path: str, hits: int) -> Answer:
    query = parse_qs(urlsplit(path).query)
    day = int(query.get("ngay", ["1"])[0])
    links = "".join(f'<a href="/lich-cong-tac?ngay={day + k}&thang=1&nam=2025">Ngày {day + k}</a>' for k in (-1, 1, 7))
    return Reply(200, HTML, page(f"Lịch công tác ngày {day}", links).encode())


def _sessions(path: str, hits: int) -> Answer:
    # Every link carries a fresh session id, as cookieless Java and PHP portals do.
    token = random.Random(path).randrange(10**9)
    nav = "".join(f'<a href="/muc-{i};jsessionid={token:X}{i}">Mục {i}</a>'
                  f'<a href="/muc-{i}?PHPSESSID={token}{i}">Mục {i}</a>' for i in range(6))
    return Reply(200, HTML, page("Trang có mã phiên", "", nav).encode())


def _legacy(encoder: Callable[[str], bytes], charset: str, title: str) -> dict[str, Reply | str | Callable]:
    text = "Ủy ban nhân dân xã Tân Hòa thông báo lịch tiếp công dân của Chủ tịch Ủy ban nhân dân xã"
    headers = [("Content-Type", f"text/html; charset={charset}")]

    def body(links: str) -> bytes:
        return (b"<html><head><title>" + title.encode() + b"</title></head><body><nav>" + links.encode()
                + b"</nav><p>" + encoder(text) + b"</p></body></html>")

    nav = "".join(f'<a href="/trang-{i}">Trang {i}</a>' for i in range(4))
    routes: dict[str, Reply | str | Callable] = {"/": Reply(200, headers, body(nav))}
    routes |= {f"/trang-{i}": Reply(200, headers, body('<a href="/">Trang chủ</a>')) for i in range(4)}
    return routes


def build_farm(server: FarmServer, healthy: int = 16, think: float = 0.02, slow: bool = True) -> list[FarmPortal]:
    """Start every portal of the farm on ``server``; ``healthy`` generated portals plus the faulty ones.

    ``slow=False`` leaves out the slow and the hanging portal (whose crawls last as long as the time
    budget whatever the crawler does), for throughput benchmarks.
    """
    portals: list[FarmPortal] = []
    ips = (f"127.0.0.{n}" for n in itertools.count(10))
    # Healthy portals: two per address (shared hosting), the first pair on 127.0.0.1 under two names.
    ip = "127.0.0.1"
    for n in range(healthy):
        if n % 2 == 0 and n:
            ip = next(ips)
        host = "localhost" if n == 0 else None
        code = f"H{n:03d}"
        site, url = _generated(server, code, STYLES[n % len(STYLES)], ip, think, host)
        portals.append(FarmPortal(code, url, "ok", healthy=True, site=site))

    def add(name: str, site: object, status: str, error: str | None, ip: str | None = None,
            path: str = "/", **notes: object) -> FarmPortal:
        address = ip or next(ips)
        port = server.add(name, site, address)  # type: ignore[arg-type]
        portal = FarmPortal(name, f"http://{address}:{port}{path}", status, error, site=site, notes=dict(notes))
        portals.append(portal)
        return portal

    shared = next(ips)  # faulty portals that share one hosting server with each other
    if slow:
        add("F-slow", RoutedSite({"/": Reply(200, HTML, page("Xã chậm", "", "".join(
        f'<a href="/bai-{i}">Bài {i}</a>' for i in range(60))).encode(), 0.5),
        "/bai-1": Reply(200, HTML, page("Bài chậm").encode(), 1.5)} | {
        f"/bai-{i}": Reply(200, HTML, page(f"Bài {i}").encode(), 1.5) for i in range(60)}),
            "partial", None, slow=True)
        add("F-hang", RoutedSite({"/": lambda p, h: HANG}), "unreachable", "timeout")
    add("F-reset", RoutedSite({"/": lambda p, h: RESET}), "unreachable", "connection_reset", shared)
    add("F-429-then-ok", RoutedSite({"/": lambda p, h: Reply(429, [("Retry-After", "1")], b"") if h <= 2
                                     else Reply(200, HTML, page("Xã bận", "", '<a href="/a">A</a>').encode()),
                                     "/a": page("A")}), "ok", None, shared)
    add("F-429", RoutedSite({"/": Reply(429, [("Retry-After", "1"), *HTML], b"Too many")}), "blocked", "http_status")
    add("F-503", RoutedSite({"/": Reply(503, [("Retry-After", "1"), *HTML], b"Busy")}), "unreachable", "http_status")
    add("F-403", RoutedSite({"/": Reply(403, HTML, b"<h1>Forbidden</h1>")}), "blocked", "http_status", shared)
    add("F-pdf-home", RoutedSite({"/": Reply(200, [("Content-Type", "application/pdf")], b"%PDF-1.4 ...")}),
        "unreachable", "not_html")
    add("F-redirect-loop", RoutedSite({"/": Reply(302, [("Location", "/a")]), "/a": Reply(302, [("Location", "/b")]),
                                       "/b": Reply(302, [("Location", "/a")])}), "unreachable", "redirect_loop")
    add("F-50mb", RoutedSite({"/": page("Xã nặng", "", '<a href="/bao-cao">Báo cáo</a><a href="/a">A</a>'),
                              "/a": page("A"), "/bao-cao": lambda p, h: Reply(200, HTML, _stream(50_000_000))}),
        "partial", "too_large", big="/bao-cao")
    bomb = _bomb()
    add("F-gzip-bomb", RoutedSite({"/": page("Xã bom", "", '<a href="/bom">Bom</a>'),
                                   "/bom": Reply(200, [*HTML, ("Content-Encoding", "gzip")], bomb)}),
        "partial", "decompression_bomb", big="/bom")
    add("F-calendar", RoutedSite({"/": page("Xã lịch", "", '<a href="/lich-cong-tac?ngay=1&thang=1&nam=2025">Lịch</a>'
                                                     '<a href="/gioi-thieu">Giới thiệu</a>'),
                                  "/gioi-thieu": page("Giới thiệu"), "/lich-cong-tac": _calendar}),
        "partial", "trap")
    add("F-session-ids", RoutedSite({"/": _sessions} | {f"/muc-{i}": page(f"Mục {i}") for i in range(6)}),
        "ok", None, shared)
    add("F-cp1258", RoutedSite(_legacy(encode_cp1258, "windows-1258", "Thong bao")), "ok", None, encoding="windows-1258")
    add("F-tcvn3", RoutedSite(_legacy(encode_tcvn3, "iso-8859-1", "TCVN3")), "ok", None, legacy="tcvn3")
    add("F-robots-section", RoutedSite(
        {"/": page("Xã riêng tư", "", '<a href="/noi-bo/a">Nội bộ</a><a href="/noi-bo/b">Nội bộ 2</a>'
                                      '<a href="/cong-khai">Công khai</a>'),
         "/noi-bo/a": page("Nội bộ"), "/noi-bo/b": page("Nội bộ"), "/cong-khai": page("Công khai")},
        robots="User-agent: *\nDisallow: /noi-bo/\n"), "ok", None, disallowed="/noi-bo/")
    add("F-robots-home", RoutedSite({"/": page("Xã đóng")}, robots="User-agent: *\nDisallow: /\n"),
        "blocked", "robots")
    # A DotNetNuke and a JavaScript-menu portal from the generator, each on its own address.
    js_ip = next(ips)
    js_site, js_url = _generated(server, "F-js-menu", "provincial", js_ip, think, js_menu=True)
    twin = Portal(replace(js_site.portal.spec, js_menu=False))
    twin.origin = js_site.portal.origin
    portals.append(FarmPortal("F-js-menu", js_url, "ok", None, site=js_site, render_twin=twin))
    tls_ip = next(ips)
    tls_port = server.add("F-tls", RoutedSite({"/": page("Xã TLS")}), tls_ip, tls=self_signed_context())
    portals.append(FarmPortal("F-tls", f"https://{tls_ip}:{tls_port}/", "unreachable", "tls"))
    portals.append(FarmPortal("F-dns", "http://ubnd-xa-khong-ton-tai.invalid/", "unreachable", "dns"))
    portals.append(FarmPortal("F-refused", f"http://127.0.0.1:{closed_port()}/", "unreachable", "connect_refused"))
    return portals


SMALL_PORTAL_SECTIONS = ("introduction", "organization", "leaders", "news", "direction", "legal_documents", "qa",
                         "contact")
"""The sections of a small commune portal (about a dozen pages): enough for every kind of check to run."""


def build_hosting_farm(server: FarmServer, healthy: int = 36, per_address: int = 5, think: float = 0.02,
                       loopback_portals: int = 6, faulty: bool = True, small: bool = True,
                       loopback_think: float | None = None) -> list[FarmPortal]:
    """Generated portals hosted the way provinces host communes: several per server address.

    ``loopback_portals`` portals share 127.0.0.1 under two host names (``localhost`` and ``127.0.0.1``, so a
    per-IP limit above the per-host one is what binds there); the others come ``per_address`` to an address
    of 127.0.0.0/8. With ``faulty``, four broken portals follow: DNS, TLS and refused (permanent failures)
    and a connection reset (transient). ``small`` portals have only ``SMALL_PORTAL_SECTIONS``. Used by the
    distributed-mode test and ``bench/scale.py``. ``loopback_think`` (default ``think``) slows the portals of
    127.0.0.1, so that their requests overlap and the per-IP limit is reached there.
    """
    extra: dict[str, object] = {}
    if small:
        extra["sections"] = {k: SectionState.PRESENT for k in SMALL_PORTAL_SECTIONS}
    portals: list[FarmPortal] = []
    ips = (f"127.0.0.{n}" for n in itertools.count(20))
    ip = "127.0.0.1"
    for n in range(healthy):
        if n < loopback_portals:
            ip, host = "127.0.0.1", ("localhost" if n % 2 == 0 else None)
        else:
            if (n - loopback_portals) % per_address == 0:
                ip = next(ips)
            host = None
        code = f"H{n:03d}"
        slow = loopback_think if n < loopback_portals and loopback_think is not None else think
        site, url = _generated(server, code, STYLES[n % len(STYLES)], ip, slow, host, **extra)
        portals.append(FarmPortal(code, url, "ok", healthy=True, site=site, notes={"ip": ip}))
    if faulty:
        reset_ip = next(ips)
        port = server.add("F-reset", RoutedSite({"/": lambda p, h: RESET}), reset_ip)
        portals.append(FarmPortal("F-reset", f"http://{reset_ip}:{port}/", "unreachable", "connection_reset",
                                  notes={"ip": reset_ip}))
        tls_ip = next(ips)
        tls_port = server.add("F-tls", RoutedSite({"/": page("Xã TLS")}), tls_ip, tls=self_signed_context())
        portals.append(FarmPortal("F-tls", f"https://{tls_ip}:{tls_port}/", "unreachable", "tls"))
        portals.append(FarmPortal("F-dns", "http://ubnd-xa-khong-ton-tai.invalid/", "unreachable", "dns"))
        portals.append(FarmPortal("F-refused", f"http://127.0.0.1:{closed_port()}/", "unreachable",
                                  "connect_refused"))
    return portals


def units_csv(portals: list[FarmPortal], path: Path, province: str = "99") -> Path:
    """A units file (PRODUCT.md): a province without a portal and every portal of a farm as one of its communes."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "level", "province_code", "parent_code", "portal_url", "scope"])
        writer.writerow([province, f"Tỉnh Thử Nghiệm {province}", "province", province, "", "", ""])
        for n, portal in enumerate(portals):
            writer.writerow([f"{90000 + n}", f"Xã {portal.name}", "commune", province, province, portal.url, ""])
    return path


def unit_codes(portals: list[FarmPortal]) -> list[str]:
    """The codes ``units_csv`` gives the farm's portals, in order."""
    return [f"{90000 + n}" for n in range(len(portals))]
