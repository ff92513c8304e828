"""End-to-end tests of crawl_site against a portal farm on 127.0.0.1 (see test_crawler_farm.py)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from egov_audit.core.artifacts import CapturedSite, CrawlStatus
from egov_audit.core.failures import FailureClass
from egov_audit.crawler import HostLimiter, SiteTarget, crawl_site
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.crawler.warc import WarcRecorder
from tests.test_crawler_farm import Farm, closed_port, encode_cp1258, encode_tcvn3, page

HTML = [("Content-Type", "text/html; charset=utf-8")]


def fast(**overrides: object) -> CrawlerSettings:
    """Loopback-friendly settings: no delay, tiny backoff, private networks allowed."""
    values: dict[str, object] = {
        "delay_seconds": 0.0,
        "allow_private_networks": True,
        "timeout_seconds": 5.0,
        "backoff_base_seconds": 0.01,
        "max_site_seconds": 20.0,
    }
    values.update(overrides)
    return CrawlerSettings(**values)  # type: ignore[arg-type]


async def crawl(target: SiteTarget, settings: CrawlerSettings, *args: object, **kwargs: object) -> CapturedSite:
    """``crawl_site`` with a limiter of its own (the run's, in an audit: the limiter is never implicit)."""
    kwargs.setdefault("limiter", HostLimiter.from_settings(settings))
    return await crawl_site(target, settings, *args, **kwargs)  # type: ignore[arg-type]


def target(farm: Farm, path: str = "/", **kw: object) -> SiteTarget:
    return SiteTarget(
        unit_code=str(kw.get("unit_code", "00001")),
        unit_level=str(kw.get("unit_level", "district")),
        portal_url=farm.url(path),
        scope=kw.get("scope"),  # type: ignore[arg-type]
        other_unit_scopes=list(kw.get("other_unit_scopes", [])),  # type: ignore[arg-type]
    )


NAV = (
    '<ul class="menu"><li><a href="/gioi-thieu">Giới thiệu</a></li><li><a href="/tin-tuc">Tin tức</a></li>'
    '<li><a href="/van-ban">Văn bản chỉ đạo điều hành</a></li><li><a href="/xa-an-binh/">Xã An Bình</a></li></ul>'
)


def district_routes() -> dict:
    return {
        "/": page(
            "UBND huyện Tân Hòa",
            '<p><a href="https://dichvucong.gov.vn/p/home/dvc-trang-chu.html">Cổng Dịch vụ công quốc gia</a>'
            ' <a href="/files/ke-hoach-2025.pdf">Kế hoạch năm 2025</a></p>',
            NAV,
        ),
        "/gioi-thieu": page("Giới thiệu chung", "<p>Huyện Tân Hòa có 12 xã, thị trấn.</p>", NAV),
        "/tin-tuc": page("Tin tức - Sự kiện", '<a href="/tin-tuc/hoi-nghi-tong-ket">Hội nghị tổng kết năm 2024</a>', NAV),
        "/tin-tuc/hoi-nghi-tong-ket": page("Hội nghị tổng kết năm 2024", "<p>Ngày 05/01/2025 ...</p>", NAV),
        "/van-ban": page("Văn bản chỉ đạo điều hành", "", NAV),
        "/xa-an-binh/": page("UBND xã An Bình", '<a href="/xa-an-binh/tin-tuc">Tin tức xã</a>'),
        "/xa-an-binh/tin-tuc": page("Tin tức xã An Bình"),
    }


async def test_district_leaves_commune_subsite_and_other_hosts_alone() -> None:
    with Farm(district_routes()) as farm:
        site = await crawl(
            target(farm, other_unit_scopes=[farm.url("/xa-an-binh/")]), fast()
        )
    assert site.crawl_status == CrawlStatus.OK, site.crawl_error
    assert site.home_url == farm.url("/")
    assert not farm.fetched("/xa-an-binh")
    assert not farm.fetched("/files/")  # linked files are not downloaded
    assert set(site.pages) >= {farm.url(p) for p in ("/", "/gioi-thieu", "/tin-tuc", "/van-ban", "/tin-tuc/hoi-nghi-tong-ket")}
    intro = site.pages[farm.url("/gioi-thieu")]
    assert intro.ok and intro.depth == 1 and intro.referrer == farm.url("/")
    assert intro.link_text == "Giới thiệu"
    assert intro.ttfb_seconds is not None and intro.elapsed_seconds is not None and intro.fetched_at is not None
    assert intro.body_digest and intro.body_digest.startswith("sha256:")
    home = site.home
    assert home is not None and "dichvucong.gov.vn" in (home.html or "")  # external link kept in HTML
    assert site.audited_at is not None and site.audited_at.tzinfo is not None
    assert all(ua.startswith("egov-audit/") for ua in farm.user_agents)


async def test_commune_subsite_stays_inside_its_scope() -> None:
    with Farm(district_routes()) as farm:
        site = await crawl(
            target(farm, "/xa-an-binh/", unit_level="commune", scope=farm.url("/xa-an-binh/")), fast()
        )
    assert site.crawl_status == CrawlStatus.OK
    pages = {p for p in farm.log if not p.endswith((".txt", ".xml"))}
    assert pages == {"/xa-an-binh/", "/xa-an-binh/tin-tuc"}
    assert "/xa-an-binh/sitemap.xml" in farm.log  # a sub-site's own sitemap is looked for


async def test_navigation_first_and_page_budget_makes_partial() -> None:
    body = "".join(f'<a href="/tin-tuc/bai-{i}">Bài viết số {i}</a>' for i in range(8))
    routes = {"/": page("Trang chủ", body, '<a href="/gioi-thieu">Giới thiệu</a><a href="/lien-he">Liên hệ</a>')}
    for i in range(8):
        routes[f"/tin-tuc/bai-{i}"] = page(f"Bài {i}")
    routes["/gioi-thieu"] = page("Giới thiệu")
    routes["/lien-he"] = page("Liên hệ")
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(max_pages=3, per_host_concurrency=1))
    assert farm.fetched("/gioi-thieu") and farm.fetched("/lien-he")
    assert not farm.fetched("/tin-tuc/")
    assert site.budget_exhausted and site.crawl_status == CrawlStatus.PARTIAL


