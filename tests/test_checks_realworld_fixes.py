"""Fixes found with the hand-written real-world portals (tests/realworld): DotNetNuke and bare-table menus,
plain-text and <br>-separated listings, consultation drafts dated by their deadline, leaders' names, plain
footers, "[at]" e-mails, and service functions linked from a page's own content (CRITERIA.md §2, §5)."""

from __future__ import annotations

from egov_audit.checks.analysis import NAV, SiteAnalysis
from egov_audit.checks.contact_details import contact_details
from egov_audit.checks.info.person_names import has_person_name
from egov_audit.core.artifacts import Status
from tests.test_checks_catalogue import with_menu
from tests.test_checks_support import (
    INTRO_TEXT,
    finding,
    make_site,
    nukeviet_pages,
    nukeviet_site,
    nv,
    replace_everywhere,
)

DNN_BASE = "https://chauthanh.haugiang.gov.vn"


def dnn(title: str, main: str, menu: str | None = None, footer: str | None = None) -> str:
    """A DotNetNuke page: one page-wide <form id="Form">, a skin menu without "menu"/"nav" as a class word."""
    menu = menu if menu is not None else (
        '<div id="dnn_dnnMENU"><a href="/">Trang chủ</a> | <a href="/Default.aspx?tabid=40">Giới thiệu</a> | '
        '<a href="/Default.aspx?tabid=41">Tin tức</a> | <a href="/Default.aspx?tabid=42">Chỉ đạo điều hành</a> | '
        '<a href="/Default.aspx?tabid=43">Lấy ý kiến dự thảo</a> | <a href="/Default.aspx?tabid=44">Lãnh đạo</a></div>')
    footer = footer if footer is not None else (
        '<div id="dnn_footer">Cơ quan chủ quản: UBND huyện Châu Thành<br>Địa chỉ: Số 01 đường 3/2, thị trấn Ngã Sáu, '
        'huyện Châu Thành — ĐT: (0293) 3.946.025 — Email: vanphong.ct@haugiang.gov.vn</div>')
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            '<form name="Form" method="post" action="/Default.aspx" id="Form">'
            '<input type="hidden" name="__VIEWSTATE" value="x">'
            '<table id="dnn_wrapper"><tr><td><img src="/logo.png" alt="Huyện Châu Thành"></td></tr></table>'
            f'{menu}<div class="date">Thứ Bảy, 28/11/2026</div>{main}{footer}</form></body></html>')


NEWS_LINES = (
    '<div class="Head">TIN TỨC</div>'
    '<a href="/Default.aspx?tabid=41&amp;ItemID=5521">Huyện ra mắt mô hình Dân vận khéo</a> <i>Ngày 20/11/2026</i><br>'
    '<a href="/Default.aspx?tabid=41&amp;ItemID=5517">Ngày hội hiến máu tình nguyện đợt 2</a> <i>Ngày 15/11/2026</i><br>'
    '<a href="/Default.aspx?tabid=41&amp;ItemID=5509">Hội nghị triển khai công tác tuyển quân</a> <i>Ngày 10/11/2026</i>'
)
ARTICLE = ('<div class="Head">TIN TỨC</div><h1>{t}</h1><p>{t}. Sáng nay UBND huyện tổ chức sự kiện với sự tham gia của '
           'đông đảo cán bộ và nhân dân trên địa bàn các xã, thị trấn; hoạt động góp phần nâng cao đời sống.</p>')


