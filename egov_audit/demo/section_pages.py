"""The main content of every page a generated portal serves: the home page, articles, each section's page
and search results, written from the portal's spec and content in its platform's style."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from egov_audit.demo import content
from egov_audit.demo.markup import PROVINCE_SERVICE_PORTAL, WEEKDAYS, esc, loose, slugify
from egov_audit.demo.spec_values import SECTION_KEYS, SearchMode, SectionState

if TYPE_CHECKING:
    from egov_audit.demo.sitegen import Article, Portal


class PageWriter:
    """Writes the ``<main>`` of each page of one portal (``section(key, today)`` for a section's page)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.spec = portal.spec
        self.style = portal.style

    def section(self, key: str, today: date) -> str:
        """The content of a section's page (a listing of its articles unless the section has its own page)."""
        return getattr(self, f"_section_{key}", self._section_listing)(key, today)

    def _item_list(self, articles: list[Article], today: date) -> str:
        rows = []
        for article in sorted(articles, key=lambda a: a.age_days):
            moment = self.portal.moment(today, article.age_days, article.minute_of_day)
            rows.append(f'<li><a href="{esc(self.portal.article_href(article))}">{esc(article.title)}</a> '
                        f'<span class="date">({self.style.list_date(moment)})</span><p>{esc(article.lead)}</p></li>')
        return f'<ul class="items">{"".join(rows)}</ul>'

    def home(self, today: date) -> str:
        style, spec = self.style, self.spec
        parts = [f"<h1>Chào mừng bạn đến với {esc(self.portal.site_title)}</h1>",
                 style.img(self.portal, "/images/banner.png", f"Toàn cảnh {spec.unit_lower}")]
        news = [a for a in self.portal.articles if a.section == "news"]
        if news:
            parts.append(f"<section><h2>{esc(style.block_title('Tin tức - Sự kiện'))}</h2>{self._item_list(news[:5], today)}</section>")
        direction = [a for a in self.portal.articles if a.section == "direction"]
        if direction:
            parts.append(f"<section><h2>{esc(style.block_title('Chỉ đạo điều hành'))}</h2>{self._item_list(direction[:3], today)}</section>")
        if spec.future_deadline:
            # CRITERIA §5: a future date (a deadline) is not a publication date.
            deadline = today + timedelta(days=21)
            parts.append(f"<section><h2>{esc(style.block_title('Thông báo'))}</h2><ul><li>Thông báo tuyển dụng công chức "
                         f"cấp xã: hạn nộp hồ sơ đến hết ngày {deadline:%d/%m/%Y}.</li></ul></section>")
        if self.portal.documents:
            rows = "".join(f"<li>{esc(d.number)}: {esc(d.summary)}</li>" for d in self.portal.documents[:3])
            parts.append(f"<section><h2>{esc(style.block_title('Văn bản mới'))}</h2><ul>{rows}</ul></section>")
        return "".join(parts)

    def article(self, article: Article, moment: datetime) -> str:
        spec = self.spec
        body = [f"<h1>{esc(article.title)}</h1>",
                f'<p class="meta">{esc(self.style.article_date(moment))} · Lượt xem: {120 + article.id % 700}</p>',
                f"<p><strong>{esc(article.lead)}</strong></p>",
                f"<p>Theo báo cáo của UBND {esc(spec.unit_lower)}, các nhiệm vụ được triển khai đồng bộ, có sự phối hợp chặt "
                "chẽ giữa các ban, ngành, đoàn thể và các thôn, khu phố. Nhân dân đồng tình hưởng ứng, tích cực tham gia.</p>",
                self.style.img(self.portal, "/images/hoat-dong.png", f"Hình ảnh: {article.title}"),
                "<p>Thời gian tới, địa phương tiếp tục chỉ đạo thực hiện tốt các nội dung đã đề ra, kịp thời tháo gỡ khó "
                "khăn, vướng mắc, phấn đấu hoàn thành thắng lợi các chỉ tiêu năm.</p>",
                "<p><em>Văn phòng HĐND và UBND</em></p>"]
        first = self.portal.articles[0] if self.portal.articles else None
        if article is first and spec.article_mentions_qa:
            # Words of the Q&A vocabulary in an article body do not make a Q&A section (CRITERIA §5).
            body.append("<p>Tại hội nghị, lãnh đạo đã hỏi đáp trực tiếp với nhân dân; các thắc mắc về Hỏi đáp chính "
                        "sách được giải đáp ngay tại chỗ.</p>")
        if article is first and spec.body_only_sections:
            # A link only inside an article body counts for nothing (CRITERIA §5).
            links = ", ".join(f'<a href="{esc(self.portal.section_href(k))}">{esc(self.style.labels[k])}</a>'
                              for k in spec.body_only_sections)
            body.append(f"<p>Bạn đọc xem thêm tại chuyên mục {links}.</p>")
        if spec.untrusted_markup and article is first:
            # Crawled HTML is untrusted: this harmless script and onerror handler let the review app's
            # tests prove that captured pages are escaped or sandboxed, never executed.
            body.append('<script>window.__egovDemoUntrusted = (window.__egovDemoUntrusted || 0) + 1;</script>')
            body.append(self.style.img(self.portal, "/images/hoat-dong.png", "Ảnh tư liệu",
                                       ' onerror="window.__egovDemoOnerror=1" data-demo="untrusted"'))
        return f'<article>{"".join(body)}</article>'

    def _section_listing(self, key: str, today: date) -> str:
        items = [a for a in self.portal.articles if a.section == key]
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
        for name, position, phone in self.portal.leaders:
            contact = f'<td><a href="tel:{phone.replace(" ", "")}">{esc(phone)}</a></td>' if self.spec.leaders_contacts else ""
            rows.append(f"<tr><td>{esc(name)}</td><td>{esc(position)}</td>{contact}</tr>")
        head = "<th>Điện thoại</th>" if self.spec.leaders_contacts else ""
        return (f'<div class="table"><table><tr><th>Họ và tên</th><th>Chức vụ</th>{head}</tr>{"".join(rows)}</table></div>')

    def _section_map(self, key: str, today: date) -> str:
        return (self._text([f"Bản đồ hành chính {self.spec.unit_lower} thể hiện địa giới hành chính, các thôn, khu phố, "
                            "hệ thống giao thông, sông ngòi và các công trình công cộng chính trên địa bàn."])
                + self.style.img(self.portal, "/images/ban-do-hanh-chinh.png", f"Bản đồ hành chính {self.spec.unit_lower}"))

    def _section_legal_documents(self, key: str, today: date) -> str:
        if not self.portal.documents:
            return "<p>Chưa có văn bản.</p>"
        rows = []
        for d in sorted(self.portal.documents, key=lambda d: d.age_days):
            issued = (today - timedelta(days=d.age_days)).strftime("%d/%m/%Y")
            link = (f'<a href="{esc(self.style.file_path(self.portal.base_path, d.file_name))}">{esc(d.file_name)}</a>'
                    if d.file_name else "")
            rows.append(f"<tr><td>{esc(d.number)}</td><td>{issued}</td><td>{esc(d.kind)} {esc(d.summary)}</td><td>{link}</td></tr>")
        return ('<div class="table"><table><tr><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th>'
                f'<th>File đính kèm</th></tr>{"".join(rows)}</table></div>'
                f"<p>Tổng số: {len(self.portal.documents)} văn bản</p>")

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
            asked = self.portal.moment(today, self.portal.floor + 5 + 17 * i).strftime("%d/%m/%Y")
            reply = (f'<div class="answer"><strong>Trả lời:</strong> {esc(answer)}</div>' if self.spec.qa_answered
                     else '<div class="answer"><em>Chưa có câu trả lời.</em></div>')
            entries.append(f'<div class="qa"><h3>Câu hỏi của {esc(asker)} ({asked})</h3><p>{esc(question)}</p>{reply}</div>')
        form = self._question_form(self.portal.section_href("qa")) if self.spec.question_form else ""
        return "<h2>Danh sách câu hỏi và câu trả lời</h2>" + ("".join(entries) or "<p>Chưa có câu hỏi.</p>") + form

    def _section_consultation(self, key: str, today: date) -> str:
        items = []
        for i, (title, note) in enumerate(content.CONSULTATIONS):
            start = self.portal.moment(today, self.portal.floor + 9 + 30 * i).strftime("%d/%m/%Y")
            link = self.style.file_path(self.portal.base_path, f"{slugify(title)}.pdf")
            items.append(f'<li><strong>{esc(title)}</strong> (từ ngày {start})<p>{esc(note.format(unit=self.spec.unit_lower))}</p>'
                         f'<a href="{esc(link)}">Toàn văn dự thảo</a></li>')
        return f'<ul class="items">{"".join(items)}</ul>'

    def _section_forms(self, key: str, today: date) -> str:
        rows = "".join(f'<tr><td>{esc(label)}</td><td><a href="{esc(self.style.file_path(self.portal.base_path, name))}">Tải về</a></td></tr>'
                       for label, name in content.FORMS)
        return f'<div class="table"><table><tr><th>Tên biểu mẫu</th><th>Tệp</th></tr>{rows}</table></div>'

    def _section_contact(self, key: str, today: date) -> str:
        spec = self.spec
        lines = [f"<strong>Ủy ban nhân dân {esc(spec.unit_lower)}</strong>"]
        lines += self.portal.contact_lines()
        form = ""
        if spec.question_form and spec.state("qa") is not SectionState.PRESENT:
            form = self._question_form(self.portal.section_href("contact"))
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
        parts += [f"<p>{line}</p>" for line in self.portal.contact_lines(english=True)]
        return "".join(parts)

    def _section_sitemap_html(self, key: str, today: date) -> str:
        items = "".join(f'<li><a href="{esc(self.portal.section_href(k))}">{esc(self.style.labels[k])}</a></li>'
                        for k in SECTION_KEYS if k in self.portal.linked_sections() and k != "sitemap_html")
        return f'<ul><li><a href="{esc(self.portal.home_path)}">Trang chủ</a></li>{items}</ul>'

    def search(self, keyword: str, today: date) -> str:
        form = self.style.search_form(self.portal, keyword)
        needle = loose(keyword.strip())
        hits = []
        if needle and self.spec.search is SearchMode.WORKING:
            hits = [a for a in self.portal.articles if needle in loose(a.title) or needle in loose(a.lead)]
        if not hits:
            return f"<h1>Kết quả tìm kiếm</h1>{form}<p>Không tìm thấy kết quả nào phù hợp với từ khóa.</p>"
        return (f"<h1>Kết quả tìm kiếm</h1>{form}<p>Tìm thấy {len(hits)} kết quả.</p>"
                + self._item_list(hits, today))

    # -- ground truth