async def test_robots_disallow_never_fetched_and_crawl_delay_honoured() -> None:
    nav = '<a href="/noi-bo/ho-so">Hồ sơ nội bộ</a><a href="/a">A</a><a href="/b">B</a><a href="/c">C</a>'
    routes = {
        "/robots.txt": (200, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /noi-bo/\nCrawl-delay: 0.2\n"),
        "/": page("Trang chủ", "", nav),
        "/a": page("A"),
        "/b": page("B"),
        "/c": page("C"),
        "/noi-bo/ho-so": page("Bí mật"),
    }
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(fetch_sitemap=False))
    assert not farm.fetched("/noi-bo")
    assert site.pages[farm.url("/noi-bo/ho-so")].error == FailureClass.ROBOTS.value
    assert site.robots_txt and "Disallow: /noi-bo/" in site.robots_txt
    starts = [t for path, t in farm.times if path != "/robots.txt"]
    assert len(starts) == 4
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.18  # a lower bound only: sleeping guarantees it


async def test_robots_disallowing_home_blocks_the_site() -> None:
    routes = {"/robots.txt": (200, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /\n"), "/": page("x")}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast())
    assert site.crawl_status == CrawlStatus.BLOCKED
    assert site.crawl_error and site.crawl_error.startswith("robots")
    assert farm.log == ["/robots.txt"]


async def test_persistent_403_home_is_blocked() -> None:
    routes = {"/": (403, HTML, page("Truy cập bị từ chối").encode())}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(retries=1))
    assert site.crawl_status == CrawlStatus.BLOCKED


async def test_per_host_concurrency_never_exceeded_across_sites() -> None:
    nav = "".join(f'<a href="/muc-{i}">Mục {i}</a>' for i in range(8))
    routes = {"/": page("Trang chủ", "", nav)} | {f"/muc-{i}": page(f"Mục {i}") for i in range(8)}
    # Two portals on the same host name share one limiter: together at most 2 requests in flight.
    with Farm(routes, handler_delay=0.03) as one, Farm(routes, handler_delay=0.03) as two:
        import asyncio

        limiter = HostLimiter(per_host=2, per_ip=2)
        settings = fast(per_host_concurrency=2, fetch_sitemap=False)
        inflight_max = 0

        async def watch() -> None:
            nonlocal inflight_max
            while True:
                inflight_max = max(inflight_max, one.inflight + two.inflight)
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())
        sites = await asyncio.gather(
            crawl_site(target(one), settings, limiter=limiter), crawl_site(target(two), settings, limiter=limiter)
        )
        watcher.cancel()
    assert all(s.crawl_status == CrawlStatus.OK for s in sites)
    assert one.max_inflight <= 2 and two.max_inflight <= 2
    assert inflight_max <= 2
    assert len(sites[0].pages) == 9


