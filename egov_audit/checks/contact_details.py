"""Published contact details: emails, Vietnamese phone numbers, addresses, and whose they are.

"Published" means visible text or a ``mailto:``/``tel:`` link (CRITERIA.md §5); text in comments,
scripts or hidden elements is never read. A phone written next to a leader's name or position is the
leader's, not the unit's office phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.analysis.site_scope import PerPage
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.text import collapse_whitespace, fold, match_label, nfc, strip_diacritics

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w])")
# The anti-spam spellings a reader resolves at once: "ubnd[at]xa.gov.vn", "ubnd (at) xa (dot) gov (dot) vn".
# Visible text, hence published (CRITERIA.md §5); the address is reported in its usual form.
_AT = r"\s?(?:\[at\]|\(at\)|\{at\}|\[a\]|\(a\)|\[@\]|\(@\))\s?"
_DOT = r"(?:\.|\s?(?:\[dot\]|\(dot\)|\{dot\}|\[\.\]|\(\.\))\s?)"
OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]*){_AT}([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:{_DOT}[A-Za-z0-9-]+)*"
    rf"{_DOT}[A-Za-z]{{2,}})(?![\w])", re.I)
_DOT_WORD = re.compile(_DOT, re.I)
_NOT_EMAIL_TLDS = ("png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js")
# Landlines 02xx xxxx xxx, mobiles 0[35789]x xxx xxxx, with spaces/dots/dashes/parentheses ("0261. 3648121"),
# +84/0084, and 1800/1900 lines.
PHONE = re.compile(
    r"(?<![\d/.\-])(?:(?:\+|00)84[\s.\-]?\(?0?\)?|\(?0)\d{1,3}\)?(?:(?:[.\-]\s|[\s.\-])?\d){6,9}(?![\d/])"
    r"|(?<!\d)1[89]00[\s.\-]?\d{2,4}(?:[\s.\-]?\d{2,4})?(?![\d/])"
)
_PHONE_DIGITS = 6
"""The fewest digits a match of ``PHONE`` holds: 6 for a 1800/1900 line ("1900 12"), 8 for a number."""
_DIGIT = re.compile(r"\d")
_BRACKETS = re.compile(r"[\[({]")
# Compared with accents (through match_label) so that "Bà" (Mrs) is not "Ba" (three) in "đường Ba Tháng Hai".
LEADER_CUES = (
    "Chủ tịch", "Phó Chủ tịch", "Bí thư", "Phó Bí thư", "Trưởng phòng", "Phó Trưởng phòng", "Chánh Văn phòng",
    "Giám đốc", "Phó Giám đốc", "Đồng chí", "Ông", "Bà", "Ủy viên", "Trưởng ban", "Phó Trưởng ban", "Đ/c",
)
# Cues of a portal's credits line: who manages it and who answers for its content (CRITERIA.md §2 info.ownership).
CREDITS_CUES = ("Cơ quan chủ quản", "Đơn vị chủ quản", "Cơ quan quản lý", "Đơn vị quản lý", "Chịu trách nhiệm",
                "Trưởng Ban biên tập", "Trưởng ban biên tập", "Người chịu trách nhiệm", "Bản quyền thuộc về",
                "Giấy phép số", "Giấy phép")
_FAX_CUE = re.compile(r"\bfax\b", re.I)
_ADDRESS_CUE = re.compile(r"(địa chỉ|trụ sở|dia chi|tru so)\s*(?:liên hệ|lien he|cơ quan|co quan)?\s*[:：]?\s*(.+)", re.I)
_ADDRESS_WORDS = re.compile(r"\b(so|duong|pho|thon|ap|xom|khu|to dan pho|xa|phuong|huyen|quan|tinh|thanh pho|tp|thi tran|km|quoc lo)\b")


@dataclass
class Found:
    kind: str
    """``email``, ``phone`` or ``address``."""
    value: str
    context: str
    element: etree._Element | None
    page: CapturedPage
    leader: bool = False
    """The detail sits next to a leader's name or position."""


def _row(element: etree._Element) -> etree._Element | None:
    node: etree._Element | None = element
    for _ in range(3):
        if node is None:
            return None
        if node.tag in {"tr", "li", "dd", "dt"}:
            return node
        node = node.getparent()
    return None


def _text(el: etree._Element) -> str:
    return collapse_whitespace(" ".join(el.itertext()))


_INLINE = frozenset({"a", "span", "strong", "b", "em", "i", "u", "label", "font", "small", "abbr"})
_BARE_CUES = re.compile(r"(điện thoại|đt|dđ|di động|tel|phone|mobile|email|e-mail|thư điện tử|số điện thoại|hotline)", re.I)


