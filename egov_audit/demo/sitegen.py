"""Generates sample local-government portals from data (``PortalSpec``) with known ground truth.

A ``PortalSpec`` says which sections a portal has and in what state (present with content, a
"Nội dung đang cập nhật" placeholder, a broken link, or absent), how old its news is, whether its Q&A
has answers, which contact details it publishes, and so on. A ``Portal`` turns a spec into pages in a
platform *style* modelled on vocabulary.md §4 (NukeViet 4, Liferay, SharePoint, DotNetNuke, and a newer
provincial platform) and answers HTTP requests for them; ``Portal.expected_labels()`` says what each
covered check of CRITERIA.md §2 should find. The labels follow from the spec by rule (the rules are
commented where they are applied, with the CRITERIA.md clause they rest on), never from a table typed
per portal, so a labelled farm of many portals (tests/farm/) cannot drift from what it serves.

Besides the plain states a spec may plant the near-misses real portals show: text in NFD or with the
other tone-mark style, ALL CAPS menus, a menu built by JavaScript, a section linked only from an
article body or only to another ``.gov.vn`` host, an e-mail address only in a comment or a script, a
future deadline date, a search form posting to another host.

Dates are computed when a page is served, relative to the ``today`` the server passes in (Asia/Ho_Chi_Minh),
so the freshness of the sample does not depend on the day the demo runs. Nothing here opens a socket.
"""

from __future__ import annotations

import html
import json
import random
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from egov_audit.core.dates import VN_TZ
from egov_audit.demo import assets, content

# Vietnam has had no daylight saving since 1975, so a fixed offset is exact and needs no tzdata.

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def vn_today() -> date:
    """Today's date in Asia/Ho_Chi_Minh (what CRITERIA §5 counts article ages against)."""
    return datetime.now(VN_TZ).date()


class SectionState(StrEnum):
    PRESENT = "present"
    """Linked from the navigation and has real content."""
    PLACEHOLDER = "placeholder"
    """Linked, but the page says "Nội dung đang cập nhật"."""
    BROKEN = "broken"
    """Linked, but the link answers 404."""
    ABSENT = "absent"
    """Neither linked nor served."""


class SearchMode(StrEnum):
    WORKING = "working"
    BROKEN = "broken"
    """The form exists but never finds anything."""
    EXTERNAL = "external"
    """The form submits to another host (CRITERIA §5: the auditor must not follow it, ``unknown``)."""
    ABSENT = "absent"


class Metadata(StrEnum):
    ALL = "all"
    """Dublin Core on the home page and articles."""
    HOME = "home"
    NONE = "none"


# Section keys a spec may set. "news", "direction" and the other dated sections are listings of
# articles; "services" is an own list of online public services with their levels; "forms" a page of
# downloadable forms; "english" the English pages; "sitemap_html" the human site map.
LISTING_SECTIONS = ("news", "direction", "law_dissemination", "plans", "projects", "budget", "statistics")
SECTION_KEYS = (
    "introduction", "organization", "leaders", "map", *LISTING_SECTIONS, "legal_documents", "work_schedule",
    "procedures", "services", "qa", "consultation", "forms", "contact", "english", "sitemap_html",
)

# Check ids whose outcome on a generated portal is fully determined by its spec (the checks
# ``expected_labels`` covers). Rendering- and network-dependent checks (accessibility, broken-link share,
# IPv6) are left out on purpose: their result depends on tools, not on the spec.
COVERED_CHECKS = (
    "info.introduction", "info.organization", "info.leaders", "info.contact", "info.news", "info.direction",
    "info.work_schedule", "info.legal_documents", "info.law_dissemination", "info.plans", "info.projects",
    "info.budget", "info.procedures", "info.map", "info.statistics", "info.english", "info.ownership",
    "fresh.news", "fresh.documents", "interact.qa", "interact.question_form", "interact.consultation",
    "interact.downloadable_forms", "interact.email", "interact.hotline", "interact.social",
    "service.portal_link", "service.levels_shown", "service.dossier_lookup", "service.statistics",
    "service.satisfaction", "service.payment", "tech.reachable", "tech.https", "tech.gov_domain",
    "tech.sitemap_xml", "tech.sitemap_html", "tech.search", "tech.mobile", "tech.metadata", "tech.images_alt",
    "tech.response_time", "tech.unicode",
)

# Sections whose check is the plain section rule of CRITERIA §2 (present/placeholder/broken/absent) and
# that a spec may therefore link to another .gov.vn host or only from an article body.
SIMPLE_SECTIONS = ("introduction", "organization", "map", "direction", "work_schedule", "law_dissemination",
                   "plans", "projects", "budget", "statistics", "consultation")
# The sections each covered check reads (for JavaScript-menu portals: which checks need rendering).
CHECK_SECTIONS: dict[str, tuple[str, ...]] = {
    "info.introduction": ("introduction",), "info.organization": ("organization",), "info.leaders": ("leaders",),
    "info.contact": ("contact",), "info.news": ("news",), "info.direction": ("direction",),
    "info.work_schedule": ("work_schedule",), "info.legal_documents": ("legal_documents",),
    "info.law_dissemination": ("law_dissemination",), "info.plans": ("plans",), "info.projects": ("projects",),
    "info.budget": ("budget",), "info.procedures": ("procedures", "services"), "info.map": ("map",),
    "info.statistics": ("statistics",), "info.english": ("english",), "fresh.news": ("news", "direction"),
    "fresh.documents": ("legal_documents",), "interact.qa": ("qa",), "interact.question_form": ("qa", "contact"),
    "interact.consultation": ("consultation",), "interact.downloadable_forms": ("forms",),
    "interact.email": ("contact",), "interact.hotline": ("contact", "leaders"),
    "service.levels_shown": ("services",), "tech.sitemap_html": ("sitemap_html",),
}
OTHER_GOV_HOST = "https://bacninh.gov.vn/web/guest/"
"""Where ``external_sections`` point: the province's portal, another .gov.vn host (CRITERIA §5)."""
EXTERNAL_SEARCH = "https://timkiem.bacninh.gov.vn/tim-kiem"

NATIONAL_SERVICE_PORTAL = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
PROVINCE_SERVICE_PORTAL = "https://dichvucong.bacninh.gov.vn/"
DOSSIER_LOOKUP_URL = "https://dichvucong.bacninh.gov.vn/tra-cuu-ho-so"
SATISFACTION_URL = "https://dichvucong.bacninh.gov.vn/danh-gia-muc-do-hai-long"
PAYMENT_URL = "https://dichvucong.gov.vn/p/home/dvc-thanh-toan-truc-tuyen.html"
HIGH_LEVELS = ("Mức độ 3", "Mức độ 4", "Toàn trình")


@dataclass(frozen=True)
class Service:
    """An online public service as listed on the portal, with its level label ("Mức độ 3", "Toàn trình")."""

    name: str
    level: str


