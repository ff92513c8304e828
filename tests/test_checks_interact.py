"""interact.* checks: Q&A with answers, question forms (never submitted), email, phone, forms, social."""

from __future__ import annotations

from egov_audit.core.artifacts import Status
from tests.test_checks_support import (
    LF_BASE,
    NV_BASE,
    finding,
    lf,
    liferay_pages,
    liferay_site,
    make_page,
    news_items,
    nukeviet_pages,
    nukeviet_site,
    nv,
    replace_everywhere,
    without_menu_item,
)


def _no_qa(pages: dict) -> dict:
    pages = {k: (None if k.startswith("/vi/faq/") else v) for k, v in pages.items()}
    return without_menu_item(pages, "/vi/faq/")


# ---------------------------------------------------------------------------- Q&A
def test_qa_with_answered_question_passes() -> None:
    result = finding(nukeviet_site(), "interact.qa")
    assert result.status == Status.PASS
    assert result.evidence[0].excerpt == "HỎI & ĐÁP" and "Trả lời" in (result.evidence[1].excerpt or "")


def test_qa_on_liferay_hoi_ap_slug_with_placeholder_is_partial() -> None:
    result = finding(liferay_site(), "interact.qa")
    assert result.status == Status.PARTIAL


def test_qa_without_answers_is_partial() -> None:
    item = nv("Hỏi đáp", "<div class='faq-detail'><h1>Hỏi về cấp giấy phép xây dựng nhà ở</h1>"
              "<p>Câu hỏi: Xin hỏi thủ tục cấp phép xây dựng nhà ở nông thôn?</p><p>Trả lời: Chưa trả lời</p></div>")
    pages = nukeviet_pages(**{"/vi/faq/thu-tuc-dang-ky-khai-sinh-cho-con-1.html": item})
    assert finding(nukeviet_site(pages=pages), "interact.qa").status == Status.PARTIAL


def test_qa_page_that_did_not_answer_is_unknown() -> None:
    pages = nukeviet_pages(**{"/vi/faq/": make_page(NV_BASE + "/vi/faq/", None, status=None, error="timeout")})
    assert finding(nukeviet_site(pages=pages), "interact.qa").status == Status.UNKNOWN


def test_qa_missing_fails() -> None:
    result = finding(nukeviet_site(pages=_no_qa(nukeviet_pages())), "interact.qa")
    assert result.status == Status.FAIL and result.looked_at


def test_article_mentioning_hoi_dap_is_not_a_qa_section() -> None:
    slug = "hoi-dap-chinh-sach-bao-hiem-xa-hoi-tu-nguyen-301"
    article = nv("Tin tức", "<div class='news-detail'><h1>Hỏi đáp chính sách bảo hiểm xã hội tự nguyện</h1>"
                 "<div class='bodytext'><p>Câu hỏi: Người dân tham gia thế nào? Trả lời: Người dân đăng ký tại bưu điện xã "
                 "hoặc đại lý thu.</p><p>Xem thêm tại mục <a href='/vi/news/tin-tuc-su-kien/'>Hỏi đáp</a>.</p></div></div>")
    pages = nukeviet_pages()
    pages["/vi/news/tin-tuc-su-kien/"] = nv("Tin tức", "<h1>Tin tức</h1>" + news_items(
        [(slug, "Hỏi đáp chính sách bảo hiểm xã hội tự nguyện", "26/11/2026")]))
    pages[f"/vi/news/tin-tuc-su-kien/{slug}.html"] = article
    assert finding(nukeviet_site(pages=_no_qa(pages)), "interact.qa").status == Status.FAIL


# ---------------------------------------------------------------------------- question form
def test_contact_form_with_textarea_and_submit_passes() -> None:
    result = finding(nukeviet_site(), "interact.question_form")
    assert result.status == Status.PASS and "textarea" in (result.evidence[-1].locator or "")


def _with_contact(html: str) -> dict:
    return nukeviet_pages(**{"/vi/contact/": nv("Liên hệ", html)})


def test_readonly_or_hidden_textarea_does_not_count() -> None:
    html = ("<h1>Liên hệ</h1><form method='post'><textarea name='a' readonly></textarea>"
            "<div style='display:none'><textarea name='b'></textarea></div><button type='submit'>Gửi</button></form>")
    result = finding(nukeviet_site(pages=_with_contact(html)), "interact.question_form")
    assert result.status == Status.FAIL and NV_BASE + "/vi/contact/" in result.looked_at


def test_form_without_submit_control_does_not_count() -> None:
    html = "<h1>Liên hệ</h1><form><textarea name='a'></textarea><button type='reset'>Nhập lại</button></form>"
    assert finding(nukeviet_site(pages=_with_contact(html)), "interact.question_form").status == Status.FAIL


def test_aspnet_page_form_counts_only_in_section_content() -> None:
    # The whole page sits in one <form>; only a sidebar widget has a textarea.
    wrap = ("<form id='form1' method='post' action='./Default.aspx?tabid=60'>{inner}</form>")
    sidebar = ("<h1>Liên hệ</h1><p>Mọi ý kiến xin gửi về UBND xã.</p>")
    html = nv("Liên hệ", sidebar).replace('<div class="col-md-3 col-right">',
                                        '<div class="col-md-3 col-right"><textarea name="poll"></textarea>'
                                        '<input type="submit" value="Bình chọn">')
    start, end = html.index("<body>") + len("<body>"), html.index("</body>")
    html = html[:start] + wrap.format(inner=html[start:end]) + html[end:]
    pages = nukeviet_pages(**{"/vi/contact/": html})
    assert finding(nukeviet_site(pages=pages), "interact.question_form").status == Status.FAIL
    good = html.replace("<p>Mọi ý kiến xin gửi về UBND xã.</p>",
                        "<textarea name='noidung'></textarea><a href=\"javascript:__doPostBack('btnGui','')\">Gửi câu hỏi</a>")
    pages = nukeviet_pages(**{"/vi/contact/": good})
    assert finding(nukeviet_site(pages=pages), "interact.question_form").status == Status.PASS


