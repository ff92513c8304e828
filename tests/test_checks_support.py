"""Builders of realistic captured sites for the check tests (NukeViet-like and Liferay-like markup),
and tests of the builders themselves. Sites are CapturedSite objects built directly: no network."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from egov_audit.checks import run_checks
from egov_audit.core.artifacts import CapturedPage, CapturedSite, Finding

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
AUDITED_AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
NV_BASE = "https://hoabinh.dongnai.gov.vn"
LF_BASE = "https://thuynguyen.haiphong.gov.vn"


def layout(kind: str, title: str, main: str, head: str = "") -> str:
    template = (FIXTURES / f"{kind}_layout.html").read_text(encoding="utf-8")
    return template.replace("{title}", title).replace("{main}", main).replace("{head}", head)


def make_page(url: str, html: str | None, status: int | None = 200, error: str | None = None,
              ttfb: float | None = 0.3, encoding: str = "utf-8") -> CapturedPage:
    body = (html or "").encode("utf-8")
    return CapturedPage(
        url=url, final_url=url, status=status, error=error, content_type="text/html", encoding=encoding,
        html=html, body_digest="sha256:" + hashlib.sha256(body).hexdigest() if html is not None else None,
        ttfb_seconds=ttfb, fetched_at=AUDITED_AT,
    )


def make_site(base: str, pages: dict[str, str | CapturedPage | None], home: str, level: str = "commune",
              **kwargs: object) -> CapturedSite:
    captured: dict[str, CapturedPage] = {}
    for path, content in pages.items():
        if content is None:
            continue
        url = base + path
        captured[url] = content if isinstance(content, CapturedPage) else make_page(url, content)
    return CapturedSite(unit_code="26001", unit_level=level, portal_url=base + "/", home_url=base + home,
                        pages=captured, audited_at=AUDITED_AT, **kwargs)  # type: ignore[arg-type]


def nv(title: str, main: str, head: str = "") -> str:
    return layout("nukeviet", title, main, head)


def lf(title: str, main: str, head: str = "") -> str:
    return layout("liferay", title, main, head)


DC_HEAD = ('<meta name="DC.title" content="{t}"><meta name="DC.creator" content="UBND xã Hoà Bình">'
           '<meta name="DC.date" content="2026-11-25">')

NEWS = [
    ("hoi-nghi-tong-ket-cong-tac-nam-2026-101", "Hội nghị tổng kết công tác năm 2026", "25/11/2026 08:15"),
    ("ra-quan-ve-sinh-moi-truong-102", "Ra quân vệ sinh môi trường tháng 11", "20/11/2026"),
    ("tiem-chung-mo-rong-dot-3-103", "Tiêm chủng mở rộng đợt 3 năm 2026", "14/11/2026"),
    ("trao-qua-cho-ho-ngheo-104", "Trao quà cho hộ nghèo nhân dịp Tết", "ngày 2 tháng 11 năm 2026"),
]


def news_items(items: list[tuple[str, str, str]] = NEWS) -> str:
    return "\n".join(
        f'<div class="news-item"><h3><a href="/vi/news/tin-tuc-su-kien/{slug}.html">{title}</a></h3>'
        f'<span class="date">{date}</span><p>Tóm tắt: {title.lower()} tại xã Hoà Bình.</p></div>'
        for slug, title, date in items
    )


def nv_article(title: str, date: str) -> str:
    body = (f'<div class="news-detail"><h1>{title}</h1><p class="meta">Đăng lúc: {date} (GMT+7)</p>'
            f'<div class="bodytext"><p>{title}. Sáng nay, UBND xã Hoà Bình đã tổ chức sự kiện với sự tham gia của '
            'đông đảo cán bộ và nhân dân trên địa bàn các thôn. Hoạt động góp phần nâng cao đời sống người dân.</p>'
            '</div></div>')
    return nv(title, body, DC_HEAD.format(t=title))


INTRO_TEXT = (
    "Xã Hoà Bình nằm ở phía đông của huyện, có tổng diện tích tự nhiên 2.345 ha, dân số 12.500 người sinh sống "
    "tại 8 thôn. Địa hình tương đối bằng phẳng, đất đai màu mỡ, thuận lợi cho phát triển nông nghiệp. Xã có "
    "truyền thống cách mạng, được Nhà nước phong tặng danh hiệu Anh hùng lực lượng vũ trang nhân dân năm 1998. "
    "Hiện nay, kinh tế của xã phát triển theo hướng thương mại, dịch vụ và nông nghiệp công nghệ cao."
)

LAWS_TABLE = """
<h1 class="title">Văn bản</h1>
<table class="table laws">
  <thead><tr><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th><th>Tải về</th></tr></thead>
  <tbody>
  <tr><td>125/QĐ-UBND</td><td>27/11/2026</td><td><a href="/vi/laws/detail/Quyet-dinh-125-QD-UBND-55/">Quyết định về việc phê duyệt kế hoạch phòng chống thiên tai năm 2026</a></td>
      <td><a href="/uploads/laws/125-qd-ubnd.pdf">Tải về</a></td></tr>
  <tr><td>09/2026/NQ-HĐND</td><td>15/10/2026</td><td><a href="/vi/laws/detail/Nghi-quyet-09-56/">Nghị quyết về dự toán ngân sách xã năm 2027</a></td>
      <td><a href="/uploads/laws/09-nq-hdnd.docx">Tải về</a></td></tr>
  </tbody>
