"""The base of every platform style: a platform's URLs, labels and page chrome (header, menu, side blocks,
footer, search form), and the labels and menus the farm's three extra platforms share."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from egov_audit.demo.markup import (
    DOSSIER_LOOKUP_URL,
    EXTERNAL_SEARCH,
    FIXED_CSS,
    FLUID_CSS,
    NATIONAL_SERVICE_PORTAL,
    PAYMENT_URL,
    PROVINCE_SERVICE_PORTAL,
    QUESTION_FIELDS,
    SATISFACTION_URL,
    esc,
    js_menu_script,
    slugify,
)
from egov_audit.demo.spec_values import Metadata, SearchMode

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Article, Portal


class Style:
    """A platform's URLs, labels and page chrome. Subclasses differ only in data and markup, not logic."""

    name = ""
    server_header = ""
    labels: dict[str, str] = {}
    paths: dict[str, str] = {}
    search_param = "q"
    search_page = ""
    """The search results page, under the portal's base path."""
    files_folder = ""
    """Where documents and forms are served from, under the portal's base path."""
    list_date_format = "%d/%m/%Y"
    """How a listing dates its items."""
    theme_css = ""
    logo: tuple[str, str] = ("", "")
    """The header logo's image path and alt text."""
    header_open, header_close = "<header>", "</header>"
    brand_caps = True
    """The site title in the header is written in capitals."""
    # The main menu's element, as served and as a script fills it in.
    menu_open, menu_script_open, menu_close, menu_id = '<nav class="menu">', '<nav class="menu" id="mainmenu">', "</nav>", "mainmenu"
    login_path = ""
    asset_prefix = ""
    # Main menu: (parent key, child keys). A child of an absent parent is promoted to the top level.
    menu: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Side or footer blocks of section links: (title, keys).
    blocks: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def section_path(self, base: str, key: str) -> str:
        return base + self.paths[key]

    def route_key(self, path: str, query: dict[str, list[str]]) -> str:
        """What identifies a page among this platform's URLs: the path (DotNetNuke adds ``tabid`` & co.)."""
        return path

    def wrap_body(self, portal: Portal, inner: str, path: str) -> str:
        """The page inside <body>; ASP.NET platforms wrap it in one big postback form."""
        return inner

    def section_main(self, title: str, inner: str) -> str:
        return f"<h1>{esc(title)}</h1>{inner}"

    def question_form(self, action: str) -> str:
        return (f'<form method="post" action="{esc(action)}" class="ask"><h2>Gửi câu hỏi</h2>{QUESTION_FIELDS}'
                '<p><button type="submit">Gửi đi</button> <button type="reset">Nhập lại</button></p></form>')

    def article_path(self, base: str, article: Article) -> str:
        raise NotImplementedError

    def search_path(self, base: str) -> str:
        return base + self.search_page

    def file_path(self, base: str, name: str) -> str:
        return f"{base}{self.files_folder}{name}"

    def list_date(self, moment: datetime) -> str:
        return moment.strftime(self.list_date_format)

    def article_date(self, moment: datetime) -> str:
        raise NotImplementedError

    def block_title(self, title: str) -> str:
        return title

    def layout(self, portal: Portal, *, title: str, main: str, today: date, path: str,
               dc_date: date | None = None, home: bool = False) -> str:
        spec = portal.spec
        meta = []
        if spec.viewport:
            meta.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
        if dc_date is not None and (spec.metadata is Metadata.ALL or (spec.metadata is Metadata.HOME and home)):
            meta += [
                f'<meta name="DC.title" content="{esc(title)}">',
                f'<meta name="DC.creator" content="UBND {esc(spec.unit_lower)}">',
                f'<meta name="DC.date" content="{dc_date.isoformat()}">',
                '<meta name="DC.language" content="vi">',
            ]
        meta.extend(self.extra_meta())
        css = FLUID_CSS if spec.viewport else FIXED_CSS
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="vi"><head><meta charset="utf-8"><title>{esc(title)} - {esc(portal.site_title)}</title>'
            + "".join(meta) + f"<style>{css}{self.css()}</style></head>"
            f'<body class="{self.name}">'
            + self.wrap_body(portal, '<a class="skip" href="#main">Truy cập nội dung luôn</a>'
                             + self.header(portal, today) + self.nav(portal)
                             + f'<div class="wrap"><main id="main">{main}</main><aside>{self.aside(portal, today)}</aside></div>'
                             + self.footer(portal), path)
            + "</body></html>"
        )

    def extra_meta(self) -> list[str]:
        return []

    def css(self) -> str:
        return self.theme_css

    def img(self, portal: Portal, src: str, alt: str, extra: str = "") -> str:
        alt_attr = f' alt="{esc(alt)}"' if portal.spec.images_alt else ""
        return f'<img src="{esc(src)}"{alt_attr}{extra}>'

    def today_line(self, today: date) -> str:
        """The date a header shows ("Thứ Ba, 10/03/2026"; none by default). A trap for freshness checks:
        CRITERIA §5 "not today's date in a header"."""
        return ""

    def header(self, portal: Portal, today: date) -> str:
        logo = self.img(portal, *self.logo)
        title = portal.site_title.upper() if self.brand_caps else portal.site_title
        today_text = self.today_line(today)
        today_html = f'<div class="today">{today_text}</div>' if today_text else ""
        return (f'{self.header_open}<a href="{esc(portal.home_path)}">{logo}</a>'
                f'<div class="brand"><span>{esc(title)}</span></div>{today_html}'
                f"{self.search_form(portal)}{self.header_close}")

    def nav_item(self, portal: Portal, key: str, caps: bool = False) -> str:
        href = portal.section_href(key)
        label = self.labels[key].upper() if caps else self.labels[key]
        return f'<a href="{esc(href)}">{esc(label)}</a>'

    def menu_entries(self, portal: Portal) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """The main menu as (label, href, children) after promoting children of absent parents."""
        linked, caps = portal.linked_sections(), portal.spec.caps_menu

        def entry(key: str) -> tuple[str, str]:
            return (self.labels[key].upper() if caps else self.labels[key]), portal.section_href(key)

        items: list[tuple[str, str, list[tuple[str, str]]]] = [("TRANG CHỦ" if caps else "Trang chủ", portal.home_path, [])]
        for parent, children in self.menu:
            kids = [entry(k) for k in children if k in linked]
            if parent in linked:
                items.append((*entry(parent), kids))
            else:
                items += [(*kid, []) for kid in kids]
        if "services" not in linked and portal.spec.public_service_links:
            items.append(("DỊCH VỤ CÔNG" if caps else "Dịch vụ công", NATIONAL_SERVICE_PORTAL, []))
        return items

    def menu_markup(self, entries: list[tuple[str, str, list[tuple[str, str]]]]) -> str:
        items = []
        for label, href, kids in entries:
            sub = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in kids)
            items.append(f'<li><a href="{esc(href)}">{esc(label)}</a>' + (f"<ul>{sub}</ul>" if sub else "") + "</li>")
        return f'<ul>{"".join(items)}</ul>'

    def nav(self, portal: Portal) -> str:
        entries = self.menu_entries(portal)
        if portal.spec.js_menu:
            return f"{self.menu_script_open}{self.menu_close}{js_menu_script(self.menu_id, entries)}"
        return f"{self.menu_open}{self.menu_markup(entries)}{self.menu_close}"

    def aside(self, portal: Portal, today: date) -> str:
        spec, linked, parts = portal.spec, portal.linked_sections(), []
        for title, keys in self.blocks:
            links = [f"<li>{self.nav_item(portal, k)}</li>" for k in keys if k in linked]
            if links:
                parts.append(f'<section class="block"><h2>{esc(self.block_title(title))}</h2><ul>{"".join(links)}</ul></section>')
        service_links = []
        if spec.public_service_links:
            service_links += [f'<li><a href="{NATIONAL_SERVICE_PORTAL}">Cổng Dịch vụ công quốc gia</a></li>',
                              f'<li><a href="{PROVINCE_SERVICE_PORTAL}">Cổng Dịch vụ công tỉnh Bắc Ninh</a></li>']
        if spec.dossier_lookup:
            service_links.append(f'<li><a href="{DOSSIER_LOOKUP_URL}">Tra cứu hồ sơ</a></li>')
        if spec.satisfaction:
            service_links.append(f'<li><a href="{SATISFACTION_URL}">Đánh giá mức độ hài lòng</a></li>')
        if spec.payment:
            service_links.append(f'<li><a href="{PAYMENT_URL}">Thanh toán trực tuyến</a></li>')
        if service_links:
            parts.append(f'<section class="block"><h2>{esc(self.block_title("Dịch vụ công"))}</h2><ul>{"".join(service_links)}</ul></section>')
        if spec.service_statistics:
            received, resolved = (f"{n:,}".replace(",", ".") for n in portal.dossier_figures)
            parts.append(
                f'<section class="block"><h2>{esc(self.block_title("Tình hình xử lý hồ sơ"))}</h2><ul>'
                f"<li>Tiếp nhận: {received}</li><li>Đã giải quyết: {resolved}</li>"
                "<li>Đúng hạn: 98,6%</li></ul></section>")
        if portal.related_links:
            links = "".join(f'<li><a href="{esc(url)}">{esc(label)}</a></li>' for label, url in portal.related_links)
            parts.append(f'<section class="block"><h2>{esc(self.block_title(portal.related_title))}</h2><ul>{links}</ul></section>')
        parts.append(f'<section class="block"><h2>{esc(self.block_title("Liên kết website"))}</h2><ul>'
                     '<li><a href="https://bacninh.gov.vn/">Cổng TTĐT tỉnh Bắc Ninh</a></li>'
                     '<li><a href="https://chinhphu.vn/">Cổng TTĐT Chính phủ</a></li></ul></section>')
        if spec.social:
            parts.append('<p class="social"><a href="https://www.facebook.com/ubnd.'
                         f'{esc(slugify(spec.name).replace("-", ""))}">Facebook</a> · '
                         '<a href="https://zalo.me/ubnd">Zalo</a></p>')
        return "".join(parts)

    def footer(self, portal: Portal) -> str:
        spec, lines = portal.spec, [f"<strong>{esc(portal.site_title.upper())}</strong>"]
        if spec.owner_body:
            lines.append(f"Cơ quan chủ quản: Ủy ban nhân dân {esc(spec.unit_lower)}")
        if spec.responsible_person:
            lines.append(f"Chịu trách nhiệm chính: {esc(portal.responsible)}")
        lines += portal.contact_lines()
        utility = []
        if "sitemap_html" in portal.linked_sections():
            utility.append(self.nav_item(portal, "sitemap_html"))
        if "english" in portal.linked_sections():
            utility.append(self.nav_item(portal, "english"))
        utility.append(f'<a href="{esc(self.login_href(portal))}">Đăng nhập</a>')
        hidden = ""
        if spec.hidden_email:
            # CRITERIA §5: an address only in HTML source, comments or scripts is not published.
            hidden = (f"<!-- Email liên hệ: {esc(portal.email)} -->"
                      f'<script>var lienHe = {{"email": "{esc(portal.email)}"}};</script>')
        return (f'<footer><p>{"<br>".join(lines)}</p>{hidden}<p class="utility">{" · ".join(utility)}</p>'
                '<p><a href="#main">Về đầu trang</a></p></footer>')

    def login_href(self, portal: Portal) -> str:
        return self.login_path

    def search_action(self, portal: Portal) -> str:
        if portal.spec.search is SearchMode.EXTERNAL:
            return EXTERNAL_SEARCH
        return self.search_path(portal.base_path)

    def search_form(self, portal: Portal, value: str = "") -> str:
        if portal.spec.search is SearchMode.ABSENT:
            return ""
        return (f'<form class="search" method="get" action="{esc(self.search_action(portal))}" role="search">'
                f'<input type="text" name="{self.search_param}" value="{esc(value)}" '
                'placeholder="Nhập từ khóa tìm kiếm..." aria-label="Tìm kiếm">'
                '<button type="submit">Tìm kiếm</button></form>')



