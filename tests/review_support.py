"""A province for the review app's tests: real units of the sample province, two audit runs, stored pages
with script payloads and the resources they refer to, screenshots, survey answers that disagree with the
portals, scores, users; the app served by uvicorn on 127.0.0.1, and a "canary" server standing for the
outside world (any request that reaches it is a leak).
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import uvicorn

from egov_audit.checks import CHECK_IDS
from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, Evidence, Finding, Status
from egov_audit.review import create_app
from egov_audit.review.app import server_config
from egov_audit.services.accounts import add_user
from egov_audit.services.scoring import score
from egov_audit.services.workspace import Workspace
from egov_audit.storage import findings_repo, pages_repo, runs_repo, surveys_repo, units_repo
from egov_audit.storage.db import session

PASSWORDS = {"vy": "viewer-password-1", "rex": "reviewer-password-1", "ada": "admin-password-12"}
YEAR = 2024
DISTRICT, TAM_GIANG, YEN_TRUNG, VAN_MON = "258", "09202", "09205", "09238"
FAILING = {
    TAM_GIANG: {"interact.qa", "interact.question_form", "info.plans", "info.budget", "service.payment",
                "info.english", "tech.https"},
    YEN_TRUNG: {"service.payment", "info.english"},
    VAN_MON: {"info.plans", "fresh.news", "interact.consultation"},
    DISTRICT: {"info.statistics"},
}
"""Checks that fail in the latest run; everything else passes."""
SURVEY_CLAIMS = {
    TAM_GIANG: {"publishes_qa": True, "it_plan": True, "publishes_budget": True},
    YEN_TRUNG: {"online_payment": True},
    VAN_MON: {"it_plan": True},
}
"""Yes-claims the portal contradicts (each an ``overclaimed`` cross-check)."""


def png(width: int = 40, height: int = 20, rgb: tuple[int, int, int] = (11, 83, 148)) -> bytes:
    """A real PNG made without an imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Canary:
    """An HTTP server on loopback that records every request: the stand-in for "the outside"."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"leak")

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.hits = hits
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def payload_page(canary: str) -> str:
    """A crawled page that tries everything a page can do to run code or call out."""
    return f"""<!doctype html><html><head>
