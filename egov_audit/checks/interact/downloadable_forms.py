"""interact.downloadable_forms: at least one form file (.doc, .docx, .pdf, .xls, .xlsx, .odt) labelled as a form
(*Mẫu, Biểu mẫu, Tờ khai, Mẫu đơn, Đơn đề nghị*) or attached to a procedure as its form (CRITERIA.md §2, §5).

"Labelled as a form" comes from the link's text, title or image alt, the file name (``mau-don-...``,
``to_khai...``, ``BM01...``), or the table row, list item, heading or box the link sits in ("Tên biểu mẫu",
"Mẫu đơn, tờ khai" on a procedure's page). "Linked from procedure pages" is read as the procedure's own
attachment: a file in a procedure entry (a row naming a procedure by its act, "Đăng ký khai sinh", or any item
of a procedure's own page) counts, but not
any document that happens to sit on such a page: a file named or labelled as another kind of document (a
decision ``012013QĐ-TTg.pdf``, a report ``41.BC-HĐND.PDF``, "Quyết định …") or in a document-list row
("Số: 05/2013/NĐ-CP") is not a form, nor is a file in a template row ("Tên thủ tục 2") or a repeated box.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

from egov_audit.checks.analysis import CONTENT_REGIONS, Link, SiteAnalysis, is_inside
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found, page_evidence
from egov_audit.checks.info.document_lists import DOCUMENT_NUMBER
from egov_audit.checks.interact.listed_pages import item_pages
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, fold, match_label, strip_diacritics

_FORM_WORDS = ("Mẫu", "Biểu mẫu", "Tờ khai", "Mẫu đơn", "Đơn đề nghị", "Phụ lục mẫu", "Mẫu số", "Đơn xin",
               "Phiếu đề nghị", "Mẫu tờ khai", "Form")
# File names: "mau-don-de-nghi.doc", "to_khai_01.docx", "BM01-DKKD.doc", "Mau so 02.pdf", "donxincap.doc".
# A bare "mau" (mẫu, but also máu, màu once accents are gone) counts where a form's name starts with it or a form's
# word follows it ("mau-01", "mau_so_2", "mau-to-khai"), not inside "hien-mau-tinh-nguyen".
_FORM_FILE = re.compile(
    r"(^|[-_/ .])(bieu[-_ ]?mau|bieumau|to[-_ ]?khai|tokhai|mau[-_ ]?don|maudon|don[-_ ]?de[-_ ]?nghi|dondenghi|"
    r"don[-_ ]?xin|donxin|phieu[-_ ]?de[-_ ]?nghi|form|bm\d+|mau[-_ ]?so)([-_. ]|\d|$)"
    r"|^mau([-_ .]|\d)|(^|[-_/ .])mau[-_ ]?(\d|to[-_ ]?khai|de[-_ ]?nghi|phieu|giay|bien[-_ ]?ban|hop[-_ ]?dong|ke[-_ ]?khai)",
    re.I)
_FORM_EXT = re.compile(r"\.(docx?|pdf|xlsx?|odt)$", re.I)
# Another kind of document by its name: a type code of Vietnamese administrative documents (Nghị định 30/2020)
# after a number or a separator ("05-nd.pdf", "012013QĐ-TTg.pdf", "41.BC-HĐND.PDF", "12/KH-UBND") or its word.
_DOCUMENT_CODE = re.compile(
    r"(^|[\d\W_])(qd|nd|tt|ttr|bc|nq|kh|cv|tb|ct|hd|ttlt|bb|gm)([\W_]|$)", re.I)
_DOCUMENT_WORDS = ("Quyết định", "Nghị định", "Thông tư", "Tờ trình", "Báo cáo", "Nghị quyết", "Kế hoạch",
                   "Công văn", "Thông báo", "Chỉ thị", "Giấy mời", "Biên bản", "Hướng dẫn")
# A template row left in a procedure table ("Tên thủ tục 2", "Tên đầy đủ thủ tục").
_TEMPLATE_ROW = re.compile(r"^ten (day du )?(thu tuc|van ban|bieu mau)( hanh chinh)?\s*\d*$")


def _file_name(url: str) -> str | None:
    """The file a link downloads, if of a form type: its path's last part, the part before a Liferay document's
    uuid (``/documents/20182/0/To+khai.docx/6f1c…``), or a query value (``DownloadFile.aspx?file=mau-01.doc``)."""
    parts = urlsplit(url)
    segments = [unquote(x.replace("+", " ")) for x in parts.path.split("/") if x][-2:]
    candidates = segments[::-1] + [v for _k, v in parse_qsl(parts.query)]
    return next((c for c in candidates if _FORM_EXT.search(c.strip())), None)


def _item(el: etree._Element) -> etree._Element:
    """The table row or list item a link sits in (or its paragraph), else its parent."""
    node = el
    for _ in range(5):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
        if node.tag in {"tr", "li", "p", "dd"}:
            return node
    return el.getparent() if el.getparent() is not None else el


def _text(el: etree._Element) -> str:
    return collapse_whitespace(" ".join(el.itertext()))


# A row, item or paragraph says what its file is in a line or two; a longer "item" is an article's body (the
# attachment link sits directly in the content block), and only the words around the link speak for the file.
_ITEM_CHARS = 600
_AROUND_CHARS = 200
_INLINE = frozenset({"b", "strong", "i", "em", "span", "label", "u", "font", "small", "img"})


def _item_text(item: etree._Element, link: etree._Element) -> str:
    """The text of the link's row or item, or, when that is a whole body, the words just before and after the
    link ("Mẫu đơn đề nghị: <a>tải về</a>")."""
    text = _text(item)
    if len(text) <= _ITEM_CHARS:
        return text
    previous, parent = link.getprevious(), link.getparent()
    if previous is not None:
        # An inline label ("<b>Mẫu đơn:</b> <a>…</a>") is part of the line; a paragraph above is another line.
        label = previous.itertext() if previous.tag in _INLINE else []
        before = " ".join([*label, previous.tail or ""])
    else:
        before = (parent.text or "") if parent is not None else ""
    after = link.tail or ""
    return collapse_whitespace(" ".join([before[-_AROUND_CHARS:], *link.itertext(), after[:_AROUND_CHARS]]))


# "Mẫu" that is not a form: a kindergarten (mẫu giáo), a model unit (kiểu mẫu, gương mẫu, mô hình mẫu), a sample
# (hàng mẫu). Taken out of labels and file names before they are read.
_NOT_FORM_MAU = re.compile(r"(kieu|guong|hang|lam|mo[-_ ]hinh|tieu[-_ ]bieu|diem)[-_ ]mau|mau[-_ ]?(giao|muc)", re.I)


def _says_form(text: str) -> bool:
    """The text names a form ("Mẫu đơn đề nghị …", "to-khai-01.doc"), not a kindergarten or a model commune. Words
    are compared with their accents (so "Hiến máu" is no "Mẫu"); file names, which have none, by their shape."""
    plain = strip_diacritics(text)
    if len(plain) == len(text):  # blank the spans of "kiểu mẫu", "mẫu giáo" in the text itself
        for m in _NOT_FORM_MAU.finditer(plain):
            text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
        plain = strip_diacritics(text)
    accented = plain != text
    return bool((accented and match_label(text, _FORM_WORDS)) or _FORM_FILE.search(plain.strip()))


def _labels(link: Link) -> list[str]:
    """What names the file to a visitor: the link's text, title and image alt."""
    el = link.element
    return [x for x in [link.text, el.get("title") or "", *(img.get("alt") or "" for img in el.iter("img"))] if x]