</table>
"""

FAQ_LIST = """
<h1>Hỏi đáp</h1>
<ul class="faq-list">
  <li><a href="/vi/faq/thu-tuc-dang-ky-khai-sinh-cho-con-1.html">Thủ tục đăng ký khai sinh cho con cần giấy tờ gì?</a></li>
  <li><a href="/vi/faq/gui-cau-hoi/">Gửi câu hỏi</a></li>
</ul>
"""

FAQ_ITEM = """
<div class="faq-detail">
  <h1>Thủ tục đăng ký khai sinh cho con cần giấy tờ gì?</h1>
  <p><strong>Người hỏi:</strong> Trần Thị Bình, thôn 2</p>
  <p><strong>Câu hỏi:</strong> Tôi mới sinh con, xin hỏi thủ tục đăng ký khai sinh cần những giấy tờ gì?</p>
  <p><strong>Trả lời:</strong> Theo Luật Hộ tịch, người đi đăng ký khai sinh nộp tờ khai theo mẫu và giấy chứng sinh.</p>
</div>
"""

CONTACT_PAGE = """
<h1>Liên hệ</h1>
<form action="/vi/contact/" method="post" class="contact-form">
  <label>Họ và tên</label><input type="text" name="fname">
  <label>Email</label><input type="email" name="femail">
  <label>Nội dung</label><textarea name="fcon" rows="6"></textarea>
  <input type="submit" value="Gửi đi">
</form>
"""

ORGANS_PAGE = """
<h1>Cơ cấu tổ chức</h1>
<table class="organs">
  <tr><td>Ông Nguyễn Văn An</td><td>Chủ tịch UBND xã</td><td>ĐT: 0913 456 789</td></tr>
  <tr><td>Bà Lê Thị Hoa</td><td>Phó Chủ tịch UBND xã</td><td>Email: lethihoa@dongnai.gov.vn</td></tr>
