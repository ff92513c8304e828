"""Unit tests of the crawler's policy pieces: URLs, scope, decoding, traps, politeness, safety, probes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from egov_audit.core.bodies import decode_body, detect_legacy_font_encoding
from egov_audit.core.urls import Scope, normalize_url
from egov_audit.crawler import Sender, make_client
from egov_audit.crawler.frontier import Frontier, trap_reason
from egov_audit.crawler.links import extract_links, is_skipped_file
from egov_audit.crawler.politeness import HostLimiter, parse_retry_after
from egov_audit.crawler.probes import dns_probe, https_probe
from egov_audit.crawler.safety import is_forbidden_address
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.crawler.sitemap import parse_sitemap
from tests.test_crawler_farm import Farm, encode_cp1258, encode_tcvn3, encode_vni, page

PHRASE = "Ủy ban nhân dân xã Tân Hòa thông báo lịch tiếp công dân định kỳ của Chủ tịch"


def test_normalize_url() -> None:
    n = normalize_url
    assert n("HTTP://Example.GOV.vn:80/a/./b/../c?b=2&a=1#top") == "http://example.gov.vn/a/c?a=1&b=2"
    assert n("https://x.gov.vn:443") == "https://x.gov.vn/"
    assert n("http://x.gov.vn:8080/") == "http://x.gov.vn:8080/"
    assert n("/tin-tuc?utm_source=fb&utm_medium=x&fbclid=1&gclid=2&id=5", "http://x.gov.vn/") == "http://x.gov.vn/tin-tuc?id=5"
    assert n("http://x.gov.vn/p;jsessionid=ABC123?PHPSESSID=9&sid=1&sessionid=2&ASP.NET_SessionId=3") == "http://x.gov.vn/p"
    assert n("http://x.gov.vn/(S(abcdef123))/default.aspx") == "http://x.gov.vn/default.aspx"
    assert n("http://x.gov.vn/tin tức") == "http://x.gov.vn/tin%20t%E1%BB%A9c"
    assert n("mailto:ubnd@x.gov.vn") is None and n("javascript:void(0)") is None


def test_scope_www_and_exclusions() -> None:
    district = Scope.build("http://huyen.gov.vn/", None, ["http://huyen.gov.vn/xa-an-binh"])
    assert district.contains("https://www.huyen.gov.vn/tin-tuc")
    assert not district.contains("http://huyen.gov.vn/xa-an-binh/tin")
    assert district.contains("http://huyen.gov.vn/xa-an-binh-2/")  # prefix without slash is a path segment
    assert not district.contains("http://tinh.gov.vn/")
    commune = Scope.build("http://huyen.gov.vn/", "https://huyen.gov.vn/xa-an-binh/", [])
    assert commune.contains("http://www.huyen.gov.vn/xa-an-binh/lien-he")
    assert not commune.contains("http://huyen.gov.vn/tin-tuc")


def test_decoding_order_and_nfc() -> None:
    meta = b'<meta charset="windows-1258">' + encode_cp1258("Hòa")
    assert decode_body(meta, "text/html").encoding == "windows-1258"
    # Header wins over meta; a wrong utf-8 declaration falls through to the next evidence.
    wrong = b'<meta charset="windows-1258">' + encode_cp1258("Tân Hòa")
    assert decode_body(wrong, "text/html; charset=utf-8").encoding == "windows-1258"
    nfd = "Hòa".encode().replace("ò".encode(), "o\u0300".encode())
    assert decode_body(nfd, "text/html; charset=utf-8").text == "Hòa"
    guessed = decode_body(("<p>" + PHRASE * 5 + "</p>").encode("utf-8"), None)
    assert PHRASE in guessed.text


def test_legacy_font_detection() -> None:
    assert detect_legacy_font_encoding(encode_tcvn3(PHRASE).decode("cp1252")) == "tcvn3"
    assert detect_legacy_font_encoding(encode_vni(PHRASE)) == "vni"
    assert detect_legacy_font_encoding("<p>" + encode_vni(PHRASE) + "</p>") == "vni"
    # No false alarms on real Vietnamese, copyright signs or foreign names.
    assert detect_legacy_font_encoding(PHRASE * 3) is None
    assert detect_legacy_font_encoding("Bản quyền © 2025 UBND. Müller® Schröder Søren hợp tác. " * 2) is None
    assert detect_legacy_font_encoding("<script>var x='nh©n d©n x·';</script><p>Trang chủ</p>") is None


def test_links_nav_and_files() -> None:
    html = page("Trang chủ", '<a href="/bai-1">Bài 1</a><a href="/gioi-thieu">Giới thiệu</a>',
                '<a href="/gioi-thieu">Giới thiệu</a><a href="/lien-he"><img alt="Liên hệ"></a>')
    links = {link.url: link for link in extract_links(html, "http://x.gov.vn/")}
    assert links["http://x.gov.vn/gioi-thieu"].nav and not links["http://x.gov.vn/bai-1"].nav
    assert links["http://x.gov.vn/lien-he"].text == "Liên hệ"
    assert is_skipped_file("http://x.gov.vn/files/QD-123.PDF") and not is_skipped_file("http://x.gov.vn/a.aspx")


def test_trap_rules() -> None:
    assert trap_reason("http://x.gov.vn/lich?ngay=1&thang=2&nam=2025", 2) == "calendar"
    assert trap_reason("http://x.gov.vn/a/b/a/b/a/b", 2) == "repeating path segments"
    assert trap_reason("http://x.gov.vn/tin-tuc/2025/01", 2) is None
    frontier = Frontier(max_pages=20, max_query_variants=3, trap_share=0.1, max_repeated_segments=2)
    results = [frontier.add(f"http://x.gov.vn/tim?page={i}", 1, False, None, None) for i in range(8)]
    assert results[:3] == [None, None, None]
    # Two more variants fit in the trap budget (10% of 20 pages, at least 2); the rest are refused.
    assert frontier.trap_budget == 2
    assert results[3:] == [None, None] + ["too many query variants"] * 3
    assert len(frontier) == 3 + frontier.trap_budget
    frontier.add("http://x.gov.vn/b", 2, False, None, None)
    frontier.add("http://x.gov.vn/a", 2, True, None, None)
    order = [frontier.pop().url for _ in range(len(frontier))]
    assert order.index("http://x.gov.vn/a") < order.index("http://x.gov.vn/b")


def test_retry_after_and_safety() -> None:
    now = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 01 Jan 2025 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon") is None
    for bad in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "169.254.169.254", "::1", "fe80::1",
                "224.0.0.1", "0.0.0.0", "100.64.0.1", "::ffff:127.0.0.1", "240.0.0.1"):
        assert is_forbidden_address(bad), bad
    for good in ("203.162.0.1", "14.225.0.1", "2001:ee0::1"):
        assert not is_forbidden_address(good), good


async def test_host_limiter_shares_ip_between_hosts() -> None:
    limiter = HostLimiter(per_host=2, per_ip=1)
    inflight = peak = 0

    async def hit(host: str) -> None:
        nonlocal inflight, peak
        async with limiter.slot(host, "203.162.0.1", 0.0):
            inflight += 1
            peak = max(peak, inflight)
            await asyncio.sleep(0.005)
            inflight -= 1

    await asyncio.gather(*(hit(h) for h in ("xa-a.gov.vn", "xa-b.gov.vn") * 3))
    assert peak == 1


async def test_host_limiter_spaces_starts() -> None:
    fake_now = [100.0]
    limiter = HostLimiter(clock=lambda: fake_now[0])
    async with limiter.slot("x.gov.vn", None, 5.0):
        pass
    limiter.pause("x.gov.vn", 30.0)
    assert limiter._next_start["x.gov.vn"] == 130.0


def test_sitemap_parsing() -> None:
    urls, children, err = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> http://x.gov.vn/a </loc></url></urlset>')
    assert urls == ["http://x.gov.vn/a"] and children == [] and err is None
    urls, children, err = parse_sitemap(b"<sitemapindex><sitemap><loc>http://x.gov.vn/s1.xml</loc></sitemap></sitemapindex>")
    assert children == ["http://x.gov.vn/s1.xml"]
    assert parse_sitemap(b"<html><body>404</body></html>")[2] is not None
    assert parse_sitemap(b"")[2] == "empty"


async def test_probes() -> None:
    redirect = (301, [("Location", "https://127.0.0.1/"), ("Content-Length", "0")], b"")
    with Farm({"/": redirect}) as farm:
        strict, loopback = CrawlerSettings(), CrawlerSettings(allow_private_networks=True)
        async with make_client(strict) as client:
            refused = await https_probe(f"127.0.0.1:{farm.port}", Sender(client, strict, limiter=HostLimiter()))
            result = await https_probe(f"127.0.0.1:{farm.port}", Sender(client, loopback, limiter=HostLimiter()))
    assert refused["https_error"] == "private_address" and farm.log.count("/") == 1
    assert result["https_ok"] is False and result["https_error"] in ("tls", "protocol", "connection_reset")
    assert result["http_status"] == 301 and result["http_redirects_to_https"] is True
    assert "error" in await dns_probe("no-such-host.invalid")
    assert "aaaa" in await dns_probe("localhost") or "error" in await dns_probe("localhost")


# --- speed work: the shortcuts must give the same answers as the plain code ----------------------


def test_legacy_prefilter_agrees_with_full_detection(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from egov_audit.core import bodies as encoding

    samples = [
        page("Trang", f"<p>{PHRASE}</p>"),
        page("Bản quyền", f"<p>{PHRASE}</p><footer>© 2025 ® &copy; &reg;</footer>"),
        page("Ký hiệu", "<p>a© b® c¸ Müller Schröder Søren</p>"),
        "<p>" + encode_tcvn3(PHRASE).decode("latin-1") + "</p>",
        "<p>" + encode_vni(PHRASE) + "</p>",
        "<p>x&copy;y &reg;z w&copy;v t&reg;u</p>",
        "ña ño ñu ñe",
        '<a title="aø eâ aê">x</a> some words here',
    ]
    fast = [detect_legacy_font_encoding(text) for text in samples]
    monkeypatch.setattr(encoding, "_may_be_legacy", lambda text: True)
    assert fast == [detect_legacy_font_encoding(text) for text in samples]
    assert fast[3] == "tcvn3" and fast[4] == "vni" and fast[0] is None


def test_cached_link_resolution_and_nav_memo_agree_with_plain_code() -> None:
    from lxml import html as lxml_html

    from egov_audit.crawler.links import _is_nav, _marks_nav, _resolve_link

    bases = ["http://a.gov.vn/x/y?z=1", "https://B.gov.vn:8443/p/", "http://127.0.0.1:5000/Default.aspx?tabid=3"]
    raws = ["http://x/a;", "/c", "/c/../d?b=2&a=1", "//cdn/x", "?p=2", "tin.html", " /a b ", "http://x/a?",
            "https://x/./a#f", "/a;jsessionid=1", "mailto:x", "HTTP://X/", "http:foo", "/", "#top", "/đường"]
    for _ in range(2):  # the second pass answers from the cache
        for base in bases:
            for raw in raws:
                assert _resolve_link(raw, base) == normalize_url(raw, base), (raw, base)
    doc = lxml_html.document_fromstring(
        '<div id="main-menu"><ul><li><a href="/1">1</a></li><li><a href="/2">2</a></li></ul></div>'
        '<div class="content"><p><a href="/3">3</a></p><nav><span><a href="/4">4</a></span></nav></div>'
        '<div role="navigation"><a href="/5">5</a></div><p><a href="/6">6</a></p>')
    memo: dict = {}
    fast = [_is_nav(a, memo) for a in doc.iter("a")]
    plain = [any(_marks_nav(x) for x in a.iterancestors()) for a in doc.iter("a")]
    assert fast == plain == [True, True, False, True, True, False]


async def test_host_waiting_for_its_delay_leaves_the_ip_slot_to_others() -> None:
    limiter = HostLimiter(per_host=2, per_ip=1)
    async with limiter.slot("xa-a.gov.vn", "203.162.0.1", 0.3):
        pass
    started: dict[str, float] = {}
    t0 = asyncio.get_running_loop().time()

    async def hit(host: str) -> None:
        async with limiter.slot(host, "203.162.0.1", 0.3):
            started[host] = asyncio.get_running_loop().time() - t0

    # xa-a must wait 0.3 s for its own delay; xa-b (same IP, one slot) need not wait behind it.
    await asyncio.gather(hit("xa-a.gov.vn"), hit("xa-b.gov.vn"))
    assert started["xa-b.gov.vn"] < 0.1 <= 0.2 < started["xa-a.gov.vn"]


async def test_per_origin_transport_closes_idle_pools() -> None:
    from egov_audit.crawler.transport import PerOriginTransport
    from tests.crawlfarm.server import FarmServer
    from tests.test_crawler_farm import closed_port

    server = FarmServer()
    try:
        from tests.crawlfarm.portals import RoutedSite

        ports = [server.add(f"s{i}", RoutedSite({"/": page(f"Trang {i}")})) for i in range(4)]
        transport = PerOriginTransport(verify=True, per_origin=2, max_idle_origins=2)
        async with httpx.AsyncClient(transport=transport) as client:
            for port in ports:
                response = await client.get(f"http://127.0.0.1:{port}/")
                assert response.status_code == 200 and "Trang" in response.text
                assert len(transport._origins) <= 3  # the one in use plus at most two idle ones
            try:
                await client.get(f"http://127.0.0.1:{closed_port()}/")
            except httpx.ConnectError:
                pass  # httpx's own exception classes, as the failure classifier expects
            else:
                raise AssertionError("a closed port must fail")
            assert all(origin.active == 0 for origin in transport._origins.values())
    finally:
        server.close()


def test_adaptive_delay_grows_when_a_host_slows_and_never_drops_below_the_configured_delay() -> None:
    limiter = HostLimiter(adaptive_target_concurrency=1.0, max_delay=10.0)
    base = 0.5
    assert limiter.delay_for("xa.example.gov.vn", base) == base
    for _ in range(6):
        limiter.observe("xa.example.gov.vn", latency=4.0, base=base, ok=True)
    slowed = limiter.delay_for("xa.example.gov.vn", base)
    assert 3.0 < slowed <= 4.0, slowed  # converges towards latency / target concurrency
    assert limiter.delay_for("other.example.gov.vn", base) == base  # only the slow host is spaced out
    for _ in range(20):
        limiter.observe("xa.example.gov.vn", latency=0.01, base=base, ok=True)
    assert limiter.delay_for("xa.example.gov.vn", base) == base  # recovers, but never below the floor


def test_fast_error_answers_do_not_shorten_the_adaptive_delay() -> None:
    limiter = HostLimiter(adaptive_target_concurrency=1.0)
    limiter.observe("xa.example.gov.vn", latency=6.0, base=0.5, ok=True)
    before = limiter.delay_for("xa.example.gov.vn", 0.5)
    limiter.observe("xa.example.gov.vn", latency=0.01, base=0.5, ok=False)  # a quick 503
    assert limiter.delay_for("xa.example.gov.vn", 0.5) == before


def test_adaptive_delay_is_capped_and_can_be_turned_off() -> None:
    capped = HostLimiter(adaptive_target_concurrency=1.0, max_delay=2.0)
    for _ in range(10):
        capped.observe("xa.example.gov.vn", latency=50.0, base=0.5, ok=True)
    assert capped.delay_for("xa.example.gov.vn", 0.5) == 2.0
    off = HostLimiter()
    off.observe("xa.example.gov.vn", latency=50.0, base=0.5, ok=True)
    assert off.delay_for("xa.example.gov.vn", 0.5) == 0.5


async def test_a_slow_portal_gets_spaced_out_by_the_crawl() -> None:
    """The fetch loop feeds each answer's time to first byte to the shared limiter."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from egov_audit.crawler import SiteTarget, crawl_site, make_client
    from egov_audit.crawler.settings import CrawlerSettings

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            import time as _time

            _time.sleep(0.15)
            body = ('<html><body><nav><a href="/gioi-thieu">Giới thiệu</a><a href="/tin-tuc">Tin tức</a>'
                    '</nav><p>Ủy ban nhân dân xã</p></body></html>').encode()
            self.send_response(200 if self.path != "/robots.txt" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = CrawlerSettings(allow_private_networks=True, delay_seconds=0.01, fetch_sitemap=False)
        limiter = HostLimiter.from_settings(settings)
        async with make_client(settings) as client:
            url = f"http://127.0.0.1:{server.server_port}/"
            site = await crawl_site(SiteTarget("09202", "commune", url), settings, client=client, limiter=limiter)
        assert len(site.pages) == 3
        assert limiter.delay_for("127.0.0.1", settings.delay_seconds) > 0.05
    finally:
        server.shutdown()
        server.server_close()


def test_six_to_four_addresses_are_judged_by_the_ipv4_address_they_carry() -> None:
    from egov_audit.crawler.safety import is_forbidden_address

    assert is_forbidden_address("2002:7f00:1::1")  # 6to4 around 127.0.0.1
    assert is_forbidden_address("2002:c0a8:101::1")  # 6to4 around 192.168.1.1
    assert is_forbidden_address("::ffff:10.0.0.1")


def test_recovery_drops_a_record_cut_in_the_middle(tmp_path) -> None:
    """A killed writer leaves a gzip member cut short: it must go, not be kept as a shorter record."""
    from io import BytesIO

    from warcio.archiveiterator import ArchiveIterator
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from egov_audit.crawler.warc import recover_open_file

    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for n in range(2):
        body = (f"<html><body>Trang {n} " + "Ủy ban nhân dân xã " * 300 + "</body></html>").encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"http://xa.example.gov.vn/{n}", "response",
                                                      payload=BytesIO(body), http_headers=headers))
    data = buffer.getvalue()
    first_end = next(iter(_offsets(data)))
    path = tmp_path / "unit.warc.gz.open"
    path.write_bytes(data[: first_end + (len(data) - first_end) // 2])  # cut inside the second record
    assert recover_open_file(path) == first_end
    with path.open("rb") as fh:
        assert [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)] == ["http://xa.example.gov.vn/0"]


def _offsets(data: bytes):
    from io import BytesIO

    from warcio.archiveiterator import ArchiveIterator

    iterator = ArchiveIterator(BytesIO(data))
    for record in iterator:
        record.raw_stream.read()
        yield iterator.get_record_offset() + iterator.get_record_length()