@dataclass
class PortalSpec:
    """Everything that differs between two generated portals; plain data, so farms can be built from tables."""

    code: str
    name: str
    """Official name with its type word: "Xã Yên Trung", "Huyện Tiên Du"."""
    level: str
    """``district`` or ``commune``."""
    style: str = "nukeviet"
    """A key of ``STYLES``: ``nukeviet``, ``liferay``, ``sharepoint``, ``dnn`` or ``provincial``."""
    parent_name: str = "tỉnh Bắc Ninh"
    """The enclosing units as written in an address: "huyện Yên Phong, tỉnh Bắc Ninh"."""
    site: str = "guest"
    """Liferay site name (``/web/<site>/``); ignored by NukeViet."""
    sections: dict[str, SectionState] = field(default_factory=dict)
    """State of each section key (SECTION_KEYS); a missing key means ABSENT."""
    news_ages: tuple[int, ...] = ()
    """Age in days of each news article (≥ 1, so no article is dated later than now)."""
    direction_ages: tuple[int, ...] = ()
    document_ages: tuple[int, ...] = ()
    """Age in days of each legal document's issue date."""
    documents_have_files: bool = True
    articles_open: bool = True
    """False: article links answer 404 (``info.news`` is then partial)."""
    qa_answered: bool = True
    qa_questions: int = 3
    question_form: bool = False
    """A question form (textarea + submit) on the Q&A page, or on the contact page when there is no Q&A."""
    leaders_contacts: bool = True
    """Leaders listed with their phone numbers (else names and positions only)."""
    contact_address: bool = True
    contact_phone: bool = True
    contact_email: bool = True
    owner_body: bool = True
    """Footer names the managing body ("Cơ quan chủ quản")."""
    responsible_person: bool = True
    """Footer names the person responsible ("Chịu trách nhiệm chính")."""
    services: tuple[Service, ...] = ()
    """Entries of the own "Dịch vụ công trực tuyến" page (section ``services``)."""
    public_service_links: bool = True
    """Links to dichvucong.gov.vn and dichvucong.bacninh.gov.vn in the navigation."""
    dossier_lookup: bool = False
    service_statistics: bool = False
    satisfaction: bool = False
    payment: bool = False
    social: bool = False
    downloadable_forms: bool = False
    """Section ``forms`` with files; setting this turns the section on."""
    sitemap_xml: bool = True
    search: SearchMode = SearchMode.WORKING
    robots_disallow: tuple[str, ...] = ()
    """Extra robots.txt Disallow rules (the login area is always disallowed)."""
    viewport: bool = True
    metadata: Metadata = Metadata.ALL
    images_alt: bool = True
    untrusted_markup: bool = False
    """Put a harmless <script> and an onerror attribute in the first article (review-app escaping tests)."""
    seed: int | None = None
    # -- near-misses and text forms (defaults keep the bundled demo as it was)
    caps_menu: bool = False
    """Main-menu labels in ALL CAPS ("HỎI ĐÁP")."""
    nfd: bool = False
    """Serve every page in Unicode NFD (decomposed) instead of NFC."""
    old_tones: bool = False
    """Write the other tone-mark style ("Hoà", "Thuỷ", "Uỷ ban" instead of "Hòa", "Thủy", "Ủy ban")."""
    js_menu: bool = False
    """The main menu is inserted by a script: its links are not in the static HTML."""
    external_sections: tuple[str, ...] = ()
    """Sections (SIMPLE_SECTIONS) whose menu link points to another .gov.vn host; not served here."""
    body_only_sections: tuple[str, ...] = ()
    """Sections (SIMPLE_SECTIONS) served with content but linked only from inside a news article body."""
    article_mentions_qa: bool = False
    """A news article's body talks about "hỏi đáp" (a trap when the portal has no Q&A section)."""
    hidden_email: bool = False
    """The unit's e-mail appears only in an HTML comment and a script of the footer."""
    future_deadline: bool = False
    """A home-page notice carries a deadline date three weeks ahead (must not count as news)."""

    def __post_init__(self) -> None:
        if self.level not in ("district", "commune"):
            raise ValueError(f"{self.code}: level must be district or commune, not {self.level!r}")
        if self.style not in STYLES:
            raise ValueError(f"{self.code}: unknown style {self.style!r} (known: {', '.join(STYLES)})")
        unknown = set(self.sections) - set(SECTION_KEYS)
        if unknown:
            raise ValueError(f"{self.code}: unknown section keys {sorted(unknown)}")
        self.sections = {key: SectionState(value) for key, value in self.sections.items()}
        if self.downloadable_forms:
            self.sections["forms"] = SectionState.PRESENT
        self.search = SearchMode(self.search)
        self.metadata = Metadata(self.metadata)
        for key in (*self.external_sections, *self.body_only_sections):
            if key not in SIMPLE_SECTIONS:
                raise ValueError(f"{self.code}: {key!r} cannot be external or body-only (allowed: {SIMPLE_SECTIONS})")
        for key in self.external_sections:
            if self.state(key) is not SectionState.ABSENT:
                raise ValueError(f"{self.code}: external section {key!r} must be ABSENT locally")
        for key in self.body_only_sections:
            if self.state(key) is not SectionState.PRESENT:
                raise ValueError(f"{self.code}: body-only section {key!r} must be PRESENT (served, not linked)")
        if self.body_only_sections and not (self.state("news") is SectionState.PRESENT and self.news_ages
                                            and self.articles_open):
            raise ValueError(f"{self.code}: body-only sections need an opening news article to link them")
        # Age 0 would put some articles later than "now" in the morning: checks must ignore future dates.
        if any(age < 1 for age in (*self.news_ages, *self.direction_ages, *self.document_ages)):
            raise ValueError(f"{self.code}: ages must be at least 1 day")
        if len(self.news_ages) > len(content.NEWS) or len(self.direction_ages) > len(content.DIRECTION):
            raise ValueError(f"{self.code}: more articles than the content pool holds")

    def state(self, key: str) -> SectionState:
        return self.sections.get(key, SectionState.ABSENT)

    @property
    def unit_lower(self) -> str:
        """The name as used inside a sentence: "xã Yên Trung"."""
        return self.name[0].lower() + self.name[1:]


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RequestRecord:
    """One request a portal received; tests read these to verify the auditor's politeness."""

    method: str
    path: str
    """Path and query string as sent."""
    user_agent: str
    time: float
    status: int


@dataclass(frozen=True)
class Article:
    section: str
    id: int
    title: str
    lead: str
    age_days: int
    minute_of_day: int
    slug: str


@dataclass(frozen=True)
class LegalDocument:
    id: int
    number: str
    kind: str
    summary: str
    age_days: int
    file_name: str | None


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


def _loose(text: str) -> str:
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


# --------------------------------------------------------------------------------------------- styles


class Style:
    """A platform's URLs, labels and page chrome. Subclasses differ only in data and markup, not logic."""

    name = ""
    server_header = ""
    labels: dict[str, str] = {}
    paths: dict[str, str] = {}
    search_param = "q"
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
        raise NotImplementedError

    def file_path(self, base: str, name: str) -> str:
        raise NotImplementedError

    def list_date(self, moment: datetime) -> str:
        return moment.strftime("%d/%m/%Y")

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
        return ""

    def img(self, portal: Portal, src: str, alt: str, extra: str = "") -> str:
        alt_attr = f' alt="{esc(alt)}"' if portal.spec.images_alt else ""
        return f'<img src="{esc(src)}"{alt_attr}{extra}>'

    def header(self, portal: Portal, today: date) -> str:
        raise NotImplementedError

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
            return f'<nav class="menu" id="mainmenu"></nav>{js_menu_script("mainmenu", entries)}'
        return f'<nav class="menu">{self.menu_markup(entries)}</nav>'

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
        if spec.contact_address:
            lines.append(f"Địa chỉ: {esc(portal.address)}")
        if spec.contact_phone:
            lines.append(f'Điện thoại: <a href="tel:{portal.phone.replace(" ", "")}">{esc(portal.phone)}</a>')
        if spec.contact_email:
            lines.append(f'Email: <a href="mailto:{esc(portal.email)}">{esc(portal.email)}</a>')
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


class NukeVietStyle(Style):
    """NukeViet 4.x eGovernment theme: ``/vi/<module>/...`` URLs, title-case menus, block menus."""

    name = "nukeviet"
    server_header = "Apache"
    search_param = "q"
    login_path = "/vi/users/login/"
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

    def search_path(self, base: str) -> str:
        return base + "vi/seek/"

    def file_path(self, base: str, name: str) -> str:
        return f"{base}uploads/laws/{name}"

    def article_date(self, moment: datetime) -> str:
        return f"{WEEKDAYS[moment.weekday()].replace('Thứ H', 'Thứ h')} - {moment:%d/%m/%Y %H:%M}"

    def extra_meta(self) -> list[str]:
        return ['<meta name="generator" content="NukeViet v4.5">']

    def css(self) -> str:
        return ("header{background:#b71c1c;color:#fff}nav.menu{background:#8e0000}nav.menu a{color:#fff}"
                ".block h2{background:#b71c1c;color:#fff;font-size:1rem;padding:4px}")

    def header(self, portal: Portal, today: date) -> str:
        # The date in the header is a trap for freshness checks (CRITERIA §5: "not today's date in a header").
        logo = self.img(portal, "/themes/egov/images/logo.png", "Quốc huy")
        return (f'<header><a href="{esc(portal.home_path)}">{logo}</a>'
                f'<div class="brand"><span>{esc(portal.site_title.upper())}</span></div>'
                f'<div class="today">{WEEKDAYS[today.weekday()]}, {today:%d/%m/%Y}</div>'
                f"{self.search_form(portal)}</header>")


