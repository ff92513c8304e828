"""One request path, proved against real servers on 127.0.0.1 that count what they receive.

- A whole audit (crawl, robots.txt, sitemaps, HTTPS check, search, link statuses, real Chromium for the
  mobile and axe probes and the evidence screenshots) keeps every portal under ``per_host_concurrency``
  and the server under the per-IP limit, and every request the server received is in the WARC.
- The pipeline gathers only what the selected checks need.
- DNS rebinding: the transport connects to the address the guard vetted, whatever the name says later.
- The audit browser never opens a WebSocket, and a same-site document is address-checked like any other.
"""

from __future__ import annotations

import asyncio
import http.server
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from egov_audit.core.failures import FailureClass
from egov_audit.crawler import HostLimiter, Request, Sender, make_client
from egov_audit.crawler.browser import Browser, resolve_executable
from egov_audit.crawler.failures import FetchRefused
from egov_audit.crawler.probes import https_probe
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.settings import BrowserSettings, CrawlerSettings
from egov_audit.services.audit import AuditOptions, audit
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import units_repo
from egov_audit.storage.db import session
from tests.crawlfarm.hosting import HostingServer, build_portal, hosts_file_for

HOSTS = ("xa-mot.tinh-thu.gov.vn", "xa-hai.tinh-thu.gov.vn")
CHROMIUM = resolve_executable(BrowserSettings()) is not None


@pytest.fixture
def hosting() -> Iterator[HostingServer]:
    rng = random.Random(3)
    server = HostingServer([build_portal(h, rng, articles=2, page_kb=3, think=0.02) for h in HOSTS], capacity=100)
    try:
        yield server
    finally:
        server.close()


