"""NukeViet 4.x: the eGovernment theme of many commune and district portals."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from egov_audit.demo.markup import WEEKDAYS
from egov_audit.demo.platforms.platform_style import Style

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Article


class NukeVietStyle(Style):
    """NukeViet 4.x eGovernment theme: ``/vi/<module>/...`` URLs, title-case menus, block menus."""

    name = "nukeviet"
    server_header = "Apache"
    search_param = "q"
    search_page = "vi/seek/"
    files_folder = "uploads/laws/"
    theme_css = ("header{background:#b71c1c;color:#fff}nav.menu{background:#8e0000}nav.menu a{color:#fff}"
                 ".block h2{background:#b71c1c;color:#fff;font-size:1rem;padding:4px}")
    login_path = "/vi/users/login/"
    logo = ("/themes/egov/images/logo.png", "Quốc huy")
    labels = {
        "introduction": "Giới thiệu", "organization": "Cơ cấu tổ chức", "leaders": "Lãnh đạo",
        "map": "Bản đồ hành chính", "news": "Tin Tức", "direction": "Chỉ đạo điều hành",
        "law_dissemination": "Phổ biến giáo dục pháp luật", "plans": "Chiến lược - Quy hoạch",
        "projects": "Dự án - Đầu tư công", "budget": "Công khai ngân sách", "statistics": "Thông tin Thống kê",
        "legal_documents": "Văn bản", "work_schedule": "Lịch làm việc",
        "procedures": "Chỉ dẫn thủ tục hành chính", "services": "Dịch vụ công trực tuyến", "qa": "Hỏi đáp",
        "consultation": "Lấy ý kiến dự thảo văn bản", "forms": "Biểu mẫu", "contact": "Liên hệ",
        "english": "English", "sitemap_html": "Sơ đồ cổng",
    }
    paths = {
        "introduction": "vi/about/gioi-thieu-chung.html", "organization": "vi/co-cau-to-chuc/",
        "leaders": "vi/about/lanh-dao.html", "map": "vi/about/ban-do-hanh-chinh.html",
        "news": "vi/news/tin-hoat-dong/", "direction": "vi/news/chi-dao-dieu-hanh/",
        "law_dissemination": "vi/news/pho-bien-giao-duc-phap-luat/", "plans": "vi/news/chien-luoc-quy-hoach/",
        "projects": "vi/news/du-an-dau-tu-cong/", "budget": "vi/news/cong-khai-ngan-sach/",
        "statistics": "vi/news/thong-tin-thong-ke/", "legal_documents": "vi/laws/",
        "work_schedule": "vi/lich-lam-viec/", "procedures": "vi/thu-tuc-hanh-chinh/",
        "services": "vi/dich-vu-cong/", "qa": "vi/faq/", "consultation": "vi/opinions/",
        "forms": "vi/bieu-mau/", "contact": "vi/contact/", "english": "en/", "sitemap_html": "vi/so-do-cong/",
    }
    menu = (
        ("introduction", ("leaders", "map")),
        ("organization", ()),
        ("news", ("direction", "law_dissemination", "plans", "projects", "budget", "statistics")),
        ("legal_documents", ()),
        ("work_schedule", ()),
        ("services", ()),
        ("qa", ()),
        ("contact", ()),
    )
    blocks = (
        ("Công báo - Lịch - Văn bản", ("work_schedule", "legal_documents", "direction")),
        ("Góp ý - Lấy ý kiến của dân", ("consultation", "procedures", "forms")),
    )

    def article_path(self, base: str, article: Article) -> str:
        return f"{base}{self.paths[article.section]}{article.slug}-{article.id}.html"

    def article_date(self, moment: datetime) -> str:
        return f"{WEEKDAYS[moment.weekday()].replace('Thứ H', 'Thứ h')} - {moment:%d/%m/%Y %H:%M}"

    def extra_meta(self) -> list[str]:
        return ['<meta name="generator" content="NukeViet v4.5">']

    def today_line(self, today: date) -> str:
        return f"{WEEKDAYS[today.weekday()]}, {today:%d/%m/%Y}"