<title>Hỏi đáp <script>alert('title')</script></title>
<meta http-equiv="refresh" content="0;url={canary}/refresh">
<link rel="stylesheet" href="/static/site.css">
<link rel="stylesheet" href="{canary}/evil.css">
<link rel="preload" href="{canary}/preload" as="image">
<style>@import "{canary}/import.css"; .hero {{ background: url({canary}/bg.png) }}</style>
<script>fetch('{canary}/script'); console.log('script ran')</script>
</head><body onload="alert('onload')">
<h1 class="hero">Hỏi đáp trực tuyến</h1>
<img id="logo" src="/static/logo.png" alt="logo">
<img src="{canary}/img.png" onerror="alert('onerror')" srcset="{canary}/srcset.png 2x">
<img src="x" onerror="console.log('onerror ran')">
<a href="javascript:alert('js-link')">javascript link</a>
<a href="/hoi-dap/cau-1">Câu hỏi 1</a>
<iframe srcdoc="<script>parent.alert('srcdoc')</script>"></iframe>
<iframe src="{canary}/frame"></iframe>
<object data="{canary}/object"></object><embed src="{canary}/embed">
<svg onload="alert('svg')"><a href="{canary}/svg-link"><text y="20">svg</text></a></svg>
<video poster="{canary}/poster.png"></video>
<form action="{canary}/form" method="post"><input name="q"><button formaction="{canary}/formaction">Gửi</button></form>
<div style="background-image: url({canary}/inline.png)">inline style</div>
<p>Câu hỏi: thủ tục đăng ký khai sinh?</p>
</body></html>"""


XSS = "<script>alert('x')</script><img src=x onerror=alert('y')>"


@dataclass
class Province:
    ws: Workspace
    runs: list[str]
    canary: Canary
    qa_page: int
    shot: str
    units: dict[str, str] = field(default_factory=dict)

    @property
    def latest(self) -> str:
        return self.runs[-1]


def _site(code: str, level: str, url: str) -> CapturedSite:
    site = CapturedSite(unit_code=code, unit_level=level, portal_url=url, scope=None)
    site.crawl_status = CrawlStatus.OK
    site.home_url = url
    return site


def _record(s: Any, ws: Workspace, run_id: str, code: str, url: str, body: bytes, content_type: str) -> Any:
    page = CapturedPage(url=url, final_url=url, status=200, content_type=content_type, encoding="utf-8", depth=1,
                        fetched_at=datetime(2026, 11, 20, 18, 30, tzinfo=UTC))
    return pages_repo.record_page(s, run_id, code, page, {"Content-Type": content_type}, ws.blobs, body)


def _findings(code: str, latest: bool, qa_evidence: list[Evidence], shot: str) -> list[Finding]:
    failing = FAILING.get(code, set()) if latest else set()
    result = []
    for check in CHECK_IDS:
        status = Status.FAIL if check in failing else Status.PASS
        if check == "interact.qa" and code == TAM_GIANG:
            result.append(Finding(check, status, value={"note": XSS}, reason=f"no answers {XSS}", evidence=qa_evidence))
        elif check == "service.levels_shown":
            result.append(Finding(check, status, value=3, evidence=[Evidence(url=f"https://{code}.example.vn/dvc")]))
        else:
            ev = [Evidence(url=f"https://{code}.example.vn/{check}", excerpt=f"{check} {XSS}", screenshot=shot)] \
                if check.startswith("info.") else []
            result.append(Finding(check, status, value=None, reason="section found" if status == Status.PASS else
                                  "no section found", evidence=ev))
    return result


def build_province(ws: Workspace, portals: dict[str, tuple[str, str]] | None = None) -> Province:
    """Units (real codes of the sample province; ``portals`` gives live (portal URL, scope) pairs), two runs,
    stored pages, surveys and scores of 2024 for both tiers, and the users vy (viewer), rex (reviewer) and
    ada (admin)."""
    canary = Canary()
    urls = {code: url for code, (url, _) in (portals or {}).items()}
    scopes = {code: scope or None for code, (_, scope) in (portals or {}).items()}
    shot = ws.blobs.put(png())
    units = [units_repo.UnitRow("27", "Tỉnh Bắc Ninh", "province", "27"),
             units_repo.UnitRow(DISTRICT, "Huyện Yên Phong", "district", "27", "27", urls.get(DISTRICT, "https://yenphong.example.vn/")),
             units_repo.UnitRow(TAM_GIANG, "Xã Tam Giang", "commune", "27", DISTRICT, urls.get(TAM_GIANG, "https://tamgiang.example.vn/"),
                                scopes.get(TAM_GIANG)),
             units_repo.UnitRow(YEN_TRUNG, "Xã Yên Trung", "commune", "27", DISTRICT, urls.get(YEN_TRUNG, "https://yentrung.example.vn/")),
             units_repo.UnitRow(VAN_MON, "Xã Văn Môn", "commune", "27", DISTRICT, urls.get(VAN_MON, "https://vanmon.example.vn/"))]
    runs: list[str] = []
    qa_page = 0
    with session(ws.engine) as s:
        units_repo.upsert_units(s, units)
        for n in range(2):
            run = runs_repo.create_run(s, {}, {})
            latest = n == 1
            for unit in units[1:]:
                base = unit.portal_url or "https://x.example.vn/"
                runs_repo.start_unit_crawl(s, run.id, unit.code)
                evidence: list[Evidence] = []
                if unit.code == TAM_GIANG:
                    qa_url = base.rstrip("/") + "/hoi-dap"
                    page = _record(s, ws, run.id, unit.code, qa_url, payload_page(canary.origin).encode(),
                                   "text/html; charset=utf-8")
                    origin = re.match(r"^https?://[^/]+", base).group(0)
                    _record(s, ws, run.id, unit.code, origin + "/static/site.css",
                            b"h1 { color: rgb(200, 0, 0); } body { background: url(/static/logo.png) }", "text/css")
                    _record(s, ws, run.id, unit.code, origin + "/static/logo.png", png(64, 32, (200, 30, 30)), "image/png")
                    _record(s, ws, run.id, unit.code, qa_url + "/cau-1", b"<html><body><p>Tr\xe1\xba\xa3 l\xe1\xbb\x9di</p></body></html>",
                            "text/html; charset=utf-8")
                    qa_page = page.id
                    evidence = [Evidence(url=qa_url, excerpt=f"Hỏi đáp {XSS}", snapshot=page.body_digest, screenshot=shot,
                                         locator="#qa > a")]
                runs_repo.finish_unit_crawl(s, run.id, _site(unit.code, unit.level, base), [])
                findings_repo.save_findings(s, run.id, unit.code, _findings(unit.code, latest, evidence, shot))
            runs_repo.finish_run(s, run.id, "finished")
            runs.append(run.id)
            time.sleep(0.01)  # runs are ordered by start time
        rows = []
        for code in (TAM_GIANG, YEN_TRUNG, VAN_MON, DISTRICT):
            answers: dict[str, Any] = {"staff_total": 20, "staff_with_computer": 19, "broadband_internet": True,
                                       "special_data_network": True, "security_measures": True, "it_officer": True,
                                       "staff_it_certified": 12, "it_plan": False, "publishes_qa": False,
                                       "publishes_budget": False, "online_payment": False}
            answers.update(SURVEY_CLAIMS.get(code, {}))
            rows += [surveys_repo.SelfReportRow(code, YEAR, k, v) for k, v in answers.items()]
        surveys_repo.add_version(s, file_name="phieu-khao-sat.csv", file_digest="sha256:" + "0" * 64,
                                 file_size=1, sheet=None, rows=rows)
        for name, password in PASSWORDS.items():
            add_user(s, name, password, {"vy": "viewer", "rex": "reviewer", "ada": "admin"}[name])
    score(ws, "qd2392-commune", YEAR)
    score(ws, "qd2392-district", YEAR)
    return Province(ws, runs, canary, qa_page, shot, {u.code: u.name for u in units})


@contextmanager
def serve_app(ws: Workspace, **options: Any) -> Iterator[str]:
    """The review app on a free port of 127.0.0.1; yields its base URL."""
    app = create_app(ws, **options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(server_config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, follow_redirects=False, timeout=30, trust_env=False)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(c: httpx.Client, username: str, password: str | None = None) -> httpx.Response:
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"csrf_token": token, "username": username,
                                  "password": password if password is not None else PASSWORDS[username], "next": "/"})