async def test_429_with_retry_after_then_success() -> None:
    def busy(path: str, hits: int):
        if hits == 1:
            return 429, [("Retry-After", "1"), *HTML], "<h1>Quá nhiều yêu cầu</h1>".encode()
        return 200, HTML, page("Thông báo").encode()

    routes = {"/": page("Trang chủ", "", '<a href="/thong-bao">Thông báo</a>'), "/thong-bao": busy}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(fetch_sitemap=False))
    notice = site.pages[farm.url("/thong-bao")]
    assert notice.ok and farm.hits["/thong-bao"] == 2
    times = [t for p, t in farm.times if p == "/thong-bao"]
    assert times[1] - times[0] >= 0.95


async def test_retry_after_too_long_gives_up() -> None:
    routes = {
        "/": page("Trang chủ", "", '<a href="/bao-tri">Bảo trì</a>'),
        "/bao-tri": (503, [("Retry-After", "3600"), *HTML], "<h1>Bảo trì hệ thống</h1>".encode()),
    }
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(fetch_sitemap=False))
    assert farm.hits["/bao-tri"] == 1
    assert site.pages[farm.url("/bao-tri")].error == FailureClass.HTTP_STATUS.value


async def test_redirect_chain_loop_and_too_many() -> None:
    def moved(to: str):
        return 302, [("Location", to), ("Content-Length", "0")], b""

    nav = '<a href="/a">Chuỗi</a><a href="/x">Vòng</a><a href="/r1">Dài</a>'
    routes = {
        "/": page("Trang chủ", "", nav),
        "/a": moved("/b"),
        "/b": moved(farm_url_placeholder := "/c"),
        "/c": page("Đích"),
        "/x": moved("/y"),
        "/y": moved("/x"),
        "/r1": moved("/r2"),
        "/r2": moved("/r3"),
        "/r3": moved("/r4"),
        "/r4": page("Xa"),
    }
    del farm_url_placeholder
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(max_redirects=2, fetch_sitemap=False))
    chain = site.pages[farm.url("/a")]
    assert chain.ok and chain.final_url == farm.url("/c")
    assert chain.redirects == [farm.url("/a"), farm.url("/b")]
    assert site.pages[farm.url("/x")].error == FailureClass.REDIRECT_LOOP.value
    assert site.pages[farm.url("/r1")].error == FailureClass.TOO_MANY_REDIRECTS.value
    assert "/r4" not in farm.log


async def test_private_address_refused_unless_allowed() -> None:
    with Farm({"/": page("Trang chủ")}) as farm:
        refused = await crawl(target(farm), fast(allow_private_networks=False))
        assert farm.log == []
        allowed = await crawl(target(farm), fast(allow_private_networks=True))
    assert refused.crawl_status == CrawlStatus.UNREACHABLE
    assert refused.crawl_error and refused.crawl_error.startswith("private_address")
    assert allowed.crawl_status == CrawlStatus.OK


async def test_too_large_and_gzip_bomb() -> None:
    big = page("Danh sách văn bản", "<p>Quyết định số 123/QĐ-UBND</p>" * 12_000).encode()
    bomb = gzip.compress(b"<html>" + b" " * 30_000_000, compresslevel=1)
    routes = {
        "/": page("Trang chủ", "", '<a href="/lon">Lớn</a><a href="/bom">Bom</a>'),
        "/lon": (200, HTML, big),
        "/bom": (200, [*HTML, ("Content-Encoding", "gzip")], bomb),
    }
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(max_bytes=200_000, fetch_sitemap=False))
    large = site.pages[farm.url("/lon")]
    assert large.error == FailureClass.TOO_LARGE.value
    assert large.html is not None and len(large.html) <= 200_000
    boom = site.pages[farm.url("/bom")]
    assert boom.error == FailureClass.DECOMPRESSION_BOMB.value and boom.html is None