class LiferayStyle(Style):
    """Liferay 6/7 province theme (Hà Nội, Bắc Ninh districts): ``/web/<site>/<slug>``, ALL CAPS blocks."""

    name = "liferay"
    server_header = "Liferay Portal Community Edition"
    search_param = "keywords"
    login_path = "/c/portal/login"
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

    def search_path(self, base: str) -> str:
        return base + "tim-kiem"

    def file_path(self, base: str, name: str) -> str:
        return f"{base}documents/{name}"

    def article_date(self, moment: datetime) -> str:
        return f"Đăng lúc: {moment:%H:%M:%S %d/%m/%Y} (GMT+7)"

    def block_title(self, title: str) -> str:
        return title.upper()

    def css(self) -> str:
        return ("header{background:#0d47a1;color:#fff}nav.menu{background:#1565c0}nav.menu a{color:#fff}"
                ".block h2{border-bottom:2px solid #0d47a1;color:#0d47a1;font-size:1rem}")

    def header(self, portal: Portal, today: date) -> str:
        logo = self.img(portal, "/o/bacninh-theme/images/logo.png", "Logo Bắc Ninh")
        return (f'<header><a href="{esc(portal.home_path)}">{logo}</a>'
                f'<div class="brand"><span>{esc(portal.site_title.upper())}</span></div>'
                f"{self.search_form(portal)}</header>")


def _vn_words_date(moment: date) -> str:
    return f"ngày {moment.day} tháng {moment.month} năm {moment.year}"


# Labels and menus shared by the three platforms added for the farm; each overrides what differs.
_FARM_LABELS = {
    "introduction": "Giới thiệu chung", "organization": "Tổ chức bộ máy", "leaders": "Lãnh đạo UBND",
    "map": "Bản đồ hành chính", "news": "Tin tức - Sự kiện", "direction": "Thông tin chỉ đạo điều hành",
    "law_dissemination": "Tuyên truyền pháp luật", "plans": "Quy hoạch - Kế hoạch", "projects": "Đầu tư công",
    "budget": "Công khai ngân sách", "statistics": "Số liệu thống kê", "legal_documents": "Văn bản",
    "work_schedule": "Lịch tiếp công dân", "procedures": "Thủ tục hành chính", "services": "Dịch vụ công trực tuyến",
    "qa": "Hỏi & Đáp", "consultation": "Góp ý dự thảo", "forms": "Biểu mẫu", "contact": "Liên hệ",
    "english": "English", "sitemap_html": "Sơ đồ trang",
}
_FARM_MENU = (
    ("introduction", ("organization", "leaders", "map")),
    ("news", ("direction", "law_dissemination")),
    ("legal_documents", ()),
    ("procedures", ("services",)),
    ("qa", ()),
    ("contact", ()),
)
_FARM_BLOCKS = (
    ("Thông tin công khai", ("plans", "projects", "budget", "statistics", "work_schedule")),
    ("Tiện ích", ("consultation", "forms")),
)


class _AspNetStyle(Style):
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


class SharePointStyle(_AspNetStyle):
    """SharePoint 2013 portals (Hà Tĩnh, Ninh Thuận): ``/Pages/<name>.aspx`` and
    ``/portal/Pages/<YYYY-M-D>/<Slug>-<id>.aspx``; dates as ``dd-mm-yyyy``."""

    name = "sharepoint"
    server_header = "Microsoft-IIS/8.5"
    search_param = "k"
    login_path = "/_layouts/15/Authenticate.aspx"
    hidden_textarea = '<textarea name="__spText1" title="text" style="display:none;"></textarea>'
    labels = _FARM_LABELS
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
    menu = _FARM_MENU
    blocks = _FARM_BLOCKS

    def article_path(self, base: str, article: Article) -> str:
        # The folder date is when the page was created in the library (fixed), not the publication date.
        slug = article.slug[:1].upper() + article.slug[1:]
        return f"{base}portal/Pages/2025-{1 + article.id % 12}-{1 + article.id % 28}/{slug}-{article.id}.aspx"

    def search_path(self, base: str) -> str:
        return base + "Pages/tim-kiem.aspx"

    def file_path(self, base: str, name: str) -> str:
        return f"{base}VanBan/{name}"

    def list_date(self, moment: datetime) -> str:
        return moment.strftime("%d-%m-%Y")

    def article_date(self, moment: datetime) -> str:
        return f"Ngày đăng: {moment:%d-%m-%Y %H:%M}"

    def css(self) -> str:
        return "header{background:#004b87;color:#fff}nav.menu{background:#0067b8}nav.menu a{color:#fff}"

    def header(self, portal: Portal, today: date) -> str:
        logo = self.img(portal, "/PublishingImages/logo.png", "Quốc huy")
        return (f'<header><a href="{esc(portal.home_path)}">{logo}</a>'
                f'<div class="brand"><span>{esc(portal.site_title.upper())}</span></div>'
                f'<div class="today">Hôm nay: {WEEKDAYS[today.weekday()]}, {today:%d-%m-%Y}</div>'
                f"{self.search_form(portal)}</header>")


class DotNetNukeStyle(_AspNetStyle):
    """DotNetNuke skins (Hậu Giang districts): every page is ``/Default.aspx?tabid=<n>``, content sits in
    module containers with their own titles, and dates are written out ("ngày 5 tháng 3 năm 2026")."""

    name = "dnn"
    server_header = "Microsoft-IIS/10.0"
    search_param = "Search"
    form_id = "Form"
    hidden_textarea = '<textarea id="dnn_ScrollTop" name="ScrollTop" style="display:none"></textarea>'
    tabs = {key: 53 + i for i, key in enumerate(SECTION_KEYS)}
    search_tab = 99
    login_path = "/Default.aspx?tabid=36&ctl=Login"
    labels = {**_FARM_LABELS, "news": "Tin hoạt động", "qa": "Hỏi đáp", "work_schedule": "Lịch làm việc",
              "sitemap_html": "Sơ đồ website", "organization": "Cơ cấu tổ chức"}
    paths = {key: f"Default.aspx?tabid={tab}" for key, tab in tabs.items()}
    menu = _FARM_MENU
    blocks = _FARM_BLOCKS
    _ROUTE_PARAMS = ("tabid", "ctl", "mid", "ItemID")

    def route_key(self, path: str, query: dict[str, list[str]]) -> str:
        if path.lower() != "/default.aspx":
            return path
        params = [f"{name}={query[name][0]}" for name in self._ROUTE_PARAMS if query.get(name)]
        return "/Default.aspx" + ("?" + "&".join(params) if params else "")

    def article_path(self, base: str, article: Article) -> str:
        tab = self.tabs[article.section]
        return f"{base}Default.aspx?tabid={tab}&ctl=Detail&mid={400 + tab}&ItemID={article.id}"

    def search_path(self, base: str) -> str:
        return f"{base}Default.aspx?tabid={self.search_tab}"

    def search_action(self, portal: Portal) -> str:
        # A GET form drops the action's query string, so the tab travels as a hidden field.
        return EXTERNAL_SEARCH if portal.spec.search is SearchMode.EXTERNAL else portal.base_path + "Default.aspx"

    def search_hidden(self) -> str:
        return f'<input type="hidden" name="tabid" value="{self.search_tab}">'

    def file_path(self, base: str, name: str) -> str:
        return f"{base}Portals/0/VanBan/{name}"

    def list_date(self, moment: datetime) -> str:
        return _vn_words_date(moment)

    def article_date(self, moment: datetime) -> str:
        return f"Cập nhật lúc {moment:%H:%M} {_vn_words_date(moment)}"

    def section_main(self, title: str, inner: str) -> str:
        mid = zlib.crc32(title.encode()) % 900 + 100
        return (f'<div class="DnnModule DnnModule-DNN_HTML DnnModule-{mid}"><a name="{mid}"></a><div class="c_container">'
                f'<h2 class="c_title"><span id="dnn_ctr{mid}_dnnTITLE_titleLabel" class="Head">{esc(title)}</span></h2>'
                f'<div id="dnn_ctr{mid}_ContentPane" class="c_content">{inner}</div></div></div>')

    def nav(self, portal: Portal) -> str:
        entries = self.menu_entries(portal)
        if portal.spec.js_menu:
            return f'<div id="dnn_MainMenu" class="main-menu"></div>{js_menu_script("dnn_MainMenu", entries)}'
        return f'<div id="dnn_MainMenu" class="main-menu">{self.menu_markup(entries)}</div>'

    def css(self) -> str:
        return ".header{background:#7b1fa2;color:#fff}.main-menu{background:#4a148c}.main-menu a{color:#fff}"

    def header(self, portal: Portal, today: date) -> str:
        logo = self.img(portal, "/Portals/0/logo.png", "Logo UBND")
        return (f'<div id="dnn_HeaderPane" class="header"><a href="{esc(portal.home_path)}">{logo}</a>'
                f'<div class="brand"><span>{esc(portal.site_title.upper())}</span></div>'
                f'<div class="today">{WEEKDAYS[today.weekday()]}, {_vn_words_date(today)}</div>'
                f"{self.search_form(portal)}</div>")


