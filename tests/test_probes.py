"""The search and link-status probes against real loopback portals, judged by the real checks.

Plan (``checks.search_plan``, pure) → probe (``crawler.probes``, network) → ``checks.run_checks``, compared
with the ground truth ``expected_labels(portal)`` of the generated portals: a working search (NukeViet,
Liferay sub-site path), one that finds nothing, none at all, one posting to another host, and the
ASP.NET postback forms of SharePoint and DotNetNuke. A small hand-written server covers what the farm
does not serve: a POST form answered with 303, robots.txt disallowing the results page, a redirect off
the site, servers without HEAD.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio

from egov_audit import checks
from egov_audit.checks.search_plan import link_check_urls, plan_search
from egov_audit.core.artifacts import CapturedPage, CapturedSite
from egov_audit.crawler import HostLimiter, Sender, SiteTarget, crawl_site, make_client
from egov_audit.crawler.exchange import Exchange
from egov_audit.crawler.probes import dns_probe, encode_form, https_probe, link_status_probe, search_probe
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.demo.expected_labels import expected_labels
from egov_audit.demo.server import DemoProvince
from tests.farm.specs import FarmProvince, farm_units

SETTINGS = CrawlerSettings(allow_private_networks=True, delay_seconds=0.01, max_pages=80, retries=0)
# 99001 NukeViet working, 99003 SharePoint working, 99004 DotNetNuke working, 99026 Liferay posting to
# another host, 99027 SharePoint finding nothing, 99028 provincial without a search form.
FARM_CODES = ("99001", "99003", "99004", "99026", "99027", "99028")


@pytest.fixture(scope="module")
def farm() -> Iterator[FarmProvince]:
    units = [u for u in farm_units() if u.code in FARM_CODES]
    with FarmProvince(units) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    http = make_client(SETTINGS)
    try:
        yield http
    finally:
        await http.aclose()


def sender_for(client: httpx.AsyncClient, settings: CrawlerSettings = SETTINGS) -> Sender:
    """A unit's sender (fresh robots.txt and DNS caches: the test servers' ports come and go)."""
    return Sender(client, settings, limiter=HostLimiter.from_settings(settings))


@pytest.fixture
def sender(client: httpx.AsyncClient) -> Sender:
    return sender_for(client)


_SITES: dict[tuple[int, str], CapturedSite] = {}


async def crawled(province: DemoProvince, code: str, client: httpx.AsyncClient) -> CapturedSite:
    """Each portal is crawled once per module (the probes do not change the captured pages)."""
    key = (id(province), code)
    if key not in _SITES:
        target = SiteTarget(code, province.unit(code).level, province.portal_url(code), province.scope(code) or None)
        _SITES[key] = await crawl_site(target, SETTINGS, client=client, limiter=HostLimiter.from_settings(SETTINGS))
    site = _SITES[key]
    site.probes = {}
    return site


async def probe_and_check(province: DemoProvince, code: str, sender: Sender) -> tuple[
        CapturedSite, dict, dict[str, checks.Finding]]:
    site = await crawled(province, code, sender.client)
    plan = plan_search(site)
    site.probes["search"] = await search_probe(plan, sender)
    site.probes["link_status"] = await link_status_probe(site, link_check_urls(site), sender)
    findings = {f.check: f for f in checks.run_checks(site, ids=["tech.search", "tech.broken_links"])}
    return site, site.probes["search"], findings


def _gets(province: DemoProvince, code: str, path_part: str) -> list[str]:
    return [r.path for r in province.portal(code).requests("GET") if path_part in r.path]


# ---------------------------------------------------------------------------- farm portals
@pytest.mark.parametrize("code", FARM_CODES)
async def test_search_check_agrees_with_ground_truth(farm: FarmProvince, sender: Sender,
                                                     code: str) -> None:
    site, probe, findings = await probe_and_check(farm, code, sender)
    expected = expected_labels(farm.portal(code))["tech.search"]
    assert str(findings["tech.search"].status) == expected, (code, probe.get("error"), findings["tech.search"].reason)
    # The farm's portals have no broken links; every status the probe gathered is a 2xx.
    assert str(findings["tech.broken_links"].status) == "pass", findings["tech.broken_links"].reason


async def test_working_search_submits_the_newest_article_title(farm: FarmProvince,
                                                                sender: Sender) -> None:
    site, probe, findings = await probe_and_check(farm, "99001", sender)
    portal = farm.portal("99001")
    newest = min((a for a in portal.articles if a.section == "news"), key=lambda a: a.age_days)
    assert probe["query"] == newest.title
    assert probe["target_url"] == portal.origin + portal.article_href(newest)
    assert probe["error"] is None and probe["status"] == 200 and probe["method"] == "GET"
    assert probe["robots_disallowed"] is False
    assert f'href="{portal.article_href(newest)}"' in probe["result_html"]
    # The portal received exactly the query a visitor types.
    searches = _gets(farm, "99001", "/vi/seek/")
    assert searches and parse_qs(urlsplit(searches[-1]).query)["q"] == [newest.title]


@pytest.mark.parametrize("code", ["99003", "99004"])
async def test_aspnet_postback_search_sends_viewstate_and_button(farm: FarmProvince, client: httpx.AsyncClient,
                                                                 code: str) -> None:
    site = await crawled(farm, code, client)
    plan = plan_search(site)
    assert plan is not None and not plan.foreign_host
    names = [name for name, _ in plan.fields]
    # The page's one postback form travels whole: view state, event validation, the chrome's hidden
    # textarea, the search box, and the clicked button (whose formmethod made it a GET).
    assert {"__VIEWSTATE", "__EVENTVALIDATION", "ctl00$btnSearch"} <= set(names)
    assert plan.method == "GET"
    portal = farm.portal(code)
    assert plan.query_field == portal.style.search_param
    if code == "99004":
        # DotNetNuke: formaction is Default.aspx, the tab travels as a hidden field.
        assert plan.action_url == portal.origin + "/Default.aspx"
        assert ("tabid", "99") in plan.fields
    else:
        assert plan.action_url == portal.origin + "/Pages/tim-kiem.aspx"
    probe = await search_probe(plan, sender_for(client))
    sent = parse_qs(urlsplit(probe["result_url"]).query)
    assert sent["__VIEWSTATE"][0].startswith("/wEPDwU")
    assert sent[portal.style.search_param] == [plan.query]
    assert sent["ctl00$btnSearch"] == ["Tìm kiếm"]
    site.probes["search"] = probe
    assert str(checks.run_checks(site, ids=["tech.search"])[0].status) == "pass"
    # Never a POST: the search button's formmethod is GET, and the auditor never posts the page's form.
    assert portal.post_count == 0


async def test_foreign_search_form_is_not_submitted(farm: FarmProvince, sender: Sender) -> None:
    site, probe, findings = await probe_and_check(farm, "99026", sender)
    assert probe["error"] == "foreign_host"
    assert probe["result_url"] == "https://timkiem.bacninh.gov.vn/tim-kiem"
    assert probe["status"] is None and probe["result_html"] is None
    assert str(findings["tech.search"].status) == "unknown"


async def test_absent_search_form_is_no_form(farm: FarmProvince, sender: Sender) -> None:
    site, probe, findings = await probe_and_check(farm, "99028", sender)
    assert plan_search(site) is None
    assert probe["error"] == "no_form"
    assert str(findings["tech.search"].status) == "fail"


async def test_search_probe_refuses_loopback_without_permission(farm: FarmProvince,
                                                                 client: httpx.AsyncClient) -> None:
    site = await crawled(farm, "99001", client)
    before = len(_gets(farm, "99001", "/vi/seek/"))
    strict = CrawlerSettings(allow_private_networks=False, delay_seconds=0.0)
    probe = await search_probe(plan_search(site), sender_for(client, strict))
    assert probe["error"] == "private_address" and probe["result_html"] is None
    assert len(_gets(farm, "99001", "/vi/seek/")) == before


# ---------------------------------------------------------------------------- the sample province
MISSING: dict[str, str] = {}


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoProvince]:
    with DemoProvince() as running:
        # A document file removed from the server: the link on the documents page now answers 404.
        portal = running.portal("09205")
        missing = next(path for path in sorted(portal.files) if path.endswith(".pdf"))
        del portal.files[missing]
        MISSING["09205"] = portal.origin + missing
        yield running


@pytest.mark.parametrize("code", ["258", "260", "09202", "09334"])
async def test_sample_province_search(demo: DemoProvince, sender: Sender, code: str) -> None:
    """Liferay district (working), NukeViet finding nothing (partial), a Liferay sub-site, no form (fail)."""
    site, probe, findings = await probe_and_check(demo, code, sender)
    assert str(findings["tech.search"].status) == expected_labels(demo.portal(code))["tech.search"], probe["error"]
    if code == "09202":
        # The sub-site's own search page, inside its scope.
        assert probe["action_url"] == demo.portal(code).base_url + "tim-kiem"


async def test_broken_pdf_link_counts_in_broken_links(demo: DemoProvince, sender: Sender) -> None:
    site, _probe, findings = await probe_and_check(demo, "09205", sender)
    missing = MISSING["09205"]
    status = site.probes["link_status"]
    assert status[missing] == 404
    assert all(v == 200 for u, v in status.items() if u != missing), status
    # Files are checked with HEAD: no file body was downloaded.
    portal = demo.portal("09205")
    assert any(r.method == "HEAD" and r.path == urlsplit(missing).path for r in portal.requests())
    assert not any(r.method == "GET" and r.path.endswith((".pdf", ".docx")) for r in portal.requests())
    finding = findings["tech.broken_links"]
    assert finding.value > 0 and any(e.url == missing for e in finding.evidence)
    assert finding.reason is not None and finding.reason.startswith("1 of ")


# ---------------------------------------------------------------------------- a hand-written server
@dataclass
class _Site:
    """Routes of the little test server: path → (status, headers, body); HEAD allowed or not."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    head_allowed: bool = True
    log: list[tuple[str, str, bytes]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""

    def _answer(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        site = self.server.site
        site.log.append((method, self.path, body))
        if method == "HEAD" and not site.head_allowed:
            status, headers, payload = 405, {"Allow": "GET"}, b""
        elif method == "POST" and self.path == "/tim-kiem":
            query = parse_qs(body.decode())
            token_ok = query.get("__RequestVerificationToken") == ["abc123"]
            location = "/ket-qua?tu=" + ("ok" if token_ok and query.get("tukhoa") else "none")
            status, headers, payload = 303, {"Location": location}, b""
        else:
            status, headers, payload = site.routes.get(self.path.split("#")[0], (404, {}, b"not found"))
        self.send_response(status)
        headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802
        self._answer("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, site: _Site) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def tiny() -> Iterator[_Server]:
    server = _Server(_Site())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


ARTICLE = "/tin-tuc/le-hoi-lim-2026-123.html"
TITLE = "Khai mạc Lễ hội Lim năm 2026 tại thị trấn"


def _home(origin: str, form: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>UBND</title></head><body>"
        "<header><form method='post' action='/dang-nhap'><input name='keyword' placeholder='Tên đăng nhập'>"
        "<input type='password' name='pw'><button>Đăng nhập</button></form></header>"
        f"{form}<main><section><h2>Tin tức - Sự kiện</h2><ul>"
        f"<li><a href='{ARTICLE}'>{TITLE}</a> <span>(04/03/2026)</span></li>"
        "<li><a href='/tin-tuc/hoi-nghi-cu-45.html'>Hội nghị tổng kết công tác năm cũ</a> <span>(01/02/2026)</span></li>"
        "</ul></section>"
        "<p><a href='/files/ke-hoach.pdf'>Kế hoạch năm 2026 (PDF)</a> <a href='/files/mat.pdf'>Tờ trình</a></p>"
        "</main></body></html>"
    )


def _tiny_site(origin: str, html: str, robots: str | None = None) -> CapturedSite:
    home = origin + "/"
    site = CapturedSite(unit_code="x", unit_level="commune", portal_url=home, home_url=home, robots_txt=robots)
    site.pages[home] = CapturedPage(url=home, final_url=home, status=200, html=html, encoding="utf-8",
                                    content_type="text/html; charset=utf-8")
    return site


POST_FORM = ("<div class='search-box'><form method='post' action='/tim-kiem' class='frm-search'>"
             "<input type='hidden' name='__RequestVerificationToken' value='abc123'>"
             "<input type='text' name='tukhoa' placeholder='Nhập từ khóa...'>"
             "<select name='loai'><option value='all'>Tất cả</option><option value='tin' selected>Tin</option></select>"
             "<input type='checkbox' name='exact' value='1'>"
             "<input type='submit' name='btnTim' value='Tìm'></form></div>")


async def test_post_form_with_303_and_robots_disallowed(tiny: _Server, client: httpx.AsyncClient) -> None:
    origin = tiny.origin
    tiny.site.routes["/ket-qua?tu=ok"] = (200, {}, f"<a href='{ARTICLE}'>{TITLE}</a>".encode())
    html = _home(origin, POST_FORM)
    site = _tiny_site(origin, html, robots="User-agent: *\nDisallow: /tim-kiem\nDisallow: /ket-qua\n")
    plan = plan_search(site)
    assert plan is not None
    # The login form (password field) is skipped; unchecked checkboxes are not sent, the selected option is.
    assert plan.method == "POST" and plan.action_url == origin + "/tim-kiem" and plan.query_field == "tukhoa"
    assert plan.fields == [("__RequestVerificationToken", "abc123"), ("tukhoa", TITLE), ("loai", "tin"),
                           ("btnTim", "Tìm")]
    assert plan.target_url == origin + ARTICLE and plan.query == TITLE
    exchanges: list[Exchange] = []

    class _Sink:
        def record(self, exchange: Exchange) -> None:
            exchanges.append(exchange)

    probe = await search_probe(plan, sender_for(client).with_sink(_Sink()))
    # Each hop is handed to the evidence sink (the WARC writer in the pipeline).
    assert [(e.method, e.status, e.kind) for e in exchanges] == [("POST", 303, "search"), ("GET", 200, "search")]
    assert probe["error"] is None and probe["status"] == 200
    assert probe["result_url"] == origin + "/ket-qua?tu=ok" and probe["redirects"] == [origin + "/tim-kiem"]
    # Submitted although robots.txt disallows it (the check needs it), and said so.
    assert probe["robots_disallowed"] is True
    methods = [(m, p) for m, p, _ in tiny.site.log]
    assert methods == [("POST", "/tim-kiem"), ("GET", "/ket-qua?tu=ok")]
    posted = parse_qs(tiny.site.log[0][2].decode())
    assert posted["tukhoa"] == [TITLE] and posted["btnTim"] == ["Tìm"]
    site.probes["search"] = probe
    assert str(checks.run_checks(site, ids=["tech.search"])[0].status) == "pass"


async def test_redirect_off_site_is_not_followed(tiny: _Server, client: httpx.AsyncClient) -> None:
    origin = tiny.origin
    form = ("<form role='search' action='/search'><input type='search' name='q'>"
            "<button type='submit'>Tìm kiếm</button></form>")
    site = _tiny_site(origin, _home(origin, form))
    plan = plan_search(site)
    assert plan is not None and plan.method == "GET" and plan.fields == [("q", TITLE)]
    url, body, _headers = encode_form(plan)
    assert body is None and url.startswith(origin + "/search?q=Khai+m%E1%BA%A1c")
    tiny.site.routes[urlsplit(url).path + "?" + urlsplit(url).query] = (
        302, {"Location": "https://search.example.gov.vn/?q=x"}, b"")
    probe = await search_probe(plan, sender_for(client))
    assert probe["error"] == "foreign_host" and probe["result_url"] == "https://search.example.gov.vn/?q=x"
    assert len(tiny.site.log) == 1  # the other host was never contacted (it does not exist anyway)
    site.probes["search"] = probe
    assert str(checks.run_checks(site, ids=["tech.search"])[0].status) == "unknown"


def test_plan_excludes_question_forms_and_uses_button_overrides() -> None:
    origin = "http://portal.example.gov.vn"
    form = ("<form id='hoidap' method='post' action='/hoi-dap'><input name='ho_ten' placeholder='Họ tên'>"
            "<textarea name='noi_dung'></textarea><button>Gửi câu hỏi</button></form>"
            "<form id='page' method='post' action='/default.aspx'>"
            "<input type='hidden' name='__VIEWSTATE' value='vs'><input type='hidden' name='__EVENTVALIDATION' value='ev'>"
            "<input type='text' name='ctl00$txtKeyword' title='Tìm kiếm'>"
            "<input type='image' name='ctl00$imgOther' src='/x.png' formaction='/other'>"
            "<input type='submit' name='ctl00$btnSearch' value='Tìm' formaction='/tim-kiem.aspx' formmethod='get'>"
            "</form>")
    site = _tiny_site(origin, _home(origin, form))
    plan = plan_search(site)
    assert plan is not None
    assert plan.query_field == "ctl00$txtKeyword"
    assert (plan.method, plan.action_url) == ("GET", origin + "/tim-kiem.aspx")
    assert plan.fields == [("__VIEWSTATE", "vs"), ("__EVENTVALIDATION", "ev"), ("ctl00$txtKeyword", TITLE),
                           ("ctl00$btnSearch", "Tìm")]
    # Only the form's own page: no search form anywhere → no plan.
    assert plan_search(_tiny_site(origin, _home(origin, ""))) is None


async def test_plan_without_dated_news_has_no_query(client: httpx.AsyncClient) -> None:
    origin = "http://portal.example.gov.vn"
    html = ("<html><body><form action='/tim-kiem'><input name='keyword' placeholder='Tìm kiếm'></form>"
            "<main><p>Chào mừng</p></main></body></html>")
    plan = plan_search(_tiny_site(origin, html))
    assert plan is not None and plan.query is None and plan.target_url is None
    probe = await search_probe(plan, sender_for(client))
    assert probe["error"] == "no_query" and probe["form_url"] == origin + "/"


async def test_link_status_head_fallback_and_robots(tiny: _Server, client: httpx.AsyncClient) -> None:
    origin = tiny.origin
    tiny.site.head_allowed = False
    tiny.site.routes["/files/ke-hoach.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4" + b"0" * 50_000)
    tiny.site.routes["/tin-tuc/hoi-nghi-cu-45.html"] = (301, {"Location": "/tin-tuc/hoi-nghi-cu-46.html"}, b"")
    tiny.site.routes["/tin-tuc/hoi-nghi-cu-46.html"] = (200, {}, b"<p>ok</p>")
    site = _tiny_site(origin, _home(origin, ""), robots=f"User-agent: *\nDisallow: {ARTICLE}\n")
    assert link_check_urls(site) == [origin + ARTICLE, origin + "/tin-tuc/hoi-nghi-cu-45.html",
                                     origin + "/files/ke-hoach.pdf", origin + "/files/mat.pdf"]
    status = await link_status_probe(site, link_check_urls(site), sender_for(client))
    assert status == {origin + ARTICLE: "robots", origin + "/tin-tuc/hoi-nghi-cu-45.html": 200,
                      origin + "/files/ke-hoach.pdf": 200, origin + "/files/mat.pdf": 404}
    # HEAD refused with 405 → GET (the body is not read); the disallowed article never requested.
    requested = [(m, p) for m, p, _ in tiny.site.log]
    assert ("HEAD", "/files/ke-hoach.pdf") in requested and ("GET", "/files/ke-hoach.pdf") in requested
    assert not any(p == ARTICLE for _, p in requested)
    site.probes["link_status"] = status
    finding = checks.run_checks(site, ids=["tech.broken_links"])[0]
    assert finding.value == round(1 / 3, 3) and [e.url for e in finding.evidence] == [origin + "/files/mat.pdf"]


async def test_link_status_limit_and_private_guard(tiny: _Server, client: httpx.AsyncClient) -> None:
    origin = tiny.origin
    site = _tiny_site(origin, _home(origin, ""))
    status = await link_status_probe(site, link_check_urls(site, 2), sender_for(client, CrawlerSettings(allow_private_networks=False)))
    assert status == {origin + ARTICLE: "private_address", origin + "/tin-tuc/hoi-nghi-cu-45.html": "private_address"}
    assert tiny.site.log == []


async def test_https_and_dns_probes_still_work(tiny: _Server, client: httpx.AsyncClient) -> None:
    tiny.site.routes["/"] = (200, {}, b"<p>home</p>")
    host = urlsplit(tiny.origin).netloc
    result = await https_probe(host, sender_for(client))
    assert result["http_status"] == 200 and result["http_redirects_to_https"] is False
    assert result["https_ok"] is False and result["https_error"] is not None
    dns = await dns_probe("localhost")
    assert "aaaa" in dns or "error" in dns