async def test_windows_1258_and_tcvn3_pages() -> None:
    text = "Ủy ban nhân dân xã Tân Hòa thông báo lịch tiếp công dân của Chủ tịch Ủy ban nhân dân xã"
    cp1258 = b"<html><head><title>Th\xf4ng b\xe1o</title></head><body><p>" + encode_cp1258(text) + b"</p></body></html>"
    tcvn3 = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body>'
    tcvn3 += b'<p><font face=".VnTime">' + encode_tcvn3(text) + b"</font></p></body></html>"
    routes = {
        "/": page("Trang chủ", "", '<a href="/cu">Trang cũ</a><a href="/abc">Trang ABC</a>'),
        "/cu": (200, [("Content-Type", "text/html; charset=windows-1258")], cp1258),
        "/abc": (200, [("Content-Type", "text/html")], tcvn3),
    }
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(fetch_sitemap=False))
    old = site.pages[farm.url("/cu")]
    assert old.encoding == "windows-1258" and text in (old.html or "")
    assert old.legacy_font_encoding is None
    abc = site.pages[farm.url("/abc")]
    assert abc.legacy_font_encoding == "tcvn3"
    assert site.home is not None and site.home.legacy_font_encoding is None


async def test_session_ids_and_tracking_params_fetch_once() -> None:
    nav = (
        '<a href="/tin-tuc?PHPSESSID=a1b2c3&utm_source=facebook">Tin tức</a>'
        '<a href="/tin-tuc;jsessionid=0A1B2C3D">Tin</a><a href="/tin-tuc?sid=99">Tin 2</a>'
        '<a href="/tin-tuc#dau-trang">Tin 3</a><a href="/tin-tuc?fbclid=IwAR0x">Tin 4</a>'
    )
    routes = {"/": page("Trang chủ", "", nav), "/tin-tuc": page("Tin tức")}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(fetch_sitemap=False))
    assert len(farm.fetched("/tin-tuc")) == 1
    assert farm.url("/tin-tuc") in site.pages


async def test_calendar_trap_gets_a_small_share() -> None:
    def day(path: str, hits: int):
        from urllib.parse import parse_qs, urlsplit

        q = parse_qs(urlsplit(path).query)
        n = int(q.get("ngay", ["1"])[0])
        links = f'<a href="/lich?ngay={n + 1}&thang=1&nam=2025">Ngày sau</a><a href="/lich?ngay={n - 1}&thang=1&nam=2025">Ngày trước</a>'
        return 200, HTML, page(f"Lịch công tác ngày {n}", links).encode()

    nav = '<a href="/lich?ngay=1&thang=1&nam=2025">Lịch công tác</a>' + "".join(
        f'<a href="/muc-{i}">Mục {i}</a>' for i in range(5)
    )
    routes = {"/": page("Trang chủ", "", nav), "/lich": day} | {f"/muc-{i}": page(f"Mục {i}") for i in range(5)}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(max_pages=40, trap_page_share=0.1, fetch_sitemap=False))
    assert len(farm.fetched("/lich")) <= 4
    assert len(farm.fetched("/muc-")) == 5
    assert any(p.error == FailureClass.TRAP.value for p in site.pages.values())
    assert site.crawl_status == CrawlStatus.PARTIAL


async def test_closed_port_is_unreachable_and_empty_portal_is_no_portal() -> None:
    port = closed_port()
    site = await crawl(SiteTarget("1", "commune", f"http://127.0.0.1:{port}/", None, []), fast(retries=0))
    assert site.crawl_status == CrawlStatus.UNREACHABLE
    assert site.crawl_error and site.crawl_error.startswith("connect_refused")
    none = await crawl(SiteTarget("2", "commune", "", None, []), fast())
    assert none.crawl_status == CrawlStatus.NO_PORTAL and not none.pages