class ProvincialStyle(Style):
    """The newer provincial platforms of 2025-2026 commune sites: ``/<section>/`` listings and articles at
    ``/<section>/<slug>-<long numeric id>.htm``; dates with a time (``05/03/2026 08:15``)."""

    name = "provincial"
    server_header = "nginx"
    search_param = "keyword"
    login_path = "/dang-nhap.htm"
    labels = {**_FARM_LABELS, "news": "Tin tức", "qa": "Hỏi đáp", "introduction": "Giới thiệu",
              "work_schedule": "Lịch công tác", "consultation": "Lấy ý kiến người dân"}
    paths = {key: slugify(label) + "/" for key, label in labels.items()} | {"qa": "hoi-dap/", "english": "en/"}
    menu = _FARM_MENU
    blocks = _FARM_BLOCKS

    def article_path(self, base: str, article: Article) -> str:
        long_id = f"{article.id}{zlib.crc32(article.slug.encode()) % 10**9:09d}"
        return f"{base}{self.paths[article.section]}{article.slug}-{long_id}.htm"

    def search_path(self, base: str) -> str:
        return base + "tim-kiem.htm"

    def file_path(self, base: str, name: str) -> str:
        return f"{base}upload/files/{name}"

    def list_date(self, moment: datetime) -> str:
        return moment.strftime("%d/%m/%Y %H:%M")

    def article_date(self, moment: datetime) -> str:
        return moment.strftime("%d/%m/%Y %H:%M")

    def css(self) -> str:
        return "header{background:#00695c;color:#fff}nav.menu{background:#004d40}nav.menu a{color:#fff}"

    def header(self, portal: Portal, today: date) -> str:
        logo = self.img(portal, "/assets/images/logo.png", "Quốc huy")
        return (f'<header class="site-header"><a href="{esc(portal.home_path)}">{logo}</a>'
                f'<div class="brand"><span>{esc(portal.site_title)}</span></div>{self.search_form(portal)}</header>')


STYLES: dict[str, Style] = {"nukeviet": NukeVietStyle(), "liferay": LiferayStyle(), "sharepoint": SharePointStyle(),
                            "dnn": DotNetNukeStyle(), "provincial": ProvincialStyle()}

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


# --------------------------------------------------------------------------------------------- portal


