"""info.* checks on realistic NukeViet- and Liferay-like captured sites (pass, partial, fail, unknown)."""

from __future__ import annotations

import lxml.html

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.core.artifacts import Status
from tests.test_checks_support import (
    INTRO_TEXT,
    LF_BASE,
    NV_BASE,
    finding,
    liferay_pages,
    liferay_site,
    make_page,
    news_items,
    nukeviet_pages,
    nukeviet_site,
    nv,
    nv_home_main,
    replace_everywhere,
    without_menu_item,
)


# ---------------------------------------------------------------------------- introduction
def test_introduction_passes_with_own_text_and_evidence() -> None:
    result = finding(nukeviet_site(), "info.introduction")
    assert result.status == Status.PASS
    nav, page = result.evidence
    assert nav.url == NV_BASE + "/vi/" and nav.locator and nav.locator.startswith("#menusite")
    assert page.url.endswith("Gioi-thieu-chung.html") and page.snapshot and page.snapshot.startswith("sha256:")
    assert "Hoà Bình" in (page.excerpt or "") and len(page.excerpt or "") <= 200


def test_introduction_in_nfd_with_old_tones_on_liferay_passes() -> None:
    assert finding(liferay_site(), "info.introduction").status == Status.PASS


def test_introduction_placeholder_is_partial() -> None:
    pages = nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": nv("Giới thiệu chung", "<h1>Giới thiệu chung</h1><p>Nội dung đang được cập nhật...</p><p>Đang cập nhật</p>")})
    result = finding(nukeviet_site(pages=pages), "info.introduction")
    assert result.status == Status.PARTIAL


def test_introduction_broken_page_is_partial() -> None:
    url = NV_BASE + "/vi/about/Gioi-thieu-chung.html"
    pages = nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": make_page(url, "<html><body>Not Found</body></html>", status=404)})
    result = finding(nukeviet_site(pages=pages), "info.introduction")
    assert result.status == Status.PARTIAL and "404" in (result.reason or "")


def test_introduction_page_that_did_not_answer_is_unknown() -> None:
    url = NV_BASE + "/vi/about/Gioi-thieu-chung.html"
    pages = nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": make_page(url, None, status=None, error="timeout")})
    assert finding(nukeviet_site(pages=pages), "info.introduction").status == Status.UNKNOWN


