"""Trap guard for routed CMS URLs, budget outcome, and rendering of JavaScript-built menus during the crawl."""

from __future__ import annotations

import pytest

from egov_audit.core.artifacts import CrawlStatus
from egov_audit.core.failures import FailureClass
from egov_audit.crawler.browser import Browser, resolve_executable
from egov_audit.crawler.frontier import Frontier, variant_key
from egov_audit.crawler.links import navigation_gap
from egov_audit.crawler.settings import BrowserSettings
from egov_audit.demo.markup import js_menu_script
from tests.test_crawler import crawl, fast, target
from tests.test_crawler_farm import Farm, page

MENU = [("Giới thiệu", "/gioi-thieu", []), ("Tin tức", "/tin-tuc", [("Thông báo", "/thong-bao")])]


def js_home(title: str = "Trang chủ") -> str:
    """A page whose only menu is drawn by a script: no <a href> for its entries in the static HTML."""
    return page(title, "<p>Chào mừng</p>", '<div id="mainmenu" class="menu"></div>' + js_menu_script("mainmenu", MENU))


def rendered_home() -> str:
    """What Chromium would return for ``js_home`` (the DOM after the script ran)."""
    links = '<ul><li><a href="/gioi-thieu">Giới thiệu</a></li><li><a href="/tin-tuc">Tin tức</a>'
    links += '<ul><li><a href="/thong-bao">Thông báo</a></li></ul></li></ul>'
    return page("Trang chủ", "<p>Chào mừng</p>", f'<div id="mainmenu" class="menu">{links}</div>')


# --- trap guard ---------------------------------------------------------------------------------------


def test_routing_parameters_are_identity_others_are_variants() -> None:
    frontier = Frontier(max_pages=200, max_query_variants=3, trap_share=0.05, max_repeated_segments=2)
    dnn = [frontier.add(f"http://x.gov.vn/Default.aspx?tabid={t}&ItemID={i}", 1, False, None, None)
           for t in range(5) for i in range(12)]
    nukeviet = [frontier.add(f"http://x.gov.vn/index.php?nv=news&op=bai-{i}", 1, False, None, None) for i in range(30)]
    assert dnn == [None] * 60 and nukeviet == [None] * 30
    assert frontier.trap_used == 0  # none of them even touched the trap budget
    # An unknown parameter next to a routing one still varies endlessly: bounded per (path, names, routing).
    tokens = [frontier.add(f"http://x.gov.vn/Default.aspx?tabid=1&token={i}", 1, False, None, None) for i in range(20)]
    assert tokens[:3] == [None] * 3
    assert "too many query variants" in tokens
    # Calendar parameters are traps even beside routing parameters.
    assert frontier.suspicion("http://x.gov.vn/Default.aspx?tabid=9&month=3&year=2025") == "calendar"
    assert frontier.trap_refused > 0


def test_variant_key_ignores_order_and_case_of_names() -> None:
    a = variant_key("http://x.gov.vn/D.aspx?TabId=5&page=2")
    b = variant_key("http://x.gov.vn/D.aspx?page=3&tabid=5")
    assert a is not None and b is not None and a[0] == b[0] and a[1] != b[1]
    assert variant_key("http://x.gov.vn/D.aspx?tabid=6&page=2")[0] != a[0]  # type: ignore[index]
    assert variant_key("http://x.gov.vn/plain") is None


async def test_dotnetnuke_portal_is_crawled_whole_and_stays_ok() -> None:
    items = "".join(f'<a href="/Default.aspx?tabid=52&ItemID={i}">Tin {i}</a>' for i in range(30))
    nav = "".join(f'<a href="/Default.aspx?tabid={t}">Mục {t}</a>' for t in range(40, 46))
    routes = {"/": page("Trang chủ", items, nav), "/Default.aspx": page("Trang DNN", "", nav)}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(max_query_variants=3, fetch_sitemap=False))
    assert len(farm.fetched("/Default.aspx")) == 36
    assert not any(p.error == FailureClass.TRAP.value for p in site.pages.values())
    assert site.crawl_status == CrawlStatus.OK and not site.budget_exhausted


async def test_refused_query_variants_make_the_crawl_partial() -> None:
    results = "".join(f'<a href="/tim-kiem?q=tu-khoa-{i}">Kết quả {i}</a>' for i in range(30))
    routes = {"/": page("Trang chủ", results, '<a href="/gioi-thieu">Giới thiệu</a>'),
              "/tim-kiem": page("Tìm kiếm"), "/gioi-thieu": page("Giới thiệu")}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(max_pages=40, max_query_variants=3, fetch_sitemap=False))
    assert len(farm.fetched("/tim-kiem")) == 3 + 4  # the variants, then the trap share (10% of 40)
    assert site.budget_exhausted and site.crawl_status == CrawlStatus.PARTIAL