class Portal:
    """One generated portal (one unit's site), answering requests for paths under ``base_path``."""

    def __init__(self, spec: PortalSpec, base_path: str = "/") -> None:
        self.spec = spec
        self.style = STYLES[spec.style]
        if spec.style == "liferay" and base_path == "/":
            base_path = f"/web/{spec.site}/"
        self.base_path = base_path if base_path.endswith("/") else base_path + "/"
        self.origin = ""
        """``http://127.0.0.1:PORT``, set by the server once it listens."""
        self.related_links: list[tuple[str, str]] = []
        """Links to other units' portals (set by the province: a district lists its communes)."""
        self.related_title = "Trang TTĐT các xã, thị trấn"
        self.subsites: list[Portal] = []
        """Portals living under paths of this one's host (a commune sub-site of a district portal)."""
        self.request_log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._rng = random.Random(spec.seed if spec.seed is not None else zlib.crc32(spec.code.encode()))
        self._build()

    # -- identity and static content

    @property
    def site_title(self) -> str:
        kind = "Cổng thông tin điện tử" if self.spec.level == "district" else "Trang thông tin điện tử"
        return f"{kind} {self.spec.unit_lower}"

    @property
    def home_path(self) -> str:
        return self.base_path

    @property
    def base_url(self) -> str:
        """The URL of the home page (what the units file lists as ``portal_url``)."""
        return self.origin + self.base_path

    @property
    def post_count(self) -> int:
        with self._lock:
            return sum(1 for record in self.request_log if record.method == "POST")

    def _build(self) -> None:
        spec, rng = self.spec, self._rng
        ascii_name = slugify(spec.name.split(" ", 1)[1]).replace("-", "")
        parent_ascii = slugify(spec.parent_name.split(",")[0].split(" ", 1)[-1]).replace("-", "")
        street = rng.choice(("Lý Thái Tổ", "Nguyễn Trãi", "Trần Hưng Đạo", "Ngô Gia Tự", "Lê Lợi"))
        self.address = f"Số 1 đường {street}, {spec.unit_lower}, {spec.parent_name}"
        self.phone = f"0222 3{rng.randint(600, 899)} {rng.randint(100, 999)}"
        if spec.level == "district":
            self.email = f"ubnd@{ascii_name}.bacninh.gov.vn"
        else:
            self.email = f"ubnd.{ascii_name}@{parent_ascii}.bacninh.gov.vn"
        self.responsible = f"Ông {rng.choice(('Nguyễn Văn Khánh', 'Trần Đình Phú', 'Lê Văn Quang'))}, Chánh Văn phòng HĐND và UBND"
        self.leaders = [(name, position, f"09{rng.randint(10, 89)} {rng.randint(100, 999)} {rng.randint(100, 999)}")
                        for name, position in content.LEADERS[spec.level]]
        received = rng.randint(900, 3000)
        self.dossier_figures = (received, received - rng.randint(10, 60))
        next_id = rng.randint(1000, 9000)
        self.articles: list[Article] = []

        def add(section: str, pool: Iterable[tuple[str, str]], ages: Iterable[int]) -> None:
            nonlocal next_id
            for (title, lead), age in zip(pool, ages, strict=False):
                next_id += rng.randint(1, 40)
                self.articles.append(Article(
                    section, next_id, title, lead.format(unit=spec.unit_lower), age,
                    rng.randint(7 * 60, 17 * 60), slugify(title, drop_d=spec.style == "liferay")))

        if spec.state("news") is SectionState.PRESENT:
            add("news", content.NEWS, spec.news_ages)
        if spec.state("direction") is SectionState.PRESENT:
            add("direction", content.DIRECTION, spec.direction_ages)
        # Other dated sections are never newer than the news, so fresh.news = min(news, direction ages).
        floor = min((*spec.news_ages, *spec.direction_ages), default=30)
        # Q&A and consultation dates stay older than the news too, for the same reason.
        self.floor = floor
        for key, items in content.SECTION_ITEMS.items():
            if spec.state(key) is SectionState.PRESENT:
                add(key, items, (floor + 11 + 23 * i for i in range(len(items))))
        self.documents: list[LegalDocument] = []
        if spec.state("legal_documents") is SectionState.PRESENT:
            for (kind, suffix, summary), age in zip(content.DOCUMENTS, spec.document_ages, strict=False):
                number = f"{rng.randint(12, 480)}/{suffix}"
                ext = "docx" if kind == "Công văn" else "pdf"
                file_name = f"{slugify(number)}.{ext}" if spec.documents_have_files else None
                self.documents.append(LegalDocument(rng.randint(100, 999), number, kind, summary, age, file_name))
        self.files: dict[str, tuple[str, bytes]] = {}
        base = self.base_path
        for document in self.documents:
            if document.file_name:
                self._add_file(self.style.file_path(base, document.file_name),
                               [f"UY BAN NHAN DAN {slugify(spec.name).upper()}", f"So: {document.number}",
                                document.kind, document.summary])
        if spec.state("forms") is SectionState.PRESENT:
            for label, name in content.FORMS:
                self._add_file(self.style.file_path(base, name), [label, "Ho va ten: ...", "Dia chi: ..."])
        if spec.state("consultation") is SectionState.PRESENT:
            for title, _ in content.CONSULTATIONS:
                self._add_file(self.style.file_path(base, f"{slugify(title)}.pdf"), [title])

    def _add_file(self, path: str, lines: list[str]) -> None:
        if path.endswith(".docx"):
            self.files[path] = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                assets.docx(lines))
        else:
            self.files[path] = ("application/pdf", assets.pdf([slugify(line).replace("-", " ") for line in lines]))

    # -- navigation model

    def linked_sections(self) -> set[str]:
        """Sections with a navigation link: served ones (minus those linked only from an article body),
        plus those whose link points to another .gov.vn host."""
        spec = self.spec
        served = {key for key in SECTION_KEYS if spec.state(key) is not SectionState.ABSENT}
        return (served - set(spec.body_only_sections)) | set(spec.external_sections)

    def section_href(self, key: str) -> str:
        if key in self.spec.external_sections:
            return OTHER_GOV_HOST + slugify(self.style.labels[key])
        return self.style.section_path(self.base_path, key)

    def static_sections(self) -> set[str]:
        """Linked sections whose link is in the static HTML (not only in a script-built menu)."""
        linked = self.linked_sections()
        if not self.spec.js_menu:
            return linked
        static = {key for _, keys in self.style.blocks for key in keys} | {"sitemap_html", "english"}
        return linked & static

    def rendering_dependent_checks(self) -> set[str]:
        """Checks whose label relies on a section only a rendered (script-run) page links to."""
        hidden = self.linked_sections() - self.static_sections()
        return {check for check, keys in CHECK_SECTIONS.items() if hidden & set(keys)}

    def article_href(self, article: Article) -> str:
        return self.style.article_path(self.base_path, article)

    def moment(self, today: date, age_days: int, minute_of_day: int = 8 * 60) -> datetime:
        return datetime.combine(today - timedelta(days=age_days), time(minute_of_day // 60, minute_of_day % 60),
                                tzinfo=VN_TZ)

    def newest_article_date(self, today: date) -> date | None:
        ages = [a.age_days for a in self.articles]
        return today - timedelta(days=min(ages)) if ages else None

    def page_paths(self) -> list[str]:
        """Every HTML page path this portal serves with status 200 (for sitemap.xml)."""
        paths = [self.home_path]
        for key in SECTION_KEYS:
            state = self.spec.state(key)
            if (state in (SectionState.PRESENT, SectionState.PLACEHOLDER) and key not in self.spec.body_only_sections
                    and not self.section_href(key).startswith("http")):
                paths.append(self.section_href(key))
        if self.spec.articles_open:
            paths += [self.article_href(a) for a in self.articles]
        return paths

    # -- request handling

    def log(self, record: RequestRecord) -> None:
        with self._lock:
            self.request_log.append(record)

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.request_log if method is None or r.method == method]

    def owns(self, path: str) -> bool:
        return path.startswith(self.base_path) or path + "/" == self.base_path

    def handle(self, method: str, target: str, today: date | None = None) -> Response:
        """Answer one request; ``today`` (Asia/Ho_Chi_Minh) anchors every date on the page."""
        today = today or vn_today()
        response = self._handle(method, target, today)
        if response.content_type.startswith("text/html") and (self.spec.old_tones or self.spec.nfd):
            text = response.body.decode("utf-8")
            if self.spec.old_tones:
                text = other_tone_style(text)
            if self.spec.nfd:
                text = unicodedata.normalize("NFD", text)
            response = Response(response.status, text.encode("utf-8"), response.content_type, response.headers)
        return response

    def _handle(self, method: str, target: str, today: date) -> Response:
        parts = urlsplit(target)
        path, query = parts.path or "/", parse_qs(parts.query)
        if method == "POST":
            return self._post(self.style.route_key(path, query))
        if path == "/robots.txt":
            return Response(200, self.robots_txt().encode(), "text/plain; charset=utf-8")
        if path == "/sitemap.xml":
            # The origin's sitemap lists this portal and the sub-sites that have one (as Liferay does).
            portals = [p for p in (self, *self.subsites) if p.spec.sitemap_xml]
            return self._sitemap(portals)
        if path == self.base_path + "sitemap.xml" and self.spec.sitemap_xml:
            return self._sitemap([self])
        if path == "/" and self.base_path != "/":
            # Liferay answers the bare host with a redirect to the default site's home page.
            return Response(302, b"", headers=(("Location", self.base_path),))
        if path in self.files:
            kind, data = self.files[path]
            return Response(200, data, kind)
        if path in IMAGES:
            return Response(200, IMAGES[path], "image/png")
        if path + "/" == self.base_path:
            return Response(301, b"", headers=(("Location", self.base_path),))
        page = self._page(self.style.route_key(path, query), query, today)
        if page is None:
            return self._not_found(today, path)
        status, html_text = page
        return Response(status, html_text.encode("utf-8"))

    def _post(self, path: str) -> Response:
        # Forms post back to their own page. The auditor must never send this; the log counts it.
        form_pages = {self.section_href("qa"), self.section_href("contact")}
        if path in form_pages:
            return Response(200, "<!DOCTYPE html><p>Cảm ơn bạn đã gửi câu hỏi.</p>".encode())
        return Response(405, b"Method Not Allowed", "text/plain; charset=utf-8", (("Allow", "GET, HEAD"),))

    def robots_txt(self) -> str:
        rules = ["User-agent: *", "Disallow: /admin/"]
        rules.append(f"Disallow: {'/c/' if self.spec.style == 'liferay' else '/vi/users/'}")
        rules += [f"Disallow: {rule}" for rule in self.spec.robots_disallow]
        if any(p.spec.sitemap_xml for p in (self, *self.subsites)):
            rules.append(f"Sitemap: {self.origin}/sitemap.xml")
        return "\n".join(rules) + "\n"

    def _sitemap(self, portals: list[Portal]) -> Response:
        if not portals:
            return Response(404, b"Not Found", "text/plain; charset=utf-8")
        urls = "".join(f"<url><loc>{esc(self.origin + p)}</loc></url>" for portal in portals for p in portal.page_paths())
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n')
        return Response(200, body.encode(), "application/xml; charset=utf-8")

    def _not_found(self, today: date, path: str) -> Response:
        main = "<h1>Trang không tồn tại</h1><p>Trang bạn tìm không tồn tại hoặc đã bị xóa.</p>"
        text = self.style.layout(self, title="Lỗi 404", main=main, today=today, path=path)
        return Response(404, text.encode("utf-8"))

    def _page(self, path: str, query: dict[str, list[str]], today: date) -> tuple[int, str] | None:
        style = self.style
        if path == self.home_path:
            # Without any article the home page's DC.date is today's: a non-article date fresh.news must ignore.
            return 200, style.layout(self, title="Trang chủ", main=self._home(today), today=today, path=path,
                                     dc_date=self.newest_article_date(today) or today, home=True)
        if path == style.login_href(self) and not path.startswith("http"):
            main = ('<h1>Đăng nhập</h1><form method="post" action="#"><input name="login" aria-label="Tên đăng nhập">'
                    '<input type="password" name="password" aria-label="Mật khẩu"><button>Đăng nhập</button></form>')
            return 200, style.layout(self, title="Đăng nhập", main=main, today=today, path=path)
        if self.spec.search is not SearchMode.ABSENT and path == style.search_path(self.base_path):
            keyword = (query.get(style.search_param) or [""])[0]
            return 200, style.layout(self, title="Tìm kiếm", main=self._search(keyword, today), today=today, path=path)
        for key in SECTION_KEYS:
            if path == self.section_href(key):
                state = self.spec.state(key)
                if state in (SectionState.ABSENT, SectionState.BROKEN):
                    return None
                title = style.labels[key] if key != "news" else ("Tin hoạt động" if style.name == "nukeviet" else style.labels[key])
                main = style.section_main(title, PLACEHOLDER_HTML if state is SectionState.PLACEHOLDER
                                          else getattr(self, f"_section_{key}", self._section_listing)(key, today))
                return 200, style.layout(self, title=title, main=main, today=today, path=path)
        if self.spec.articles_open:
            for article in self.articles:
                if path == self.article_href(article):
                    moment = self.moment(today, article.age_days, article.minute_of_day)
                    return 200, style.layout(self, title=article.title, main=self._article(article, moment),
                                             today=today, path=path, dc_date=moment.date())
        return None

    # -- page bodies

    def _item_list(self, articles: list[Article], today: date) -> str:
        rows = []
        for article in sorted(articles, key=lambda a: a.age_days):
            moment = self.moment(today, article.age_days, article.minute_of_day)
            rows.append(f'<li><a href="{esc(self.article_href(article))}">{esc(article.title)}</a> '
                        f'<span class="date">({self.style.list_date(moment)})</span><p>{esc(article.lead)}</p></li>')
        return f'<ul class="items">{"".join(rows)}</ul>'

    def _home(self, today: date) -> str:
        style, spec = self.style, self.spec
        parts = [f"<h1>Chào mừng bạn đến với {esc(self.site_title)}</h1>",
                 style.img(self, "/images/banner.png", f"Toàn cảnh {spec.unit_lower}")]
        news = [a for a in self.articles if a.section == "news"]
        if news:
            parts.append(f"<section><h2>{esc(style.block_title('Tin tức - Sự kiện'))}</h2>{self._item_list(news[:5], today)}</section>")
        direction = [a for a in self.articles if a.section == "direction"]
        if direction:
            parts.append(f"<section><h2>{esc(style.block_title('Chỉ đạo điều hành'))}</h2>{self._item_list(direction[:3], today)}</section>")
        if spec.future_deadline:
            # CRITERIA §5: a future date (a deadline) is not a publication date.
            deadline = today + timedelta(days=21)
            parts.append(f"<section><h2>{esc(style.block_title('Thông báo'))}</h2><ul><li>Thông báo tuyển dụng công chức "
                         f"cấp xã: hạn nộp hồ sơ đến hết ngày {deadline:%d/%m/%Y}.</li></ul></section>")
        if self.documents:
            rows = "".join(f"<li>{esc(d.number)}: {esc(d.summary)}</li>" for d in self.documents[:3])
            parts.append(f"<section><h2>{esc(style.block_title('Văn bản mới'))}</h2><ul>{rows}</ul></section>")
        return "".join(parts)

    def _article(self, article: Article, moment: datetime) -> str:
        spec = self.spec
        body = [f"<h1>{esc(article.title)}</h1>",
                f'<p class="meta">{esc(self.style.article_date(moment))} · Lượt xem: {120 + article.id % 700}</p>',
                f"<p><strong>{esc(article.lead)}</strong></p>",
                f"<p>Theo báo cáo của UBND {esc(spec.unit_lower)}, các nhiệm vụ được triển khai đồng bộ, có sự phối hợp chặt "
                "chẽ giữa các ban, ngành, đoàn thể và các thôn, khu phố. Nhân dân đồng tình hưởng ứng, tích cực tham gia.</p>",
                self.style.img(self, "/images/hoat-dong.png", f"Hình ảnh: {article.title}"),
                "<p>Thời gian tới, địa phương tiếp tục chỉ đạo thực hiện tốt các nội dung đã đề ra, kịp thời tháo gỡ khó "
                "khăn, vướng mắc, phấn đấu hoàn thành thắng lợi các chỉ tiêu năm.</p>",
                "<p><em>Văn phòng HĐND và UBND</em></p>"]
        first = self.articles[0] if self.articles else None
        if article is first and spec.article_mentions_qa:
            # Words of the Q&A vocabulary in an article body do not make a Q&A section (CRITERIA §5).
            body.append("<p>Tại hội nghị, lãnh đạo đã hỏi đáp trực tiếp với nhân dân; các thắc mắc về Hỏi đáp chính "
                        "sách được giải đáp ngay tại chỗ.</p>")
        if article is first and spec.body_only_sections:
            # A link only inside an article body counts for nothing (CRITERIA §5).
            links = ", ".join(f'<a href="{esc(self.section_href(k))}">{esc(self.style.labels[k])}</a>'
                              for k in spec.body_only_sections)
            body.append(f"<p>Bạn đọc xem thêm tại chuyên mục {links}.</p>")
        if spec.untrusted_markup and article is first:
            # Crawled HTML is untrusted: this harmless script and onerror handler let the review app's
            # tests prove that captured pages are escaped or sandboxed, never executed.
            body.append('<script>window.__egovDemoUntrusted = (window.__egovDemoUntrusted || 0) + 1;</script>')
            body.append(self.style.img(self, "/images/hoat-dong.png", "Ảnh tư liệu",
                                       ' onerror="window.__egovDemoOnerror=1" data-demo="untrusted"'))
        return f'<article>{"".join(body)}</article>'

    def _section_listing(self, key: str, today: date) -> str:
        items = [a for a in self.articles if a.section == key]
        if not items:
            return "<p>Chưa có bài viết.</p>"
        return self._item_list(items, today)

    def _text(self, paragraphs: Iterable[str]) -> str:
        return "".join(f"<p>{esc(p)}</p>" for p in paragraphs)

    def _section_introduction(self, key: str, today: date) -> str:
        rng = random.Random(self.spec.code)
        text = content.INTRODUCTION.format(
            unit=self.spec.unit_lower, unit_cap=self.spec.name, parent=self.spec.parent_name.split(",")[0],
            direction=rng.choice(("bắc", "đông", "tây nam", "đông nam")), area=f"{rng.randint(6, 140)},{rng.randint(1, 9)}",
            population=f"{rng.randint(8, 160)}.{rng.randint(100, 999)}", villages=rng.randint(5, 18))
        return f"<h2>Giới thiệu chung</h2>{self._text([text])}"

    def _section_organization(self, key: str, today: date) -> str:
        units = content.ORGANIZATION[self.spec.level]
        lead = (f"Ủy ban nhân dân {self.spec.unit_lower} là cơ quan hành chính nhà nước ở địa phương, chịu trách nhiệm "
                "trước Hội đồng nhân dân cùng cấp và cơ quan hành chính nhà nước cấp trên. Chức năng, nhiệm vụ của "
                "Ủy ban nhân dân được quy định tại Luật Tổ chức chính quyền địa phương. Cơ cấu tổ chức gồm:")
        return self._text([lead]) + "<ul>" + "".join(f"<li>{esc(u)}</li>" for u in units) + "</ul>"

    def _section_leaders(self, key: str, today: date) -> str:
        rows = []
        for name, position, phone in self.leaders:
            contact = f'<td><a href="tel:{phone.replace(" ", "")}">{esc(phone)}</a></td>' if self.spec.leaders_contacts else ""
            rows.append(f"<tr><td>{esc(name)}</td><td>{esc(position)}</td>{contact}</tr>")
        head = "<th>Điện thoại</th>" if self.spec.leaders_contacts else ""
        return (f'<div class="table"><table><tr><th>Họ và tên</th><th>Chức vụ</th>{head}</tr>{"".join(rows)}</table></div>')

    def _section_map(self, key: str, today: date) -> str:
        return (self._text([f"Bản đồ hành chính {self.spec.unit_lower} thể hiện địa giới hành chính, các thôn, khu phố, "
                            "hệ thống giao thông, sông ngòi và các công trình công cộng chính trên địa bàn."])
                + self.style.img(self, "/images/ban-do-hanh-chinh.png", f"Bản đồ hành chính {self.spec.unit_lower}"))

    def _section_legal_documents(self, key: str, today: date) -> str:
        if not self.documents:
            return "<p>Chưa có văn bản.</p>"
        rows = []
        for d in sorted(self.documents, key=lambda d: d.age_days):
            issued = (today - timedelta(days=d.age_days)).strftime("%d/%m/%Y")
            link = (f'<a href="{esc(self.style.file_path(self.base_path, d.file_name))}">{esc(d.file_name)}</a>'
                    if d.file_name else "")
            rows.append(f"<tr><td>{esc(d.number)}</td><td>{issued}</td><td>{esc(d.kind)} {esc(d.summary)}</td><td>{link}</td></tr>")
        return ('<div class="table"><table><tr><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th>'
                f'<th>File đính kèm</th></tr>{"".join(rows)}</table></div>'
                f"<p>Tổng số: {len(self.documents)} văn bản</p>")

    def _section_work_schedule(self, key: str, today: date) -> str:
        monday = today - timedelta(days=today.weekday())
        week = monday.isocalendar()[1]
        rows = []
        for offset, (task, place) in enumerate((("Giao ban lãnh đạo UBND", "Phòng họp tầng 2"),
                                                 ("Tiếp công dân định kỳ", "Trụ sở tiếp công dân"),
                                                 ("Kiểm tra tiến độ các công trình xây dựng", "Các thôn"),
                                                 ("Họp Ban chỉ đạo chuyển đổi số", "Phòng họp trực tuyến"),
                                                 ("Làm việc tại trụ sở", "Trụ sở UBND"))):
            day = monday + timedelta(days=offset)
            rows.append(f"<tr><td>{WEEKDAYS[offset]} {day:%d/%m}</td><td>{esc(task)}</td><td>{esc(place)}</td></tr>")
        return (f"<h2>Lịch làm việc tuần {week}</h2>"
                f'<div class="table"><table><tr><th>Ngày</th><th>Nội dung</th><th>Địa điểm</th></tr>{"".join(rows)}</table></div>')

    def _section_procedures(self, key: str, today: date) -> str:
        fields = {"Hộ tịch": ("Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử"),
                  "Chứng thực": ("Chứng thực bản sao từ bản chính", "Chứng thực chữ ký"),
                  "Bảo trợ xã hội": ("Hỗ trợ chi phí mai táng",)}
        rows = "".join(f"<tr><td>{i}</td><td>{esc(name)}</td><td>{esc(field_)}</td></tr>"
                       for i, (field_, name) in enumerate(((f, n) for f, names in fields.items() for n in names), start=1))
        return ('<div class="table"><table><tr><th>STT</th><th>Tên thủ tục hành chính</th><th>Lĩnh vực</th></tr>'
                f"{rows}</table></div>")

    def _section_services(self, key: str, today: date) -> str:
        if not self.spec.services:
            return "<p>Chưa có dịch vụ.</p>"
        rows = "".join(f'<tr><td>{esc(s.name)}</td><td>{esc(s.level)}</td><td><a href="{PROVINCE_SERVICE_PORTAL}">Nộp hồ sơ</a></td></tr>'
                       for s in self.spec.services)
        return ('<div class="table"><table><tr><th>Tên dịch vụ công</th><th>Mức độ</th><th></th></tr>'
                f"{rows}</table></div>")

    def _question_form(self, action: str) -> str:
        return self.style.question_form(action)

    def _section_qa(self, key: str, today: date) -> str:
        entries = []
        for i, (asker, question, answer) in enumerate(content.QA[: self.spec.qa_questions]):
            asked = self.moment(today, self.floor + 5 + 17 * i).strftime("%d/%m/%Y")
            reply = (f'<div class="answer"><strong>Trả lời:</strong> {esc(answer)}</div>' if self.spec.qa_answered
                     else '<div class="answer"><em>Chưa có câu trả lời.</em></div>')
            entries.append(f'<div class="qa"><h3>Câu hỏi của {esc(asker)} ({asked})</h3><p>{esc(question)}</p>{reply}</div>')
        form = self._question_form(self.section_href("qa")) if self.spec.question_form else ""
        return "<h2>Danh sách câu hỏi và câu trả lời</h2>" + ("".join(entries) or "<p>Chưa có câu hỏi.</p>") + form

    def _section_consultation(self, key: str, today: date) -> str:
        items = []
        for i, (title, note) in enumerate(content.CONSULTATIONS):
            start = self.moment(today, self.floor + 9 + 30 * i).strftime("%d/%m/%Y")
            link = self.style.file_path(self.base_path, f"{slugify(title)}.pdf")
            items.append(f'<li><strong>{esc(title)}</strong> (từ ngày {start})<p>{esc(note.format(unit=self.spec.unit_lower))}</p>'
                         f'<a href="{esc(link)}">Toàn văn dự thảo</a></li>')
        return f'<ul class="items">{"".join(items)}</ul>'

    def _section_forms(self, key: str, today: date) -> str:
        rows = "".join(f'<tr><td>{esc(label)}</td><td><a href="{esc(self.style.file_path(self.base_path, name))}">Tải về</a></td></tr>'
                       for label, name in content.FORMS)
        return f'<div class="table"><table><tr><th>Tên biểu mẫu</th><th>Tệp</th></tr>{rows}</table></div>'

    def _section_contact(self, key: str, today: date) -> str:
        spec = self.spec
        lines = [f"<strong>Ủy ban nhân dân {esc(spec.unit_lower)}</strong>"]
        if spec.contact_address:
            lines.append(f"Địa chỉ: {esc(self.address)}")
        if spec.contact_phone:
            lines.append(f'Điện thoại: <a href="tel:{self.phone.replace(" ", "")}">{esc(self.phone)}</a>')
        if spec.contact_email:
            lines.append(f'Email: <a href="mailto:{esc(self.email)}">{esc(self.email)}</a>')
        form = ""
        if spec.question_form and spec.state("qa") is not SectionState.PRESENT:
            form = self._question_form(self.section_href("contact"))
        return f"<p>{'<br>'.join(lines)}</p>{form}"

    def _section_english(self, key: str, today: date) -> str:
        spec = self.spec
        name_en = slugify(spec.name.split(" ", 1)[1]).replace("-", " ").title()
        kind = "District" if spec.level == "district" else "Commune"
        parts = [f"<h2>{name_en} {kind} People's Committee</h2>",
                 f"<p>The People's Committee of {name_en} {kind} is the local state administrative body, accountable to the "
                 f"People's Council of {name_en} and to the provincial authorities of Bac Ninh.</p>",
                 "<h3>Organisation</h3><ul><li>Office of the People's Council and People's Committee</li>"
                 "<li>Justice and Civil Status</li><li>Finance and Accounting</li><li>Culture and Society</li></ul>",
                 "<h3>Contact</h3>"]
        if spec.contact_address:
            parts.append(f"<p>Address: {esc(self.address)}</p>")
        if spec.contact_phone:
            parts.append(f"<p>Tel: {esc(self.phone)}</p>")
        if spec.contact_email:
            parts.append(f'<p>Email: <a href="mailto:{esc(self.email)}">{esc(self.email)}</a></p>')
        return "".join(parts)

    def _section_sitemap_html(self, key: str, today: date) -> str:
        items = "".join(f'<li><a href="{esc(self.section_href(k))}">{esc(self.style.labels[k])}</a></li>'
                        for k in SECTION_KEYS if k in self.linked_sections() and k != "sitemap_html")
        return f'<ul><li><a href="{esc(self.home_path)}">Trang chủ</a></li>{items}</ul>'

    def _search(self, keyword: str, today: date) -> str:
        form = self.style.search_form(self, keyword)
        needle = _loose(keyword.strip())
        hits = []
        if needle and self.spec.search is SearchMode.WORKING:
            hits = [a for a in self.articles if needle in _loose(a.title) or needle in _loose(a.lead)]
        if not hits:
            return f"<h1>Kết quả tìm kiếm</h1>{form}<p>Không tìm thấy kết quả nào phù hợp với từ khóa.</p>"
        return (f"<h1>Kết quả tìm kiếm</h1>{form}<p>Tìm thấy {len(hits)} kết quả.</p>"
                + self._item_list(hits, today))

    # -- ground truth

    def expected_values(self) -> dict[str, object]:
        """Values the checks should report, for the checks that have one (ages in days, counts, URLs)."""
        spec = self.spec
        ages = [a.age_days for a in self.articles if a.section in ("news", "direction")]
        values: dict[str, object] = {
            "fresh.news": min(ages) if ages else None,
            "fresh.documents": min((d.age_days for d in self.documents), default=None),
            "service.levels_shown": (sum(1 for s in spec.services if s.level in HIGH_LEVELS)
                                     if spec.state("services") is SectionState.PRESENT else None),
            "tech.reachable": self.base_url,
            "tech.images_alt": 1.0 if spec.images_alt else 0.0,
        }
        return values

    def expected_labels(self) -> dict[str, str]:
        """Status each covered check (``COVERED_CHECKS``) should give on this portal, by check id."""
        spec = self.spec
        state = spec.state
        present, fail, partial, passed = SectionState.PRESENT, "fail", "partial", "pass"

        def section(key: str) -> str:
            # CRITERIA §5: a labelled navigation link to another .gov.vn host is partial for an information
            # section; a link only inside an article body counts for nothing (so: no such section).
            if key in spec.external_sections:
                return partial
            if key in spec.body_only_sections:
                return fail
            # CRITERIA §2 section rule: content = pass; placeholder or 4xx = partial; not linked = fail.
            return {SectionState.PRESENT: passed, SectionState.PLACEHOLDER: partial,
                    SectionState.BROKEN: partial, SectionState.ABSENT: fail}[state(key)]

        def flag(value: bool) -> str:
            return passed if value else fail

        def count(n: int, total: int) -> str:
            return passed if n == total else partial if n == total - 1 else fail

        values = self.expected_values()
        labels = {key: section(name) for key, name in (
            ("info.introduction", "introduction"), ("info.organization", "organization"),
            ("info.direction", "direction"), ("info.work_schedule", "work_schedule"),
            ("info.law_dissemination", "law_dissemination"), ("info.plans", "plans"), ("info.projects", "projects"),
            ("info.budget", "budget"), ("info.map", "map"), ("info.statistics", "statistics"),
            ("info.english", "english"), ("interact.consultation", "consultation"),
            ("tech.sitemap_html", "sitemap_html"))}
        labels["info.leaders"] = section("leaders") if state("leaders") is not present else (
            passed if spec.leaders_contacts else partial)
        pieces = sum((spec.contact_address, spec.contact_phone, spec.contact_email))
        labels["info.contact"] = passed if pieces == 3 else partial if pieces == 2 else fail
        news = [a for a in self.articles if a.section == "news"]
        if state("news") is present:
            labels["info.news"] = passed if len(news) >= 3 and spec.articles_open else partial
        else:
            labels["info.news"] = section("news")
        if state("legal_documents") is present:
            labels["info.legal_documents"] = passed if self.documents and spec.documents_have_files else partial
        else:
            labels["info.legal_documents"] = section("legal_documents")
        has_service_link = spec.public_service_links or (state("services") is present and bool(spec.services))
        if state("procedures") is present or has_service_link:
            labels["info.procedures"] = passed
        else:
            labels["info.procedures"] = section("procedures")
        labels["info.ownership"] = count(int(spec.owner_body) + int(spec.responsible_person), 2)
        age = values["fresh.news"]
        limit = 7 if spec.level == "district" else 30
        labels["fresh.news"] = fail if age is None else passed if age <= limit else partial if age <= 90 else fail
        doc_age = values["fresh.documents"]
        labels["fresh.documents"] = fail if doc_age is None else passed if doc_age <= 90 else partial if doc_age <= 365 else fail
        if state("qa") is present:
            labels["interact.qa"] = passed if spec.qa_answered and spec.qa_questions > 0 else partial
        else:
            labels["interact.qa"] = section("qa")
        labels["interact.question_form"] = flag(spec.question_form and (state("qa") is present or state("contact") is present))
        labels["interact.downloadable_forms"] = flag(state("forms") is present)
        labels["interact.email"] = flag(spec.contact_email)
        labels["interact.hotline"] = flag(spec.contact_phone or (state("leaders") is present and spec.leaders_contacts))
        labels["interact.social"] = flag(spec.social)
        labels["service.portal_link"] = flag(has_service_link)
        labels["service.levels_shown"] = flag(state("services") is present and bool(spec.services))
        labels["service.dossier_lookup"] = flag(spec.dossier_lookup)
        labels["service.statistics"] = flag(spec.service_statistics)
        labels["service.satisfaction"] = flag(spec.satisfaction)
        labels["service.payment"] = flag(spec.payment)
        labels["tech.reachable"] = passed
        labels["tech.https"] = fail  # served over plain HTTP on loopback
        labels["tech.gov_domain"] = fail  # 127.0.0.1 is not under .gov.vn
        labels["tech.sitemap_xml"] = flag(spec.sitemap_xml)
        # CRITERIA §2 tech.search: works = pass, finds nothing = partial; §5: action on another host = unknown.
        labels["tech.search"] = {SearchMode.WORKING: passed, SearchMode.BROKEN: partial, SearchMode.EXTERNAL: "unknown",
                                 SearchMode.ABSENT: fail}[spec.search]
        labels["tech.mobile"] = flag(spec.viewport)
        # CRITERIA §5 tech.metadata: Dublin Core on the home page and on at least one article = pass, one = partial.
        home_dc = spec.metadata is not Metadata.NONE
        article_dc = spec.metadata is Metadata.ALL and spec.articles_open and bool(self.articles)
        labels["tech.metadata"] = count(int(home_dc) + int(article_dc), 2)
        labels["tech.images_alt"] = flag(spec.images_alt)
        labels["tech.response_time"] = passed
        labels["tech.unicode"] = passed
        assert set(labels) == set(COVERED_CHECKS), set(COVERED_CHECKS) ^ set(labels)
        return labels