def test_question_form_page_that_did_not_answer_is_unknown() -> None:
    pages = nukeviet_pages(**{"/vi/contact/": make_page(NV_BASE + "/vi/contact/", None, status=None, error="timeout")})
    assert finding(nukeviet_site(pages=pages), "interact.question_form").status == Status.UNKNOWN


def test_question_form_on_liferay_consultation_item_counts() -> None:
    pages = liferay_pages(**{
        "/lay-y-kien-van-ban-du-thao": lf("Lấy ý kiến", "<h1>Lấy ý kiến văn bản dự thảo</h1><ul><li>"
                                        "<a href='/lay-y-kien-van-ban-du-thao/-/view_content/5-du-thao-quy-che.html'>"
                                        "Dự thảo quy chế quản lý chợ trung tâm</a> <span>12/11/2026</span></li></ul>"),
        "/lay-y-kien-van-ban-du-thao/-/view_content/5-du-thao-quy-che.html": lf(
            "Dự thảo", "<h1>Dự thảo quy chế quản lý chợ</h1><form action='/binh-luan' method='post'>"
            "<textarea name='comment'></textarea><input type='submit' value='Gửi ý kiến'></form>"),
    })
    site = liferay_site(pages=pages)
    assert finding(site, "interact.question_form").status == Status.PASS
    assert finding(site, "interact.consultation").status == Status.PASS
    assert site.pages[LF_BASE + "/hoi-ap"].ok


def test_consultation_missing_fails() -> None:
    assert finding(liferay_site(), "interact.consultation").status in (Status.FAIL, Status.UNKNOWN)
    assert finding(nukeviet_site(), "interact.consultation").status == Status.FAIL


# ---------------------------------------------------------------------------- email, phone, forms, social
def test_email_and_hotline_pass_from_visible_text() -> None:
    site = nukeviet_site()
    assert finding(site, "interact.email").value == "ubndhoabinh@dongnai.gov.vn"
    assert finding(site, "interact.hotline").status == Status.PASS


def test_email_and_phone_only_in_comment_and_script_fail() -> None:
    pages = replace_everywhere(nukeviet_pages(**{"/vi/organs/": None, "/vi/contact/": None}),
                               "Điện thoại: 0251.3822.123 - Fax: 0251.3822.124<br>", "")
    pages = replace_everywhere(pages, '  Email: <a href="mailto:ubndhoabinh@dongnai.gov.vn">ubndhoabinh@dongnai.gov.vn</a></p>', "</p>")
    site = nukeviet_site(pages=pages)
    assert finding(site, "interact.email").status == Status.FAIL  # cu@hoabinh.gov.vn sits in an HTML comment
    assert finding(site, "interact.hotline").status == Status.FAIL  # 0909 111 222 sits in a script


def test_downloadable_form_by_label_or_file_name() -> None:
    html = ("<h1>Thủ tục hành chính</h1><table><tr><td>Đăng ký khai sinh</td>"
            "<td><a href='/uploads/tthc/to-khai-dang-ky-khai-sinh.docx'>Tải về</a></td></tr></table>")
    pages = nukeviet_pages(**{"/vi/news/thu-tuc-hanh-chinh/": nv("Thủ tục hành chính", html)})
    assert finding(nukeviet_site(pages=pages), "interact.downloadable_forms").status == Status.PASS


def test_a_file_in_a_long_article_body_is_judged_by_the_words_around_its_link() -> None:
    # The link sits directly in the article's content block: the block is no "item", and a "Mẫu" far above
    # the link (a model commune, a form mentioned in passing) does not make the attached file a form.
    filler = "<p>" + "Xã đạt chuẩn nông thôn mới kiểu mẫu năm 2025, mẫu đơn được hướng dẫn tại bộ phận một cửa. " * 12 + "</p>"
    far = f"<h1>Tin hoạt động</h1><div class='content'>{filler}Xem toàn văn: <a href='/uploads/bai-viet-12.pdf'>tải về</a></div>"
    near = (f"<h1>Tin hoạt động</h1><div class='content'>{filler}Mẫu đơn đề nghị cấp giấy phép: "
            "<a href='/uploads/tai-lieu-12.pdf'>tải về</a></div>")
    for body, expected in ((far, Status.FAIL), (near, Status.PASS)):
        pages = nukeviet_pages(**{"/vi/news/tin-tuc/": nv("Tin hoạt động", body)})
        assert finding(nukeviet_site(pages=pages), "interact.downloadable_forms").status == expected, body[-80:]


def test_document_pdf_is_not_a_form() -> None:
    # The laws table links PDFs of decisions: documents, not forms.
    assert finding(nukeviet_site(), "interact.downloadable_forms").status == Status.FAIL


def test_social_links_found_and_share_buttons_ignored() -> None:
    assert finding(nukeviet_site(), "interact.social").value == ["Facebook"]
    pages = replace_everywhere(nukeviet_pages(), "https://www.facebook.com/ubndxahoabinh",
                               "https://www.facebook.com/sharer/sharer.php?u=x")
    assert finding(nukeviet_site(pages=pages), "interact.social").status == Status.FAIL