async def test_body_cut_at_max_bytes_makes_the_crawl_partial() -> None:
    big = page("Văn bản", "<p>Quyết định số 123/QĐ-UBND</p>" * 5_000)
    routes = {"/": page("Trang chủ", "", '<a href="/lon">Lớn</a>'), "/lon": big}
    with Farm(routes) as farm:
        site = await crawl(target(farm), fast(max_bytes=50_000, fetch_sitemap=False))
    assert site.pages[farm.url("/lon")].error == FailureClass.TOO_LARGE.value
    assert site.budget_exhausted and site.crawl_status == CrawlStatus.PARTIAL


# --- rendering ----------------------------------------------------------------------------------------


def test_navigation_gap_signs() -> None:
    assert navigation_gap(js_home(), 0, 3) == "only 0 in-scope links"
    assert (navigation_gap(js_home(), 5, 3) or "").startswith("empty menu container")
    scripted = page("T", "<script>var nav=document.createElement('ul');</script>", '<a href="/a">A</a>')
    assert navigation_gap(scripted, 5, 3) == "menu built by a script"
    normal = page("T", '<button class="navbar-toggler"></button>', '<a href="/a">A</a><a href="/b">B</a>')
    assert navigation_gap(normal, 5, 3) is None


class FakeRenderer:
    """Records the URLs asked for and answers from a table (None = rendering failed)."""

    def __init__(self, answers: dict[str, str | None], fail: bool = False) -> None:
        self.answers = answers
        self.fail = fail
        self.calls: list[str] = []

    async def __call__(self, url: str, sender: object) -> str | None:
        self.calls.append(url)
        if self.fail:
            raise RuntimeError("browser crashed")
        return self.answers.get(url)


async def test_js_menu_home_is_rendered_and_its_links_crawled_as_navigation() -> None:
    routes = {"/": js_home(), "/gioi-thieu": page("Giới thiệu", "<p>x</p>", '<a href="/">Trang chủ</a>'),
              "/tin-tuc": page("Tin tức"), "/thong-bao": page("Thông báo")}
    with Farm(routes) as farm:
        renderer = FakeRenderer({farm.url("/"): rendered_home()})
        site = await crawl(target(farm), fast(fetch_sitemap=False, render_min_links=1), renderer=renderer)
    assert renderer.calls[0] == farm.url("/")
    assert site.home is not None and "Thông báo" in (site.home.rendered_html or "")
    for path in ("/gioi-thieu", "/tin-tuc", "/thong-bao"):
        assert farm.url(path) in site.pages and site.pages[farm.url(path)].status == 200
    assert site.pages[farm.url("/gioi-thieu")].link_text == "Giới thiệu"
    assert site.crawl_status == CrawlStatus.OK


async def test_renders_are_bounded_and_only_shallow_pages_are_candidates() -> None:
    # Every page lacks navigation; a chain /p0 → /p1 → ... reaches depth 4.
    routes = {"/": page("Trang chủ", "".join(f'<a href="/p{i}">P{i}</a>' for i in range(6)))}
    routes |= {f"/p{i}": page(f"P{i}", f'<a href="/q{i}">Q{i}</a>') for i in range(6)}
    routes |= {f"/q{i}": page(f"Q{i}") for i in range(6)}
    with Farm(routes) as farm:
        renderer = FakeRenderer({})
        site = await crawl(target(farm), fast(fetch_sitemap=False, max_renders=4, render_min_links=10),
                                renderer=renderer)
    assert len(renderer.calls) == 4
    assert not any("/q" in url for url in renderer.calls)  # depth 2 is never rendered
    assert all(p.rendered_html is None for p in site.pages.values())  # the fake rendered nothing


async def test_failing_renderer_leaves_the_static_crawl_intact() -> None:
    routes = {"/": page("Trang chủ", "", '<a href="/a">A</a>'), "/a": page("A")}
    with Farm(routes) as farm:
        renderer = FakeRenderer({}, fail=True)
        site = await crawl(target(farm), fast(fetch_sitemap=False), renderer=renderer)
        without = await crawl(target(farm), fast(fetch_sitemap=False, max_renders=0), renderer=renderer)
    assert renderer.calls == [farm.url("/"), farm.url("/a")]  # none for the max_renders=0 crawl
    assert site.crawl_status == CrawlStatus.OK and farm.url("/a") in site.pages
    assert without.crawl_status == CrawlStatus.OK


@pytest.mark.skipif(resolve_executable(BrowserSettings()) is None, reason="no Chromium binary on this machine")
async def test_real_chromium_renders_a_script_built_menu() -> None:
    routes = {"/": js_home(), "/gioi-thieu": page("Giới thiệu"), "/tin-tuc": page("Tin tức"),
              "/thong-bao": page("Thông báo")}
    with Farm(routes) as farm:
        async with Browser(BrowserSettings()) as browser:
            site = await crawl(target(farm), fast(fetch_sitemap=False), renderer=browser.render)
            static = await crawl(target(farm), fast(fetch_sitemap=False))
    assert site.home is not None and site.home.rendered_html and 'href="/thong-bao"' in site.home.rendered_html
    assert {farm.url(p) for p in ("/gioi-thieu", "/tin-tuc", "/thong-bao")} <= set(site.pages)
    assert farm.url("/tin-tuc") not in static.pages  # without rendering the menu is invisible
