"""Every check id of the catalogue, case by case: a passing, a partial (where CRITERIA.md §2/§5 defines one),
a failing and an unknown site, each built from realistic Vietnamese portal HTML (NukeViet-like layout of
tests/test_checks_support.py). ``CASES`` is the registry: ``test_every_check_id_has_its_cases`` fails for a
check id of ``checks.CHECK_IDS`` without its cases, so a new check cannot land untested.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from egov_audit.checks import CHECK_IDS
from egov_audit.core.artifacts import CapturedPage, CapturedSite, Status
from tests.test_checks_support import (
    AUDITED_AT,
    DC_HEAD,
    LAWS_TABLE,
    NV_BASE,
    finding,
    make_page,
    make_site,
    nukeviet_pages,
    nukeviet_site,
    nv,
    nv_home_main,
    replace_everywhere,
    without_menu_item,
)

Pages = dict[str, str | CapturedPage | None]
Builder = Callable[[], CapturedSite]

# Checks for which CRITERIA.md defines no partial outcome (a yes/no observation).
NO_PARTIAL = frozenset({
    "interact.question_form", "interact.downloadable_forms", "interact.email", "interact.hotline",
    "interact.social", "service.levels_shown", "tech.reachable", "tech.gov_domain", "tech.sitemap_xml",
    "tech.mobile", "tech.ipv6",
})

PLACEHOLDER = "<p>Nội dung đang cập nhật.</p>"
LAST_MENU_ITEM = '<li><a href="/vi/contact/">LIÊN HỆ</a></li>'
FOOTER_EMAIL = 'Email: <a href="mailto:ubndhoabinh@dongnai.gov.vn">ubndhoabinh@dongnai.gov.vn</a></p>'
FOOTER_PHONE = "Điện thoại: 0251.3822.123 - Fax: 0251.3822.124<br>"
FOOTER_ADDRESS = "Địa chỉ: Thôn 3, xã Hoà Bình, tỉnh Đồng Nai<br>"
NATIONAL_LINK = '<li><a href="https://dichvucong.gov.vn/p/home/dvc-trang-chu.html">Cổng Dịch vụ công quốc gia</a></li>'
FACEBOOK_LINK = '<li><a href="https://www.facebook.com/ubndxahoabinh">Fanpage UBND xã</a></li>'


# ---------------------------------------------------------------------------- builders
def with_menu(pages: Pages, href: str, label: str, html: str | CapturedPage | None) -> Pages:
    """Add a main-menu entry on every page (a template edit) and the page it leads to."""
    pages = replace_everywhere(pages, LAST_MENU_ITEM, f'{LAST_MENU_ITEM}<li><a href="{href}">{label}</a></li>')
    pages[href] = nv(label, html) if isinstance(html, str) else html
    return pages


def timed_out(path: str) -> CapturedPage:
    return make_page(NV_BASE + path, None, status=None, error="timeout")


def not_found_page(path: str) -> CapturedPage:
    return make_page(NV_BASE + path, "<html><body><h1>404 Not Found</h1></body></html>", status=404)


def dated_list(prefix: str, items: list[tuple[str, str]]) -> str:
    """A listing as NukeViet prints it: linked titles with their dates."""
    rows = "".join(
        f'<li class="item"><a href="{prefix}{i + 301}-muc.html">{title}</a> <span class="date">{date}</span></li>'
        for i, (title, date) in enumerate(items))
    return f'<ul class="list-items">{rows}</ul>'


def site(pages: Pages, **kwargs: object) -> Builder:
    return lambda: nukeviet_site(pages=pages, **kwargs)


def cut_short(pages: Pages) -> Builder:
    """The crawl ran out of budget before a menu page (Cơ cấu tổ chức) was fetched (CRITERIA.md §5)."""
    pages = dict(pages)
    pages["/vi/organs/"] = None
    return site(pages, budget_exhausted=True)


def without_page(pages: Pages, *paths: str) -> Pages:
    return {k: (None if any(k.startswith(p) for p in paths) else v) for k, v in pages.items()}


def base() -> Pages:
    return nukeviet_pages()


def section_cases(href: str, label: str, content: str) -> dict[Status, Builder]:
    """The common section rule (CRITERIA.md §2) for a section the base site does not have."""
    return {
        Status.PASS: site(with_menu(base(), href, label, f"<h1>{label}</h1>{content}")),
        Status.PARTIAL: site(with_menu(base(), href, label, f"<h1>{label}</h1>{PLACEHOLDER}")),
        Status.FAIL: site(base()),
        Status.UNKNOWN: site(with_menu(base(), href, label, timed_out(href))),
    }


# ---------------------------------------------------------------------------- realistic contents
DIRECTION = dated_list("/vi/news/chi-dao-dieu-hanh/", [
    ("Công văn chỉ đạo triển khai phòng chống dịch sốt xuất huyết", "24/11/2026"),
    ("Chỉ thị tăng cường công tác phòng cháy chữa cháy mùa khô", "12/11/2026")])
SCHEDULE = (
    "<table class='lich'><tr><th>Thời gian</th><th>Nội dung</th><th>Chủ trì</th></tr>"
    "<tr><td>Thứ hai, 23/11/2026 - 7h30</td><td>Giao ban UBND xã đánh giá kết quả công tác tuần và triển khai "
    "nhiệm vụ trọng tâm tuần tới</td><td>Ông Nguyễn Văn An, Chủ tịch UBND xã</td></tr>"
    "<tr><td>Thứ ba, 24/11/2026 - 14h00</td><td>Tiếp công dân định kỳ tại trụ sở UBND xã; kiểm tra tiến độ "
    "xây dựng đường giao thông nông thôn thôn 5</td><td>Bà Lê Thị Hoa, Phó Chủ tịch UBND xã</td></tr></table>")
LAW_NEWS = dated_list("/vi/news/tuyen-truyen-phap-luat/", [
    ("Tuyên truyền Luật Đất đai năm 2024 đến người dân các thôn", "20/11/2026"),
    ("Phổ biến quy định mới về xử phạt vi phạm giao thông", "05/11/2026")])
PLANS = dated_list("/vi/news/ke-hoach/", [
    ("Kế hoạch phát triển kinh tế - xã hội năm 2027", "18/11/2026"),
    ("Kế hoạch thực hiện chuyển đổi số năm 2027", "02/11/2026")])
PROJECTS = dated_list("/vi/news/dau-tu-cong/", [
    ("Thông báo mời thầu gói thầu xây dựng nhà văn hoá thôn 2", "16/11/2026"),
    ("Kế hoạch đầu tư công trung hạn giai đoạn 2026-2030", "30/10/2026")])
BUDGET = (
    '<table class="files"><tr><td>Công khai dự toán ngân sách xã năm 2026</td><td>15/01/2026</td>'
    '<td><a href="/uploads/ngan-sach/du-toan-ngan-sach-2026.pdf">Tải về</a></td></tr>'
    '<tr><td>Công khai quyết toán ngân sách xã năm 2025</td><td>10/10/2026</td>'
    '<td><a href="/uploads/ngan-sach/quyet-toan-2025.xlsx">Tải về</a></td></tr></table>')
MAP = ('<p>Bản đồ địa giới hành chính xã Hoà Bình sau sắp xếp năm 2025.</p>'
       '<img src="/uploads/ban-do-hanh-chinh-xa-hoa-binh.jpg" alt="Bản đồ hành chính xã Hoà Bình">')
STATISTICS = dated_list("/vi/news/thong-tin-thong-ke/", [
    ("Tình hình kinh tế - xã hội 10 tháng năm 2026", "10/11/2026"),
    ("Kết quả điều tra hộ nghèo, hộ cận nghèo năm 2026", "25/10/2026")])
CONSULTATION = dated_list("/vi/opinions/", [
    ("Dự thảo Quy chế quản lý nghĩa trang nhân dân xã", "20/11/2026"),
    ("Dự thảo Kế hoạch phát triển kinh tế - xã hội năm 2027", "15/11/2026")])
SITEMAP = "<ul>" + "".join(
    f'<li><a href="{href}">{text}</a></li>' for href, text in [
        ("/vi/", "Trang chủ"), ("/vi/about/", "Giới thiệu"), ("/vi/organs/", "Cơ cấu tổ chức"),
        ("/vi/news/tin-tuc-su-kien/", "Tin tức - Sự kiện"), ("/vi/laws/", "Văn bản"), ("/vi/faq/", "Hỏi đáp"),
        ("/vi/contact/", "Liên hệ")]) + "</ul>"
ENGLISH = (
    "<h2>Hoa Binh Commune People's Committee</h2><p>The People's Committee of Hoa Binh Commune is the local state "
    "administrative body.</p><h3>Organisation</h3><ul><li>Chairman: Mr Nguyen Van An</li><li>Office of the "
    "People's Council and People's Committee</li></ul><h3>Contact</h3><p>Address: Thôn 3, xã Hoà Bình, tỉnh Đồng Nai"
    "</p><p>Tel: 0251 3822 123</p><p>Email: <a href='mailto:ubndhoabinh@dongnai.gov.vn'>ubndhoabinh@dongnai.gov.vn</a></p>")
DOSSIER_FORM = ('<form action="/vi/tra-cuu-ho-so/" method="get"><label>Mã hồ sơ</label>'
                '<input type="text" name="ma_ho_so"><button type="submit">Tra cứu</button></form>')
SATISFACTION_FORM = ('<p>Mời ông/bà đánh giá mức độ hài lòng khi giải quyết thủ tục hành chính.</p>'
                     '<form action="/vi/danh-gia/" method="post"><label>Mã hồ sơ</label><input type="text" name="ma">'
                     '<button type="submit">Đánh giá</button></form>')
PAYMENT_PAGE = (
    "<p>Người dân, doanh nghiệp có thể thanh toán phí, lệ phí giải quyết thủ tục hành chính trực tuyến qua Cổng Dịch "
    "vụ công quốc gia bằng tài khoản ngân hàng, ví điện tử hoặc thẻ ATM; biên lai điện tử được gửi ngay sau khi "
    "thanh toán thành công. Bộ phận một cửa xã hướng dẫn người dân thực hiện thanh toán khi nộp hồ sơ trực tuyến.</p>")
FIGURES_BOX = ('<div class="panel panel-default"><div class="panel-heading">Tình hình xử lý hồ sơ</div>'
               '<div class="panel-body"><ul><li>Tiếp nhận: 1.245</li><li>Đã giải quyết: 1.198</li>'
               '<li>Đúng hạn: 98,6%</li></ul></div></div>')
SERVICES_TABLE = (
    "<table><tr><th>Tên thủ tục</th><th>Mức độ</th></tr>"
    '<tr><td><a href="/vi/dvc/dang-ky-khai-sinh-1.html">Đăng ký khai sinh cho trẻ em</a></td><td>Toàn trình</td></tr>'
    '<tr><td><a href="/vi/dvc/chung-thuc-ban-sao-2.html">Chứng thực bản sao từ bản chính</a></td><td>Mức độ 4</td></tr>'
    "</table>")
ORGANS_NO_CONTACT = (
    "<h1>Cơ cấu tổ chức</h1><table class='organs'><tr><td>Ông Nguyễn Văn An</td><td>Chủ tịch UBND xã</td></tr>"
    "<tr><td>Bà Lê Thị Hoa</td><td>Phó Chủ tịch UBND xã</td></tr></table><p>UBND xã thực hiện chức năng quản lý "
    "nhà nước ở địa phương theo quy định của pháp luật, bảo đảm hiệu lực của Hiến pháp và pháp luật.</p>")


def news_with_dates(*dates: str) -> Pages:
    """The base site with its news listing (section and home block) dated as given."""
    from tests.test_checks_support import NEWS, news_items

    items = [(slug, title, dates[i] if i < len(dates) else dates[-1]) for i, (slug, title, _d) in enumerate(NEWS)]
    pages = base()
    pages["/vi/"] = nv("Trang chủ", nv_home_main(news_items(items)).replace("27/11/2026", dates[0]))
    pages["/vi/news/tin-tuc-su-kien/"] = nv("Tin tức - Sự kiện", "<h1>Tin tức - Sự kiện</h1>" + news_items(items))
    return pages


def documents_dated(date: str) -> Pages:
    pages = base()
    pages["/vi/laws/"] = pages["/vi/laws/"].replace("27/11/2026", date).replace("15/10/2026", date)  # type: ignore[union-attr]
    return pages


def home_without_dc() -> Pages:
    return base()


def home_with_dc(pages: Pages) -> Pages:
    pages = dict(pages)
    pages["/vi/"] = nv("Trang chủ", nv_home_main(), DC_HEAD.format(t="Trang chủ"))
    return pages


def probe_site(**probes: object) -> Builder:
    return lambda: nukeviet_site(probes=dict(probes))


def https(ok: bool, redirect: bool | None, error: str | None = None) -> dict[str, object]:
    return {"https_ok": ok, "https_status": 200 if ok else None, "https_error": error, "http_status": 301 if redirect else 200,
            "http_redirects_to_https": redirect, "http_location": None, "http_error": None}


def search(result_html: str | None, result_url: str = NV_BASE + "/vi/seek/?q=x", error: str | None = None) -> dict[str, object]:
    target = NV_BASE + "/vi/news/tin-tuc-su-kien/hoi-nghi-tong-ket-cong-tac-nam-2026-101.html"
    return {"form_url": NV_BASE + "/vi/", "query": "Hội nghị tổng kết công tác năm 2026", "result_url": result_url,
            "result_html": result_html, "error": error, "target_url": target}


RESULT_WITH_ARTICLE = ('<html><body><a href="/vi/news/tin-tuc-su-kien/hoi-nghi-tong-ket-cong-tac-nam-2026-101.html">'
                       "Hội nghị tổng kết công tác năm 2026</a></body></html>")


def mobile(viewport: str, scroll: int) -> dict[str, object]:
    return {"viewport_meta": viewport, "scroll_width": scroll, "client_width": 390}


def axe(*impacts: str) -> dict[str, object]:
    return {"violations": [{"id": f"rule-{i}", "impact": impact, "nodes": 1} for i, impact in enumerate(impacts)]}


def link_status(broken: int, total: int) -> Builder:
    """Internal links of a page with ``broken`` of ``total`` known to answer 404 (from the link-status probe)."""
    links = "".join(f'<li><a href="/vi/news/tin-tuc-su-kien/muc-{i}.html">Bài viết số {i} của chuyên mục</a></li>'
                    for i in range(total))
    pages: Pages = {"/vi/": nv("Trang chủ", f"<ul>{links}</ul>")}
    statuses = {f"{NV_BASE}/vi/news/tin-tuc-su-kien/muc-{i}.html": 404 if i < broken else 200 for i in range(total)}
    # The layout's own links (menu, footer) all answer.
    layout_links = ["/vi/about/", "/vi/about/Gioi-thieu-chung.html", "/vi/about/Dieu-kien-tu-nhien.html", "/vi/organs/",
                    "/vi/news/tin-tuc-su-kien/", "/vi/laws/", "/vi/faq/", "/vi/contact/"]
    statuses.update({NV_BASE + path: 200 for path in layout_links})
    return lambda: make_site(NV_BASE, pages, "/vi/", probes={"link_status": statuses})


def images(good: int, bad: int) -> Builder:
    imgs = "".join(f'<img src="/uploads/anh-{i}.jpg" alt="Hoạt động {i}">' for i in range(good))
    imgs += "".join(f'<a href="/vi/news/a-{i}.html"><img src="/uploads/b-{i}.jpg"></a>' for i in range(bad))
    return lambda: make_site(NV_BASE, {"/vi/": nv("Trang chủ", imgs)}, "/vi/")


def timings(seconds: float | None) -> Builder:
    def build() -> CapturedSite:
        built = nukeviet_site()
        for page in built.pages.values():
            page.ttfb_seconds = seconds
        return built
    return build


def encoded(encoding: str | None = None, legacy: str | None = None) -> Builder:
    def build() -> CapturedSite:
        built = nukeviet_site()
        home = built.pages[NV_BASE + "/vi/"]
        if encoding:
            home.encoding = encoding
        home.legacy_font_encoding = legacy
        return built
    return build


def no_home() -> CapturedSite:
    """A crawl that captured nothing (an ``ok`` crawl status with no pages: a broken artifact)."""
    return CapturedSite(unit_code="26001", unit_level="commune", portal_url=None, home_url=None, audited_at=AUDITED_AT)


def home_error(status: int) -> Builder:
    def build() -> CapturedSite:
        built = nukeviet_site()
        built.pages[NV_BASE + "/vi/"] = make_page(NV_BASE + "/vi/", "<html><body>Lỗi máy chủ</body></html>", status=status)
        return built
    return build


def sitemap(ok: bool, urls: list[str], status: int | None = 200, error: str | None = None) -> Builder:
    data = {"url": NV_BASE + "/sitemap.xml", "status": status, "ok": ok, "urls": urls, "error": error}
    return site(base(), sitemap=data)


def no_reference_time() -> CapturedSite:
    built = nukeviet_site()
    built.audited_at = None
    for page in built.pages.values():
        page.fetched_at = None
    return built


# ---------------------------------------------------------------------------- the registry
def _cases() -> dict[str, dict[Status, Builder]]:
    p = base
    cases: dict[str, dict[Status, Builder]] = {
        "info.introduction": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(p() | {"/vi/about/Gioi-thieu-chung.html": nv("Giới thiệu chung", f"<h1>Giới thiệu chung</h1>{PLACEHOLDER}")}),
            Status.FAIL: site(without_menu_item(without_page(p(), "/vi/about/"), "/vi/about/")),
            Status.UNKNOWN: site(p() | {"/vi/about/Gioi-thieu-chung.html": timed_out("/vi/about/Gioi-thieu-chung.html")}),
        },
        "info.organization": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(p() | {"/vi/organs/": nv("Cơ cấu tổ chức", f"<h1>Cơ cấu tổ chức</h1>{PLACEHOLDER}")}),
            Status.FAIL: site(without_menu_item(without_page(p(), "/vi/organs/"), "/vi/organs/")),
            Status.UNKNOWN: site(p() | {"/vi/organs/": timed_out("/vi/organs/")}),
        },
        "info.leaders": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(p() | {"/vi/organs/": nv("Cơ cấu tổ chức", ORGANS_NO_CONTACT)}),
            Status.FAIL: site(without_menu_item(without_page(p(), "/vi/organs/"), "/vi/organs/")),
            Status.UNKNOWN: site(with_menu(without_menu_item(without_page(p(), "/vi/organs/"), "/vi/organs/"),
                                           "/vi/lanh-dao/", "Lãnh đạo UBND", timed_out("/vi/lanh-dao/"))),
        },
        "info.contact": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(replace_everywhere(p(), FOOTER_EMAIL, "</p>")),
            Status.FAIL: site(replace_everywhere(replace_everywhere(p(), FOOTER_EMAIL, "</p>"), FOOTER_PHONE, "")),
            Status.UNKNOWN: site(replace_everywhere(p(), FOOTER_EMAIL, "</p>") | {"/vi/contact/": timed_out("/vi/contact/")}),
        },
        "info.news": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(p() | {f"/vi/news/tin-tuc-su-kien/{s}.html": not_found_page(f"/vi/news/tin-tuc-su-kien/{s}.html")
                                        for s in ("hoi-nghi-tong-ket-cong-tac-nam-2026-101", "ra-quan-ve-sinh-moi-truong-102",
                                                  "tiem-chung-mo-rong-dot-3-103", "trao-qua-cho-ho-ngheo-104")}),
            Status.FAIL: site(replace_everywhere(
                without_page(p(), "/vi/news/") | {"/vi/": nv("Trang chủ", "<p>Chào mừng đến với cổng thông tin xã</p>")},
                "TIN TỨC - SỰ KIỆN", "ẢNH")),
            Status.UNKNOWN: site(without_page(p(), "/vi/news/tin-tuc-su-kien/h", "/vi/news/tin-tuc-su-kien/r",
                                              "/vi/news/tin-tuc-su-kien/t")),
        },
        "info.direction": section_cases("/vi/news/chi-dao-dieu-hanh/", "Chỉ đạo điều hành", DIRECTION),
        "info.work_schedule": section_cases("/vi/lich-lam-viec/", "Lịch làm việc", SCHEDULE),
        "info.legal_documents": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(p() | {"/vi/laws/": nv("Văn bản", re.sub(r'<a href="/uploads/[^"]+">Tải về</a>', "", LAWS_TABLE))}),
            Status.FAIL: site(without_menu_item(without_page(p(), "/vi/laws/")
                                                | {"/vi/": nv("Trang chủ", nv_home_main().replace("VĂN BẢN MỚI", "THÔNG BÁO"))},
                                                "/vi/laws/")),
            Status.UNKNOWN: site(p() | {"/vi/laws/": timed_out("/vi/laws/")}),
        },
        "info.law_dissemination": section_cases("/vi/news/tuyen-truyen-phap-luat/", "Tuyên truyền pháp luật", LAW_NEWS),
        "info.plans": section_cases("/vi/news/ke-hoach/", "Kế hoạch", PLANS),
        "info.projects": section_cases("/vi/news/dau-tu-cong/", "Đầu tư công", PROJECTS),
        "info.budget": section_cases("/vi/cong-khai-ngan-sach/", "Công khai ngân sách", BUDGET),
        "info.procedures": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(replace_everywhere(with_menu(p(), "/vi/thu-tuc-hanh-chinh/", "Thủ tục hành chính",
                                                              f"<h1>Thủ tục hành chính</h1>{PLACEHOLDER}"), NATIONAL_LINK, "")),
            Status.FAIL: site(replace_everywhere(p(), NATIONAL_LINK, "")),
            Status.UNKNOWN: site(replace_everywhere(with_menu(p(), "/vi/thu-tuc-hanh-chinh/", "Thủ tục hành chính",
                                                              timed_out("/vi/thu-tuc-hanh-chinh/")), NATIONAL_LINK, "")),
        },
        "info.map": section_cases("/vi/ban-do-hanh-chinh/", "Bản đồ hành chính", MAP),
        "info.statistics": section_cases("/vi/news/thong-tin-thong-ke/", "Thông tin thống kê", STATISTICS),
        "info.english": {
            Status.PASS: site(with_menu(p(), "/en/", "English", ENGLISH)),
            Status.PARTIAL: site(with_menu(p(), "/en/", "English", not_found_page("/en/"))),
            Status.FAIL: site(p()),
            Status.UNKNOWN: site(with_menu(p(), "/en/", "English", timed_out("/en/"))),
        },
        "info.ownership": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(replace_everywhere(p(), "Chịu trách nhiệm chính: Ông Nguyễn Văn An - Chủ tịch UBND xã<br>", "")),
            Status.FAIL: site(replace_everywhere(replace_everywhere(
                p(), "Chịu trách nhiệm chính: Ông Nguyễn Văn An - Chủ tịch UBND xã<br>", ""),
                "Cơ quan chủ quản: Uỷ ban nhân dân xã Hoà Bình<br>", "")),
            Status.UNKNOWN: cut_short(replace_everywhere(replace_everywhere(
                p(), "Chịu trách nhiệm chính: Ông Nguyễn Văn An - Chủ tịch UBND xã<br>", ""),
                "Cơ quan chủ quản: Uỷ ban nhân dân xã Hoà Bình<br>", "")),
        },
        "fresh.news": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(news_with_dates("10/10/2026")),  # 49 days: over 30, within 90
            Status.FAIL: site(news_with_dates("01/03/2026")),
            Status.UNKNOWN: no_reference_time,
        },
        "fresh.documents": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(documents_dated("01/05/2026")),  # 211 days
            Status.FAIL: site(documents_dated("01/06/2025")),
            Status.UNKNOWN: site(p() | {"/vi/laws/": timed_out("/vi/laws/")}),
        },
        "interact.qa": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(p() | {"/vi/faq/thu-tuc-dang-ky-khai-sinh-cho-con-1.html": nv("Hỏi đáp",
                                 "<div class='faq-detail'><h1>Thủ tục đăng ký khai sinh cho con cần giấy tờ gì?</h1>"
                                 "<p>Câu hỏi: Tôi mới sinh con, xin hỏi thủ tục cần những giấy tờ gì?</p>"
                                 "<p>Trạng thái: Chưa trả lời</p></div>")}),
            Status.FAIL: site(without_menu_item(without_page(p(), "/vi/faq/"), "/vi/faq/")),
            Status.UNKNOWN: site(p() | {"/vi/faq/": timed_out("/vi/faq/")}),
        },
        "interact.question_form": {
            Status.PASS: site(p()),
            Status.FAIL: site(p() | {"/vi/contact/": nv("Liên hệ", "<h1>Liên hệ</h1><p>Địa chỉ: Thôn 3, xã Hoà Bình</p>")}),
            Status.UNKNOWN: site(p() | {"/vi/contact/": timed_out("/vi/contact/")}),
        },
        "interact.consultation": section_cases("/vi/opinions/", "Lấy ý kiến dự thảo", CONSULTATION),
        "interact.downloadable_forms": {
            Status.PASS: site(with_menu(p(), "/vi/bieu-mau/", "Biểu mẫu",
                                        '<h1>Biểu mẫu</h1><ul><li><a href="/uploads/bieu-mau/to-khai-dang-ky-khai-sinh.docx">'
                                        "Tờ khai đăng ký khai sinh</a></li></ul>")),
            Status.FAIL: site(p()),
            Status.UNKNOWN: cut_short(p()),
        },
        "interact.email": {
            Status.PASS: site(p()),
            Status.FAIL: site(replace_everywhere(p() | {"/vi/organs/": nv("Cơ cấu tổ chức", ORGANS_NO_CONTACT)},
                                                 FOOTER_EMAIL, "</p>")),
            Status.UNKNOWN: cut_short(replace_everywhere(p(), FOOTER_EMAIL, "</p>")),
        },
        "interact.hotline": {
            Status.PASS: site(p()),
            Status.FAIL: site(replace_everywhere(p() | {"/vi/organs/": nv("Cơ cấu tổ chức", ORGANS_NO_CONTACT)},
                                                 FOOTER_PHONE, "")),
            Status.UNKNOWN: cut_short(replace_everywhere(p(), FOOTER_PHONE, "")),
        },
        "interact.social": {
            Status.PASS: site(p()),
            Status.FAIL: site(replace_everywhere(p(), FACEBOOK_LINK, "")),
            Status.UNKNOWN: cut_short(replace_everywhere(p(), FACEBOOK_LINK, "")),
        },
        "service.portal_link": {
            Status.PASS: site(p()),
            Status.PARTIAL: site(replace_everywhere(with_menu(p(), "/vi/dich-vu-cong-truc-tuyen/", "Dịch vụ công trực tuyến",
                                                              f"<h1>Dịch vụ công trực tuyến</h1>{PLACEHOLDER}"), NATIONAL_LINK, "")),
            Status.FAIL: site(replace_everywhere(p(), NATIONAL_LINK, "")),
            Status.UNKNOWN: site(replace_everywhere(with_menu(p(), "/vi/dich-vu-cong-truc-tuyen/", "Dịch vụ công trực tuyến",
                                                              timed_out("/vi/dich-vu-cong-truc-tuyen/")), NATIONAL_LINK, "")),
        },
        "service.levels_shown": {
            Status.PASS: site(with_menu(p(), "/vi/dich-vu-cong-truc-tuyen/", "Dịch vụ công trực tuyến",
                                        f"<h1>Dịch vụ công trực tuyến</h1>{SERVICES_TABLE}")),
            Status.FAIL: site(p()),
            Status.UNKNOWN: cut_short(p()),
        },
        "service.dossier_lookup": section_cases("/vi/tra-cuu-ho-so/", "Tra cứu hồ sơ", DOSSIER_FORM),
        "service.statistics": {
            Status.PASS: site(replace_everywhere(p(), '<div class="panel panel-default">\n      <div class="panel-heading">Thống kê truy cập',
                                                 FIGURES_BOX + '<div class="panel panel-default">\n      <div class="panel-heading">Thống kê truy cập')),
            Status.PARTIAL: site(with_menu(p(), "/vi/thong-ke-ho-so/", "Thống kê hồ sơ", f"<h1>Thống kê hồ sơ</h1>{PLACEHOLDER}")),
            Status.FAIL: site(p()),
            Status.UNKNOWN: site(with_menu(p(), "/vi/thong-ke-ho-so/", "Thống kê hồ sơ", timed_out("/vi/thong-ke-ho-so/"))),
        },
        "service.satisfaction": section_cases("/vi/danh-gia/", "Đánh giá mức độ hài lòng", SATISFACTION_FORM),
        "service.payment": section_cases("/vi/thanh-toan-truc-tuyen/", "Thanh toán trực tuyến", PAYMENT_PAGE),
        "tech.reachable": {
            Status.PASS: site(p()),
            Status.FAIL: home_error(500),
            Status.UNKNOWN: no_home,
        },
        "tech.https": {
            Status.PASS: probe_site(https=https(True, True)),
            Status.PARTIAL: probe_site(https=https(True, False)),
            Status.FAIL: probe_site(https=https(False, None, "tls")),
            Status.UNKNOWN: probe_site(https=https(False, None, "timeout")),
        },
        "tech.gov_domain": {
            Status.PASS: site(p()),
            Status.FAIL: lambda: make_site("https://xahoabinh.com.vn", {"/vi/": nv("Trang chủ", nv_home_main())}, "/vi/"),
            Status.UNKNOWN: no_home,
        },
        "tech.sitemap_xml": {
            Status.PASS: sitemap(True, [NV_BASE + "/vi/", NV_BASE + "/vi/faq/"]),
            Status.FAIL: sitemap(False, [], status=404, error="http_status"),
            Status.UNKNOWN: sitemap(False, [], status=None, error="timeout"),
        },
        "tech.sitemap_html": section_cases("/vi/so-do-cong/", "Sơ đồ cổng", SITEMAP),
        "tech.search": {
            Status.PASS: probe_site(search=search(RESULT_WITH_ARTICLE)),
            Status.PARTIAL: probe_site(search=search("<html><body><p>Không tìm thấy kết quả nào.</p></body></html>")),
            Status.FAIL: probe_site(search={"error": "no_form"}),
            Status.UNKNOWN: probe_site(search=search(None, result_url="https://timkiem.dongnai.gov.vn/?q=x")),
        },
        "tech.mobile": {
            Status.PASS: probe_site(mobile=mobile("width=device-width, initial-scale=1", 390)),
            Status.FAIL: probe_site(mobile=mobile("width=1024", 1024)),
            Status.UNKNOWN: site(p()),  # no browser: the probe is absent
        },
        "tech.metadata": {
            Status.PASS: site(home_with_dc(p())),
            Status.PARTIAL: site(p()),  # Dublin Core on the articles only
            Status.FAIL: site(replace_everywhere(p(), '<meta name="DC.', '<meta name="og:')),
            Status.UNKNOWN: site(without_page(home_with_dc(p()), "/vi/news/tin-tuc-su-kien/h", "/vi/news/tin-tuc-su-kien/r",
                                              "/vi/news/tin-tuc-su-kien/t", "/vi/laws/detail/", "/vi/news/lich")),
        },
        "tech.accessibility": {
            Status.PASS: probe_site(axe=axe("minor", "moderate")),
            Status.PARTIAL: probe_site(axe=axe("serious", "minor")),
            Status.FAIL: probe_site(axe=axe("critical", "serious", "serious", "minor", "moderate")),
            Status.UNKNOWN: probe_site(axe={"error": "axe-core failed to load"}),
        },
        "tech.images_alt": {
            Status.PASS: images(10, 0),
            Status.PARTIAL: images(6, 4),
            Status.FAIL: images(1, 9),
            Status.UNKNOWN: no_home,
        },
        "tech.broken_links": {
            Status.PASS: link_status(0, 20),
            Status.PARTIAL: link_status(2, 20),
            Status.FAIL: link_status(10, 20),
            Status.UNKNOWN: site(p()),  # no link-status probe and no broken page fetched
        },
        "tech.response_time": {
            Status.PASS: timings(0.3),
            Status.PARTIAL: timings(3.0),
            Status.FAIL: timings(7.5),
            Status.UNKNOWN: timings(None),
        },
        "tech.unicode": {
            Status.PASS: encoded(),
            Status.PARTIAL: encoded(legacy="tcvn3"),
            Status.FAIL: encoded(encoding="windows-1258"),
            Status.UNKNOWN: no_home,
        },
        "tech.ipv6": {
            Status.PASS: probe_site(dns={"aaaa": ["2001:ee0:4f0::1"]}),
            Status.FAIL: probe_site(dns={"aaaa": []}),
            Status.UNKNOWN: probe_site(dns={"error": "DNS not available"}),
        },
    }
    return cases


CASES = _cases()
PARAMS = [pytest.param(check, status, id=f"{check}-{status}") for check, by in CASES.items() for status in by]


def test_every_check_id_has_its_cases() -> None:
    """pass, fail and unknown for every id; partial too where CRITERIA.md defines it."""
    assert set(CASES) == set(CHECK_IDS), set(CASES) ^ set(CHECK_IDS)
    for check in CHECK_IDS:
        wanted = {Status.PASS, Status.FAIL, Status.UNKNOWN} | (set() if check in NO_PARTIAL else {Status.PARTIAL})
        assert set(CASES[check]) == wanted, (check, set(CASES[check]) ^ wanted)


@pytest.mark.parametrize(("check", "status"), PARAMS)
def test_check_gives_the_expected_status(check: str, status: Status) -> None:
    result = finding(CASES[check][status](), check)
    assert result.status == status, (result.status, result.reason)
    if status == Status.FAIL and check.startswith(("info.", "interact.")) and check != "info.ownership":
        assert result.looked_at or result.value is not None, "a fail names the pages looked at"
    if status in (Status.PASS, Status.PARTIAL) and not check.startswith("tech."):
        assert result.evidence, "a conclusive finding carries evidence"
    if status == Status.PASS:
        # The findings export promises evidence URLs for every pass (issue 2, PRODUCT.md).
        assert result.evidence and all(e.url for e in result.evidence), "a pass names the page that proves it"