def dnn_pages(**overrides: str | None) -> dict[str, str | None]:
    pages: dict[str, str | None] = {
        "/": dnn("Trang chủ", "<p>Chào mừng đến với cổng thông tin điện tử huyện Châu Thành.</p>"),
        "/Default.aspx?tabid=40": dnn("Giới thiệu", f'<div class="Head">GIỚI THIỆU</div><p>{INTRO_TEXT}</p>'),
        "/Default.aspx?tabid=41": dnn("Tin tức", NEWS_LINES),
        "/Default.aspx?tabid=42": dnn("Chỉ đạo điều hành", (
            '<div class="Head">CHỈ ĐẠO ĐIỀU HÀNH</div><ul><li>UBND huyện chỉ đạo triển khai các biện pháp phòng chống '
            'rét cho gia súc (20/11/2026)</li><li>Chủ tịch UBND huyện chỉ đạo đẩy nhanh giải ngân vốn đầu tư công '
            '(12/11/2026)</li></ul>')),
        "/Default.aspx?tabid=43": dnn("Lấy ý kiến dự thảo", (
            '<div class="Head">LẤY Ý KIẾN DỰ THẢO</div><p><b>Dự thảo Quy chế quản lý cụm công nghiệp</b> — thời hạn '
            'góp ý đến 25/12/2026. <a href="/Portals/0/du-thao-quy-che.pdf">Tải dự thảo</a></p>')),
        "/Default.aspx?tabid=44": dnn("Lãnh đạo", (
            '<div class="Head">LÃNH ĐẠO</div><p>Uỷ ban nhân dân huyện gồm Chủ tịch, 02 Phó Chủ tịch và các Uỷ viên. '
            'Các cơ quan chuyên môn: VĂN PHÒNG HĐND VÀ UBND; PHÒNG KINH TẾ, HẠ TẦNG VÀ ĐÔ THỊ.</p>')),
    }
    for item, title in (("5521", "Huyện ra mắt mô hình Dân vận khéo"), ("5517", "Ngày hội hiến máu tình nguyện đợt 2"),
                        ("5509", "Hội nghị triển khai công tác tuyển quân")):
        pages[f"/Default.aspx?tabid=41&ItemID={item}"] = dnn(title, ARTICLE.format(t=title))
    pages.update(overrides)
    return pages


def dnn_site(**overrides: str | None):
    return make_site(DNN_BASE, dnn_pages(**overrides), "/", level="district")


# ---------------------------------------------------------------------------- navigation
def test_dotnetnuke_skin_menu_is_navigation_and_query_string_sections_are_found() -> None:
    site = dnn_site()
    analysis = SiteAnalysis(site)
    home = analysis.home
    assert home is not None
    assert all(link.region == NAV for link in analysis.links(home) if "tabid=" in link.url)
    assert finding(site, "info.introduction").status == Status.PASS


def test_camel_case_menu_class_is_navigation() -> None:
    menu = ('<div class="af_navigationPane"><a href="/">Trang chủ</a> <a href="/Default.aspx?tabid=40">Giới thiệu</a>'
            ' <a href="/Default.aspx?tabid=42">Chỉ đạo điều hành</a></div>')
    pages = {k: v.replace(v[v.index('<div id="dnn_dnnMENU">'):v.index("</div>", v.index("dnn_dnnMENU")) + 6], menu)
             for k, v in dnn_pages().items() if v}
    site = make_site(DNN_BASE, pages, "/", level="district")
    analysis = SiteAnalysis(site)
    assert analysis.find_sections("direction")[0].via == "nav"


def test_bare_link_bar_in_a_table_cell_is_navigation_but_prose_links_are_not() -> None:
    menu = ('<table><tr><td><b><a href="/">TRANG CHỦ</a> | <a href="/Default.aspx?tabid=40">GIỚI THIỆU</a> | '
            '<a href="/Default.aspx?tabid=42">CHỈ ĐẠO ĐIỀU HÀNH</a></b></td></tr></table>')
    site = make_site(DNN_BASE, dnn_pages(**{"/": dnn("Trang chủ", "<p>Trang chủ</p>", menu=menu)}), "/")
    analysis = SiteAnalysis(site)
    assert analysis.home is not None
    bar = [link for link in analysis.links(analysis.home) if link.text == "CHỈ ĐẠO ĐIỀU HÀNH"]
    assert bar and bar[0].region == NAV
    prose = make_site(DNN_BASE, {"/": dnn("Trang chủ", (
        '<p>Xem <a href="/a">Giới thiệu</a>, <a href="/b">Lịch sử</a> và <a href="/c">Tin tức</a> của huyện.</p>'),
        menu="")}, "/")
    prose_analysis = SiteAnalysis(prose)
    assert prose_analysis.home is not None
    assert all(link.region != NAV for link in prose_analysis.links(prose_analysis.home))


# ---------------------------------------------------------------------------- listings
def test_plain_text_items_with_dates_are_dated_entries_of_a_listing() -> None:
    result = finding(dnn_site(), "info.direction")
    assert result.status == Status.PASS, result.reason


