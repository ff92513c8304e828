"""Section detection near-misses: a section versus a mere mention, reachability (a link only inside an article
body counts for nothing), placeholder versus real page, main content versus boilerplate, labels counting for
their own concept, and the figures of service.statistics."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.core.artifacts import Status
from tests.test_checks_catalogue import ENGLISH, FIGURES_BOX, PLACEHOLDER, with_menu
from tests.test_checks_support import (
    DC_HEAD,
    INTRO_TEXT,
    NV_BASE,
    finding,
    make_site,
    nukeviet_pages,
    nukeviet_site,
    nv,
    nv_home_main,
    replace_everywhere,
)

ARTICLE = "/vi/news/tin-tuc-su-kien/hoi-nghi-tong-ket-cong-tac-nam-2026-101.html"
BUDGET_PAGE = ('<h1>Công khai ngân sách</h1><table><tr><td>Công khai dự toán ngân sách xã năm 2026</td><td>15/01/2026</td>'
               '<td><a href="/uploads/du-toan-2026.pdf">Tải về</a></td></tr></table>')


def _article_linking(href: str, text: str) -> str:
    return nv("Tin tức", f"<div class='news-detail'><h1>Hội nghị tổng kết công tác năm 2026</h1><div class='bodytext'>"
                         f"<p>Chi tiết xem tại <a href='{href}'>{text}</a> của UBND xã.</p></div></div>",
              DC_HEAD.format(t="Hội nghị"))


def test_section_linked_only_inside_an_article_body_does_not_count() -> None:
    pages = nukeviet_pages(**{ARTICLE: _article_linking("/vi/cong-khai-ngan-sach/", "Công khai ngân sách"),
                              "/vi/cong-khai-ngan-sach/": nv("Công khai ngân sách", BUDGET_PAGE)})
    result = finding(nukeviet_site(pages=pages), "info.budget")
    assert result.status == Status.FAIL, result.reason


def test_the_same_page_listed_in_sitemap_xml_counts() -> None:
    pages = nukeviet_pages(**{ARTICLE: _article_linking("/vi/cong-khai-ngan-sach/", "Công khai ngân sách"),
                              "/vi/cong-khai-ngan-sach/": nv("Công khai ngân sách", BUDGET_PAGE)})
    sitemap = {"url": NV_BASE + "/sitemap.xml", "status": 200, "ok": True, "error": None,
               "urls": [NV_BASE + "/vi/", NV_BASE + "/vi/cong-khai-ngan-sach/"]}
    result = finding(nukeviet_site(pages=pages, sitemap=sitemap), "info.budget")
    assert result.status == Status.PASS and "heading" in (result.reason or "")


def test_consultation_menu_entry_is_not_a_document_list() -> None:
    # "Lấy ý kiến dự thảo văn bản" contains "văn bản": the longer label makes it a consultation only, so a
    # draft's recent date is not the newest document (fresh.documents reads the document list).
    drafts = ('<h1>Lấy ý kiến dự thảo văn bản</h1><table><tr><td>15/QĐ-UBND</td><td>27/11/2026</td>'
              '<td><a href="/vi/opinions/du-thao-quy-che-1.html">Dự thảo Quy chế quản lý nghĩa trang nhân dân xã</a></td>'
              '<td><a href="/uploads/du-thao-quy-che.pdf">Tải về</a></td></tr></table>')
    pages = with_menu(nukeviet_pages(), "/vi/opinions/", "Lấy ý kiến dự thảo văn bản", drafts)
    pages["/vi/laws/"] = pages["/vi/laws/"].replace("27/11/2026", "01/05/2026").replace("15/10/2026", "01/04/2026")  # type: ignore[union-attr]
    site = nukeviet_site(pages=pages)
    assert [m.url for m in SiteAnalysis(site).find_sections("legal_documents")] == [NV_BASE + "/vi/laws/"]
    result = finding(site, "fresh.documents")
    assert result.status == Status.PARTIAL and result.value == 211
    assert finding(site, "interact.consultation").status == Status.PASS


def test_direction_label_containing_van_ban_is_direction_not_documents() -> None:
    site = nukeviet_site()
    analysis = SiteAnalysis(site)
    assert analysis.claims("VĂN BẢN CHỈ ĐẠO ĐIỀU HÀNH") == {"direction": "Văn bản chỉ đạo điều hành"}
    # Two concepts side by side in one menu text both count.
    assert set(analysis.claims("Quy hoạch - Kế hoạch - Đầu tư công")) == {"plans", "projects"}


def test_long_real_page_mentioning_dang_cap_nhat_is_not_a_placeholder() -> None:
    text = f"<h1>Giới thiệu chung</h1><p>{INTRO_TEXT}</p><p>{INTRO_TEXT}</p><p>Số liệu năm 2026 đang cập nhật.</p>"
    pages = nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": nv("Giới thiệu chung", text)})
    assert finding(nukeviet_site(pages=pages), "info.introduction").status == Status.PASS


def test_page_whose_only_text_is_a_repeated_box_is_empty() -> None:
    # A notice box the template repeats in the main column of every page is boilerplate, not the page's content.
    box = ('<div class="thongbao"><p>Thông báo: UBND xã Hoà Bình tiếp công dân vào sáng thứ Năm hằng tuần tại trụ sở, '
           "người dân mang theo căn cước công dân và các giấy tờ liên quan đến vụ việc để được hướng dẫn.</p></div>")
    pages = replace_everywhere(nukeviet_pages(), '<div class="col-md-9 main-column">', '<div class="col-md-9 main-column">' + box)
    pages["/vi/about/Gioi-thieu-chung.html"] = nv("Giới thiệu chung", "<h1>Giới thiệu chung</h1>").replace(
        '<div class="col-md-9 main-column">', '<div class="col-md-9 main-column">' + box)
    result = finding(nukeviet_site(pages=pages), "info.introduction")
    assert result.status == Status.PARTIAL, result.reason


def test_map_page_without_an_image_or_embedded_map_is_partial() -> None:
    text = "<h1>Bản đồ hành chính</h1><p>" + INTRO_TEXT + "</p>"
    site = nukeviet_site(pages=with_menu(nukeviet_pages(), "/vi/ban-do/", "Bản đồ hành chính", text))
    assert finding(site, "info.map").status == Status.PARTIAL
    embedded = text + '<iframe src="https://www.google.com/maps/embed?pb=xa-hoa-binh" title="Bản đồ"></iframe>'
    site = nukeviet_site(pages=with_menu(nukeviet_pages(), "/vi/ban-do/", "Bản đồ hành chính", embedded))
    assert finding(site, "info.map").status == Status.PASS


def test_english_page_without_contact_information_is_partial() -> None:
    no_contact = ENGLISH.split("<h3>Contact</h3>")[0]
    site = nukeviet_site(pages=with_menu(nukeviet_pages(), "/en/", "English", no_contact))
    result = finding(site, "info.english")
    assert result.status == Status.PARTIAL and "organisation or contact" in (result.reason or "")
    site = nukeviet_site(pages=with_menu(nukeviet_pages(), "/en/", "English", ENGLISH))
    assert finding(site, "info.english").status == Status.PASS


def test_service_statistics_figures_in_a_table_pass() -> None:
    table = ("<h1>Thống kê hồ sơ</h1><table><tr><th>Lĩnh vực</th><th>Tiếp nhận</th><th>Đã giải quyết</th>"
             "<th>Đúng hạn</th></tr><tr><td>Hộ tịch</td><td>512</td><td>498</td><td>97%</td></tr></table>")
    site = nukeviet_site(pages=with_menu(nukeviet_pages(), "/vi/thong-ke-ho-so/", "Thống kê hồ sơ", table))
    assert finding(site, "service.statistics").status == Status.PASS


def test_service_statistics_figures_inside_a_news_article_do_not_count() -> None:
    report = nv("Tin tức", "<div class='news-detail'><h1>Kết quả cải cách hành chính</h1><div class='bodytext'><ul>"
                           "<li>Tiếp nhận: 1.245 hồ sơ</li><li>Đã giải quyết: 1.198 hồ sơ</li></ul></div></div>")
    site = nukeviet_site(pages=nukeviet_pages(**{ARTICLE: report}))
    assert finding(site, "service.statistics").status == Status.FAIL


def test_service_statistics_words_without_figures_do_not_count() -> None:
    box = FIGURES_BOX.replace(": 1.245", "").replace(": 1.198", "").replace(": 98,6%", "")
    pages = replace_everywhere(nukeviet_pages(), '<div class="panel panel-default">', box + '<div class="panel panel-default">', )
    assert finding(nukeviet_site(pages=pages), "service.statistics").status == Status.FAIL
    placeholder = with_menu(nukeviet_pages(), "/vi/thong-ke-ho-so/", "Thống kê hồ sơ", f"<h1>Thống kê hồ sơ</h1>{PLACEHOLDER}")
    assert finding(nukeviet_site(pages=placeholder), "service.statistics").status == Status.PARTIAL


def test_aspnet_article_link_with_another_query_order_is_found() -> None:
    # The crawler keys pages by the normalised URL (sorted query); DotNetNuke pages write tabid first.
    base = "https://chauthanh.haugiang.gov.vn"
    listing = ('<h1>Tin hoạt động</h1>' + "".join(
        f'<div class="news-item"><a href="/Default.aspx?tabid=57&ctl=Detail&mid=457&ItemID={i}">Tin hoạt động số {i} '
        f'của UBND huyện</a> <span>ngày {i} tháng 11 năm 2026</span></div>' for i in (20, 21, 22)))
    pages = {"/Default.aspx?tabid=57": nv("Tin hoạt động", listing), "/": nv("Trang chủ", nv_home_main())}
    for i in (20, 21, 22):
        pages[f"/Default.aspx?ItemID={i}&ctl=Detail&mid=457&tabid=57"] = nv(
            "Tin", f"<div class='news-detail'><h1>Tin hoạt động số {i}</h1><p>Nội dung.</p></div>", DC_HEAD.format(t="Tin"))
    pages = replace_everywhere(pages, 'href="/vi/news/tin-tuc-su-kien/"', 'href="/Default.aspx?tabid=57"')
    site = make_site(base, pages, "/")
    result = finding(site, "info.news")
    assert result.status == Status.PASS and result.value == 3


def test_metadata_counts_an_item_page_of_any_listing() -> None:
    # No news section at all: the item page of the direction listing is an article too.
    direction = ('<h1>Chỉ đạo điều hành</h1><ul><li><a href="/vi/news/chi-dao-dieu-hanh/cong-van-15.html">Công văn chỉ '
                 'đạo phòng chống dịch sốt xuất huyết</a> <span>24/11/2026</span></li></ul>')
    pages = with_menu(nukeviet_pages(), "/vi/news/chi-dao-dieu-hanh/", "Chỉ đạo điều hành", direction)
    pages = {k: v for k, v in pages.items() if not k.startswith("/vi/news/tin-tuc-su-kien/")}
    pages["/vi/news/chi-dao-dieu-hanh/cong-van-15.html"] = nv(
        "Chỉ đạo", "<div class='news-detail'><h1>Công văn chỉ đạo</h1><p>Nội dung.</p></div>", DC_HEAD.format(t="Công văn"))
    pages["/vi/"] = nv("Trang chủ", "<p>Chào mừng</p>", DC_HEAD.format(t="Trang chủ"))
    assert finding(nukeviet_site(pages=pages), "tech.metadata").status == Status.PASS