def _names_other_document(name: str, labels: list[str]) -> bool:
    """A file named or labelled as another kind of document (a decision, a report, a plan)."""
    stem = name.rsplit(".", 1)[0]
    if _DOCUMENT_CODE.search(strip_diacritics(stem)) and not _says_form(stem):
        return True
    return any(match_label(label, _DOCUMENT_WORDS) for label in labels)


# How procedure names begin (the national procedure database names each by its act: "Đăng ký khai sinh", "Cấp
# đổi giấy phép lái xe", "Chứng thực bản sao", "Thủ tục …"), after an optional number.
_PROCEDURE_NAME = re.compile(
    r"^(\d+[.)]?\s*)?(thu tuc|dang ky|cap|chung thuc|xac nhan|giai quyet|tham dinh|phe duyet|cong nhan|thanh lap|"
    r"gia han|dieu chinh|thay doi|doi|ho tro|tro cap|huong|cho phep|thu hoi|chuyen|tiep nhan|lien thong|khai|"
    r"giao|cho thue|dang ky lai|ghi vao so|trich luc|hoa giai|bo nhiem|tuyen|xet|cong bo)\b")


def _names_procedure(text: str) -> bool:
    key = strip_diacritics(fold(text))
    return bool(_PROCEDURE_NAME.match(key)) and not _TEMPLATE_ROW.match(key)


