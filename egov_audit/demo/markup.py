"""HTML pieces and text helpers shared by the platform styles and the pages of the generated portals, and
the outside addresses the portals link to (other .gov.vn hosts, the public-service portals)."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from datetime import date

from egov_audit.demo import content

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

OTHER_GOV_HOST = "https://bacninh.gov.vn/web/guest/"
"""Where ``external_sections`` point: the province's portal, another .gov.vn host (CRITERIA §5)."""
EXTERNAL_SEARCH = "https://timkiem.bacninh.gov.vn/tim-kiem"

NATIONAL_SERVICE_PORTAL = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
PROVINCE_SERVICE_PORTAL = "https://dichvucong.bacninh.gov.vn/"
DOSSIER_LOOKUP_URL = "https://dichvucong.bacninh.gov.vn/tra-cuu-ho-so"
SATISFACTION_URL = "https://dichvucong.bacninh.gov.vn/danh-gia-muc-do-hai-long"
PAYMENT_URL = "https://dichvucong.gov.vn/p/home/dvc-thanh-toan-truc-tuyen.html"


def slugify(text: str, drop_d: bool = False) -> str:
    """ASCII URL slug of Vietnamese text; ``drop_d`` mimics Liferay, which drops "đ" ("hoi-ap")."""
    text = text.replace("đ", "" if drop_d else "d").replace("Đ", "" if drop_d else "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    out, dash = [], False
    for char in stripped.lower():
        if char.isascii() and char.isalnum():
            out.append(char)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def loose(text: str) -> str:
    """Fold for the portals' own search: no diacritics, so NFD pages and both tone styles still match."""
    return slugify(text).replace("-", " ")

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
# "oa"/"oe" and "uy" only: "ua" ("của") and "ưa" keep the mark on their first vowel in both styles.
_OLD_TONE = re.compile(r"(?:([oO])([" + _TONES + r"])([aeAE])|([uU])([" + _TONES + r"])([yY]))(?![^\W\d_])")


def _move_tone(match: re.Match[str]) -> str:
    first, tone, second = (match.group(1), match.group(2), match.group(3)) if match.group(1) else match.group(4, 5, 6)
    return first + second + tone


def other_tone_style(text: str) -> str:
    """Move the tone mark of "oa", "oe", "uy" without a final consonant to the second vowel ("hòa" → "hoà",
    "Ủy" → "Uỷ"): the other spelling both real portals and vocabulary.md use."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _OLD_TONE.sub(_move_tone, decomposed))


def js_menu_script(element_id: str, entries: list[tuple[str, str, list[tuple[str, str]]]]) -> str:
    """A script that builds the menu in the browser; the static HTML holds no <a href> for its entries."""
    data = json.dumps([[label, href, [[t, h] for t, h in kids]] for label, href, kids in entries], ensure_ascii=False)
    # "</" would end the script element early; JSON allows "<\/".
    data = data.replace("</", "<\\/")
    return ("<script>(function(){var items=" + data + ";"
            "function build(list){var ul=document.createElement('ul');list.forEach(function(it){"
            "var li=document.createElement('li'),a=document.createElement('a');a.textContent=it[0];"
            "a.setAttribute('hr'+'ef',it[1]);li.appendChild(a);if(it[2]&&it[2].length){li.appendChild(build(it[2]));}"
            "ul.appendChild(li);});return ul;}"
            f"document.getElementById('{element_id}').appendChild(build(items));}})();</script>")


QUESTION_FIELDS = (
    '<p><label>Họ và tên <input type="text" name="name" required></label></p>'
    '<p><label>Email <input type="email" name="email"></label></p>'
    '<p><label>Tiêu đề <input type="text" name="title"></label></p>'
    '<p><label>Nội dung <textarea name="content" rows="6" cols="40" required></textarea></label></p>'
)



def vn_words_date(moment: date) -> str:
    return f"ngày {moment.day} tháng {moment.month} năm {moment.year}"



FLUID_CSS = (
    "*{box-sizing:border-box}body{margin:0;font-family:Arial,sans-serif;font-size:15px;line-height:1.5}"
    "img{max-width:100%;height:auto}header{display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:8px}"
    ".brand{font-weight:bold;flex:1 1 200px}nav.menu ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap}"
    "nav.menu li{padding:6px 10px}nav.menu li ul{display:block}.wrap{display:flex;flex-wrap:wrap;gap:16px;padding:8px}"
    "main{flex:3 1 300px;min-width:0}aside{flex:1 1 220px;min-width:0}.table{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
    "a{overflow-wrap:anywhere}.skip{position:absolute;left:-9999px}footer{background:#eee;padding:8px}"
    "textarea,input{max-width:100%}"
)
# Portals without a viewport tag usually also have a fixed-width layout from the 2010s.
FIXED_CSS = FLUID_CSS + "body{width:1000px}.wrap{flex-wrap:nowrap}"

PLACEHOLDER_HTML = f"<p><em>{content.PLACEHOLDER}</em></p>"