def block_lines(block: etree._Element, hidden: set[etree._Element] | frozenset[etree._Element] = frozenset()
                ) -> list[str]:
    """The block's text split at <br> and nested blocks, inline elements joined as written (so a word split by
    a ``<span>`` stays one word), hidden elements left out."""
    out: list[str] = []

    def walk(el: etree._Element) -> None:
        if not isinstance(el.tag, str) or el.tag in {"script", "style"} or el in hidden:
            return
        if el.tag == "br" or el.tag not in _INLINE:
            out.append("\n")
        out.append(el.text or "")
        for child in el:
            walk(child)
            out.append(child.tail or "")

    walk(block)
    return [line for line in (nfc(collapse_whitespace(x)) for x in "".join(out).split("\n")) if line]


def _is_bare(line: str, value: str) -> bool:
    """The line holds nothing but the detail and its cue ("ĐT: 0913 456 789"): whose it is must come
    from the line before or the card around it."""
    rest = _BARE_CUES.sub("", line.replace(value, ""))
    return len(re.sub(r"[\W_]", "", rest)) < 3


def _owner_context(el: etree._Element, value: str) -> str:
    """Whose detail this is: its table row or list item; else its line, plus the line before when the
    line is bare (``Ông A – Chủ tịch<br>ĐT: 09…``); else the small card around a bare one-line block."""
    row = _row(el)
    if row is not None:
        return _text(row)
    block = el
    while block.tag in _INLINE and block.getparent() is not None:
        block = block.getparent()
    lines = block_lines(block)
    index = next((i for i, line in enumerate(lines) if value in line), None)
    if index is None:
        return _text(el)
    line = lines[index]
    if not _is_bare(line, value):
        return line
    # The line before names whose detail a bare line is ("Ông A – Chủ tịch<br>ĐT: 09…"), unless it is the
    # portal's credits ("Chịu trách nhiệm nội dung: Ông B – Trưởng Ban biên tập<br>Email: ubnd@…"): the
    # details written under a credits line are the portal's, as its footer publishes them.
    if index > 0 and not match_label(lines[index - 1], CREDITS_CUES):
        return lines[index - 1] + " " + line
    if index > 0:
        return line
    parent = block.getparent()
    if len(lines) == 1 and parent is not None:
        card = _text(parent)
        if len(card) < 300:
            return card
    return line


_ADDRESS_CUE_WORDS = ("địa chỉ", "trụ sở", "dia chi", "tru so")
_FOLDED_ELSEWISE = "ſıİ"
"""Letters that ``re.I`` matches with s or i but ``str.lower`` does not turn into them."""


def _may_hold_address_cue(text: str) -> bool:
    """Whether ``text`` can hold a match of ``_ADDRESS_CUE`` (and so ``_split_address`` can find one):
    a quick test of the cue words, as a reader of prose would skim for them."""
    low = text.lower()
    return any(w in low for w in _ADDRESS_CUE_WORDS) or any(c in text for c in _FOLDED_ELSEWISE)


def _split_address(el: etree._Element, text: str) -> str:
    """An address whose cue and value sit in different inline elements ("<font>Địa chỉ: </font><font>Tổ dân
    phố 3, thị trấn …</font>", a footer pasted from a word processor) or on two lines ("Địa chỉ:<br>Số 12 …"):
    the cue's whole line in its block, or the cue and the next line."""
    if not re.fullmatch(r"\W*(địa chỉ|trụ sở|dia chi|tru so)(\s*(liên hệ|lien he|cơ quan|co quan))?\s*[:：]?\s*", text, re.I):
        return ""
    block = el
    while block.tag in _INLINE and block.getparent() is not None:
        block = block.getparent()
    cue = text.strip()
    lines = block_lines(block)
    for i, line in enumerate(lines):
        if line.startswith(cue) and len(line) > len(cue):
            return line
        if line == cue and i + 1 < len(lines):  # "Địa chỉ:<br>Số 12 đường …": the value on the next line
            return f"{cue} {lines[i + 1]}"
    return ""


def is_leader(text: str) -> bool:
    return match_label(text, LEADER_CUES) is not None