def _procedure_entry(analysis: SiteAnalysis, page: CapturedPage, item: etree._Element) -> bool:
    """A row or item whose cell names a procedure ("Đăng ký khai sinh"), or any item of a procedure's own page
    (its heading names the procedure); never a template row ("Tên thủ tục 2")."""
    cells = [_text(c) for c in item if isinstance(c.tag, str)] or [_text(item)]
    keys = [strip_diacritics(fold(c)) for c in cells if len(c) >= 3]
    if not keys or any(_TEMPLATE_ROW.match(k) for k in keys):
        return False
    own = [h[0] for h in analysis.headings(page) if h[1].tag == "h1"] or [h[0] for h in analysis.headings(page)[:1]]
    return any(_names_procedure(c) for c in cells) or any(_names_procedure(h) for h in own)


def _form_link(analysis: SiteAnalysis, page: CapturedPage, link: Link, procedure_page: bool) -> str | None:
    """Why the link is a form file (the label or the context that says so), or None."""
    name = _file_name(link.url)
    if name is None:
        return None
    labels = _labels(link)
    item = _item(link.element)
    item_text = _item_text(item, link.element)
    heading = analysis.block_title(page, link.element) or ""
    if any(_says_form(label) for label in [*labels, name]):
        return f"{link.text or name} ({name})"
    if _names_other_document(name, labels):
        return None
    if _says_form(item_text) or _says_form(heading):
        return f"{item_text[:120] or heading} ({name})"
    # A numbered document's row ("Số: 05/2013/NĐ-CP Ngày: …") lists a document, wherever it sits.
    if procedure_page and not DOCUMENT_NUMBER.search(item_text) and _procedure_entry(analysis, page, item):
        return f"{item_text[:120]} ({name})"
    return None


def _procedure_pages(analysis: SiteAnalysis) -> list[CapturedPage]:
    """The procedures and forms sections' pages, and the procedures' own pages one click below them."""
    pages: list[CapturedPage] = []
    for concept in ("procedures", "downloadable_forms"):
        for match in analysis.find_sections(concept):
            if match.in_scope and match.page is not None and match.page.ok:
                for page in [match.page, *item_pages(analysis, match.page)]:
                    if all(page is not p for p in pages):
                        pages.append(page)
    return pages


def downloadable_forms(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    procedure_pages = _procedure_pages(analysis)
    ordered = procedure_pages + [p for p in analysis.html_pages if all(p is not q for q in procedure_pages)]
    for page in ordered:
        on_procedures = any(page is p for p in procedure_pages)
        boiler = analysis.boilerplate_elements(page)
        for link in analysis.links(page):
            # A file in a box repeated on every page ("VĂN BẢN MỚI") is that box's, not the page's.
            repeated = is_inside(link.element, boiler)
            why = _form_link(analysis, page, link, on_procedures and not repeated and link.region in CONTENT_REGIONS)
            if why is not None:
                return Finding("interact.downloadable_forms", Status.PASS, value=link.url,
                               evidence=[page_evidence(analysis, page, why, link.element)], reason="form file found")
    return not_found(analysis, "interact.downloadable_forms", "no downloadable form file found")


CHECK = Check(id="interact.downloadable_forms", title_vi="Biểu mẫu tải về", title_en="Downloadable forms",
              needs=frozenset({Need.PAGES}), run=downloadable_forms)