def workspace(tmp_path: Path, server: HostingServer, **crawler: object) -> Workspace:
    hosts = tmp_path / "hosts"
    hosts.write_text(hosts_file_for(list(server.portals)), encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data")
    values: dict[str, object] = dict(allow_private_networks=True, hosts_file=str(hosts), delay_seconds=0.0,
                                     per_host_concurrency=1, per_ip_concurrency=2, adaptive_ip_concurrency=False,
                                     timeout_seconds=10.0, retries=0, incremental=False)
    values.update(crawler)
    for key, value in values.items():
        setattr(settings.crawler, key, value)
    settings.browser.navigation_timeout_seconds = 20
    settings.browser.idle_wait_seconds = 0.2
    ws = Workspace.open(settings)
    with session(ws.engine) as s:
        units_repo.upsert_units(s, [units_repo.UnitRow(f"9{n}", f"Xã {n}", "commune", "99", None, server.url(h))
                                    for n, h in enumerate(server.portals)])
    return ws


def warc_requests(ws: Workspace, run_id: str) -> Counter[tuple[str, str, str]]:
    """(host, method, path) of every request record of the run's WARC files."""
    seen: Counter[tuple[str, str, str]] = Counter()
    for path in sorted((ws.warc_dir / run_id).glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request":
                    headers = record.http_headers
                    method, target = headers.protocol, headers.statusline.split(" ", 1)[0]
                    seen[(headers.get_header("Host").split(":")[0], method, target)] += 1
    return seen


@pytest.mark.skipif(not CHROMIUM and __import__("os").environ.get("CI") != "true", reason="no Chromium")
async def test_every_exchange_of_an_audit_respects_the_limits_and_is_in_the_warc(
        tmp_path: Path, hosting: HostingServer) -> None:
    ws = workspace(tmp_path, hosting)
    outcome = await audit(ws, AuditOptions(all_units=True, use_browser=True, screenshots=True))
    assert {u.crawl_status for u in outcome.units} == {"ok"}, [(u.code, u.error) for u in outcome.units]
    log = hosting.stats.log
    paths = Counter(path.split("?", 1)[0] for _, _, path in log)
    # Every kind of exchange happened: pages, robots.txt, sitemaps, the HTTPS check's plain-HTTP request
    # (beside the crawl's own "/"), the search submission, link statuses (HEAD), the browser's assets.
    assert paths["/robots.txt"] >= 2 and paths["/sitemap.xml"] >= 2 and paths["/tim-kiem"] >= 2
    assert any(method == "HEAD" for _, method, _ in log)
    assert paths["/style.css"] >= 2 and paths["/logo.png"] >= 2  # only Chromium asks for those
    assert any("Chrome" in agent for agent in hosting.stats.agents)
    assert not any(host.endswith("example.com") for host, _, _ in log)  # the third-party tracker: blocked
    # Politeness held on every path, the browser's included.
    assert max(hosting.stats.peak_host.values()) <= 1
    assert hosting.stats.peak_ip <= 2
    stats = outcome.politeness
    assert max(h.peak_in_flight for h in stats.hosts.values()) <= 1
    # The limiter counted them all (and the HTTPS attempts, which a plain-HTTP server cannot log).
    assert stats.ips["127.0.0.1"].peak_in_flight <= 2 and stats.ips["127.0.0.1"].requests >= len(log)
    # Every request the server answered is in the WARC, once; and nothing else is.
    assert warc_requests(ws, outcome.run_id) == Counter(log)


async def test_the_pipeline_gathers_only_what_the_selected_checks_need(tmp_path: Path, hosting: HostingServer) -> None:
    ws = workspace(tmp_path, hosting)
    outcome = await audit(ws, AuditOptions(all_units=True, use_browser=CHROMIUM, screenshots=False,
                                           check_ids=["tech.https"]))
    assert {len(u.findings) for u in outcome.units} == {1}
    log = hosting.stats.log
    # The home page and its robots.txt; the HTTPS check reuses the crawl's answer for http://host/ and
    # its https:// attempt never reaches a plain-HTTP server's log. Nothing else.
    assert sorted(Counter(path for _, _, path in log).items()) == [("/", 2), ("/robots.txt", 2)]
    assert not any("Chrome" in agent for agent in hosting.stats.agents)  # no browser work was asked for
    with session(ws.engine) as s:
        from egov_audit.storage import runs_repo

        crawl = runs_repo.unit_crawl(s, outcome.run_id, "90")
        assert crawl is not None and sorted(runs_repo.probes_of(s, crawl)) == ["https"]


# --------------------------------------------------------------------------- DNS rebinding


def _server(address: str, body: bytes = b"<html><body>ok</body></html>", port: int = 0) -> http.server.ThreadingHTTPServer:
    """A server on ``address`` answering ``body`` to every GET and logging the paths asked for."""

    class Logged(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            server.hits.append(self.path)  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer((address, port), Logged)
    server.hits = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def test_dns_rebinding_never_reaches_the_address_the_name_turns_to(monkeypatch: pytest.MonkeyPatch) -> None:
    public = _server("127.0.0.2")
    port = public.server_address[1]
    internal = _server("127.0.0.3", b"<p>secret</p>", port)  # the same port: a connection there would succeed
    try:
        # The name was vetted as 127.0.0.2 ("public"); from now on the name answers 127.0.0.3 ("internal").
        real_getaddrinfo = socket.getaddrinfo

        def rebinding(host: object, *args: object, **kwargs: object) -> object:
            if host == "rebind.tinh-thu.gov.vn":
                return real_getaddrinfo("127.0.0.3", *args, **kwargs)  # type: ignore[arg-type]
            return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(loop, "getaddrinfo", lambda host, *a, **k: loop.run_in_executor(None, lambda: rebinding(host, *a, **k)))
        settings = CrawlerSettings(allow_private_networks=True, retries=0)
        resolver = Resolver(True, {"rebind.tinh-thu.gov.vn": ["127.0.0.2"]})
        async with make_client(settings) as client:
            sender = Sender(client, settings, limiter=HostLimiter(), resolver=resolver)
            for _ in range(3):
                response = await sender.send(Request(f"http://rebind.tinh-thu.gov.vn:{port}/trang", robots="ignore"))
                assert response.status == 200 and response.ip == "127.0.0.2"
            probe = await https_probe(f"rebind.tinh-thu.gov.vn:{port}", sender)
        assert probe["http_status"] == 200
        assert public.hits.count("/trang") == 3 and internal.hits == []  # type: ignore[attr-defined]
    finally:
        public.shutdown()
        internal.shutdown()


async def test_a_request_without_a_vetted_address_is_never_sent() -> None:
    settings = CrawlerSettings(allow_private_networks=True)
    server = _server("127.0.0.1")
    try:
        async with make_client(settings) as client:
            with pytest.raises(Exception, match="no vetted address"):
                await client.get(f"http://127.0.0.1:{server.server_address[1]}/")
        assert server.hits == []  # type: ignore[attr-defined]
        with pytest.raises(TypeError):
            Sender(__import__("httpx").AsyncClient(), settings, limiter=HostLimiter())  # not a pinning client
    finally:
        server.shutdown()


# --------------------------------------------------------------------------- the browser's requests


class _Refusing(Resolver):
    """Loopback is allowed (the test portal lives there) except 127.0.0.9, standing for an internal host."""

    async def check(self, host: str, port: int) -> str:
        address = await super().check(host, port)
        if address == "127.0.0.9":
            raise FetchRefused(FailureClass.PRIVATE_ADDRESS, f"{host} resolves to {address}")
        return address


@pytest.mark.skipif(not CHROMIUM and __import__("os").environ.get("CI") != "true", reason="no Chromium")
async def test_browser_opens_no_websocket_and_vets_same_site_documents(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted: list[object] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept())
            except TimeoutError:
                continue
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    internal = _server("127.0.0.9", b"<p>noi bo</p>")
    ws_port = listener.getsockname()[1]
    html = (f"<html><body><h1>Cổng xã</h1><iframe src='http://noi-bo.tinh-thu.gov.vn:{internal.server_address[1]}/'>"
            "</iframe><script>for (let i = 0; i < 5; i++) { try { new WebSocket('ws://127.0.0.1:" + str(ws_port)
            + "/'); new WebSocket('ws://cong.tinh-thu.gov.vn:" + str(ws_port) + "/'); } catch (e) {} }</script>"
            "</body></html>")
    page = _server("127.0.0.1", html.encode())
    settings = CrawlerSettings(allow_private_networks=True, retries=0)
    resolver = _Refusing(True, {"cong.tinh-thu.gov.vn": ["127.0.0.1"], "noi-bo.tinh-thu.gov.vn": ["127.0.0.9"]})
    try:
        async with make_client(settings) as client, Browser(BrowserSettings(idle_wait_seconds=0.5)) as browser:
            sender = Sender(client, settings, limiter=HostLimiter(), resolver=resolver)
            rendered = await browser.render_result(f"http://cong.tinh-thu.gov.vn:{page.server_address[1]}/", sender)
            assert "Cổng xã" in (rendered.get("html") or ""), rendered
            await asyncio.sleep(0.5)
        assert accepted == []  # no WebSocket handshake reached the listener, same host or not
        assert internal.hits == []  # type: ignore[attr-defined]  # the same-site frame was address-checked
        assert page.hits == ["/"]  # type: ignore[attr-defined]
    finally:
        listener.close()
        internal.shutdown()
        page.shutdown()
