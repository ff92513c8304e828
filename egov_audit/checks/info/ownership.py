"""info.ownership: the portal's own statement names its managing body (*Cơ quan chủ quản*) and the person
responsible (*Chịu trách nhiệm chính*); partial when only one is named (CRITERIA.md §2).

Only a statement about the portal counts: a credits line of the footer, of the about or the contact page
("Cơ quan chủ quản: UBND xã …", "Chịu trách nhiệm nội dung: Ông …", "Đơn vị quản lý: …", "Bản quyền thuộc về
…"), written as a label followed by its value. Text about the organisation's duties ("Giám đốc Sở là người đứng
đầu, chịu trách nhiệm trước UBND tỉnh …", "the director is the head of the department") is not one, nor is a
value that only names the portal ("Cổng thông tin điện tử …", CRITERIA.md §2).
"""

from __future__ import annotations

import re

from egov_audit.checks.analysis import FOOTER, NAV_REGIONS, SiteAnalysis
from egov_audit.checks.contact_details import block_lines
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, nfc, strip_diacritics

# Cues on the diacritic-free, lower-case text. A statement starts a line or follows a separator (". ", "|", "•").
_OWNER = r"co quan chu quan|don vi chu quan|co quan quan ly|don vi quan ly|ban quyen thuoc ve|ban quyen"
_RESPONSIBLE = (r"nguoi chiu trach nhiem(?: chinh| noi dung| ve noi dung)?|"
                r"chiu trach nhiem(?: chinh| noi dung| ve noi dung| xuat ban| quan ly noi dung)?|"
                r"truong ban bien tap|tong bien tap")
_START = r"(?:^|(?<=[.;|•·»])|(?<=\s-\s)|(?<=\s–\s))[\s©®]*"
_SEPARATOR = r"(?P<sep>[\s©®]*(?:\(c\))?\s*(?:\d{4}(?:\s*-\s*\d{4})?\s*)?(?:[:：\-–]\s*)?)"
_OWNER_STATEMENT = re.compile(_START + r"(?P<cue>" + _OWNER + r")\b" + _SEPARATOR + r"(?P<value>.*)")
_RESPONSIBLE_STATEMENT = re.compile(_START + r"(?P<cue>" + _RESPONSIBLE + r")\b" + _SEPARATOR + r"(?P<value>.*)")
# Without a colon or a dash the value must start like a name or a body ("Chịu trách nhiệm chính Ông …",
# "Bản quyền thuộc về UBND …"): "chịu trách nhiệm trước …", "… quản lý nhà nước về …" are duties.
_NAME_START = re.compile(r"(ong|ba|dong chi|d/c|ubnd|uy ban|so|phong|van phong|trung tam|ban|hoi dong|cuc|chi cuc)\b")
_DUTY_START = re.compile(r"(truoc|ve viec|thi hanh|cua|va|trong|ve cac|toan bo|phoi hop)\b")
# The value only names the portal itself, which is neither the managing body nor a person.
_PORTAL_NAME = re.compile(r"^(cong|trang) thong tin dien tu\b|^website\b|^portal\b")
_NEXT_CUE = re.compile(r"\s*(?:[.;|•]\s*)?\b(?:" + _OWNER + "|" + _RESPONSIBLE + r"|dia chi|dien thoai|email|fax|"
                       r"giay phep)\b.*$")


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _statement(line: str, pattern: re.Pattern[str], following: str) -> str | None:
    """The statement the line makes ("Cơ quan chủ quản: UBND xã Hoà Bình"), its value up to the next cue (or on
    the next line when the label stands alone), or None."""
    plain = strip_diacritics(nfc(line)).lower()
    same = len(plain) == len(line)
    for match in pattern.finditer(plain):
        value = _NEXT_CUE.sub("", match.group("value")).strip(" .,;-–")
        marked = any(c in match.group("sep") for c in ":：-–©") or match.group("cue").endswith("thuoc ve")
        if not value and any(c in match.group("sep") for c in ":：") and following:  # "Cơ quan chủ quản:" alone
            value, shown = strip_diacritics(nfc(following)).lower(), f"{line.strip()} {following}"
        else:
            end = match.start("value") + len(value)
            shown = line[match.start("cue"):end] if same else plain[match.start("cue"):end]
        if len(value) < 4 or _PORTAL_NAME.search(value) or _DUTY_START.match(value):
            continue
        if marked or _NAME_START.match(value):
            return shown.strip()
    return None


def _statements(analysis: SiteAnalysis) -> list[tuple[CapturedPage, list[str]]]:
    """Where the portal speaks about itself, line by line: the home page's footer (its blocks read as written,
    so a word split by a ``<span>`` stays whole) and navigation, the about and contact pages' own text."""
    pages: list[tuple[CapturedPage, list[str]]] = []
    home = analysis.home
    if home is not None and home.ok:
        parsed = analysis.parsed(home)
        hidden = parsed.hidden if parsed is not None else set()
        footer = [line for block in analysis.footer_blocks(home) for line in block_lines(block, hidden)]
        shown = analysis.visible_text(home, regions=frozenset({FOOTER}) | NAV_REGIONS).split("\n")
        pages.append((home, footer + shown))
    for concept in ("introduction", "contact"):
        for match in analysis.find_sections(concept):
            if match.in_scope and match.page is not None and match.page.ok:
                pages.append((match.page, analysis.own_text(match.page).split("\n")))
    return pages


def _find(lines: list[str], pattern: re.Pattern[str]) -> str | None:
    for i, line in enumerate(lines):
        found = _statement(line, pattern, lines[i + 1] if i + 1 < len(lines) else "")
        if found:
            return found
    return None


def ownership(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    owner = responsible = None
    for page, raw in _statements(analysis):
        # Zero-width spaces that editors paste into words ("Chịu trách nhiệm\u200b v\u200bề nội dung") are not text.
        lines = [collapse_whitespace(_ZERO_WIDTH.sub("", x)) for x in raw if x.strip()]
        owner = owner or ((page, v) if (v := _find(lines, _OWNER_STATEMENT)) else None)
        responsible = responsible or ((page, v) if (v := _find(lines, _RESPONSIBLE_STATEMENT)) else None)
    evidence = [page_evidence(analysis, p, v) for p, v in (x for x in (owner, responsible) if x)]
    if owner and responsible:
        return Finding("info.ownership", Status.PASS, evidence=evidence, reason="managing body and person responsible named")
    if owner or responsible:
        which = "managing body" if owner else "person responsible"
        return Finding("info.ownership", Status.PARTIAL, evidence=evidence, reason=f"only the {which} is named")
    return not_found(analysis, "info.ownership", "no managing body or person responsible named")


CHECK = Check(id="info.ownership", title_vi="Cơ quan chủ quản, người chịu trách nhiệm", title_en="Managing body and person responsible",
              needs=frozenset({Need.PAGES}), run=ownership)
