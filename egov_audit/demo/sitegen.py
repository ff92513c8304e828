"""Generates sample local-government portals from data (``PortalSpec``) and serves their pages.

A ``PortalSpec`` (portal_spec.py) says which sections a portal has and in what state (present with content,
a "Nội dung đang cập nhật" placeholder, a broken link, or absent), how old its news is, whether its Q&A
has answers, which contact details it publishes, and so on. A ``Portal`` turns a spec into a site: its
identity (address, phone, leaders), its articles and documents, its navigation model, and the answer to
each HTTP request, in a platform *style* (platforms/, modelled on vocabulary.md §4: NukeViet 4, Liferay,
SharePoint, DotNetNuke, and a newer provincial platform) with page contents from section_pages.py.
What each check should find on a portal is not here: expected_labels.py derives it from the spec.

Besides the plain states a spec may plant the near-misses real portals show: text in NFD or with the
other tone-mark style, ALL CAPS menus, a menu built by JavaScript, a section linked only from an
article body or only to another ``.gov.vn`` host, an e-mail address only in a comment or a script, a
future deadline date, a search form posting to another host.

Dates are computed when a page is served, relative to the ``today`` the server passes in (Asia/Ho_Chi_Minh),
so the freshness of the sample does not depend on the day the demo runs. Nothing here opens a socket.
"""

from __future__ import annotations

import random
import threading
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

from egov_audit.core.dates import VN_TZ
from egov_audit.demo import assets, content
from egov_audit.demo.markup import OTHER_GOV_HOST, PLACEHOLDER_HTML, esc, other_tone_style, slugify
from egov_audit.demo.platforms import STYLES
from egov_audit.demo.portal_spec import PortalSpec
from egov_audit.demo.section_pages import PageWriter
from egov_audit.demo.spec_values import SECTION_KEYS, SearchMode, SectionState


def vn_today() -> date:
    """Today's date in Asia/Ho_Chi_Minh (what CRITERIA §5 counts article ages against)."""
    return datetime.now(VN_TZ).date()


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
        self.pages = PageWriter(self)

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

    def contact_lines(self, english: bool = False) -> list[str]:
        """The unit's address, office phone and email as the footer and the contact page publish them (those
        the spec publishes), or as the English page does: English labels, the phone as plain text."""
        phone = esc(self.phone) if english else f'<a href="tel:{self.phone.replace(" ", "")}">{esc(self.phone)}</a>'
        published = ((self.spec.contact_address, "Address" if english else "Địa chỉ", esc(self.address)),
                     (self.spec.contact_phone, "Tel" if english else "Điện thoại", phone),
                     (self.spec.contact_email, "Email", f'<a href="mailto:{esc(self.email)}">{esc(self.email)}</a>'))
        return [f"{label}: {value}" for shown, label, value in published if shown]

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
            return 200, style.layout(self, title="Trang chủ", main=self.pages.home(today), today=today, path=path,
                                     dc_date=self.newest_article_date(today) or today, home=True)
        if path == style.login_href(self) and not path.startswith("http"):
            main = ('<h1>Đăng nhập</h1><form method="post" action="#"><input name="login" aria-label="Tên đăng nhập">'
                    '<input type="password" name="password" aria-label="Mật khẩu"><button>Đăng nhập</button></form>')
            return 200, style.layout(self, title="Đăng nhập", main=main, today=today, path=path)
        if self.spec.search is not SearchMode.ABSENT and path == style.search_path(self.base_path):
            keyword = (query.get(style.search_param) or [""])[0]
            return 200, style.layout(self, title="Tìm kiếm", main=self.pages.search(keyword, today), today=today, path=path)
        for key in SECTION_KEYS:
            if path == self.section_href(key):
                state = self.spec.state(key)
                if state in (SectionState.ABSENT, SectionState.BROKEN):
                    return None
                title = style.labels[key] if key != "news" else ("Tin hoạt động" if style.name == "nukeviet" else style.labels[key])
                main = style.section_main(title, PLACEHOLDER_HTML if state is SectionState.PLACEHOLDER
                                          else self.pages.section(key, today))
                return 200, style.layout(self, title=title, main=main, today=today, path=path)
        if self.spec.articles_open:
            for article in self.articles:
                if path == self.article_href(article):
                    moment = self.moment(today, article.age_days, article.minute_of_day)
                    return 200, style.layout(self, title=article.title, main=self.pages.article(article, moment),
                                             today=today, path=path, dc_date=moment.date())
        return None

    # -- page bodies


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