# Labels and menus shared by the three platforms added for the farm; each overrides what differs.
FARM_LABELS = {
    "introduction": "Giới thiệu chung", "organization": "Tổ chức bộ máy", "leaders": "Lãnh đạo UBND",
    "map": "Bản đồ hành chính", "news": "Tin tức - Sự kiện", "direction": "Thông tin chỉ đạo điều hành",
    "law_dissemination": "Tuyên truyền pháp luật", "plans": "Quy hoạch - Kế hoạch", "projects": "Đầu tư công",
    "budget": "Công khai ngân sách", "statistics": "Số liệu thống kê", "legal_documents": "Văn bản",
    "work_schedule": "Lịch tiếp công dân", "procedures": "Thủ tục hành chính", "services": "Dịch vụ công trực tuyến",
    "qa": "Hỏi & Đáp", "consultation": "Góp ý dự thảo", "forms": "Biểu mẫu", "contact": "Liên hệ",
    "english": "English", "sitemap_html": "Sơ đồ trang",
}
FARM_MENU = (
    ("introduction", ("organization", "leaders", "map")),
    ("news", ("direction", "law_dissemination")),
    ("legal_documents", ()),
    ("procedures", ("services",)),
    ("qa", ()),
    ("contact", ()),
)
FARM_BLOCKS = (
    ("Thông tin công khai", ("plans", "projects", "budget", "statistics", "work_schedule")),
    ("Tiện ích", ("consultation", "forms")),
)

