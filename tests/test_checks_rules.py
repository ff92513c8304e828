"""Checks fixed as rules on real layouts (issue 8, deliverable 3): freshness dates as real portals print them,
tab panels, documents in a "VĂN BẢN MỚI" box, the English version as a set of pages, ownership statements,
answered Q&A layouts, form files and split addresses.

Fragments of the real Đắk Nông pages are read from ../shared/realpages (never copied); the other layouts
(SharePoint, Liferay, NukeViet, DotNetNuke, custom PHP) are written here from the spec's vocabulary.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from egov_audit.checks.analysis import MAIN, SiteAnalysis
from egov_audit.core.artifacts import CapturedSite, Status
from egov_audit.core.dates import local_date
from tests.test_checks_support import (
    AUDITED_AT,
    finding,
    make_page,
    make_site,
    nukeviet_pages,
    nukeviet_site,
    nv,
)

REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"
TODAY = local_date(AUDITED_AT)


def real_html(host: str, path: str) -> str:
    """A page of the real corpus as a static host serves ``path`` (its folder's index.html)."""
    file = REALPAGES / host / path.strip("/") / "index.html"
    if not file.is_file():
        pytest.fail(f"the real corpus is missing {file} (../shared/realpages, see the brief)")
    return file.read_text(encoding="utf-8")


def real_site(host: str, paths: list[str], broken: tuple[str, ...] = (), level: str = "district") -> CapturedSite:
    base = "http://127.0.0.1:8000"
    pages: dict[str, object] = {p: real_html(host, p) for p in paths}
    pages.update({p: make_page(base + p, "<html><body><h1>404</h1></body></html>", status=404) for p in broken})
    return make_site(base, pages, "/", level=level)  # type: ignore[arg-type]


def days_since(day: date) -> int:
    return (TODAY - day).days


# ------------------------------------------------------------------------------------ tab panels, regions

def test_jquery_ui_tab_panels_are_content_titled_by_their_tab_real_sharepoint() -> None:
    # Thanh tra tỉnh's home: news in jQuery UI tab panels classed "ui-tabs-panel ui-corner-bottom" (not a footer),
    # each titled by the tab that opens it, ShowTab('thong-bao') for id "tab-content-thong-bao".
    result = finding(real_site("thanhtra.daknong.gov.vn", ["/"]), "fresh.news")
    assert result.value == days_since(date(2019, 7, 26)), result.reason


BOOTSTRAP_TABS = """
<div class="box-news">
  <ul class="nav nav-tabs" role="tablist">
    <li class="active"><a href="#tab-tin-tuc" data-toggle="tab">Tin tức</a></li>
    <li><a href="#tab-thong-bao" data-toggle="tab">Thông báo</a></li>
    <li><a href="#tab-van-ban" data-toggle="tab">Văn bản mới</a></li>
  </ul>
  <div class="tab-content ui-corner-bottom">
    <div class="tab-pane active" id="tab-tin-tuc"><ul>
      <li><a href="/tin-tuc/hoi-nghi-tong-ket-1.html">Hội nghị tổng kết công tác năm 2026</a> <span>(20/11/2026)</span></li>
    </ul></div>
    <div class="tab-pane" id="tab-thong-bao" style="display:none"><ul>
      <li><a href="/thong-bao/lich-tiep-dan-2.html">Thông báo lịch tiếp công dân tháng 12</a> <span>(26/11/2026)</span></li>
    </ul></div>
    <div class="tab-pane" id="tab-van-ban" style="display:none"><ul>
      <li><a href="/van-ban/qd-99.html">Quyết định 99/QĐ-UBND về kế hoạch năm 2027</a> <span>(27/11/2026)</span></li>
    </ul></div>
  </div>
</div>
<div id="popup-khao-sat" class="tab-pane" style="display:none"><a href="/khao-sat-3.html">Khảo sát mức độ hài lòng năm nay</a>
 (27/11/2026)</div>
"""


def test_a_hidden_tab_panel_a_tab_opens_is_content_titled_by_its_tab() -> None:
    site = nukeviet_site(pages=nukeviet_pages(**{"/vi/": nv("Trang chủ", BOOTSTRAP_TABS)}))
    analysis = SiteAnalysis(site)
    entries = {e.title: analysis.block_title(site.home, e.element) for e in analysis.dated_entries(site.home)}
    assert entries["Thông báo lịch tiếp công dân tháng 12"] == "Thông báo"   # hidden until clicked: content
    assert entries["Quyết định 99/QĐ-UBND về kế hoạch năm 2027"] == "Văn bản mới"
    # A display:none block that no control opens stays hidden, whatever its class.
    assert all("Khảo sát" not in title for title in entries)
    # The newest news item is the announcement of the second tab (26/11), not the document of the third (27/11).
    assert finding(site, "fresh.news").value == 2


@pytest.mark.parametrize("classes", ["entry-header", "ms-news-header", "post-header", "news-footer",
                                     "ui-corner-bottom", "border-bottom", "margin-bottom"])
def test_item_headers_and_edge_styles_are_not_page_regions(classes: str) -> None:
    html = nv("Tin tức", f'<div class="{classes}"><span class="date">thứ năm, 08 08 2019 08:51</span></div>')
    site = nukeviet_site(pages=nukeviet_pages(**{"/vi/": html}))
    analysis = SiteAnalysis(site)
    parsed = analysis.parsed(site.home)
    (el,) = [e for e in parsed.body.iter("span") if e.get("class") == "date"]
    assert analysis.region_of(site.home, el) == MAIN


def test_caption_in_capitals_is_a_box_title_but_a_capitalised_link_or_line_is_not() -> None:
    html = nv("Trang chủ", '<div><table><tr><td class="td_vanbanmoi">VĂN BẢN MỚI</td></tr></table>'
                           '<div class="items"><div class="row">Số: 12/QĐ-UBND Ngày: 20/11/2026</div></div></div>'
                           '<div><h2>Tin tức</h2><div><a href="/x">XEM THÊM TIN</a></div><div class="sub">TIN MỚI NHẤT'
                           '</div><div class="items"><p id="p">Bài 01/11/2026</p></div></div>')
    site = nukeviet_site(pages=nukeviet_pages(**{"/vi/": html}))
    analysis = SiteAnalysis(site)
    parsed = analysis.parsed(site.home)
    row = next(e for e in parsed.body.iter("div") if e.get("class") == "row")
    other = next(e for e in parsed.body.iter("p") if e.get("id") == "p")
    assert analysis.block_title(site.home, row) == "VĂN BẢN MỚI"
    assert analysis.block_title(site.home, other) == "Tin tức"


# ------------------------------------------------------------------------------------------- news dates

SHAREPOINT_NEWS = """
<div class="ms-WPHeader"><h3 class="ms-standardheader">TIN TỨC SỰ KIỆN</h3></div>
<table class="tinTucTable"><tbody>
<tr><td class="TitleFront"><a href="/hoi-nghi-so-ket-quy-iii">Hội nghị sơ kết công tác quý III<span class="ShowDate">
 thứ năm, 26 11 2026 14:04</span></a></td></tr>
<tr><td class="TitleFront"><a href="/ra-quan-lam-sach-moi-truong">Ra quân làm sạch môi trường<span class="ShowDate">
 thứ hai, 16 11 2026 08:30</span></a></td></tr>
</tbody></table>
"""


def test_sharepoint_spaced_dates_after_a_weekday_date_news_items() -> None:
    site = nukeviet_site(pages=nukeviet_pages(**{"/vi/": nv("Trang chủ", SHAREPOINT_NEWS)}))
    assert finding(site, "fresh.news").value == 2


def test_home_tab_of_titles_only_is_dated_by_the_articles_own_pages_real_sharepoint() -> None:
    # Đắk R'Lấp's home tab "Người tốt - Việc tốt" lists titles only; the article's own header row
    # ("ms-news-header": category, then "thứ năm, 08 08 2019 08:51") dates it.
    article = "/bao-viet-nhan-tho-dak-nong-tang-10-suat-hoc-bong-cho-hoc-sinh-kho-khan-huyen-dak-r-lap/"
    others = ["/gioi-thieu-chung/", "/lich-su-hinh-thanh/", "/dieu-kien-tu-nhien/", "/huyen-uy/"]
    result = finding(real_site("dakrlap.daknong.gov.vn", ["/", article, *others]), "fresh.news")
    assert result.value == days_since(date(2019, 8, 8)), result.reason
    assert article.strip("/") in result.evidence[0].url  # the date is shown on the article's page


LIFERAY_HOME = """
<div class="portlet-boundary portlet-asset-publisher"><h2 class="portlet-title">Tin hoạt động</h2>
<ul class="title-list">
 <li><a href="/web/guest/tin-hoat-dong/-/asset_publisher/abc/content/khanh-thanh-truong-mam-non">Khánh thành trường mầm non xã Đông Phong</a></li>
 <li><a href="/web/guest/tin-hoat-dong/-/asset_publisher/abc/content/tap-huan-chuyen-doi-so">Tập huấn chuyển đổi số cho cán bộ cơ sở</a></li>
</ul></div>
<div class="portlet-boundary"><h2 class="portlet-title">Lịch công tác</h2>
<ul><li><a href="/web/guest/lich-cong-tac/-/content/tuan-49">Lịch công tác tuần 49 của lãnh đạo UBND</a></li></ul></div>
"""


def _liferay_article(title: str, header: str, related: str = "") -> str:
    return nv(title, f'<div class="journal-content-article"><h1>{title}</h1>{header}<p>{title}: nội dung bài viết '
                     'với đầy đủ thông tin về sự kiện, thành phần tham dự và kết quả đạt được trên địa bàn xã.</p>'
                     f'</div>{related}')


def test_undated_titles_dated_on_their_article_page_not_by_related_lists_liferay() -> None:
    related = ('<div class="other-news"><h3>Tin khác</h3><ul><li><a href="/web/guest/tin-hoat-dong/-/x/content/cu">'
               'Tin cũ hơn của xã Đông Phong</a> <span>(27/11/2026)</span></li></ul></div>')
    pages = nukeviet_pages(**{
        "/vi/": nv("Trang chủ", LIFERAY_HOME),
        "/web/guest/tin-hoat-dong/-/asset_publisher/abc/content/khanh-thanh-truong-mam-non": _liferay_article(
            "Khánh thành trường mầm non", '<div class="metadata-entry"><span>Ngày đăng: 21/11/2026 09:15</span></div>',
            related),
        "/web/guest/tin-hoat-dong/-/asset_publisher/abc/content/tap-huan-chuyen-doi-so": _liferay_article(
            "Tập huấn chuyển đổi số", "<p class='date'>Cập nhật lúc 10:20 - 14/11/2026 | Lượt xem: 125</p>"),
        "/web/guest/lich-cong-tac/-/content/tuan-49": _liferay_article(
            "Lịch công tác tuần 49", "<p class='date'>Ngày 27/11/2026</p>"),  # a schedule, not news
    })
    pages.pop("/vi/news/tin-tuc-su-kien/")
    result = finding(nukeviet_site(pages=pages), "fresh.news")
    assert result.value == days_since(date(2026, 11, 21)), result.reason


def test_article_date_from_its_meta_when_the_page_prints_none() -> None:
    head = '<meta property="article:published_time" content="2026-11-23T07:00:00+07:00">'
    pages = nukeviet_pages(**{
        "/vi/": nv("Trang chủ", '<div class="block"><h2>Tin tức</h2><ul><li><a href="/vi/news/a-1.html">'
                                'Đại hội thể dục thể thao xã lần thứ X</a></li></ul></div>'),
        "/vi/news/a-1.html": nv("Đại hội", "<h1>Đại hội thể dục thể thao</h1><p>Nội dung.</p>", head),
    })
    pages.pop("/vi/news/tin-tuc-su-kien/")
    assert finding(nukeviet_site(pages=pages), "fresh.news").value == 5


# ---------------------------------------------------------------------------------------- document boxes

def test_document_box_dates_the_list_when_the_section_page_is_broken_real_sharepoint() -> None:
    # Cư Jút: menu "Văn bản pháp luật" answers 404; the "VĂN BẢN MỚI" box (a one-cell table caption over a
    # SharePoint web part, "Số: 05/2013/NĐ-CP Ngày: 01/09/2013") shows the list's newest entries.
    site = real_site("cujut.daknong.gov.vn", ["/", "/thu-tuc-hanh-chinh/"], broken=("/van-ban-phap-luat",))
    result = finding(site, "fresh.documents")
    assert (result.status, result.value) == (Status.FAIL, days_since(date(2013, 9, 1))), result.reason


DNN_DOCS_BOX = """
<div class="DNNModuleContent"><div class="Head">VĂN BẢN MỚI</div>
<div class="vb-item">Số: 215/QĐ-UBND<br>Ngày ban hành: 25/11/2026<br>Về việc ban hành kế hoạch chuyển đổi số</div>
<div class="vb-item">Số: 88/KH-UBND<br>Ngày ban hành: 03/11/2026<br>Kế hoạch phòng chống thiên tai</div>
<div class="vb-item">Số: 1/TB-UBND<br>Ngày ban hành: 31/12/9999<br>Mẫu</div>
</div>
"""


def test_document_box_counts_only_when_the_portal_has_a_document_section() -> None:
    broken = make_page("https://hoabinh.dongnai.gov.vn/vi/laws/", "<h1>404</h1>", status=404)
    pages = nukeviet_pages(**{"/vi/": nv("Trang chủ", DNN_DOCS_BOX), "/vi/laws/": broken})
    result = finding(nukeviet_site(pages=pages), "fresh.documents")
    assert (result.status, result.value) == (Status.PASS, 3)  # 25/11/2026; the 31/12/9999 placeholder is no date
    # No document section at all: no document list, whatever a box shows (CRITERIA.md §5).
    pages = {k: v.replace(">VĂN BẢN<", ">MEDIA<") if isinstance(v, str) else v
             for k, v in nukeviet_pages(**{"/vi/": nv("Trang chủ", DNN_DOCS_BOX), "/vi/laws/": None}).items()}
    assert finding(nukeviet_site(pages=pages), "fresh.documents").status == Status.FAIL


# --------------------------------------------------------------------------------------- downloadable forms

def test_procedure_table_of_template_rows_with_reports_attached_is_not_forms_real_sharepoint() -> None:
    # Sở Tư pháp's "Thủ tục hành chính": rows "Tên đầy đủ thủ tục" / "Tên thủ tục 2" (a template) with
    # "04.TTr-HDND.PDF" and "41.BC-HĐND.PDF" attached (a submission and a report, by their names).
    site = real_site("stp.daknong.gov.vn", ["/", "/thu-tuc-hanh-chinh/", "/van-ban-phap-quy/"])
    assert finding(site, "interact.downloadable_forms").status == Status.FAIL
    # Cư Jút's procedures page: only the "VĂN BẢN MỚI" box's decisions ("012013QĐ-TTg.pdf", "05-nd.pdf").
    site = real_site("cujut.daknong.gov.vn", ["/", "/thu-tuc-hanh-chinh/", "/gioi-thieu/"])
    assert finding(site, "interact.downloadable_forms").status == Status.FAIL


def _forms_site(page: str, path: str = "/vi/thu-tuc-hanh-chinh/", label: str = "Thủ tục hành chính") -> CapturedSite:
    from tests.test_checks_catalogue import with_menu

    return nukeviet_site(pages=with_menu(nukeviet_pages(), path, label, page))


DNN_PROCEDURES = """
<div class="Head">THỦ TỤC HÀNH CHÍNH</div>
<table class="dnnGrid"><tr class="dnnGridHeader"><th>STT</th><th>Tên thủ tục</th><th>Lĩnh vực</th><th>Tệp</th></tr>
<tr class="dnnGridItem"><td>1</td><td>Đăng ký khai sinh</td><td>Hộ tịch</td>
 <td><a href="/Portals/0/TTHC/HoTich/01_dang_ky_khai_sinh.doc"><img src="/images/doc.gif" alt=""></a></td></tr>
</table>
"""


@pytest.mark.parametrize("page, expected", [
    # DotNetNuke: a procedure row with its attachment (no form word: the procedure's own file).
    (DNN_PROCEDURES, Status.PASS),
    # The same row template left unfilled is nobody's form.
    (DNN_PROCEDURES.replace("Đăng ký khai sinh", "Tên thủ tục 2"), Status.FAIL),
    # A decision attached in the same place is a document, by its name or its label.
    (DNN_PROCEDURES.replace("01_dang_ky_khai_sinh.doc", "125-QD-UBND.pdf"), Status.FAIL),
    (DNN_PROCEDURES.replace('<img src="/images/doc.gif" alt="">', "Quyết định công bố thủ tục"), Status.FAIL),
    # NukeViet: a procedure's own page with its "Mẫu đơn, tờ khai" part.
    ('<h1>Đăng ký kết hôn</h1><p>Thành phần hồ sơ: tờ khai đăng ký kết hôn theo mẫu; giấy tờ tùy thân.</p>'
     '<h3>Mẫu đơn, tờ khai</h3><ul><li><a href="/uploads/tthc/tk-ket-hon.docx">TK kết hôn (bản word)</a></li></ul>',
     Status.PASS),
    # Custom PHP: a download handler whose query names the file, in a row labelled as a form.
    ('<table><tr><td>Mẫu đơn xin cấp giấy phép xây dựng</td><td><a href="/download.php?file=gpxd-01.doc">Tải về</a>'
     '</td></tr></table>', Status.PASS),
    # Liferay documents and media: the file name comes before the document's uuid.
    ('<ul><li><a href="/documents/20182/0/To+khai+dang+ky+thuong+tru.docx/6f1c2b3a-0d4e">Đăng ký thường trú</a></li>'
     '</ul>', Status.PASS),
    # "Mẫu" that is no form: a model commune, a kindergarten; "máu" without its accents is no "mẫu" either.
    ('<ul><li><a href="/uploads/ke-hoach-xa-nong-thon-moi-kieu-mau.pdf">Xây dựng xã nông thôn mới kiểu mẫu</a></li>'
     '<li><a href="/uploads/truong-mau-giao-hoa-sen.docx">Trường Mẫu giáo Hoa Sen tuyển sinh</a></li>'
     '<li><a href="/uploads/hien-mau-tinh-nguyen.pdf">Ngày hội hiến máu tình nguyện</a></li></ul>', Status.FAIL),
    # A report and a plan on a page under another name are not forms.
    ('<ul><li><a href="/uploads/bao-cao-kt-xh-2026.pdf">Báo cáo tình hình kinh tế - xã hội năm 2026</a></li>'
     '<li><a href="/uploads/12-KH-UBND.pdf">Số 12/KH-UBND</a></li></ul>', Status.FAIL),
])
def test_form_files_are_labelled_or_attached_to_a_procedure(page: str, expected: Status) -> None:
    assert finding(_forms_site(page), "interact.downloadable_forms").status == expected


def test_numbered_document_rows_on_a_procedures_page_are_documents_sharepoint() -> None:
    box = ('<div class="divvanbanmoi"><a href="/hethongvanban/Pages/default.aspx?SoID=24"><div>Số: 05/2013/NĐ-CP</div>'
           '<div>Ngày: <span>01/09/2013</span></div><div>Sửa đổi quy định về thủ tục hành chính</div></a>'
           '<div class="divvbm_dinhkem"><a href="/Attachments/24/van-ban.pdf"><img src="/img/pdf.png" alt="tải pdf về">'
           '</a></div></div>')
    assert finding(_forms_site(f"<h1>Thủ tục hành chính</h1>{box}"), "interact.downloadable_forms").status == Status.FAIL


# ------------------------------------------------------------------------------------------------ contact

def test_footer_address_split_over_elements_and_email_under_the_credits_line_real_sharepoint() -> None:
    # Đắk R'Lấp's footer: "<font>Địa chỉ: </font><font>Tổ dân phố 3, thị trấn Kiến Đức …</font>", and the e-mail
    # on the line after "Chịu trách nhiệm về nội dung: Ông Lê Mai Toản - Phó Chủ tịch UBND huyện …".
    result = finding(real_site("dakrlap.daknong.gov.vn", ["/", "/gioi-thieu-chung/", "/huyen-uy/"]), "info.contact")
    assert result.status == Status.PASS, result.reason
    assert any("Kiến Đức" in (e.excerpt or "") for e in result.evidence)


CUSTOM_PHP_FOOTER = """
<div class="footer">
  <p><span class="lbl">Địa chỉ:</span> <span class="val">Số 12 đường Trần Hưng Đạo, phường 1, thành phố Vĩnh Long</span></p>
  <p>Chịu trách nhiệm chính: Ông Trần Văn Bảy - Chủ tịch UBND phường<br>Email: phuong1@vinhlong.gov.vn<br>
  Điện thoại: 0270.3822.111</p>
</div>
"""


def test_custom_php_footer_split_address_and_credits_line_email_are_the_units() -> None:
    pages = {k: v.replace('<div id="footer" class="footer">', CUSTOM_PHP_FOOTER + '<div class="x">')
             if isinstance(v, str) else v for k, v in nukeviet_pages(**{"/vi/contact/": None}).items()}
    pages = {k: v.replace("Địa chỉ: Thôn 3, xã Hoà Bình, tỉnh Đồng Nai<br>", "")
             .replace('Email: <a href="mailto:ubndhoabinh@dongnai.gov.vn">ubndhoabinh@dongnai.gov.vn</a>', "")
             if isinstance(v, str) else v for k, v in pages.items()}
    result = finding(nukeviet_site(pages=pages), "info.contact")
    assert result.status == Status.PASS, result.reason
    values = " ".join(e.excerpt or "" for e in result.evidence)
    assert "Trần Hưng Đạo" in values and "phuong1@vinhlong.gov.vn" in values


def test_a_bare_email_under_a_leaders_line_is_still_the_leaders() -> None:
    from egov_audit.checks.contact_details import contact_details

    html = nv("Lãnh đạo", "<p>Ông Trần Văn Bảy - Chủ tịch UBND phường<br>Email: tvbay@vinhlong.gov.vn</p>")
    site = nukeviet_site(pages=nukeviet_pages(**{"/vi/": html}))
    analysis = SiteAnalysis(site)
    (email,) = [f for f in contact_details(analysis, site.home) if f.value == "tvbay@vinhlong.gov.vn"]
    assert email.leader


# ---------------------------------------------------------------------------------------------- ownership

def test_credits_line_with_a_word_split_by_a_span_real_sharepoint() -> None:
    # Đắk R'Lấp: "Cơ quan quản lý:UBND huyện Đăk R'lấp." and "Chịu trách nhiệm\u200b v<span>\u200b</span>ề nội
    # dung: Ông Lê Mai Toản - Phó Chủ tịch UBND huyện, Trưởng Ban Biên tập."
    result = finding(real_site("dakrlap.daknong.gov.vn", ["/", "/gioi-thieu-chung/", "/huyen-uy/"]), "info.ownership")
    assert result.status == Status.PASS, result.reason
    assert any("Lê Mai Toản" in (e.excerpt or "") for e in result.evidence)


LIFERAY_DUTIES = """
<div class="journal-content-article"><h1>Giới thiệu</h1>
<h2>Chức năng, nhiệm vụ</h2>
<p>Sở Tư pháp là cơ quan chuyên môn thuộc UBND tỉnh, tham mưu, giúp UBND tỉnh quản lý nhà nước về công tác xây
dựng và thi hành pháp luật, phổ biến, giáo dục pháp luật, hộ tịch, chứng thực, bồi thường nhà nước.</p>
<p>Giám đốc Sở là người đứng đầu Sở, chịu trách nhiệm trước UBND tỉnh, Chủ tịch UBND tỉnh và trước pháp luật về
toàn bộ hoạt động của Sở.</p>
<ul><li>Chịu trách nhiệm trước Giám đốc Sở về lĩnh vực công tác được phân công;</li>
<li>Cơ quan quản lý nhà nước về công tác tư pháp tại địa phương.</li></ul>
</div>
"""


def _footer(html: str) -> dict[str, object]:
    start = '<div id="footer" class="footer">'
    pages = nukeviet_pages(**{"/vi/about/Gioi-thieu-chung.html": nv("Giới thiệu", LIFERAY_DUTIES)})
    return {k: (v[:v.index(start)] + f'<div id="footer" class="footer">{html}</div></body></html>'
                if isinstance(v, str) else v) for k, v in pages.items()}


def test_duties_text_on_the_about_page_names_nobody_responsible_for_the_portal() -> None:
    site = nukeviet_site(pages=_footer("<p>CỔNG THÔNG TIN ĐIỆN TỬ SỞ TƯ PHÁP</p><p>Bản quyền © 2026</p>"))
    assert finding(site, "info.ownership").status == Status.FAIL


@pytest.mark.parametrize("footer, expected", [
    # DotNetNuke: one line, statements separated by "|".
    ("<p>© Bản quyền thuộc về UBND huyện Châu Thành | Chịu trách nhiệm chính: Ông Lê Văn Tám - Chủ tịch UBND huyện"
     " | Địa chỉ: số 1 đường 3/2</p>", Status.PASS),
    # Custom PHP: label and value in separate cells.
    ("<table><tr><td>Đơn vị quản lý:</td></tr><tr><td>Văn phòng HĐND và UBND huyện</td></tr>"
     "<tr><td>Người chịu trách nhiệm: Bà Phạm Thị Hà</td></tr></table>", Status.PASS),
    # The portal's name is neither a managing body nor a person.
    ("<p>Cơ quan chủ quản: Cổng thông tin điện tử tỉnh Bắc Kạn</p><p>Trưởng Ban biên tập: Ông Hà Văn Nam</p>",
     Status.PARTIAL),
    ("<p>Cơ quan chủ quản: UBND xã Hoà Bình</p><p>Cổng thông tin điện tử xã Hoà Bình</p>", Status.PARTIAL),
])
def test_ownership_statements_in_footers_of_several_platforms(footer: str, expected: Status) -> None:
    assert finding(nukeviet_site(pages=_footer(footer)), "info.ownership").status == expected


# ------------------------------------------------------------------------------------------------ English

def _en(title: str, main: str, lang: str = "en") -> str:
    """A page of an English sub-site with its own English menu (a Liferay/SharePoint sub-site template)."""
    menu = ('<nav class="en-menu"><ul><li><a href="/en/home">Home</a></li><li><a href="/en/about-us">About us</a></li>'
            '<li><a href="/en/organization">Organization</a></li><li><a href="/en/contact-us">Contact us</a></li></ul></nav>')
    return (f'<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title></head><body>'
            f'<header class="header"><a href="/vi/">Tiếng Việt</a></header>{menu}<main>{main}</main></body></html>')


EN_PAGES = {
    "/en/home": _en("Home", "<h1>Welcome to Hoa Binh Commune</h1><p>Welcome to the official portal of Hoa Binh "
                            "Commune, Dong Nai province. Here you find news and information about the commune, its "
                            "history and its culture for visitors and investors.</p>"),
    "/en/about-us": _en("About us", "<h1>About us</h1><p>Hoa Binh is a rural commune in the south of the province "
                                    "with an area of 30 square kilometres and a population of about 15,000 people.</p>"),
    "/en/organization": _en("Organization", "<h1>Organizational structure</h1><p>The People's Committee of the "
                            "commune is the local state administrative body. It is made up of the Chairman, two "
                            "Vice Chairmen and the heads of the professional departments.</p><ul><li>Chairman: Mr "
                            "Nguyen Van An</li><li>Office of the People's Council and People's Committee</li></ul>"),
    "/en/contact-us": _en("Contact us", "<h1>Contact us</h1><p>People's Committee of Hoa Binh Commune</p>"
                          "<p>Address: Thôn 3, xã Hoà Bình, Đồng Nai province</p><p>Tel: (+84) 251 3822 123</p>"
                          "<p>Email: ubndhoabinh@dongnai.gov.vn</p>"),
}


def _english_site(switcher: str, head: str = "", pages: dict[str, object] | None = None) -> CapturedSite:
    home = nv("Trang chủ", "<p>Chào mừng đến với cổng thông tin điện tử xã Hoà Bình.</p>", head)
    home = home.replace('<div class="today">', f'<div class="languages">{switcher}</div><div class="today">')
    return nukeviet_site(pages=nukeviet_pages(**{"/vi/": home, **(EN_PAGES if pages is None else pages)}))


@pytest.mark.parametrize("switcher, head", [
    # Liferay/SharePoint: a link classed as the language choice around a flag without alt text.
    ('<a class="lang_us" href="/en/home"><img src="/images/flag_us.png" alt=""></a>', ""),
    ('<a href="/en/home" class="lang-en"></a>', ""),
    # NukeViet: a flag image named after the country.
    ('<a href="/en/home"><img src="/themes/default/images/flags/uk.gif" title=""></a>', ""),
    # Only the head announces the English version.
    ("", '<link rel="alternate" hreflang="en" href="/en/home">'),
    # Text switchers.
    ('<a href="/en/home">EN</a> | <a href="/vi/">VI</a>', ""),
    ('<a href="/en/home">Tiếng Anh</a>', ""),
])
def test_english_switchers_lead_to_the_english_version(switcher: str, head: str) -> None:
    result = finding(_english_site(switcher, head), "info.english")
    assert result.status == Status.PASS, result.reason


def test_organisation_and_contact_on_different_english_pages_pass_together() -> None:
    # The landing page has neither; its menu leads to the organisation and the contact pages.
    result = finding(_english_site('<a href="/en/home">English</a>'), "info.english")
    assert result.status == Status.PASS, result.reason
    urls = [e.url for e in result.evidence]
    assert any(u.endswith("/en/organization") for u in urls) and any(u.endswith("/en/contact-us") for u in urls)
    # Without the contact page the version lacks contact information.
    pages = {k: v for k, v in EN_PAGES.items() if k != "/en/contact-us"}
    result = finding(_english_site('<a href="/en/home">English</a>', pages=pages), "info.english")
    assert result.status == Status.PARTIAL and "no contact" in (result.reason or "")


def test_a_switcher_that_opens_no_english_page_or_is_broken_is_partial() -> None:
    vietnamese = {"/en/home": nv("Trang chủ", "<h1>Trang chủ</h1><p>Trang tiếng Anh đang được xây dựng, mời quý vị "
                                              "quay lại sau. Xin cảm ơn quý vị đã quan tâm theo dõi cổng thông tin.</p>")}
    result = finding(_english_site('<a class="lang_en" href="/en/home"><img src="/en.png" alt=""></a>', pages=vietnamese),
                     "info.english")
    assert (result.status, result.reason) == (Status.PARTIAL, "English link opens no English page")
    broken = {"/en/home": make_page("https://hoabinh.dongnai.gov.vn/en/home", "<h1>404</h1>", status=404)}
    result = finding(_english_site('<a href="/en/home"><img src="/flags/en.png" alt=""></a>', pages=broken),
                     "info.english")
    assert result.status == Status.PARTIAL


def test_words_like_entry_or_a_banner_are_not_switchers() -> None:
    switcher = ('<a class="entry" href="/vi/about/Gioi-thieu-chung.html">Xem thêm</a><a href="/vi/organs/">'
                '<img src="/banner/ngay-hoi-van-hoa-en.png" alt="Ngày hội văn hoá"></a>')
    site = _english_site(switcher, pages={})
    assert finding(site, "info.english").status == Status.FAIL


@pytest.mark.parametrize("switcher", [
    '<a class="lang_us" href="/Default.aspx?tabid=120"><img src="/images/flag_us.png" alt=""></a>',
    '<a href="/Default.aspx?tabid=120"><img src="/Portals/_default/flags/uk.gif" alt=""></a>',
    '<a href="/Default.aspx?tabid=120" hreflang="en"><span class="flag-en"></span></a>',
])
def test_a_switcher_to_a_page_named_by_nothing_english_is_still_the_entry_dotnetnuke(switcher: str) -> None:
    page = _en("Home", EN_PAGES["/en/organization"].split("<main>")[1].split("</main>")[0]
               + "<p>Address: Thôn 3, xã Hoà Bình</p><p>Tel: 0251 3822 123</p>")
    result = finding(_english_site(switcher, pages={"/Default.aspx?tabid=120": page}), "info.english")
    assert result.status == Status.PASS, result.reason


# ----------------------------------------------------------------------------------------------------- Q&A

def _qa_site(listing: str, **pages: object) -> CapturedSite:
    return nukeviet_site(pages=nukeviet_pages(**{"/vi/faq/": nv("Hỏi đáp", f"<h1>Hỏi đáp</h1>{listing}"),
                                                 "/vi/faq/thu-tuc-dang-ky-khai-sinh-cho-con-1.html": None, **pages}))


LIFERAY_QA = """
<div class="faq-item"><h3>Hỏi: Tôi muốn hỏi thủ tục cấp đổi giấy phép lái xe hết hạn cần những giấy tờ gì?</h3>
<p>Người hỏi: Nguyễn Văn Bình - phường Đống Đa</p>
<h4>Sở Giao thông vận tải</h4>
<p>Theo Thông tư 12/2017/TT-BGTVT, người có giấy phép lái xe hết hạn nộp đơn đề nghị đổi, giấy khám sức khỏe và bản
sao giấy phép tại Trung tâm Phục vụ hành chính công của thành phố.</p></div>
"""
OFFICE_LABEL_QA = """
<div class="item"><p><b>Câu hỏi:</b> Gia đình tôi muốn tách thửa đất ở, xin hỏi diện tích tối thiểu là bao nhiêu?</p>
<p><b>Phòng Tài nguyên và Môi trường huyện trả lời:</b></p>
<p>Theo Quyết định số 20/2024/QĐ-UBND của UBND tỉnh, diện tích tối thiểu sau tách thửa tại thị trấn là 50 m².</p></div>
"""
TABLE_QA = """
<table class="list"><tr><th>STT</th><th>Câu hỏi</th><th>Người hỏi</th><th>Nội dung trả lời</th></tr>
<tr><td>1</td><td>Xin hỏi thủ tục đăng ký kết hôn với người nước ngoài?</td><td>Lê Thị Hà</td>
<td>Hồ sơ gồm tờ khai đăng ký kết hôn, giấy xác nhận tình trạng hôn nhân và hộ chiếu; nộp tại UBND huyện.</td></tr>
</table>
"""


ANSWERED_BY_QA = """
<div class="qa"><div class="q">Câu hỏi: Tôi là công chức, xin hỏi chế độ phụ cấp công vụ được tính thế nào?</div>
<div class="by">Cơ quan trả lời: Sở Nội vụ</div>
<div>Phụ cấp công vụ bằng 25% mức lương hiện hưởng cộng phụ cấp chức vụ lãnh đạo và phụ cấp thâm niên vượt khung.</div>
</div>
"""


@pytest.mark.parametrize("listing", [LIFERAY_QA, OFFICE_LABEL_QA, TABLE_QA, ANSWERED_BY_QA])
def test_answered_questions_in_real_layouts_pass(listing: str) -> None:
    result = finding(_qa_site(listing), "interact.qa")
    assert result.status == Status.PASS, result.reason


@pytest.mark.parametrize("listing", [
    TABLE_QA.replace("Hồ sơ gồm tờ khai đăng ký kết hôn, giấy xác nhận tình trạng hôn nhân và hộ chiếu; nộp tại UBND "
                     "huyện.", "Chưa trả lời"),
    # A sentence saying someone answered is not the answer; an office list with no question before it is not either.
    "<p>Câu hỏi: Khi nào sửa đường liên thôn?</p><p>UBND huyện đã trả lời cử tri tại kỳ họp thứ 7 HĐND huyện.</p>",
    "<h3>Các cơ quan tiếp nhận câu hỏi</h3><h4>Phòng Tư pháp</h4><p>Tiếp nhận các câu hỏi về hộ tịch, chứng thực, "
    "hòa giải ở cơ sở và phổ biến giáo dục pháp luật trên địa bàn.</p>",
    "<ul><li>Xin hỏi thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ?</li><li>Trạng thái: Đang xử lý</li></ul>",
])
def test_questions_without_a_published_answer_are_partial(listing: str) -> None:
    assert finding(_qa_site(listing), "interact.qa").status == Status.PARTIAL


def test_question_page_links_its_answer_page_or_answer_letter_dotnetnuke() -> None:
    listing = '<ul><li><a href="/vi/faq/cau-hoi-12.html">Hỏi về chế độ trợ cấp cho người cao tuổi</a></li></ul>'
    question = nv("Hỏi đáp", '<h1>Hỏi về chế độ trợ cấp cho người cao tuổi</h1><p>Người gửi: Trần Văn Tư</p><p>Nội dung: '
                             'Bố tôi 80 tuổi, xin hỏi được hưởng trợ cấp gì?</p><p><a href="/vi/faq/tra-loi-12.html">'
                             'Xem trả lời</a></p>')
    answer = nv("Trả lời", "<h1>Trả lời câu hỏi số 12</h1><p>Theo Nghị định 20/2021/NĐ-CP, người từ đủ 80 tuổi trở lên "
                           "không có lương hưu hoặc trợ cấp bảo hiểm xã hội hằng tháng được hưởng trợ cấp xã hội hằng "
                           "tháng; hồ sơ nộp tại UBND xã nơi cư trú.</p>")
    site = _qa_site(listing, **{"/vi/faq/cau-hoi-12.html": question, "/vi/faq/tra-loi-12.html": answer})
    assert finding(site, "interact.qa").status == Status.PASS
    letter = question.replace('href="/vi/faq/tra-loi-12.html">Xem trả lời', 'href="/uploads/tl-12.pdf">Văn bản trả lời')
    assert finding(_qa_site(listing, **{"/vi/faq/cau-hoi-12.html": letter}), "interact.qa").status == Status.PASS
    unanswered = question.replace('<p><a href="/vi/faq/tra-loi-12.html">Xem trả lời</a></p>', "")
    assert finding(_qa_site(listing, **{"/vi/faq/cau-hoi-12.html": unanswered}), "interact.qa").status == Status.PARTIAL


# ------------------------------------------------------------------------------------------------ procedures

def test_procedure_search_with_template_rows_or_only_a_documents_box_is_partial_real_sharepoint() -> None:
    # Sở Tư pháp: a search form (its options are not content) over template rows "Tên đầy đủ thủ tục", "Tên thủ tục 2".
    site = real_site("stp.daknong.gov.vn", ["/", "/thu-tuc-hanh-chinh/", "/van-ban-phap-quy/"])
    assert finding(site, "info.procedures").status == Status.PARTIAL
    # Cư Jút: an empty procedure table beside the "VĂN BẢN MỚI" box, whose decisions are not procedures.
    site = real_site("cujut.daknong.gov.vn", ["/", "/thu-tuc-hanh-chinh/", "/gioi-thieu/"])
    assert finding(site, "info.procedures").status == Status.PARTIAL


def test_a_filled_procedure_table_with_a_search_form_passes_dotnetnuke() -> None:
    rows = "".join(f'<tr><td>{i}</td><td><a href="/Default.aspx?tabid=50&amp;tt={i}">{name}</a></td><td>Hộ tịch</td></tr>'
                   for i, name in enumerate(("Đăng ký khai sinh cho trẻ em", "Đăng ký kết hôn trong nước",
                                             "Đăng ký khai tử cho người đã mất"), start=1))
    page = ('<h1>Thủ tục hành chính</h1><label>Lĩnh vực:</label><select><option>---Toàn bộ---</option>'
            f'<option>Hộ tịch</option></select><button>Tìm kiếm</button><table>{rows}</table>')
    assert finding(_forms_site(page), "info.procedures").status == Status.PASS
    docs_box = ('<h1>Thủ tục hành chính</h1><label>Lĩnh vực:</label><select><option>---Toàn bộ---</option></select>'
                '<div class="box"><h3>Văn bản mới</h3><ul>' + "".join(
                    f'<li><a href="/vb/{i}">Số: {i}/2026/QĐ-UBND Ngày: 0{i}/11/2026 Quyết định ban hành quy chế</a></li>'
                    for i in range(1, 5)) + "</ul></div>")
    national = '<li><a href="https://dichvucong.gov.vn/p/home/dvc-trang-chu.html">Cổng Dịch vụ công quốc gia</a></li>'
    site = _forms_site(docs_box)
    site.pages = {url: replace(page, html=(page.html or "").replace(national, "")) for url, page in site.pages.items()}
    assert finding(site, "info.procedures").status == Status.PARTIAL


def test_address_label_on_its_own_line_takes_the_next_line_sharepoint_footer() -> None:
    from egov_audit.checks.contact_details import contact_details

    footer = ('<div class="ms-footer"><strong>Địa chỉ:</strong><br>Số 8 đường Hùng Vương, phường Nghĩa Đức, thành phố '
              'Gia Nghĩa<br>Điện thoại: 0261.3544.555</div>')
    site = nukeviet_site(pages=nukeviet_pages(**{"/vi/": nv("Trang chủ", footer)}))
    analysis = SiteAnalysis(site)
    addresses = [f.value for f in contact_details(analysis, site.home) if f.kind == "address"]
    assert any(a.startswith("Số 8 đường Hùng Vương") for a in addresses), addresses


def test_article_meta_line_with_views_and_font_size_dates_the_article_nukeviet() -> None:
    pages = nukeviet_pages(**{
        "/vi/": nv("Trang chủ", '<div class="block"><h2>Tin hoạt động</h2><ul><li><a href="/vi/news/b-2.html">'
                                'Hội thi tìm hiểu pháp luật năm 2026</a></li></ul></div>'),
        "/vi/news/b-2.html": nv("Hội thi", '<h1>Hội thi tìm hiểu pháp luật</h1><div class="meta"><span>Ngày đăng: '
                                           '26/11/2026 | Lượt xem: 125 | Cỡ chữ: A A A</span></div><div class="bodytext">'
                                           '<p>Nội dung bài viết.</p><p>Tin khác: <a href="/vi/news/c.html">Tin cũ</a> '
                                           '(27/11/2026)</p></div>'),
    })
    pages.pop("/vi/news/tin-tuc-su-kien/")
    assert finding(nukeviet_site(pages=pages), "fresh.news").value == 2


def test_a_vietnamese_page_declared_lang_en_us_is_not_english_real_sharepoint() -> None:
    from egov_audit.checks.info.english import is_english

    site = real_site("dakrlap.daknong.gov.vn", ["/", "/gioi-thieu-chung/", "/huyen-uy/"])
    analysis = SiteAnalysis(site)
    page = next(p for p in site.pages.values() if p.url.endswith("/gioi-thieu-chung/"))
    assert 'lang="en-us"' in (page.html or "") and not is_english(analysis, page)
    assert is_english(analysis, make_page("https://x.gov.vn/en/", _en("Home", "<h1>Welcome</h1><p>Hoa Binh</p>")))