</table>
<p>UBND xã thực hiện chức năng quản lý nhà nước ở địa phương theo quy định của pháp luật, bảo đảm hiệu lực của
Hiến pháp, pháp luật và các văn bản của cơ quan nhà nước cấp trên; tổ chức thực hiện nghị quyết của Hội đồng nhân dân.</p>
"""


def nv_home_main(news: str | None = None) -> str:
    return (
        '<div class="block-news"><h2 class="block-title"><a href="/vi/news/tin-tuc-su-kien/">TIN TỨC - SỰ KIỆN</a></h2>'
        f"{news if news is not None else news_items()}</div>"
        '<div class="block-laws"><h2 class="block-title">VĂN BẢN MỚI</h2><ul>'
        '<li><a href="/vi/laws/detail/Quyet-dinh-125-QD-UBND-55/">Quyết định 125/QĐ-UBND về phòng chống thiên tai</a>'
        " <span>27/11/2026</span></li></ul></div>"
        '<div class="block-notice"><h2 class="block-title">LỊCH TIẾP CÔNG DÂN</h2><ul>'
        '<li><a href="/vi/news/lich-tiep-cong-dan/lich-tiep-cong-dan-thang-12-201.html">Lịch tiếp công dân định kỳ tháng 12</a>'
        " <span>10/12/2026</span></li></ul></div>"
    )


def nukeviet_pages(**overrides: str | CapturedPage | None) -> dict[str, str | CapturedPage | None]:
    """The pages of a well-built NukeViet commune portal; keyword overrides replace or (None) drop pages."""
    pages: dict[str, str | CapturedPage | None] = {
        "/vi/": nv("Trang chủ", nv_home_main()),
        "/vi/about/Gioi-thieu-chung.html": nv("Giới thiệu chung", f"<h1>Giới thiệu chung</h1><p>{INTRO_TEXT}</p>"),
        "/vi/organs/": nv("Cơ cấu tổ chức", ORGANS_PAGE),
        "/vi/news/tin-tuc-su-kien/": nv("Tin tức - Sự kiện", "<h1>Tin tức - Sự kiện</h1>" + news_items()),
        "/vi/laws/": nv("Văn bản", LAWS_TABLE),
        "/vi/faq/": nv("Hỏi đáp", FAQ_LIST),
        "/vi/faq/thu-tuc-dang-ky-khai-sinh-cho-con-1.html": nv("Hỏi đáp", FAQ_ITEM),
        "/vi/contact/": nv("Liên hệ", CONTACT_PAGE),
    }
    for slug, title, date in NEWS:
        pages[f"/vi/news/tin-tuc-su-kien/{slug}.html"] = nv_article(title, date)
    for key, value in overrides.items():
        pages[key] = value
    return pages


def nukeviet_site(level: str = "commune", **kwargs: object) -> CapturedSite:
    pages = kwargs.pop("pages", None) or nukeviet_pages()
    return make_site(NV_BASE, pages, "/vi/", level=level, **kwargs)  # type: ignore[arg-type]


def finding(site: CapturedSite, check_id: str) -> Finding:
    (result,) = run_checks(site, [check_id])
    return result


def test_layout_puts_content_inside_the_template() -> None:
    html = nv("Giới thiệu", "<p>XYZ-CONTENT</p>")
    assert "XYZ-CONTENT" in html and "{main}" not in html and "Giới thiệu - Cổng thông tin" in html


def test_built_site_has_the_home_page_and_digests() -> None:
    site = nukeviet_site()
    assert site.home is not None and site.home.ok
    assert all(p.body_digest and p.body_digest.startswith("sha256:") for p in site.pages.values())


# ---------------------------------------------------------------------------- Liferay-like district portal
LF_NEWS = """
<div class="portlet-boundary portlet-asset-publisher">
  <h2 class="portlet-title">Tin tức sự kiện</h2>
  <div class="asset-abstract"><h3 class="asset-title"><a href="/tin-tuc-su-kien/-/view_content/3001-khoi-cong-cau-moi.html">Khởi công xây dựng cầu mới nối hai xã</a></h3>
    <span class="metadata-publish-date">18/11/2026</span></div>
  <div class="asset-abstract"><h3 class="asset-title"><a href="/tin-tuc-su-kien/-/view_content/3002-hoi-thi-van-nghe.html">Hội thi văn nghệ quần chúng năm 2026</a></h3>
    <span class="metadata-publish-date">10/11/2026</span></div>
</div>
"""


def liferay_pages(**overrides: str | CapturedPage | None) -> dict[str, str | CapturedPage | None]:
    import unicodedata

    # NFD text with the old tone placement, as some Liferay editors paste it.
    intro = unicodedata.normalize("NFD", "<h1>GIỚI THIỆU</h1><p>" + INTRO_TEXT.replace("Hòa", "Hoà") + "</p>")
    pages: dict[str, str | CapturedPage | None] = {
        "/trang-chu": lf("Trang chủ", LF_NEWS),
        "/gioi-thieu": lf("Giới thiệu", intro),
        "/tin-tuc-su-kien/-/view_content/3001-khoi-cong-cau-moi.html": lf("Tin tức", "<div class='journal-content-article'><h1>Khởi công xây dựng cầu mới nối hai xã</h1><p>Nội dung bài viết.</p></div>"),
        "/tin-tuc-su-kien/-/view_content/3002-hoi-thi-van-nghe.html": lf("Tin tức", "<div class='journal-content-article'><h1>Hội thi văn nghệ</h1><p>Nội dung.</p></div>"),
        "/hoi-ap": lf("Hỏi đáp", "<h1>Hỏi đáp</h1><p>Nội dung đang cập nhật.</p>"),
    }
    for key, value in overrides.items():
        pages[key] = value
    return pages


def liferay_site(level: str = "district", **kwargs: object) -> CapturedSite:
    pages = kwargs.pop("pages", None) or liferay_pages()
    return make_site(LF_BASE, pages, "/trang-chu", level=level, **kwargs)  # type: ignore[arg-type]


def replace_everywhere(pages: dict[str, str | CapturedPage | None], old: str, new: str) -> dict[str, str | CapturedPage | None]:
    """Change the shared layout (menu, footer) on every page, as a site-wide template edit would."""
    return {k: v.replace(old, new) if isinstance(v, str) else v for k, v in pages.items()}


def without_menu_item(pages: dict[str, str | CapturedPage | None], href: str) -> dict[str, str | CapturedPage | None]:
    """Drop a menu entry (by its href) from every page's layout."""
    import re

    pattern = re.compile(r'<li><a href="' + re.escape(href) + r'">[^<]*</a>(?:\s*<ul>.*?</ul>)?</li>', re.S)
    return {k: pattern.sub("", v) if isinstance(v, str) else v for k, v in pages.items()}
