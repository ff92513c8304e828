"""SharePoint 2013 portals (Hà Tĩnh, Ninh Thuận)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from egov_audit.demo.markup import WEEKDAYS
from egov_audit.demo.platforms.aspnet import AspNetStyle
from egov_audit.demo.platforms.platform_style import FARM_BLOCKS, FARM_LABELS, FARM_MENU

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Article


class SharePointStyle(AspNetStyle):
    """SharePoint 2013 portals (Hà Tĩnh, Ninh Thuận): ``/Pages/<name>.aspx`` and
    ``/portal/Pages/<YYYY-M-D>/<Slug>-<id>.aspx``; dates as ``dd-mm-yyyy``."""

    name = "sharepoint"
    server_header = "Microsoft-IIS/8.5"
    search_param = "k"
    search_page = "Pages/tim-kiem.aspx"
    files_folder = "VanBan/"
    list_date_format = "%d-%m-%Y"
    theme_css = "header{background:#004b87;color:#fff}nav.menu{background:#0067b8}nav.menu a{color:#fff}"
    login_path = "/_layouts/15/Authenticate.aspx"
    logo = ("/PublishingImages/logo.png", "Quốc huy")
    hidden_textarea = '<textarea name="__spText1" title="text" style="display:none;"></textarea>'
    labels = FARM_LABELS
    paths = {
        "introduction": "Pages/gioi-thieu.aspx", "organization": "Pages/to-chuc-bo-may.aspx",
        "leaders": "Pages/lanh-dao.aspx", "map": "Pages/ban-do-hanh-chinh.aspx", "news": "Pages/tin-tuc.aspx",
        "direction": "Pages/chi-dao-dieu-hanh.aspx", "law_dissemination": "Pages/tuyen-truyen-phap-luat.aspx",
        "plans": "Pages/quy-hoach-ke-hoach.aspx", "projects": "Pages/dau-tu-cong.aspx",
        "budget": "Pages/cong-khai-ngan-sach.aspx", "statistics": "Pages/so-lieu-thong-ke.aspx",
        "legal_documents": "Pages/van-ban.aspx", "work_schedule": "Pages/lich-tiep-cong-dan.aspx",
        "procedures": "Pages/thu-tuc-hanh-chinh.aspx", "services": "Pages/dich-vu-cong.aspx",
        "qa": "Pages/hoidap.aspx", "consultation": "Pages/gop-y-du-thao.aspx", "forms": "Pages/bieu-mau.aspx",
        "contact": "Pages/lien-he.aspx", "english": "en/Pages/default.aspx", "sitemap_html": "Pages/so-do-trang.aspx",
    }
    menu = FARM_MENU
    blocks = FARM_BLOCKS

    def article_path(self, base: str, article: Article) -> str:
        # The folder date is when the page was created in the library (fixed), not the publication date.
        slug = article.slug[:1].upper() + article.slug[1:]
        return f"{base}portal/Pages/2025-{1 + article.id % 12}-{1 + article.id % 28}/{slug}-{article.id}.aspx"

    def article_date(self, moment: datetime) -> str:
        return f"Ngày đăng: {moment:%d-%m-%Y %H:%M}"

    def today_line(self, today: date) -> str:
        return f"Hôm nay: {WEEKDAYS[today.weekday()]}, {today:%d-%m-%Y}"