async def test_resume_does_not_refetch_stored_pages() -> None:
    with Farm(district_routes()) as farm:
        first = await crawl(target(farm), fast(fetch_sitemap=False))
        kept = {u: p for u, p in first.pages.items() if u in (farm.url("/"), farm.url("/gioi-thieu"))}
        farm.log.clear()
        second = await crawl(target(farm), fast(fetch_sitemap=False), resume=kept)
    assert "/" not in farm.log and "/gioi-thieu" not in farm.log
    assert "/tin-tuc" in farm.log and "/tin-tuc/hoi-nghi-tong-ket" in farm.log
    assert set(second.pages) == set(first.pages)


async def test_sitemap_index_from_robots_seeds_unlinked_pages() -> None:
    host = "http://127.0.0.1:{port}"
    routes: dict = {"/": page("Trang chủ", "", '<a href="/gioi-thieu">Giới thiệu</a>'), "/gioi-thieu": page("Giới thiệu")}
    routes["/an-trang"] = page("Trang chỉ có trong sitemap")
    with Farm(routes) as farm:
        base = host.format(port=farm.port)
        farm.routes["/robots.txt"] = (200, [("Content-Type", "text/plain")], f"Sitemap: {base}/sm-index.xml\n".encode())
        farm.routes["/sm-index.xml"] = (
            200,
            [("Content-Type", "application/xml")],
            f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/sm-1.xml</loc></sitemap></sitemapindex>".encode(),
        )
        farm.routes["/sm-1.xml"] = (
            200,
            [("Content-Type", "application/xml")],
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/an-trang</loc></url>'
            f"<url><loc>https://khac.gov.vn/x</loc></url></urlset>".encode(),
        )
        site = await crawl(target(farm), fast())
    assert site.sitemap is not None and site.sitemap["ok"] and site.sitemap["url"].endswith("/sm-index.xml")
    assert site.sitemap["urls"] == [farm.url("/an-trang")]
    assert "/sitemap.xml" in farm.log and "/an-trang" in farm.log
    assert site.pages[farm.url("/an-trang")].depth == 1


async def test_warc_records_pairs_digests_revisits_and_recovers(tmp_path: Path) -> None:
    warc = tmp_path / "night-1.warc.gz"
    with Farm(district_routes()) as farm:
        recorder = WarcRecorder(warc)
        site = await crawl(target(farm), fast(), sink=recorder)
        assert (tmp_path / "night-1.warc.gz.open").exists()
        recorder.close()
        second_path = tmp_path / "night-2.warc.gz"
        with WarcRecorder(second_path, known_digests=recorder.digests) as again:
            await crawl(target(farm), fast(), sink=again)
    assert warc.exists() and not (tmp_path / "night-1.warc.gz.open").exists()
    records = _read_warc(warc)
    assert records[0][0] == "warcinfo"
    responses = [r for r in records if r[0] == "response"]
    requests = [r for r in records if r[0] == "request"]
    assert len(responses) == len(requests) >= len([p for p in site.pages.values() if p.status is not None])
    assert all(r[2] and r[2].startswith("sha1:") for r in responses)
    assert all(r[3] == "127.0.0.1" for r in responses)
    assert any(r[1] == farm.url("/robots.txt") for r in responses)
    revisits = [r for r in _read_warc(second_path) if r[0] == "revisit"]
    assert any(r[1] == farm.url("/gioi-thieu") for r in revisits)

    # A killed writer: the .open file ends in half a record; the next recorder cuts it and goes on.
    killed = tmp_path / "night-3.warc.gz"
    open_file = tmp_path / "night-3.warc.gz.open"
    data = warc.read_bytes()
    shutil.copyfile(warc, open_file)
    with open_file.open("ab") as fh:
        fh.write(data[len(data) // 3 : len(data) // 3 + 500])
    WarcRecorder(killed).close()
    assert len(_read_warc(killed)) == len(records)


def _read_warc(path: Path) -> list[tuple[str, str | None, str | None, str | None]]:
    out = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            headers = record.rec_headers
            out.append(
                (
                    record.rec_type,
                    headers.get_header("WARC-Target-URI"),
                    headers.get_header("WARC-Payload-Digest"),
                    headers.get_header("WARC-IP-Address"),
                )
            )
    return out


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The crawler ignores proxy variables (trust_env=False); make sure tests never depend on them.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
