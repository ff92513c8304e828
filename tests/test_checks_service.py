"""service.* checks: links into public-service portals and own service sections."""

from __future__ import annotations

from egov_audit.core.artifacts import Status
from tests.test_checks_support import (
    NV_BASE,
    finding,
    make_page,
    nukeviet_pages,
    nukeviet_site,
    nv,
    replace_everywhere,
)

NATIONAL = '<li><a href="https://dichvucong.gov.vn/p/home/dvc-trang-chu.html">Cổng Dịch vụ công quốc gia</a></li>'
SERVICES_MENU = '<li><a href="/vi/dich-vu-cong-truc-tuyen/">DỊCH VỤ CÔNG TRỰC TUYẾN</a></li>'

SERVICE_TABLE = """<h1>Dịch vụ công trực tuyến</h1><table>
<tr><th>Tên thủ tục</th><th>Mức độ</th></tr>
<tr><td><a href="/vi/dich-vu-cong-truc-tuyen/dang-ky-khai-sinh-1.html">Đăng ký khai sinh cho trẻ em</a></td><td>Toàn trình</td></tr>
<tr><td><a href="/vi/dich-vu-cong-truc-tuyen/chung-thuc-ban-sao-2.html">Chứng thực bản sao từ bản chính</a></td><td>Mức độ 4</td></tr>
<tr><td><a href="/vi/dich-vu-cong-truc-tuyen/dang-ky-ket-hon-3.html">Đăng ký kết hôn trong nước</a></td><td>Một phần</td></tr>
</table>"""


def _own_services(html: str | None) -> dict:
    pages = nukeviet_pages()
    pages["/vi/dich-vu-cong-truc-tuyen/"] = nv("Dịch vụ công", html) if html is not None else None
    pages = replace_everywhere(pages, NATIONAL, "")
    return replace_everywhere(pages, '<li><a href="/vi/contact/">LIÊN HỆ</a></li>',
                              '<li><a href="/vi/contact/">LIÊN HỆ</a></li>' + SERVICES_MENU)


def test_link_to_national_portal_passes() -> None:
    result = finding(nukeviet_site(), "service.portal_link")
    assert result.status == Status.PASS and "dichvucong.gov.vn" in result.value
    assert result.evidence[0].locator


def test_link_to_provincial_portal_passes() -> None:
    pages = replace_everywhere(nukeviet_pages(), "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",
                               "https://dichvucong.dongnai.gov.vn/dichvucong/index")
    assert finding(nukeviet_site(pages=pages), "service.portal_link").status == Status.PASS


def test_own_service_section_with_entries_passes_and_shows_levels() -> None:
    site = nukeviet_site(pages=_own_services(SERVICE_TABLE))
    assert finding(site, "service.portal_link").status == Status.PASS
    levels = finding(site, "service.levels_shown")
    assert levels.status == Status.PASS and levels.value == 2  # toàn trình + mức 4; "một phần" adds nothing
    assert finding(site, "info.procedures").status == Status.PASS


def test_own_service_section_empty_is_partial() -> None:
    site = nukeviet_site(pages=_own_services("<h1>Dịch vụ công trực tuyến</h1><p>Đang cập nhật</p>"))
    assert finding(site, "service.portal_link").status == Status.PARTIAL
    assert finding(site, "info.procedures").status == Status.PARTIAL


def test_service_section_that_did_not_answer_is_unknown() -> None:
    pages = _own_services(None)
    url = NV_BASE + "/vi/dich-vu-cong-truc-tuyen/"
    pages["/vi/dich-vu-cong-truc-tuyen/"] = make_page(url, None, status=None, error="timeout")
    assert finding(nukeviet_site(pages=pages), "service.portal_link").status == Status.UNKNOWN


def test_no_service_link_fails_and_article_body_link_does_not_count() -> None:
    pages = nukeviet_pages()
    slug = "/vi/news/tin-tuc-su-kien/hoi-nghi-tong-ket-cong-tac-nam-2026-101.html"
    pages[slug] = nv("Tin", "<div class='news-detail'><h1>Hội nghị</h1><div class='bodytext'><p>Người dân có thể nộp hồ "
                     "sơ tại <a href='https://dichvucong.gov.vn'>dichvucong.gov.vn</a>.</p></div></div>")
    pages = replace_everywhere(pages, NATIONAL, "")
    result = finding(nukeviet_site(pages=pages), "service.portal_link")
    assert result.status == Status.FAIL and result.looked_at
    assert finding(nukeviet_site(pages=pages), "service.levels_shown").status == Status.FAIL
