"""Serves the sample province on 127.0.0.1: one small HTTP server per portal host, on ephemeral ports.

``DemoProvince`` starts a ``ThreadingHTTPServer`` in a daemon thread for each host (a district portal
and the commune sub-site living under one of its paths share a host), keeps one port bound but *not
listening* for the portal that is "down" (connections to it are refused, and no other process can take
the port meanwhile), writes the units file and the sample survey with the real URLs, and records every
request each portal receives so tests can verify the auditor's politeness. Only loopback is touched.

    with DemoProvince() as province:
        province.units_csv(tmp / "units.csv")
        province.survey_csv(tmp / "survey.csv", year=2024)
        ...
"""

from __future__ import annotations

import csv
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from egov_audit.demo.province import PROVINCE_CODE, SURVEY_FIELDS, UnitDef, sample_units
from egov_audit.demo.sitegen import Portal, RequestRecord, Response, vn_today

UNITS_COLUMNS = ("code", "name", "level", "province_code", "parent_code", "portal_url", "scope")
MAX_BODY = 1_000_000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are closed after this many seconds so threads do not pile up.
    timeout = 30
    server: _HostServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACKs stall every
        # keep-alive response by ~40 ms, which would make the demo's response-time figures look bad.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return self.server.root.style.server_header

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        """Silence the default stderr access log; requests are recorded in ``Portal.request_log``."""

    def _serve(self, method: str) -> None:
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(min(length, MAX_BODY))
        portal = self.server.route(self.path)
        try:
            response = portal.handle(method if method != "HEAD" else "GET", self.path, self.server.today())
        except Exception as exc:  # a bug in the generator must show as a 500, not kill the connection
            response = Response(500, f"Internal error: {exc}".encode(), "text/plain; charset=utf-8")
        portal.log(RequestRecord(method, self.path, self.headers.get("User-Agent", ""), time.time(), response.status))
        self.send_response(response.status)
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if portal.style.name == "nukeviet":
            self.send_header("X-Powered-By", "PHP/7.4.33")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")


class _HostServer(ThreadingHTTPServer):
    """One host (ip:port) serving a root portal and the sub-site portals under its paths."""

    daemon_threads = True
    # Do not wait for open keep-alive connections when closing: stop() must be quick.
    block_on_close = False

    def __init__(self, bind: str, root: Portal, today: Callable[[], date]) -> None:
        super().__init__((bind, 0), _Handler)
        self.root = root
        self.today = today

    def route(self, target: str) -> Portal:
        path = target.split("?", 1)[0]
        for portal in sorted(self.root.subsites, key=lambda p: len(p.base_path), reverse=True):
            if portal.owns(path):
                return portal
        return self.root


class DemoProvince:
    """The sample province served on loopback. Use as a context manager, or call ``start``/``stop``."""

    def __init__(self, units: Sequence[UnitDef] | None = None, today: date | Callable[[], date] | None = None,
                 bind: str = "127.0.0.1") -> None:
        self.units: list[UnitDef] = list(units) if units is not None else sample_units()
        if today is None:
            self._today: Callable[[], date] = vn_today
        elif isinstance(today, date):
            self._today = lambda: today
        else:
            self._today = today
        self.bind = bind
        self.portals: dict[str, Portal] = {}
        self.urls: dict[str, tuple[str, str]] = {}
        """Per unit code: (portal_url, scope) as written to the units file."""
        self._servers: list[_HostServer] = []
        self._threads: list[threading.Thread] = []
        self._closed_sockets: list[socket.socket] = []
        self._started = False

    # -- lifecycle

    def start(self) -> DemoProvince:
        if self._started:
            return self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def _start(self) -> None:
        hosts: dict[str, _HostServer] = {}
        for unit in self.units:
            if unit.hosting == "own":
                assert unit.spec is not None, unit.code
                portal = Portal(unit.spec)
                server = _HostServer(self.bind, portal, self._today)
                portal.origin = f"http://{self.bind}:{server.server_address[1]}"
                hosts[unit.code] = server
                self._servers.append(server)
                self.portals[unit.code] = portal
                # The units file lists the bare host: a Liferay host answers it with a redirect.
                self.urls[unit.code] = (portal.origin + "/", "")
        for unit in self.units:
            if unit.hosting == "subsite":
                assert unit.spec is not None and unit.host_code in hosts, unit.code
                root = hosts[unit.host_code].root
                portal = Portal(unit.spec, base_path=f"/web/{unit.spec.site}/")
                portal.origin = root.origin
                root.subsites.append(portal)
                self.portals[unit.code] = portal
                self.urls[unit.code] = (portal.base_url, portal.base_url)
            elif unit.hosting == "down":
                # Bound but not listening: the kernel refuses connections, and the port stays ours.
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.bind((self.bind, 0))
                self._closed_sockets.append(sock)
                self.urls[unit.code] = (f"http://{self.bind}:{sock.getsockname()[1]}/", "")
            elif unit.hosting == "none":
                self.urls[unit.code] = ("", "")
            elif unit.hosting != "own":
                raise ValueError(f"{unit.code}: unknown hosting {unit.hosting!r}")
        # A district portal links to its communes' sites (other hosts or sub-sites), as real ones do.
        for unit in self.units:
            if unit.level == "district" and unit.code in self.portals:
                self.portals[unit.code].related_links = [
                    (child.name, self.urls[child.code][0]) for child in self.units
                    if child.parent_code == unit.code and self.urls.get(child.code, ("",))[0]]
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"demo-portal-{server.server_address[1]}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for sock in self._closed_sockets:
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads, self._closed_sockets = [], [], []
        self._started = False

    def __enter__(self) -> DemoProvince:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- lookups

    def unit(self, code: str) -> UnitDef:
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(code)

    def portal(self, code: str) -> Portal:
        """The live portal of a unit (KeyError for units that are down or have none)."""
        return self.portals[code]

    def portal_url(self, code: str) -> str:
        return self.urls[code][0]

    def scope(self, code: str) -> str:
        return self.urls[code][1]

    @property
    def request_log(self) -> dict[str, list[RequestRecord]]:
        """Requests received so far, per unit code (a copy)."""
        return {code: portal.requests() for code, portal in self.portals.items()}

    def post_counts(self) -> dict[str, int]:
        return {code: portal.post_count for code, portal in self.portals.items()}

    # -- files

    def units_csv(self, path: str | Path) -> Path:
        """Write the units file (PRODUCT.md columns) with the live URLs; needs ``start()`` first."""
        self._require_started()
        path = Path(path)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(UNITS_COLUMNS)
            for unit in self.units:
                portal_url, scope = self.urls[unit.code]
                writer.writerow((unit.code, unit.name, unit.level, PROVINCE_CODE, unit.parent_code, portal_url, scope))
        return path

    def survey_csv(self, path: str | Path, year: int = 2024) -> Path:
        """Write the sample survey (one row per unit that returned one); CRITERIA §3 columns."""
        path = Path(path)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("unit_code", "year", *SURVEY_FIELDS))
            for unit in self.units:
                if unit.survey is not None:
                    writer.writerow((unit.code, year, *(unit.survey.get(f, "") for f in SURVEY_FIELDS)))
        return path

    def _require_started(self) -> None:
        if not self._started:
            raise RuntimeError("DemoProvince is not started: the URLs are only known once it listens")