def unreachable_labels() -> dict[str, str]:
    """Expected labels of a unit whose portal is down (CRITERIA §5): all unknown, tech.reachable fail."""
    labels = {check: "unknown" for check in COVERED_CHECKS}
    labels["tech.reachable"] = "fail"
    return labels


def no_portal_labels() -> dict[str, str]:
    """Expected labels of a unit with no portal: every web check fails ("no portal")."""
    return {check: "fail" for check in COVERED_CHECKS}


IMAGES: dict[str, bytes] = {
    "/themes/egov/images/logo.png": assets.png(64, 64, (200, 30, 30), (250, 200, 40)),
    "/o/bacninh-theme/images/logo.png": assets.png(64, 64, (13, 71, 161), (250, 200, 40)),
    "/images/banner.png": assets.png(480, 120, (46, 125, 50), (129, 199, 132)),
    "/PublishingImages/logo.png": assets.png(64, 64, (0, 75, 135), (250, 200, 40)),
    "/Portals/0/logo.png": assets.png(64, 64, (123, 31, 162), (250, 200, 40)),
    "/assets/images/logo.png": assets.png(64, 64, (0, 105, 92), (250, 200, 40)),
    "/images/hoat-dong.png": assets.png(240, 160, (120, 144, 156), (176, 190, 197)),
    "/images/ban-do-hanh-chinh.png": assets.png(320, 240, (255, 236, 179), (161, 136, 127)),
}

