"""fresh.* checks: days since the newest news item / document, counted in Vietnam time."""

from __future__ import annotations

from datetime import UTC, datetime

from egov_audit.checks import CheckOptions, run_checks
from egov_audit.core.artifacts import Status
from tests.test_checks_support import (
    NV_BASE,
    finding,
    make_page,
    news_items,
    nukeviet_pages,
    nukeviet_site,
    nv,
    nv_home_main,
    replace_everywhere,
)


def _with_news(items: list[tuple[str, str, str]]) -> dict:
    return nukeviet_pages(**{
        "/vi/": nv("Trang chủ", nv_home_main(news_items(items))),
        "/vi/news/tin-tuc-su-kien/": nv("Tin tức", "<h1>Tin tức</h1>" + news_items(items)),
    })


def test_value_is_days_since_newest_news_not_documents_header_or_future() -> None:
    # Home shows a document issued 27/11 and a citizen-reception date 10/12 (future); the header shows today.
    result = finding(nukeviet_site(), "fresh.news")
    assert result.status == Status.PASS and result.value == 3  # newest news: 25/11/2026, audited 28/11
    assert "25/11/2026" in (result.evidence[0].excerpt or "")


def test_commune_threshold_30_days_district_7() -> None:
    items = [("tin-cu-201", "Tin hoạt động của xã tháng mười", "08/11/2026")]  # 20 days old
    assert finding(nukeviet_site(pages=_with_news(items)), "fresh.news").status == Status.PASS
    result = finding(nukeviet_site(level="district", pages=_with_news(items)), "fresh.news")
    assert result.status == Status.PARTIAL and result.value == 20


def test_old_news_fails() -> None:
    items = [("tin-rat-cu-202", "Tin hoạt động của xã năm ngoái", "ngày 1 tháng 6 năm 2026")]
    result = finding(nukeviet_site(pages=_with_news(items)), "fresh.news")
    assert result.status == Status.FAIL and result.value == 180


def test_framework_override_changes_threshold() -> None:
    items = [("tin-cu-201", "Tin hoạt động của xã tháng mười", "08/11/2026")]
    options = CheckOptions.from_config(None, {"fresh.news": {"pass_days_other": 14}})
    (result,) = run_checks(nukeviet_site(pages=_with_news(items)), ["fresh.news"], options)
    assert result.status == Status.PARTIAL


def test_day_boundary_uses_vietnam_time() -> None:
    # 23:30 UTC on 27/11 is already 28/11 06:30 in Vietnam: the 25/11 item is 3 days old, not 2.
    site = nukeviet_site(pages=nukeviet_pages())
    site.audited_at = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    assert finding(site, "fresh.news").value == 3


def test_only_future_dates_means_no_news() -> None:
    items = [("hop-dan-203", "Thông báo họp dân thôn 3 về dự án đường", "15/12/2026")]
    pages = _with_news(items)
    result = finding(nukeviet_site(pages=pages), "fresh.news")
    assert result.status == Status.FAIL


def test_no_reference_time_is_unknown() -> None:
    site = nukeviet_site()
    site.audited_at = None
    for page in site.pages.values():
        page.fetched_at = None
    assert finding(site, "fresh.news").status == Status.UNKNOWN


def test_news_not_found_and_crawl_cut_short_is_unknown() -> None:
    pages = {k: v for k, v in _with_news([]).items() if not k.startswith("/vi/news/")}
    pages = replace_everywhere(pages, "TIN TỨC - SỰ KIỆN", "ẢNH")
    pages["/vi/organs/"] = None
    assert finding(nukeviet_site(pages=pages, budget_exhausted=True), "fresh.news").status == Status.UNKNOWN
    assert finding(nukeviet_site(pages=pages), "fresh.news").status == Status.FAIL


def test_documents_freshness_pass_partial_fail() -> None:
    result = finding(nukeviet_site(), "fresh.documents")
    assert result.status == Status.PASS and result.value == 1
    old = nukeviet_pages(**{"/vi/laws/": nv("Văn bản", """<h1>Văn bản</h1><table>
      <tr><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th></tr>
      <tr><td>12/QĐ-UBND</td><td>02/03/2026</td><td>Quyết định về việc thành lập tổ công tác chuyển đổi số</td></tr></table>""")})
    result = finding(nukeviet_site(pages=old), "fresh.documents")
    assert result.status == Status.PARTIAL and result.value == 271


def test_documents_without_list_fail_and_unknown_when_unanswered() -> None:
    pages = replace_everywhere(nukeviet_pages(**{"/vi/laws/": None}), ">VĂN BẢN<", ">MEDIA<")
    assert finding(nukeviet_site(pages=pages), "fresh.documents").status == Status.FAIL
    pages = nukeviet_pages(**{"/vi/laws/": make_page(NV_BASE + "/vi/laws/", None, status=None, error="timeout")})
    assert finding(nukeviet_site(pages=pages), "fresh.documents").status == Status.UNKNOWN


