"""The shared Chromium gatherer against small pages served on 127.0.0.1 (one browser for the module)."""

from __future__ import annotations

import http.server
import struct
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from egov_audit.crawler import HostLimiter, Sender, make_client
from egov_audit.crawler.browser import Browser, axe_script_path, request_allowed, resolve_executable, site_of
from egov_audit.crawler.settings import BrowserSettings, CrawlerSettings

pytestmark = pytest.mark.skipif(
    resolve_executable(BrowserSettings()) is None, reason="no Chromium binary on this machine"
)

PAGES = {
    "mobile_wide.html": """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Lịch công tác</title></head>
<body><table style="width:900px" border="1"><tr><td>Thứ hai</td><td>Họp giao ban</td></tr></table></body></html>""",
    "mobile_ok.html": """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Giới thiệu</title></head>
<body style="margin:0"><p>Xã Tam Giang nằm ở phía bắc huyện.</p></body></html>""",
    "no_meta.html": """<!doctype html><html><head><meta charset="utf-8"><title>Cũ</title></head>
<body><p>Trang cũ không có thẻ viewport.</p></body></html>""",
    "a11y.html": """<!doctype html><html><head><meta charset="utf-8"><title>Trang chủ</title></head>
<body style="background:#fff">
<a href="/tin-tuc"><img src="/logo.svg" width="40" height="40"></a>
<form><input type="text" name="q"><button type="submit">Tìm</button></form>
<p style="color:#eeeeee;background:#ffffff">Chữ mờ khó đọc</p>
</body></html>""",
    "menu.html": """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Menu</title>
<script>
document.addEventListener('DOMContentLoaded', () => {
  const nav = document.getElementById('menu');
  for (const [href, text] of [['/hoi-dap', 'Hỏi đáp'], ['/gioi-thieu', 'Giới thiệu']]) {
    const a = document.createElement('a'); a.href = href; a.textContent = text; nav.appendChild(a);
  }
});
</script></head><body><nav id="menu"></nav></body></html>""",
    "outline.html": """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Hỏi đáp</title>
<script src="{tracker}"></script></head>
<body style="margin:0;background:#fff">
<div style="height:1200px">Đầu trang</div>
<div id="target" style="width:200px;height:80px;margin-left:100px;background:#ddd">Hỏi đáp</div>
<div style="height:800px"></div>
</body></html>""",
    "logo.svg": """<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"
fill="#036"/></svg>""",
    "tracker.js": "window.__tracked = true;",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    requested: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        _Handler.requested.append(f"{self.headers.get('Host')}{self.path}")
        super().do_GET()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("pages")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(root)))
    port = server.server_address[1]
    for name, text in PAGES.items():
        # "localhost" is another host than 127.0.0.1: it stands for a third-party tracker.
        text = text.replace("{tracker}", f"http://localhost:{port}/tracker.js")
        (root / name).write_text(text, encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    settings = BrowserSettings(max_pages=2, navigation_timeout_seconds=15, idle_wait_seconds=0.5)
    async with Browser(settings) as b:
        yield b


LOOPBACK = CrawlerSettings(allow_private_networks=True, delay_seconds=0.0, retries=0, timeout_seconds=5.0)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(LOOPBACK) as http:
        yield http


@pytest.fixture
def sender(client: httpx.AsyncClient) -> Sender:
    """Every request of the browser goes through a unit's sender; this one may reach 127.0.0.1."""
    return Sender(client, LOOPBACK, limiter=HostLimiter.from_settings(LOOPBACK))


def _decode_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Width, height, unfiltered rows and bytes per pixel of an 8-bit RGB/RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = bpp = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def _is_red(rows: list[bytes], bpp: int, x: int, y: int) -> bool:
    r, g, b = rows[y][x * bpp : x * bpp + 3]
    return r > 200 and g < 60 and b < 60


# -- pure helpers ---------------------------------------------------------------------------------


def test_same_site_static_assets_allowed_third_parties_blocked() -> None:
    host = "yenphong.bacninh.gov.vn"
    assert site_of(host) == "bacninh.gov.vn"
    assert request_allowed(host, "https://yenphong.bacninh.gov.vn/api/menu", "xhr")
    assert request_allowed(host, "https://static.bacninh.gov.vn/site.css", "stylesheet")
    assert not request_allowed(host, "https://static.bacninh.gov.vn/api", "xhr")
    assert not request_allowed(host, "https://www.google-analytics.com/ga.js", "script")
    assert not request_allowed(host, "file:///etc/passwd", "document")
    assert request_allowed("127.0.0.1", "http://127.0.0.1:8000/a.png", "image")
    assert not request_allowed("127.0.0.1", "http://localhost:8000/a.js", "script")


def test_executable_from_settings_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_AUDIT_CHROMIUM", "/opt/env-chromium")
    assert resolve_executable(BrowserSettings(executable_path="/opt/mine")) == "/opt/mine"
    assert resolve_executable(BrowserSettings()) == "/opt/env-chromium"


def test_axe_is_bundled_locally() -> None:
    assert axe_script_path().read_text(encoding="utf-8").lstrip().startswith("/*! axe")


# -- against Chromium -----------------------------------------------------------------------------


async def test_browser_available() -> None:
    assert await Browser.available(BrowserSettings())
    assert not await Browser.available(BrowserSettings(enabled=False))
    assert not await Browser.available(BrowserSettings(executable_path="/nonexistent/chromium"))


async def test_mobile_probe_sees_too_wide_table(browser: Browser, site: str, sender: Sender) -> None:
    result = await browser.mobile_probe(f"{site}/mobile_wide.html", sender)
    assert "error" not in result, result
    assert result["viewport_meta"] == "width=device-width, initial-scale=1"
    assert result["width"] == 390
    assert result["client_width"] == 390
    assert result["scroll_width"] >= 900
    assert result["horizontal_scroll"] is True


async def test_mobile_probe_fitting_page_has_no_horizontal_scroll(browser: Browser, site: str, sender: Sender) -> None:
    result = await browser.mobile_probe(f"{site}/mobile_ok.html", sender)
    assert result["horizontal_scroll"] is False
    assert result["scroll_width"] == result["client_width"] == 390
    missing = await browser.mobile_probe(f"{site}/no_meta.html", sender)
    assert missing["viewport_meta"] is None


async def test_axe_probe_reports_violations_by_impact(browser: Browser, site: str, sender: Sender) -> None:
    result = await browser.axe_probe(f"{site}/a11y.html", sender)
    assert "error" not in result, result
    ids = {v["id"] for v in result["violations"]}
    assert {"image-alt", "label", "color-contrast"} <= ids
    for v in result["violations"]:
        assert isinstance(v["nodes"], int) and v["nodes"] >= 1
        assert v["help"] and v["targets"]
    assert set(result["counts"]) == {"critical", "serious", "moderate", "minor"}
    assert result["counts"]["critical"] >= 1  # image-alt and label are critical in axe 4.x
    assert sum(result["counts"].values()) == len(result["violations"])


async def test_render_returns_dom_after_scripts(browser: Browser, site: str, sender: Sender) -> None:
    html = await browser.render(f"{site}/menu.html", sender)
    assert html is not None
    assert 'href="/hoi-dap"' in html and "Hỏi đáp" in html


async def test_screenshot_outlines_element_in_red(browser: Browser, site: str, sender: Sender) -> None:
    _Handler.requested.clear()
    result = await browser.screenshot_result(f"{site}/outline.html", "#target", sender=sender)
    assert result["error"] is None and result["found"] is True
    width, height, rows, bpp = _decode_png(result["png"])
    assert width == 1280 and height == 1200 + 80 + 800  # full page at the desktop viewport width
    box = result["box"]
    assert (box["x"], box["y"], box["width"], box["height"]) == (100, 1200, 200, 80)
    # The outline (6 px, 2 px away from the box) is red on every side; the page itself has no red.
    mid_y, mid_x = int(box["y"] + box["height"] / 2), int(box["x"] + box["width"] / 2)
    assert _is_red(rows, bpp, int(box["x"]) - 5, mid_y)
    assert _is_red(rows, bpp, int(box["x"] + box["width"]) + 4, mid_y)
    assert _is_red(rows, bpp, mid_x, int(box["y"]) - 5)
    assert _is_red(rows, bpp, mid_x, int(box["y"] + box["height"]) + 4)
    assert not _is_red(rows, bpp, mid_x, mid_y)
    assert not _is_red(rows, bpp, 10, 10)
    # The third-party script was blocked before it left the browser.
    assert not any(r.startswith("localhost") for r in _Handler.requested)
    assert any(r.endswith("/outline.html") for r in _Handler.requested)


async def test_screenshot_without_match_shoots_page_and_says_not_found(browser: Browser, site: str, sender: Sender) -> None:
    result = await browser.screenshot_result(f"{site}/outline.html", "#no-such-element", sender=sender)
    assert result["found"] is False and result["png"][:4] == b"\x89PNG"
    invalid = await browser.screenshot_result(f"{site}/outline.html", "div[[", sender=sender)
    assert invalid["found"] is False and invalid["png"] is not None
    assert "invalid selector" in invalid["error"]


async def test_failures_are_returned_not_raised(browser: Browser, site: str, sender: Sender) -> None:
    dead = "http://127.0.0.1:9/"  # discard port: nothing listens there
    assert "error" in await browser.mobile_probe(dead, sender)
    assert "error" in await browser.axe_probe(dead, sender)
    assert await browser.render(dead, sender) is None
    assert await browser.screenshot(dead, "#x", sender=sender) is None
    refused = await browser.render_result("file:///etc/passwd", sender)
    assert refused["error"].startswith("refused")


async def test_private_addresses_refused_unless_allowed(browser: Browser, site: str, sender: Sender) -> None:
    strict = CrawlerSettings(allow_private_networks=False)
    result = await browser.mobile_probe(f"{site}/mobile_ok.html", Sender(sender.client, strict, limiter=HostLimiter()))
    assert result["error"].startswith("private_address")


async def test_screenshots_off_returns_none(browser: Browser, site: str, sender: Sender) -> None:
    browser.settings.screenshots = False
    try:
        assert await browser.screenshot(f"{site}/outline.html", "#target", sender=sender) is None
    finally:
        browser.settings.screenshots = True


async def test_tall_page_is_cut_to_a_band_around_the_element(browser: Browser, site: str, sender: Sender) -> None:
    browser.settings.max_screenshot_height = 1000
    try:
        result = await browser.screenshot_result(f"{site}/outline.html", "#target", sender=sender)
    finally:
        browser.settings.max_screenshot_height = BrowserSettings().max_screenshot_height
    width, height, rows, bpp = _decode_png(result["png"])
    assert height == 1000
    box = result["box"]
    assert 0 < box["y"] < 1000
    assert _is_red(rows, bpp, int(box["x"]) - 5, int(box["y"] + box["height"] / 2))
