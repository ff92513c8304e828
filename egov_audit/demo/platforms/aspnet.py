"""ASP.NET Web Forms: what SharePoint and DotNetNuke portals share (one postback form per page)."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from egov_audit.demo.markup import QUESTION_FIELDS, esc
from egov_audit.demo.platforms.platform_style import Style
from egov_audit.demo.spec_values import SearchMode

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Portal


class AspNetStyle(Style):
    """ASP.NET Web Forms platforms: the whole page is one postback <form> with __VIEWSTATE, so a page's
    search box and any section form share that form (CRITERIA §5: look at the section's content)."""

    form_id = "aspnetForm"
    hidden_textarea = ""
    """A hidden textarea the platform leaves in every page's chrome (not a question field)."""

    def wrap_body(self, portal: Portal, inner: str, path: str) -> str:
        state = zlib.crc32(f"{portal.spec.code}{path}".encode())
        hidden = ('<div class="aspNetHidden">'
                  f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1{state:010d}ZGQ=">'
                  f'<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEdAAK{state:x}">'
                  f"{self.hidden_textarea}</div>")
        return f'<form method="post" action="{esc(path)}" id="{self.form_id}">{hidden}{inner}</form>'

    def question_form(self, action: str) -> str:
        # No nested <form>: the fields sit in the page's one form, with their own submit button.
        return ('<div class="hoidap-form" id="ctl00_PlaceHolderMain_ucHoiDap"><h2>Gửi câu hỏi</h2>'
                f'{QUESTION_FIELDS}<p><input type="submit" name="ctl00$PlaceHolderMain$ucHoiDap$btnGui" '
                'value="Gửi câu hỏi"></p></div>')

    def search_hidden(self) -> str:
        return ""

    def search_form(self, portal: Portal, value: str = "") -> str:
        if portal.spec.search is SearchMode.ABSENT:
            return ""
        # formaction/formmethod turn the page's postback form into a GET to the results page;
        # formnovalidate keeps the question form's required fields from blocking it.
        return (f'<div class="search" role="search"><input type="text" name="{self.search_param}" value="{esc(value)}" '
                'placeholder="Nhập từ khóa tìm kiếm..." aria-label="Tìm kiếm">' + self.search_hidden()
                + f'<input type="submit" name="ctl00$btnSearch" value="Tìm kiếm" formaction="{esc(self.search_action(portal))}" '
                'formmethod="get" formnovalidate></div>')
