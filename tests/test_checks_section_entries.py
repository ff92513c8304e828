"""Section entries the way a visitor clicks them: dropdown submenus and tab panels opened on demand, the items of
a menu's submenu, banners and tiles named by their image or URL, "more" links named by their tab, named entries
that lead nowhere, and the best of several entries deciding (a working banner beats a broken menu link).

The markup is the shape of real district portals (SharePoint 2010 skins with a ``topnav`` of hover dropdowns
hidden by an inline ``display:none``, jQuery tab boxes opened by ``onclick``)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.core.artifacts import Status
from tests.test_checks_support import finding, make_site

BASE = "https://huyenmau.daknong.gov.vn"
ABOUT_TEXT = ("Huyện nằm ở phía tây bắc của tỉnh, có vị trí địa lý thuận lợi, địa hình đồi núi thấp xen kẽ các "
              "thung lũng, khí hậu nhiệt đới gió mùa cao nguyên với hai mùa mưa và khô rõ rệt. Dân số toàn huyện "
              "gồm nhiều dân tộc anh em cùng sinh sống, đoàn kết xây dựng quê hương ngày càng giàu đẹp, văn minh.")
ORGANISATION_TEXT = ("HUYỆN ỦY HUYỆN MẪU. I. CHỨC NĂNG, NHIỆM VỤ. Huyện ủy là cơ quan lãnh đạo của Đảng bộ huyện giữa "
                     "hai nhiệm kỳ Đại hội, lãnh đạo toàn diện các mặt công tác. II. CƠ CẤU TỔ CHỨC: Ban Thường vụ, "
                     "Văn phòng Huyện ủy, Ban Tổ chức, Ban Tuyên giáo, Ban Dân vận, Ủy ban Kiểm tra Huyện ủy.")


def _menu(items: str) -> str:
    return f'<div id="wrapper"><ul id="topnav">{items}</ul></div>'


def _dropdown(label: str, href: str, children: list[tuple[str, str]], hidden: str = "display: none") -> str:
    subs = "".join(f'<li><a class="tmenu" href="{h}">{t}</a></li>' for t, h in children)
    return (f'<li class="parent"><div class="main-level"><a class="tmenu" href="{href}"><span>{label}</span></a>'
            f'</div><ul class="children" style="{hidden}"><div class="second-list"><ul class="two-column">{subs}'
            f'</ul></div></ul></li>')


def _tabs(*tabs: tuple[str, str, str, str]) -> str:
    """A jQuery tab box of the SharePoint templates: (label, panel word, panel content, panel style) per tab."""
    controls = "".join(f'<li><a onclick="ShowTab(\'{word}\')">{label}</a></li>' for label, word, _c, _s in tabs)
    panels = "".join(f'<div id="tab-content-{word}" class="ui-tabs-panel" style="{style}">{content}</div>'
                     for _l, word, content, style in tabs)
    return f'<ul class="ui-tabs-nav">{controls}</ul>{panels}'


def _page(menu: str, main: str, extra: str = "") -> str:
    return (f"<html><head><title>Trang thông tin điện tử huyện Mẫu</title></head><body>{menu}{extra}"
            f'<div class="content-main">{main}</div>'
            '<div class="footer">UBND huyện Mẫu. Điện thoại: 0261.3500.111</div></body></html>')


def _site(menu: str, home_main: str, pages: dict[str, str], extra: str = "") -> object:
    html = {"/": _page(menu, home_main, extra)}
    html.update({path: _page(menu, main, extra) for path, main in pages.items()})
    return make_site(BASE, html, "/", level="district")


def test_a_hover_dropdown_hidden_inline_is_navigation() -> None:
    menu = _menu(_dropdown("Giới thiệu", "/gioi-thieu-huyen", [("Tổng quan về huyện", "/tong-quan")]))
    site = _site(menu, "<p>Chào mừng</p>", {"/tong-quan": f"<p>{ABOUT_TEXT}</p>"})
    result = finding(site, "info.introduction")
    assert result.status == Status.PASS, result.reason


def test_a_menu_hidden_with_nothing_to_open_it_publishes_nothing() -> None:
    # SharePoint's own top-link bar, switched off as a whole: no shown control opens it.
    hidden_bar = ('<div class="s4-toplinks" style="display:none"><ul class="root"><li><a href="/cong-khai-ngan-sach">'
                  'Công khai ngân sách</a></li></ul></div>')
    menu = _menu('<li class="parent"><div class="main-level"><a href="/">Trang chủ</a></div></li>')
    site = _site(menu, "<p>Chào mừng</p>", {"/cong-khai-ngan-sach": f"<p>{ABOUT_TEXT}</p>"}, extra=hidden_bar)
    assert finding(site, "info.budget").status == Status.FAIL


def test_a_submenu_item_that_names_nothing_belongs_to_its_menu_section() -> None:
    # "Cơ cấu tổ chức" opens nothing (404); its item "Huyện ủy" holds the organisation; "Hội đồng nhân dân" is empty.
    menu = _menu(_dropdown("Cơ cấu tổ chức", "/co-cau-to-chuc", [("Huyện ủy", "/huyen-uy"),
                                                                   ("Hội đồng nhân dân", "/hoi-dong-nhan-dan")]))
    site = _site(menu, "<p>Chào mừng</p>", {"/huyen-uy": f"<p>{ORGANISATION_TEXT}</p>", "/hoi-dong-nhan-dan": ""})
    result = finding(site, "info.organization")
    assert result.status == Status.PASS, result.reason
    assert any(e.url.endswith("/huyen-uy") for e in result.evidence)


def test_a_submenu_item_with_its_own_name_keeps_it() -> None:
    menu = _menu(_dropdown("Giới thiệu", "/gioi-thieu", [("Lịch công tác", "/lich")]))
    analysis = SiteAnalysis(_site(menu, "<p>Chào mừng</p>", {"/lich": f"<p>{ABOUT_TEXT}</p>"}))  # type: ignore[arg-type]
    assert [m.url for m in analysis.find_sections("work_schedule")] == [BASE + "/lich"]
    assert all(m.url != BASE + "/lich" for m in analysis.find_sections("introduction"))


def test_a_named_menu_entry_that_leads_nowhere_is_titled_but_broken() -> None:
    menu = _menu('<li class="parent"><div class="main-level"><a href="/">Trang chủ</a></div></li>')
    footer_links = '<div class="footer-links"><a href="#">Sơ đồ site</a> | <a href="">Liên hệ</a></div>'
    site = _site(menu, "<p>Chào mừng</p>", {}, extra=footer_links)
    result = finding(site, "tech.sitemap_html")
    assert result.status == Status.PARTIAL and "leads nowhere" in (result.reason or ""), result.reason


def test_a_tab_control_is_not_a_dead_entry() -> None:
    # A tab ("<a onclick=ShowTab(...)>") opens a panel of the page; it is no link to a section page.
    tabs = _tabs(("Hỏi đáp", "hoidap", "<p>Chưa có câu hỏi</p>", "display:none"))
    site = _site(_menu(""), tabs, {})
    assert finding(site, "interact.qa").status == Status.FAIL


def test_a_banner_with_an_empty_alt_is_named_by_its_image_file() -> None:
    banner = '<div class="banner-right"><a href="/Pages/DShoidap.aspx"><img src="/images/h%E1%BB%8Fi%20%C4%91%C3%A1p.jpg" alt=""></a></div>'
    site = _site(_menu(""), "<p>Chào mừng</p>", {}, extra=banner)
    result = finding(site, "interact.qa")
    assert result.status == Status.UNKNOWN or result.status == Status.PARTIAL, result.reason
    assert any("DShoidap" in m.url for m in SiteAnalysis(site).find_sections("qa"))  # type: ignore[arg-type]


def test_a_banner_is_named_by_the_words_of_its_url() -> None:
    banner = ('<div class="lienket"><a href="https://tinh.gov.vn/van-ban/lay-y-kien-nhan-dan-du-thao-vbqppl">'
              '<img src="/images/img-dthaoVB.jpg" alt=""></a></div>')
    site = _site(_menu(""), "<p>Chào mừng</p>", {}, extra=banner)
    result = finding(site, "interact.consultation")
    assert result.status == Status.PARTIAL and "another .gov.vn host" in (result.reason or ""), result.reason


def test_a_banner_to_a_bare_host_root_names_no_section() -> None:
    banner = '<div class="lienket"><a href="http://huyenmau.gov.vn/"><img src="/images/hoi-dap.png" alt=""></a></div>'
    site = _site(_menu(""), "<p>Chào mừng</p>", {}, extra=banner)
    assert finding(site, "interact.qa").status == Status.FAIL


def test_a_working_banner_beats_a_broken_menu_link_to_the_same_section() -> None:
    menu = _menu('<li class="parent"><div class="main-level"><a href="/web/2017/ban-do.aspx">Bản đồ hành chính</a>'
                 '</div></li>')
    banner = '<div class="banner-left"><a href="/ban-do-hanh-chinh"><img src="/img/ban-do-hanh-chinh.jpg" alt=""></a></div>'
    map_page = '<h2>Bản đồ hành chính huyện</h2><img src="/img/bando-huyen.jpg" alt="Bản đồ hành chính huyện Mẫu">'
    site = _site(menu, "<p>Chào mừng</p>", {"/ban-do-hanh-chinh": map_page}, extra=banner)
    result = finding(site, "info.map")
    assert result.status == Status.PASS, result.reason


def test_a_more_link_is_named_by_the_tab_that_opens_its_panel() -> None:
    tabs = _tabs(("Tin tức", "tin", '<a href="/tin-tuc/tin-trong-huyen">Xem tiếp</a>', "display:block"),
                 ("Chỉ đạo điều hành", "cddh", '<a href="/chuyen-muc/cm-12">Xem tiếp</a>', "display:none"))
    listing = ('<ul class="list"><li><a href="/chi-dao-1">UBND huyện chỉ đạo phòng chống hạn hán vụ đông xuân</a> '
               '(25/11/2026)</li></ul>')
    site = _site(_menu(""), tabs, {"/chuyen-muc/cm-12": listing, "/chi-dao-1": f"<p>{ABOUT_TEXT}</p>"})
    analysis = SiteAnalysis(site)  # type: ignore[arg-type]
    assert [m.url for m in analysis.find_sections("direction")] == [BASE + "/chuyen-muc/cm-12"]
    assert finding(site, "info.direction").status == Status.PASS


def test_a_listing_item_title_in_a_tab_panel_is_not_a_section() -> None:
    tabs = _tabs(("Chỉ đạo điều hành", "cddh", '<ul><li><a href="/phe-chuan-ngan-sach">Ngân sách</a> (25/11/2026)</li>'
                                               '</ul>', ""))
    site = _site(_menu(""), tabs, {"/phe-chuan-ngan-sach": f"<p>{ABOUT_TEXT}</p>"})
    assert finding(site, "info.budget").status == Status.FAIL


def test_a_block_repeated_in_nfd_on_one_page_and_nfc_on_another_is_boilerplate() -> None:
    import unicodedata

    box = "<div class='vanbanmoi'>VĂN BẢN MỚI Số: 03/2013/TT-TTCP Ngày: 06/10/2013 Thông tư quy định chế độ báo cáo</div>"
    menu = _menu(_dropdown("Giới thiệu", "/gioi-thieu", [("Giới thiệu chung", "/gioi-thieu-chung")]))
    pages = {"/gioi-thieu-chung": "<p>Đường Lê Duẩn, phường Nghĩa Tân</p>" + unicodedata.normalize("NFD", box),
             "/a": f"<p>{ABOUT_TEXT}</p>{box}", "/b": f"<p>{ORGANISATION_TEXT}</p>{box}"}
    site = _site(menu, box, pages)
    assert finding(site, "info.introduction").status == Status.PARTIAL


def test_an_undated_item_title_in_a_side_box_is_not_a_section() -> None:
    # A news box in a side column: the item's title is classed as an item and has a thumbnail to the same page.
    box = ('<div class="right-col"><div class="news-tab"><div class="news-tab-thumb-item-0">'
           '<div class="news-tab-thumb-item-left-0"><a href="/thong-tin-ve-du-an-nha-may"><img src="/a.jpg" alt="">'
           '</a></div><div class="news-tab-thumb-item-right-0"><div class="news-tab-thumb-item-title-0">'
           '<a href="/thong-tin-ve-du-an-nha-may">Thông tin về Dự án Nhà máy điện phân nhôm</a></div></div></div>'
           '<div class="news-tab-li-item"><div class="news-tab-li-item-title"><a class="news-tab-li-link" '
           'href="/phe-chuan-quyet-toan">Phê chuẩn quyết toán thu chi Ngân sách địa phương năm 2018</a></div></div>'
           '</div></div>')
    site = _site(_menu(""), "<p>Chào mừng</p>", {}, extra=box)
    assert finding(site, "info.projects").status == Status.FAIL
    assert finding(site, "info.budget").status == Status.FAIL


def test_the_choices_of_a_search_form_are_not_a_pages_text() -> None:
    # "Tra cứu thủ tục hành chính": a search form and its drop-down choices over an empty table.
    options = "".join(f"<option>{t}</option>" for t in ("---Toàn bộ---", "Chính phủ", "UBND Tỉnh", "Tỉnh Ủy",
                                                          "Văn hóa", "Thể dục thể thao", "Du lịch", "Gia đình",
                                                          "Hộ tịch", "Chứng thực", "Lý lịch tư pháp", "Công chứng",
                                                          "Bồi thường nhà nước", "Trợ giúp pháp lý"))
    page = (f"<h3>Tra cứu thủ tục hành chính</h3><form>Nội dung tìm: <input name='q'> Tìm theo: <select>{options}"
            f"</select></form><table><tr><th>Tên thủ tục</th><th>Lĩnh vực</th><th>Tệp đính kèm</th></tr></table>")
    menu = _menu('<li class="parent"><div class="main-level"><a href="/thu-tuc-hanh-chinh">Thủ tục hành chính</a>'
                 '</div></li>')
    site = _site(menu, "<p>Chào mừng</p>", {"/thu-tuc-hanh-chinh": page})
    assert finding(site, "info.procedures").status == Status.PARTIAL


def test_a_leaders_phone_written_with_a_dot_and_a_space_counts() -> None:
    menu = _menu(_dropdown("Cơ cấu tổ chức", "#", [("Huyện ủy", "/huyen-uy")]))
    leaders = ("<p>I. CƠ CẤU TỔ CHỨC HUYỆN ỦY. Thường trực Huyện ủy gồm Bí thư và hai Phó Bí thư, lãnh đạo toàn diện "
               "các mặt công tác của Đảng bộ huyện giữa hai kỳ đại hội theo quy chế làm việc.</p>"
               "<table><tr><td>Đ/c Nguyễn Văn A</td><td>Bí thư Huyện ủy</td></tr>"
               "<tr><td>Đ/c Trần Văn B</td><td>Chánh Văn phòng</td><td>SĐT</td><td>0261. 3648121</td></tr></table>")
    site = _site(menu, "<p>Chào mừng</p>", {"/huyen-uy": leaders})
    result = finding(site, "info.leaders")
    assert result.status == Status.PASS, result.reason


def test_so_lieu_chuyen_nganh_is_a_statistics_section() -> None:
    menu = _menu('<li class="parent"><div class="main-level"><a href="/so-lieu-chuyen-nganh">Số liệu chuyên ngành</a>'
                 '</div></li>')
    listing = '<ul><li><a href="/so-lieu-kinh-te-xa-hoi">Số liệu kinh tế xã hội</a> (12.08.2026 15:24)</li></ul>'
    site = _site(menu, "<p>Chào mừng</p>", {"/so-lieu-chuyen-nganh": listing})
    assert finding(site, "info.statistics").status == Status.PASS


def test_a_more_link_inside_an_item_classed_box_still_names_its_tab() -> None:
    # Vendor markup puts the tab's "Xem tiếp" inside the box of its first item ("news-tab-thumb-item-0").
    tabs = _tabs(("Kết luận ý kiến chỉ đạo", "kl", '<div class="news-tab"><div class="news-tab-thumb-item-0"><a '
                  'href="/ket-luan-1">Kết luận của Chủ tịch UBND thị xã tại buổi làm việc</a><div class="news-tab-other">'
                  '<a href="/tin-tuc-su-kien/ket-luan-y-kien-chi-dao" class="news-tab-xemtiep-link">Xem tiếp</a></div>'
                  '</div></div>', ""))
    site = _site(_menu(""), tabs, {})
    analysis = SiteAnalysis(site)  # type: ignore[arg-type]
    assert [m.url for m in analysis.find_sections("direction")] == [BASE + "/tin-tuc-su-kien/ket-luan-y-kien-chi-dao"]


def test_the_entries_not_chosen_are_listed_under_looked_at() -> None:
    menu = _menu('<li class="parent"><div class="main-level"><a href="/web/2017/ban-do.aspx">Bản đồ hành chính</a>'
                 '</div></li>')
    banner = '<div class="banner-left"><a href="/ban-do-hanh-chinh"><img src="/img/ban-do-hanh-chinh.jpg" alt=""></a></div>'
    map_page = '<h2>Bản đồ hành chính huyện</h2><img src="/img/bando-huyen.jpg" alt="Bản đồ hành chính huyện Mẫu">'
    site = _site(menu, "<p>Chào mừng</p>", {"/ban-do-hanh-chinh": map_page, "/web/2017/ban-do.aspx": None}, extra=banner)
    result = finding(site, "info.map")
    assert result.status == Status.PASS
    assert result.evidence[-1].url == BASE + "/ban-do-hanh-chinh"
    # The banner clicked is the first proof: where it is, and what it shows.
    assert result.evidence[0].url == BASE + "/" and "[image ban do hanh chinh]" in (result.evidence[0].excerpt or "")
    assert result.evidence[0].locator
    assert BASE + "/web/2017/ban-do.aspx" in result.looked_at


def test_the_thumbnail_of_a_news_item_is_not_a_banner() -> None:
    # An image beside an item's title, linking to the same article ("/ke-hoach-…"), names no plans section.
    block = ('<div class="hot-news"><a href="/ke-hoach-to-chuc-le-hoi"><img src="/uploads/anh-1.jpg" alt=""></a>'
             '<p><a href="/ke-hoach-to-chuc-le-hoi">UBND huyện ban hành kế hoạch tổ chức lễ hội văn hóa</a></p></div>')
    site = _site(_menu(""), block, {"/ke-hoach-to-chuc-le-hoi": f"<p>{ABOUT_TEXT}</p>"})
    assert finding(site, "info.plans").status == Status.FAIL


def test_tin_trong_huyen_names_a_news_listing() -> None:
    tabs = _tabs(("Tin trong huyện", "tronghuyen", '<a href="/tin-tuc-su-kien/tin-trong-huyen">Xem tiếp</a>', ""))
    analysis = SiteAnalysis(_site(_menu(""), tabs, {"/tin-tuc-su-kien/tin-trong-huyen": "<p>x</p>"}))  # type: ignore[arg-type]
    assert [m.url for m in analysis.find_sections("news")] == [BASE + "/tin-tuc-su-kien/tin-trong-huyen"]


def test_the_page_a_banner_opens_decides_what_it_is() -> None:
    # The image is called "hoi-dap.png", but the page it opens is titled as the work schedule.
    banner = '<div class="lienket"><a href="/trang-12"><img src="/images/hoi-dap.png" alt=""></a></div>'
    schedule = ('<h1>Lịch công tác</h1><ul><li><a href="/lich-tuan-48">Lịch công tác tuần 48 của UBND huyện</a>'
                ' (23/11/2026)</li></ul>')
    analysis = SiteAnalysis(_site(_menu(""), "<p>Chào mừng</p>", {"/trang-12": schedule}, extra=banner))  # type: ignore[arg-type]
    assert analysis.find_sections("qa") == []
    assert [m.url for m in analysis.find_sections("work_schedule")] == [BASE + "/trang-12"]


def test_a_page_reached_only_by_a_dropdown_is_recognised_by_its_heading() -> None:
    menu = _menu(_dropdown("Công dân", "/cong-dan", [("Tiếp dân", "/tiep-dan")]))
    schedule = ('<h1>Lịch tiếp công dân</h1><ul><li><a href="/lich-1">Lịch tiếp công dân của Chủ tịch UBND huyện '
                'tháng 11</a> (25/11/2026)</li></ul>')
    site = _site(menu, "<p>Chào mừng</p>", {"/tiep-dan": schedule})
    assert finding(site, "info.work_schedule").status == Status.PASS


def test_a_dropdown_item_never_fetched_leaves_a_missing_section_unknown_when_the_crawl_was_cut() -> None:
    menu = _menu(_dropdown("Công dân", "#", [("Hỏi đáp", "/hoi-dap")]))
    html = {"/": _page(menu, "<p>Chào mừng</p>")}
    site = make_site(BASE, html, "/", level="district", budget_exhausted=True)
    assert finding(site, "info.work_schedule").status == Status.UNKNOWN