def _valid_phone(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    if digits.startswith(("1800", "1900")):
        return 8 <= len(digits) <= 10
    return digits.startswith("0") and len(digits) in (10, 11)


def _valid_email(raw: str) -> bool:
    return raw.lower().rsplit(".", 1)[-1] not in _NOT_EMAIL_TLDS


@dataclass(frozen=True)
class _Placed:
    """A detail found on a page and where: the region of its element, and whether it came from the text
    (the boilerplate filter applies to text, never to ``mailto:``/``tel:`` links)."""

    region: str | None
    in_text: bool
    found: Found


def contact_details(analysis: SiteAnalysis, page: CapturedPage, regions: frozenset[str] | None = None,
                    own_only: bool = False, within: list[etree._Element] | None = None) -> list[Found]:
    """Emails, phones and addresses published on a page, restricted to some regions (or to some
    elements: ``within``) if asked."""
    # Every detail of each page, read once per site: several checks ask for the same page's details with
    # different filters (interact.email and interact.hotline, info.contact, info.english, info.leaders).
    details = analysis.kept("contact_details", lambda: PerPage(lambda p: _page_details(analysis, p)))
    placed = details(page)
    if not placed:
        return []
    skip = analysis.boilerplate_elements(page) if own_only else set()
    inside: set[etree._Element] | None = None
    if within is not None:
        inside = {el for block in within for el in block.iter()}
    found: list[Found] = []
    for item in placed:
        el = item.found.element
        if regions is not None and item.region not in regions:
            continue
        if inside is not None and el not in inside:
            continue
        if skip and item.in_text and el is not None and any(a in skip for a in [el, *el.iterancestors()]):
            continue
        found.append(item.found)
    return found


def _page_details(analysis: SiteAnalysis, page: CapturedPage) -> list[_Placed]:
    """Every detail of a page, in order: its ``mailto:``/``tel:`` links, then its visible text."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return []
    found: list[_Placed] = []
    for link in analysis.links(page):
        href = link.element.get("href", "").strip()
        if href.lower().startswith("mailto:"):
            address = unquote(href[7:].split("?")[0]).strip()
            ctx_text = _owner_context(link.element, link.text or address)
            if EMAIL.fullmatch(address):
                found.append(_Placed(link.region, False,
                                          Found("email", address, ctx_text, link.element, page, is_leader(ctx_text))))
        elif href.lower().startswith("tel:"):
            number = unquote(href[4:]).strip()
            ctx_text = _owner_context(link.element, link.text or number)
            if _valid_phone(number):
                found.append(_Placed(link.region, False,
                                          Found("phone", number, ctx_text, link.element, page, is_leader(ctx_text))))
    for el in parsed.body.iter():
        if not isinstance(el.tag, str) or el in parsed.hidden or el.tag in {"script", "style", "noscript", "template"}:
            continue
        region = parsed.region.get(el)
        # The text directly inside this element, one piece per line (between <br> and inline children).
        pieces = [nfc(collapse_whitespace(t)) for t in [el.text or ""] + [c.tail or "" for c in el]]
        pieces = [t for t in pieces if t]
        for text in pieces:
            # Each pattern is tried only on text that could hold a match (an "@", a bracket, six
            # digits): most of a page is prose, and these are tried on every line of every page.
            emails = EMAIL.finditer(text) if "@" in text else ()
            obfuscated = OBFUSCATED_EMAIL.finditer(text) if _BRACKETS.search(text) else ()
            phones = PHONE.finditer(text) if len(_DIGIT.findall(text)) >= _PHONE_DIGITS else ()
            for m in emails:
                if _valid_email(m.group(0)):
                    ctx_text = _owner_context(el, m.group(0))
                    found.append(_Placed(region, True,
                                              Found("email", m.group(0), ctx_text, el, page, is_leader(ctx_text))))
            for m in obfuscated:
                address = f"{m.group(1)}@{_DOT_WORD.sub('.', m.group(2))}"
                if EMAIL.fullmatch(address) and _valid_email(address):
                    ctx_text = _owner_context(el, m.group(0))
                    found.append(_Placed(region, True,
                                              Found("email", address, ctx_text, el, page, is_leader(ctx_text))))
            for m in phones:
                before = text[max(0, m.start() - 12): m.start()]
                if _valid_phone(m.group(0)) and not _FAX_CUE.search(before):
                    number = collapse_whitespace(m.group(0))
                    ctx_text = _owner_context(el, number)
                    found.append(_Placed(region, True,
                                              Found("phone", number, ctx_text, el, page, is_leader(ctx_text))))
            am = _ADDRESS_CUE.search(_split_address(el, text) or text) if _may_hold_address_cue(text) else None
            if am:
                rest = am.group(2).strip()
                rest_key = strip_diacritics(fold(rest))
                # "Địa chỉ email: ..." and bare form labels are not postal addresses.
                if (len(rest) >= 10 and not rest_key.startswith(("email", "thu dien tu", "mail"))
                        and _ADDRESS_WORDS.search(rest_key)):
                    found.append(_Placed(region, True,
                                              Found("address", rest[:200], text, el, page, False)))
    return found