def test_a_bare_date_or_a_placeholder_is_not_a_listing_entry() -> None:
    site = dnn_site(**{"/Default.aspx?tabid=42": dnn("Chỉ đạo điều hành", (
        '<div class="Head">CHỈ ĐẠO ĐIỀU HÀNH</div><p>Cập nhật 20/11/2026: nội dung đang cập nhật</p>'))})
    assert finding(site, "info.direction").status == Status.PARTIAL
    analysis = SiteAnalysis(site)
    assert analysis.home is not None and analysis.dated_entries(analysis.home) == []  # "Thứ Bảy, 28/11/2026"


def test_links_separated_by_br_with_their_dates_are_news_articles() -> None:
    result = finding(dnn_site(), "info.news")
    assert result.status == Status.PASS and result.value == 3, result.reason


def test_plain_text_news_without_article_pages_is_only_partial() -> None:
    plain = ('<div class="Head">TIN TỨC</div><ul><li>Huyện ra mắt mô hình Dân vận khéo (20/11/2026)</li>'
             '<li>Ngày hội hiến máu tình nguyện đợt 2 (15/11/2026)</li><li>Hội nghị triển khai tuyển quân (10/11/2026)</li></ul>')
    result = finding(dnn_site(**{"/Default.aspx?tabid=41": dnn("Tin tức", plain)}), "info.news")
    assert result.status == Status.PARTIAL, result.reason


def test_relative_date_labels_a_listing_item() -> None:
    relative = NEWS_LINES.replace("<i>Ngày 20/11/2026</i>", "<i>3 ngày trước</i>")
    site = dnn_site(**{"/Default.aspx?tabid=41": dnn("Tin tức", relative)})
    analysis = SiteAnalysis(site)
    page = site.pages[DNN_BASE + "/Default.aspx?tabid=41"]
    assert str(analysis.dated_entries(page)[0].date) == "2026-11-25"


def test_consultation_draft_dated_only_by_its_future_deadline_counts() -> None:
    result = finding(dnn_site(), "interact.consultation")
    assert result.status == Status.PASS, result.reason
    empty = dnn_site(**{"/Default.aspx?tabid=43": dnn("Lấy ý kiến", '<div class="Head">LẤY Ý KIẾN DỰ THẢO</div>')})
    assert finding(empty, "interact.consultation").status == Status.PARTIAL


# ---------------------------------------------------------------------------- leaders, contact, email
def test_positions_without_names_are_not_leaders() -> None:
    # A linked "Lãnh đạo" page that names no one is an empty section (partial by the §2 rule), not leaders found.
    result = finding(dnn_site(), "info.leaders")
    assert result.status == Status.PARTIAL and result.reason == "section page has no content", result.reason
    named = dnn_site(**{"/Default.aspx?tabid=44": dnn("Lãnh đạo", (
        '<div class="Head">LÃNH ĐẠO</div><table><tr><td>Ông Đồng Văn Thanh</td><td>Chủ tịch UBND huyện</td></tr>'
        '</table>'))})
    assert finding(named, "info.leaders").status == Status.PARTIAL


def test_person_names() -> None:
    for name in ("Ông Nguyễn Văn Hùng - Chủ tịch", "Bà Trần Thị Mai Anh", "Ông A Viết Sơn", "NGUYỄN VĂN HÙNG",
                 "Đỗ Văn Bình", "Đồng chí Lê Văn Tám"):
        assert has_person_name(name), name
    for text in ("UBND gồm Chủ tịch, 02 Phó Chủ tịch và các Uỷ viên", "VĂN PHÒNG HĐND VÀ UBND; PHÒNG KINH TẾ",
                 "Thường Trực Hội Đồng Nhân Dân", "Quyết định của UBND thành phố Hà Nội về tổ chức"):
        assert not has_person_name(text), text


def test_plain_div_footer_repeated_on_every_page_gives_the_contact() -> None:
    footer = ('<div style="text-align:center">UBND XÃ XUÂN PHÚ - Địa chỉ: Ấp Bình Hòa, xã Xuân Phú, huyện Xuân Lộc, '
              'tỉnh Đồng Nai. Điện thoại: 0251.3741.520</div>')
    # No footer class or tag: the trailing block repeated on every page is the footer.
    site = make_site(DNN_BASE, {k: dnn(k, f"<p>Nội dung trang {k}</p>", footer=footer) for k in dnn_pages()}, "/")
    result = finding(site, "info.contact")
    assert result.status == Status.PARTIAL and result.reason == "missing email", result.reason


