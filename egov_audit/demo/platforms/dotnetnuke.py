"""DotNetNuke skins (Hậu Giang districts)."""

from __future__ import annotations

import zlib
from datetime import date, datetime
from typing import TYPE_CHECKING

from egov_audit.demo.markup import EXTERNAL_SEARCH, WEEKDAYS, esc, vn_words_date
from egov_audit.demo.platforms.aspnet import AspNetStyle
from egov_audit.demo.platforms.platform_style import FARM_BLOCKS, FARM_LABELS, FARM_MENU
from egov_audit.demo.spec_values import SECTION_KEYS, SearchMode

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Article, Portal


class DotNetNukeStyle(AspNetStyle):
    """DotNetNuke skins (Hậu Giang districts): every page is ``/Default.aspx?tabid=<n>``, content sits in
    module containers with their own titles, and dates are written out ("ngày 5 tháng 3 năm 2026")."""

    name = "dnn"
    server_header = "Microsoft-IIS/10.0"
    search_param = "Search"
    files_folder = "Portals/0/VanBan/"
    theme_css = ".header{background:#7b1fa2;color:#fff}.main-menu{background:#4a148c}.main-menu a{color:#fff}"
    form_id = "Form"
    hidden_textarea = '<textarea id="dnn_ScrollTop" name="ScrollTop" style="display:none"></textarea>'
    tabs = {key: 53 + i for i, key in enumerate(SECTION_KEYS)}
    search_tab = 99
    search_page = f"Default.aspx?tabid={search_tab}"
    login_path = "/Default.aspx?tabid=36&ctl=Login"
    logo = ("/Portals/0/logo.png", "Logo UBND")
    header_open, header_close = '<div id="dnn_HeaderPane" class="header">', "</div>"
    menu_open = menu_script_open = '<div id="dnn_MainMenu" class="main-menu">'
    menu_close, menu_id = "</div>", "dnn_MainMenu"
    labels = {**FARM_LABELS, "news": "Tin hoạt động", "qa": "Hỏi đáp", "work_schedule": "Lịch làm việc",
              "sitemap_html": "Sơ đồ website", "organization": "Cơ cấu tổ chức"}
    paths = {key: f"Default.aspx?tabid={tab}" for key, tab in tabs.items()}
    menu = FARM_MENU
    blocks = FARM_BLOCKS
    _ROUTE_PARAMS = ("tabid", "ctl", "mid", "ItemID")

    def route_key(self, path: str, query: dict[str, list[str]]) -> str:
        if path.lower() != "/default.aspx":
            return path
        params = [f"{name}={query[name][0]}" for name in self._ROUTE_PARAMS if query.get(name)]
        return "/Default.aspx" + ("?" + "&".join(params) if params else "")

    def article_path(self, base: str, article: Article) -> str:
        tab = self.tabs[article.section]
        return f"{base}Default.aspx?tabid={tab}&ctl=Detail&mid={400 + tab}&ItemID={article.id}"

    def search_action(self, portal: Portal) -> str:
        # A GET form drops the action's query string, so the tab travels as a hidden field.
        return EXTERNAL_SEARCH if portal.spec.search is SearchMode.EXTERNAL else portal.base_path + "Default.aspx"

    def search_hidden(self) -> str:
        return f'<input type="hidden" name="tabid" value="{self.search_tab}">'

    def list_date(self, moment: datetime) -> str:
        return vn_words_date(moment)

    def article_date(self, moment: datetime) -> str:
        return f"Cập nhật lúc {moment:%H:%M} {vn_words_date(moment)}"

    def section_main(self, title: str, inner: str) -> str:
        mid = zlib.crc32(title.encode()) % 900 + 100
        return (f'<div class="DnnModule DnnModule-DNN_HTML DnnModule-{mid}"><a name="{mid}"></a><div class="c_container">'
                f'<h2 class="c_title"><span id="dnn_ctr{mid}_dnnTITLE_titleLabel" class="Head">{esc(title)}</span></h2>'
                f'<div id="dnn_ctr{mid}_ContentPane" class="c_content">{inner}</div></div></div>')

    def today_line(self, today: date) -> str:
        return f"{WEEKDAYS[today.weekday()]}, {vn_words_date(today)}"
