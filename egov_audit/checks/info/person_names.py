"""People named on a page (shared by the info checks): a person's name next to a leader's position.

A person's name (CRITERIA.md §2 "leaders with name and position"): capitalised words after an honorific
(Ông, Bà, Đồng chí), or a common Vietnamese family name followed by at least two capitalised words
("Nguyễn Văn Hùng", "NGUYỄN VĂN HÙNG"). Runs of capitalised institution words ("VĂN PHÒNG HĐND VÀ UBND",
"Hội Đồng Nhân Dân") and counts of positions ("Chủ tịch, 02 Phó Chủ tịch") are not names.
"""

from __future__ import annotations

import re

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.contact_details import is_leader
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.text import fold

_HONORIFICS = frozenset(fold(w) for w in ("Ông", "Bà"))
_SURNAMES = frozenset(fold(w) for w in (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đồng Đinh Lâm Mai Tạ Cao Hà "
    "Lương Triệu Tô Đoàn Trịnh Châu Quách Thái Kiều Lưu Vương Phùng Tăng Hứa Mạc Chu La Lại Lò Sầm Hầu Nông Vi "
    "Lục Tống Giáp Khổng Thân Kim Chế Diệp Âu Từ Doãn Lã Nghiêm Ninh Đào Đàm Trình Khúc Ksor Siu Nay").split())
_INSTITUTION_WORDS = frozenset(fold(w) for w in (
    "Uỷ Ủy Ban Nhân Dân Hội Đồng Phòng Văn Xã Phường Huyện Tỉnh Thành Phố Trung Tâm Tổ Quốc Mặt Trận Đảng "
    "Chủ Tịch Phó Bí Thư Thường Trực Cơ Quan Sở Nội Vụ Tư Pháp Kinh Tế Việt Nam").split()) - {fold("Văn")}
_WORD = re.compile(r"[^\W\d_]+")
_COMRADE = re.compile(r"(?:\b[Đđ]ồng chí|\b[Đđ]/c)\s+([^\W\d_]+)\s+([^\W\d_]+)")


def _name_word(word: str, upper: bool) -> bool:
    """A word of a name in the case style of its first word (Title Case, or ALL CAPS)."""
    if not word[:1].isupper() or fold(word) in _INSTITUTION_WORDS:
        return False
    return word.isupper() if upper else (len(word) == 1 or not word.isupper())


def has_person_name(text: str) -> bool:
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
    for i, (word, _start, end) in enumerate(words):
        key = fold(word)
        honorific = key in _HONORIFICS
        if not word[:1].isupper() or not (honorific or key in _SURNAMES):
            continue
        rest = words[i + 1: i + 5]
        # The case style of the name: its family name's, or after "Ông"/"Bà" the next word's.
        styled = rest[0][0] if honorific and rest else word
        upper = styled.isupper() and len(styled) > 1
        follow, last = 0, end
        for other, start, stop in rest:
            # A name is one run of capitalised words with nothing but spaces between them.
            if text[last:start].strip(" \xa0") or not _name_word(other, upper):
                break
            follow, last = follow + 1, stop
        if follow >= 2:
            return True
    return any(_name_word(m.group(1), False) and _name_word(m.group(2), False) for m in _COMRADE.finditer(text))


def leader_lines(analysis: SiteAnalysis, page: CapturedPage) -> list[str]:
    """Own-content lines that give a position (Chủ tịch, Bí thư ...) with a person's name."""
    lines = analysis.own_text(page).split("\n")
    result = []
    for i, line in enumerate(lines):
        around = " ".join(lines[max(0, i - 1): i + 2])
        if is_leader(line) and has_person_name(around):
            result.append(line)
    return result