def test_email_written_with_at_in_brackets_is_published_but_not_in_a_comment() -> None:
    pages = replace_everywhere(nukeviet_pages(), '<a href="mailto:ubndhoabinh@dongnai.gov.vn">ubndhoabinh@dongnai.gov.vn</a>',
                               "ubndhoabinh[at]dongnai.gov.vn")
    site = nukeviet_site(pages=pages)
    result = finding(site, "interact.email")
    assert result.status == Status.PASS, result.reason
    assert finding(site, "info.contact").status == Status.PASS
    analysis = SiteAnalysis(site)
    assert analysis.home is not None
    assert "ubndhoabinh@dongnai.gov.vn" in {f.value for f in contact_details(analysis, analysis.home)}
    hidden = replace_everywhere(nukeviet_pages(), '<a href="mailto:ubndhoabinh@dongnai.gov.vn">ubndhoabinh@dongnai.gov.vn</a>',
                                "<!-- ubndhoabinh[at]dongnai.gov.vn -->")
    hidden_analysis = SiteAnalysis(nukeviet_site(pages=hidden))
    assert hidden_analysis.home is not None
    assert "ubndhoabinh@dongnai.gov.vn" not in {f.value for f in contact_details(hidden_analysis, hidden_analysis.home)}


# ---------------------------------------------------------------------------- service functions
SERVICES = ('<h1>Dịch vụ công trực tuyến</h1><p>Nộp hồ sơ tại <a href="https://dichvucong.dongnai.gov.vn/">Cổng '
            'Dịch vụ công tỉnh</a>. <a href="https://dichvucong.dongnai.gov.vn/tra-cuu-ho-so">Tra cứu hồ sơ</a></p>'
            '<h3>Tình hình xử lý hồ sơ năm 2026</h3><p>Tiếp nhận: 312 hồ sơ — Đã giải quyết: 298 — Đúng hạn: 290 (97,3%)</p>')


def test_service_function_linked_from_a_services_page_counts() -> None:
    site = nukeviet_site(pages=with_menu(nukeviet_pages(), "/vi/dich-vu-cong/", "Dịch vụ công", SERVICES))
    assert finding(site, "service.dossier_lookup").status == Status.PASS
    assert finding(site, "service.statistics").status == Status.PASS


def test_service_link_in_an_article_body_or_as_a_dated_news_title_counts_for_nothing() -> None:
    article = nv("Tin tức", '<div class="news-detail"><h1>Hướng dẫn nộp hồ sơ</h1><div class="bodytext"><p>Người dân '
                 '<a href="https://dichvucong.dongnai.gov.vn/tra-cuu-ho-so">Tra cứu hồ sơ</a> tại cổng tỉnh.</p></div></div>')
    pages = nukeviet_pages(**{"/vi/news/tin-tuc-su-kien/hoi-nghi-tong-ket-cong-tac-nam-2026-101.html": article})
    assert finding(nukeviet_site(pages=pages), "service.dossier_lookup").status == Status.FAIL
    listing = nv("Tin tức - Sự kiện", '<h1>Tin tức - Sự kiện</h1><ul><li><a href="https://dichvucong.dongnai.gov.vn/'
                 'tra-cuu-ho-so">Tra cứu hồ sơ</a> <span>20/11/2026</span></li></ul>')
    pages = nukeviet_pages(**{"/vi/news/tin-tuc-su-kien/": listing})
    assert finding(nukeviet_site(pages=pages), "service.dossier_lookup").status == Status.FAIL


def test_inline_figures_need_two_kinds_with_numbers() -> None:
    one = SERVICES.replace(" — Đã giải quyết: 298 — Đúng hạn: 290 (97,3%)", "")
    site = nukeviet_site(pages=with_menu(nukeviet_pages(), "/vi/dich-vu-cong/", "Dịch vụ công", one))
    assert finding(site, "service.statistics").status == Status.FAIL
