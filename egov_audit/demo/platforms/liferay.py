"""Liferay 6/7: the province theme of Hà Nội and Bắc Ninh districts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from egov_audit.demo.platforms.platform_style import Style

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Article


class LiferayStyle(Style):
    """Liferay 6/7 province theme (Hà Nội, Bắc Ninh districts): ``/web/<site>/<slug>``, ALL CAPS blocks."""

    name = "liferay"
    server_header = "Liferay Portal Community Edition"
    search_param = "keywords"
    search_page = "tim-kiem"
    files_folder = "documents/"
    theme_css = ("header{background:#0d47a1;color:#fff}nav.menu{background:#1565c0}nav.menu a{color:#fff}"
                 ".block h2{border-bottom:2px solid #0d47a1;color:#0d47a1;font-size:1rem}")
    login_path = "/c/portal/login"
    logo = ("/o/bacninh-theme/images/logo.png", "Logo Bắc Ninh")
    labels = {
        "introduction": "Giới thiệu", "organization": "Cơ cấu tổ chức", "leaders": "Lãnh đạo",
        "map": "Bản đồ hành chính", "news": "Tin tức sự kiện", "direction": "Chỉ đạo điều hành",
        "law_dissemination": "Tuyên truyền pháp luật", "plans": "Chiến lược quy hoạch",
        "projects": "Thông tin dự án", "budget": "Công khai ngân sách", "statistics": "Số liệu thống kê",
        "legal_documents": "Văn bản", "work_schedule": "Lịch công tác", "procedures": "Thủ tục hành chính",
        "services": "Dịch vụ công trực tuyến", "qa": "Hỏi đáp", "consultation": "Lấy ý kiến văn bản dự thảo",
        "forms": "Biểu mẫu", "contact": "Liên hệ", "english": "English", "sitemap_html": "Sơ đồ website",
    }
    # Liferay builds friendly URLs from page titles; some sites drop "đ" ("hoi-ap", "lanh-ao"), as seen in [HN].
    paths = {
        "introduction": "gioi-thieu", "organization": "co-cau-to-chuc", "leaders": "lanh-ao",
        "map": "ban-do-hanh-chinh", "news": "tin-tuc-su-kien", "direction": "chi-dao-dieu-hanh",
        "law_dissemination": "tuyen-truyen-phap-luat", "plans": "chien-luoc-quy-hoach",
        "projects": "thong-tin-du-an", "budget": "cong-khai-ngan-sach", "statistics": "so-lieu-thong-ke",
        "legal_documents": "van-ban", "work_schedule": "lich-cong-tac", "procedures": "thu-tuc-hanh-chinh",
        "services": "dich-vu-cong-truc-tuyen", "qa": "hoi-ap", "consultation": "lay-y-kien-van-ban-du-thao",
        "forms": "bieu-mau", "contact": "lien-he", "english": "english", "sitemap_html": "so-do-website",
    }
    menu = (
        ("introduction", ("organization", "leaders", "map")),
        ("news", ()),
        ("direction", ()),
        ("legal_documents", ()),
        ("procedures", ()),
        ("services", ()),
        ("qa", ()),
        ("consultation", ()),
        ("budget", ()),
        ("contact", ()),
    )
    blocks = (
        ("Chuyên mục", ("law_dissemination", "plans", "projects", "statistics", "work_schedule", "forms")),
    )

    def article_path(self, base: str, article: Article) -> str:
        return f"{base}{self.paths[article.section]}/-/view_content/{article.id}-{article.slug}.html"

    def article_date(self, moment: datetime) -> str:
        return f"Đăng lúc: {moment:%H:%M:%S %d/%m/%Y} (GMT+7)"

    def block_title(self, title: str) -> str:
        return title.upper()

