"""The newer provincial platforms of 2025-2026 commune sites."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import TYPE_CHECKING

from egov_audit.demo.markup import slugify
from egov_audit.demo.platforms.platform_style import FARM_BLOCKS, FARM_LABELS, FARM_MENU, Style

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Article


class ProvincialStyle(Style):
    """The newer provincial platforms of 2025-2026 commune sites: ``/<section>/`` listings and articles at
    ``/<section>/<slug>-<long numeric id>.htm``; dates with a time (``05/03/2026 08:15``)."""

    name = "provincial"
    server_header = "nginx"
    search_param = "keyword"
    search_page = "tim-kiem.htm"
    files_folder = "upload/files/"
    list_date_format = "%d/%m/%Y %H:%M"
    theme_css = "header{background:#00695c;color:#fff}nav.menu{background:#004d40}nav.menu a{color:#fff}"
    login_path = "/dang-nhap.htm"
    logo = ("/assets/images/logo.png", "Quốc huy")
    header_open = '<header class="site-header">'
    brand_caps = False
    labels = {**FARM_LABELS, "news": "Tin tức", "qa": "Hỏi đáp", "introduction": "Giới thiệu",
              "work_schedule": "Lịch công tác", "consultation": "Lấy ý kiến người dân"}
    paths = {key: slugify(label) + "/" for key, label in labels.items()} | {"qa": "hoi-dap/", "english": "en/"}
    menu = FARM_MENU
    blocks = FARM_BLOCKS

    def article_path(self, base: str, article: Article) -> str:
        long_id = f"{article.id}{zlib.crc32(article.slug.encode()) % 10**9:09d}"
        return f"{base}{self.paths[article.section]}{article.slug}-{long_id}.htm"

    def article_date(self, moment: datetime) -> str:
        return moment.strftime("%d/%m/%Y %H:%M")