def _news_page(listing: str) -> dict:
    return nukeviet_pages(**{
        "/vi/news/tin-tuc-su-kien/": nv("Tin tức", "<h1>Tin tức</h1>" + listing),
    })


def test_relative_item_dates_count_from_the_audit_time() -> None:
    # Audited 28/11/2026 10:00 in Vietnam; the listing's newest item says "hôm qua" (27/11), older than none.
    listing = news_items([("tin-cu-201", "Tin hoạt động của xã tháng mười", "08/11/2026")]) + (
        '<div class="news-item"><h3><a href="/vi/news/tin-tuc-su-kien/tin-moi-301.html">Xã Hoà Bình ra quân làm '
        'đường giao thông nông thôn</a></h3><span class="date">Hôm qua</span></div>')
    pages = _news_page(listing)
    pages["/vi/"] = nv("Trang chủ", nv_home_main(news_items([("tin-cu-201", "Tin hoạt động của xã tháng mười",
                                                                  "08/11/2026")])))
    result = finding(nukeviet_site(pages=pages), "fresh.news")
    assert result.status == Status.PASS and result.value == 1
    assert "Xã Hoà Bình ra quân" in (result.evidence[0].excerpt or "")


def test_hours_ago_on_the_home_news_block() -> None:
    block = ('<div class="news-item"><h3><a href="/vi/news/tin-tuc-su-kien/tin-moi-302.html">Tiếp nhận hồ sơ đăng ký '
             'nghĩa vụ quân sự năm 2027</a></h3><span class="date">Cập nhật: 3 giờ trước</span></div>')
    pages = _news_page(news_items([("tin-cu-201", "Tin hoạt động của xã tháng mười", "08/11/2026")]))
    pages["/vi/"] = nv("Trang chủ", nv_home_main(block))
    result = finding(nukeviet_site(pages=pages), "fresh.news")
    assert result.value == 0


def test_relative_words_in_a_summary_or_header_clock_are_not_item_dates() -> None:
    items = [("tin-cu-201", "Tin hoạt động của xã tháng mười", "08/11/2026")]
    listing = news_items(items).replace("<p>Tóm tắt:", "<p>Hôm nay, 3 ngày trước kỳ họp, tóm tắt:")
    pages = replace_everywhere(_news_page(listing), "Thứ bảy, 28/11/2026", "Hôm nay")
    pages["/vi/"] = nv("Trang chủ", nv_home_main(listing)).replace("Thứ bảy, 28/11/2026", "Hôm nay")
    result = finding(nukeviet_site(pages=pages), "fresh.news")
    assert result.value == 20


def test_announcements_count_for_news_freshness() -> None:
    # §5: announcements (Thông báo) are counted like news items; the newest here is an announcement of 26/11.
    pages = _news_page(news_items([("tin-cu-201", "Tin hoạt động của xã tháng mười", "08/11/2026")]))
    pages["/vi/"] = nv("Trang chủ", nv_home_main(news_items([("tin-cu-201", "Tin hoạt động của xã tháng mười",
                                                                  "08/11/2026")])))
    pages = replace_everywhere(pages, '<li><a href="/vi/faq/">', '<li><a href="/vi/thong-bao/">THÔNG BÁO</a></li><li><a href="/vi/faq/">')
    pages["/vi/thong-bao/"] = nv("Thông báo", "<h1>Thông báo</h1>" + news_items(
        [("thong-bao-401", "Thông báo lịch tiếp công dân định kỳ tháng 12", "26/11/2026")]))
    result = finding(nukeviet_site(pages=pages), "fresh.news")
    assert result.value == 2


def test_documents_skip_a_date_repeated_in_every_page_header() -> None:
    # A layout table in every page's header shows today's date (as old table-layout portals do): not a document.
    clock = ('<table class="top"><tr><td>Thứ bảy, 28/11/2026 | Âm lịch: 18/10 Bính Ngọ — Đồng Nai 27°C, '
             'trời nắng</td></tr></table>')
    pages = replace_everywhere(nukeviet_pages(), '<div id="menusite"', clock + '<div id="menusite"')
    pages = {k: v.replace('<div class="col-md-9 main-column">', '<div class="col-md-9 main-column">' + clock)
             if isinstance(v, str) else v for k, v in pages.items()}
    result = finding(nukeviet_site(pages=pages), "fresh.documents")
    assert result.status == Status.PASS and result.value == 1  # 27/11, not today


def test_documents_use_the_issue_date_column() -> None:
    # The effective date (hiệu lực) comes first in the row; the issue date column is "Ngày ban hành".
    laws = nv("Văn bản", """<h1>Văn bản</h1><table>
      <tr><th>Ngày hiệu lực</th><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th></tr>
      <tr><td>20/11/2026</td><td>12/QĐ-UBND</td><td>02/03/2026</td><td>Quyết định về việc thành lập tổ công tác chuyển đổi số</td></tr>
      </table>""")
    result = finding(nukeviet_site(pages=nukeviet_pages(**{"/vi/laws/": laws})), "fresh.documents")
    assert result.status == Status.PARTIAL and result.value == 271