def test_introduction_missing_fails_with_looked_at() -> None:
    pages = without_menu_item(nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": None}), "/vi/about/")
    result = finding(nukeviet_site(pages=pages), "info.introduction")
    assert result.status == Status.FAIL and NV_BASE + "/vi/" in result.looked_at


def test_section_not_found_is_unknown_when_crawl_was_cut_short() -> None:
    # The organisation page in the menu was never fetched: the introduction might have been linked there.
    pages = without_menu_item(nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": None, "/vi/organs/": None}),
                              "/vi/about/")
    result = finding(nukeviet_site(pages=pages, budget_exhausted=True), "info.introduction")
    assert result.status == Status.UNKNOWN


def test_link_to_another_gov_host_is_partial() -> None:
    pages = replace_everywhere(nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": None}),
                               'href="/vi/about/Gioi-thieu-chung.html"', 'href="https://dongnai.gov.vn/gioi-thieu-xa-hoa-binh"')
    result = finding(nukeviet_site(pages=pages), "info.introduction")
    assert result.status == Status.PARTIAL and "gov.vn" in (result.reason or "")


# ---------------------------------------------------------------------------- contact
def test_contact_in_footer_passes_and_ignores_comments_and_scripts() -> None:
    result = finding(nukeviet_site(), "info.contact")
    assert result.status == Status.PASS
    excerpts = " ".join(e.excerpt or "" for e in result.evidence)
    assert "0251.3822.123" in excerpts and "ubndhoabinh@dongnai.gov.vn" in excerpts
    assert "0909 111 222" not in excerpts and "cu@hoabinh.gov.vn" not in excerpts


def _footerless_home(footer: str) -> str:
    html = nv("Trang chủ", nv_home_main())
    start, end = html.index('<div id="footer"'), html.index("</body>")
    return html[:start] + f'<div id="footer" class="footer">{footer}</div>' + html[end:]


def test_contact_with_two_of_three_is_partial() -> None:
    home = _footerless_home("<p>Địa chỉ: Thôn 3, xã Hoà Bình, tỉnh Đồng Nai<br>Email: ubndhoabinh@dongnai.gov.vn</p>")
    result = finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/": home})), "info.contact")
    assert result.status == Status.PARTIAL and "phone" in (result.reason or "")


def test_leader_phone_does_not_count_for_contact() -> None:
    # The only phone is the chairman's, on the organisation page and in the footer next to his name.
    home = _footerless_home("<p>Địa chỉ: Thôn 3, xã Hoà Bình, tỉnh Đồng Nai</p>"
                            "<p>Chủ tịch UBND xã: Ông Nguyễn Văn An<br>ĐT: 0913 456 789</p>")
    result = finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/": home})), "info.contact")
    assert result.status == Status.FAIL
    assert finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/": home})), "interact.hotline").status == Status.PASS


def test_contact_only_in_html_comment_or_hidden_is_not_published() -> None:
    home = _footerless_home("<!-- Địa chỉ: Thôn 3, xã Hoà Bình; ĐT: 0251 3822 123; a@b.gov.vn -->"
                            "<p style='display:none'>Email: an@dongnai.gov.vn</p><p>Bản quyền thuộc UBND xã</p>")
    result = finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/": home, "/vi/contact/": None})), "info.contact")
    assert result.status == Status.FAIL


def test_contact_page_that_did_not_answer_is_unknown() -> None:
    home = _footerless_home("<p>Bản quyền thuộc UBND xã</p>")
    url = NV_BASE + "/vi/contact/"
    pages = nukeviet_pages(**{"/vi/": home, "/vi/contact/": make_page(url, None, status=None, error="connection_reset")})
    assert finding(nukeviet_site(pages=pages), "info.contact").status == Status.UNKNOWN


# ---------------------------------------------------------------------------- news
def test_news_passes_with_three_dated_articles_that_open() -> None:
    result = finding(nukeviet_site(), "info.news")
    assert result.status == Status.PASS and result.value == 4
    assert all(e.locator for e in result.evidence)


def test_news_with_article_pages_broken_is_partial() -> None:
    pages = nukeviet_pages()
    for key in list(pages):
        if key.startswith("/vi/news/tin-tuc-su-kien/") and key.endswith(".html"):
            pages[key] = make_page(NV_BASE + key, "<html><body>404</body></html>", status=404)
    result = finding(nukeviet_site(pages=pages), "info.news")
    assert result.status == Status.PARTIAL


def test_news_with_two_articles_is_partial() -> None:
    from tests.test_checks_support import NEWS

    two = news_items(NEWS[:2])
    pages = nukeviet_pages(**{"/vi/": nv("Trang chủ", nv_home_main(two)),
                              "/vi/news/tin-tuc-su-kien/": nv("Tin tức", "<h1>Tin tức</h1>" + two)})
    result = finding(nukeviet_site(pages=pages), "info.news")
    assert result.status == Status.PARTIAL and result.value == 2


def test_news_articles_not_fetched_is_unknown() -> None:
    pages = {k: v for k, v in nukeviet_pages().items() if not (k.startswith("/vi/news/tin-tuc-su-kien/") and k.endswith(".html"))}
    assert finding(nukeviet_site(pages=pages), "info.news").status == Status.UNKNOWN


def test_no_news_fails() -> None:
    pages = nukeviet_pages(**{"/vi/": nv("Trang chủ", "<p>Chào mừng</p>")})
    for key in list(pages):
        if key.startswith("/vi/news/"):
            pages[key] = None
    pages = without_menu_item(pages, "/vi/news/tin-tuc-su-kien/")
    assert finding(nukeviet_site(pages=pages), "info.news").status == Status.FAIL


def test_liferay_home_block_with_two_items_is_partial() -> None:
    result = finding(liferay_site(), "info.news")
    assert result.status == Status.PARTIAL and result.value == 2


# ---------------------------------------------------------------------------- legal documents
def test_legal_documents_pass_with_number_date_summary_file() -> None:
    result = finding(nukeviet_site(), "info.legal_documents")
    assert result.status == Status.PASS and result.value == 2
    assert "tbody" in (result.evidence[-1].locator or "")


def test_legal_documents_without_files_are_partial() -> None:
    table = """<h1>Văn bản</h1><table><tr><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th></tr>
    <tr><td>125/QĐ-UBND</td><td>27/11/2026</td><td>Quyết định về việc phê duyệt kế hoạch phòng chống thiên tai</td></tr></table>"""
    result = finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/laws/": nv("Văn bản", table)})), "info.legal_documents")
    assert result.status == Status.PARTIAL and "file" in (result.reason or "")


def test_legal_documents_missing_fails_and_unknown_when_unanswered() -> None:
    pages = replace_everywhere(nukeviet_pages(**{"/vi/laws/": None}), ">VĂN BẢN<", ">MEDIA<")
    assert finding(nukeviet_site(pages=pages), "info.legal_documents").status == Status.FAIL
    pages = nukeviet_pages(**{"/vi/laws/": make_page(NV_BASE + "/vi/laws/", None, status=None, error="timeout")})
    assert finding(nukeviet_site(pages=pages), "info.legal_documents").status == Status.UNKNOWN


# ---------------------------------------------------------------------------- hard negatives and sections
def test_news_item_titled_plan_does_not_make_plans_pass() -> None:
    items = news_items([("trien-khai-ke-hoach-phong-chong-dich-105", "Triển khai kế hoạch phòng chống dịch", "21/11/2026")])
    pages = nukeviet_pages(**{"/vi/news/tin-tuc-su-kien/": nv("Tin tức", "<h1>Tin tức</h1>" + items + news_items())})
    pages["/vi/news/tin-tuc-su-kien/trien-khai-ke-hoach-phong-chong-dich-105.html"] = nv(
        "Kế hoạch", "<div class='news-detail'><h1>Triển khai kế hoạch phòng chống dịch</h1><p>Kế hoạch số 12/KH-UBND.</p></div>")
    assert finding(nukeviet_site(pages=pages), "info.plans").status == Status.FAIL


def test_plans_section_in_menu_passes() -> None:
    home = nv("Trang chủ", nv_home_main()).replace(
        '<li><a href="/vi/contact/">LIÊN HỆ</a></li>', '<li><a href="/vi/news/quy-hoach-ke-hoach/">QUY HOẠCH - KẾ HOẠCH</a></li>')
    plans = nv("Quy hoạch - Kế hoạch", "<h1>Quy hoạch - Kế hoạch</h1>" + news_items(
        [("ke-hoach-phat-trien-kt-xh-2027-301", "Kế hoạch phát triển kinh tế - xã hội năm 2027", "01/11/2026")]))
    pages = nukeviet_pages(**{"/vi/": home, "/vi/news/quy-hoach-ke-hoach/": plans})
    result = finding(nukeviet_site(pages=pages), "info.plans")
    assert result.status == Status.PASS


def test_direction_found_by_liferay_slug_and_label() -> None:
    page = lf_direction = liferay_pages()
    from tests.test_checks_support import lf

    lf_direction["/chi-ao-ieu-hanh"] = lf("Chỉ đạo điều hành", "<h1>Chỉ đạo điều hành</h1><ul class='list'>"
        "<li><a href='/chi-ao-ieu-hanh/-/view_content/77-chi-dao-phong-chong-bao.html'>Chỉ đạo về công tác phòng chống bão số 9</a>"
        " <span>15/11/2026</span></li></ul>")
    result = finding(liferay_site(pages=page), "info.direction")
    assert result.status == Status.PASS


def test_procedures_pass_via_national_service_portal_link() -> None:
    result = finding(nukeviet_site(), "info.procedures")
    assert result.status == Status.PASS and "dichvucong.gov.vn" in (result.reason or "")


def test_leaders_pass_with_phone_and_partial_without() -> None:
    assert finding(nukeviet_site(), "info.leaders").status == Status.PASS
    organs = nv("Cơ cấu tổ chức", "<h1>Cơ cấu tổ chức</h1><table><tr><td>Ông Nguyễn Văn An</td><td>Chủ tịch UBND xã</td></tr>"
                "<tr><td>Bà Lê Thị Hoa</td><td>Phó Chủ tịch UBND xã</td></tr></table>")
    result = finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/organs/": organs})), "info.leaders")
    assert result.status == Status.PARTIAL


def test_ownership_pass_and_partial() -> None:
    assert finding(nukeviet_site(), "info.ownership").status == Status.PASS
    home = _footerless_home("<p>Cơ quan chủ quản: UBND xã Hoà Bình</p><p>Cổng thông tin điện tử xã Hoà Bình</p>")
    assert finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/": home})), "info.ownership").status == Status.PARTIAL


# ---------------------------------------------------------------------------- SiteAnalysis
def test_locator_selects_the_same_element() -> None:
    site = nukeviet_site()
    analysis = SiteAnalysis(site)
    home = site.home
    assert home is not None
    link = next(x for x in analysis.links(home) if x.text == "HỎI & ĐÁP")
    locator = analysis.locator_for(home, link.element)
    doc = lxml.html.document_fromstring(home.html or "")
    (selected,) = doc.cssselect(locator or "")
    assert selected.get("href") == "/vi/faq/"


def test_boilerplate_is_removed_from_own_text() -> None:
    site = nukeviet_site()
    analysis = SiteAnalysis(site)
    page = site.pages[NV_BASE + "/vi/about/Gioi-thieu-chung.html"]
    text = analysis.own_text(page)
    assert INTRO_TEXT[:40] in text
    assert "Thống kê truy cập" not in text and "Cơ quan chủ quản" not in text and "TRANG CHỦ" not in text


def test_repeated_sidebar_list_is_not_a_listing_of_the_page() -> None:
    site = liferay_site()
    analysis = SiteAnalysis(site)
    qa_page = site.pages[LF_BASE + "/hoi-ap"]
    assert analysis.dated_entries(qa_page) == []
    assert analysis.is_placeholder(qa_page)


def test_nfd_site_with_all_caps_menu_is_recognised() -> None:
    import unicodedata

    pages = {k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v for k, v in nukeviet_pages().items()}
    site = nukeviet_site(pages=pages)
    for check_id in ("info.introduction", "info.news", "interact.qa", "info.contact", "info.legal_documents"):
        assert finding(site, check_id).status == Status.PASS, check_id


def test_section_evidence_points_at_the_heading_of_a_text_page() -> None:
    result = finding(nukeviet_site(), "info.introduction")
    assert result.evidence[-1].locator and "h1" in result.evidence[-1].locator
