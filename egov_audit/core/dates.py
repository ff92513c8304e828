"""The one Vietnamese date parser, and ages in days counted in Asia/Ho_Chi_Minh.

Portals write dates as ``05/03/2026``, ``5/3/2026``, ``05-03-2026``, ``05.03.2026``, ``ngày 5 tháng 3 năm 2026``,
``05/03/2026 08:15``, ``17:00:00 02/01/2024 (GMT+7)``, ``Thứ hai, 05/03/2026``, with spaces after a weekday or
before a time (``thứ năm, 25 04 2019 14:04``), ``25 tháng 4, 2019`` (Java/.NET Vietnamese locale), ISO ``2026-03-05`` or with a
two-digit year ``05/03/26`` (read as 20yy). Impossible dates (31/02) are rejected. Excluding future dates is the
caller's decision (a deadline is not news).

Relative dates ("3 ngày trước", "2 giờ trước", "hôm qua", "Hôm nay") need the audit's reference moment: pass
``reference`` to ``find_dates``, or use ``relative_label`` where a short element's whole text labels an item (a
header clock "Hôm nay: Thứ Ba, 10/03/2026" is not such a label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from egov_audit.core.text import nfc, strip_diacritics

AUDIT_TIMEZONE = "Asia/Ho_Chi_Minh"
"""The one time zone of the project: ages in days, schedules and report times are counted in it."""
VN_TZ = ZoneInfo(AUDIT_TIMEZONE)
MIN_YEAR = 1945
MAX_YEAR = 2100

_TIME = r"(?P<{p}h>\d{{1,2}})[:h](?P<{p}mi>\d{{2}})(?::(?P<{p}s>\d{{2}}))?"
_DMY = re.compile(
    r"(?:" + _TIME.format(p="a") + r"\s*(?:-\s*)?)?"
    r"(?<![\d/.\-])(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d/]|-\d|\.\d)"
    r"(?:\s*(?:-\s*|lúc\s*|luc\s*)?" + _TIME.format(p="b") + r")?",
    re.I,
)
_ISO = re.compile(
    r"(?<![\d/.\-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\d/])(?:[T ](?P<bh>\d{2}):(?P<bmi>\d{2})(?::(?P<bs>\d{2}))?)?"
)
# dd/mm/yy: the same separators, exactly two year digits, read as 20yy (portals do not show 20th-century news
# this way). Not after a digit, "/", "." or "-" and not followed by more digits, so "2026-03-09", version
# numbers "1.2.10.4" and document numbers stay out.
_DMY2 = re.compile(
    r"(?:" + _TIME.format(p="a") + r"\s*(?:-\s*)?)?"
    r"(?<![\d/.\-])(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<y2>\d{2})(?![\d/]|[.\-]\d)"
    r"(?:\s*(?:-\s*|lúc\s*|luc\s*)?" + _TIME.format(p="b") + r")?",
    re.I,
)
# Relative dates, on the diacritic-free text: "3 ngày trước", "2 giờ trước", "hôm qua", "hôm nay", "hôm kia".
_RELATIVE_UNITS = {"giay": timedelta(seconds=1), "phut": timedelta(minutes=1), "gio": timedelta(hours=1),
                   "tieng": timedelta(hours=1), "ngay": timedelta(days=1), "tuan": timedelta(weeks=1)}
_RELATIVE_DAYS = {"hom nay": 0, "hom qua": 1, "hom kia": 2}
_RELATIVE = re.compile(
    r"(?<![\w])(?:(?P<n>\d{1,3})\s*(?P<unit>giay|phut|gio|tieng|ngay|tuan)\s+truoc|(?P<word>hom\s+(?:nay|qua|kia)))(?![\w])",
    re.I,
)
# A label in front of an item's relative date ("Cập nhật: 2 giờ trước", "Đăng lúc hôm qua").
_LABEL_PREFIX = r"(?:(?:cap\s+nhat|ngay\s+dang|dang\s+luc|dang\s+ngay|dang|ngay|luc|thoi\s+gian)\s*:?\s*)?"
_RELATIVE_LABEL = re.compile(r"^[\s(\[]*" + _LABEL_PREFIX + r"(?P<rel>.+?)[\s)\].]*$", re.I)

# Day, month and year separated by spaces ("thứ năm, 25 04 2019 14:04", a SharePoint news template): only after a
# weekday or before a time, because three bare numbers in a row are as often a count, a phone or a code.
_WEEKDAY = r"(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn|t[2-7])"
_SPACED = re.compile(
    r"(?:(?<![\w])" + _WEEKDAY + r"\s*[,.\-]?\s*(?P<d>\d{1,2}) (?P<m>\d{1,2}) (?P<y>\d{4})(?![\d/])"
    r"(?:\s*(?:-\s*)?" + _TIME.format(p="b") + r")?"
    r"|(?<![\d/.\-\w])(?P<d2>\d{1,2}) (?P<m2>\d{1,2}) (?P<y3>\d{4})\s*(?:-\s*)?" + _TIME.format(p="c") + ")",
    re.I,
)
# Matched on the diacritic-free text so that NFD/ALL CAPS/"ngay 5 thang 3 nam 2026" all work.
_WORDS = re.compile(r"ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s*(?:,\s*)?nam\s+(?P<y>\d{4})", re.I)
# The Vietnamese locale of Java and .NET portals (Liferay, DotNetNuke): "25 tháng 4, 2019", "25 thg 4, 2019".
_LOCALE_WORDS = re.compile(r"(?<![\d/.\-])(?P<d>\d{1,2})\s+(?:thang|thg)\s+(?P<m>\d{1,2})\s*,\s*(?P<y>\d{4})(?!\d)",
                           re.I)


@dataclass(frozen=True)
class DateMatch:
    value: date
    time: time | None
    text: str
    start: int

    def as_datetime(self) -> datetime:
        """The moment in Vietnam's time zone (midnight when no time was given)."""
        return datetime.combine(self.value, self.time or time(0, 0), tzinfo=VN_TZ)


def _make_date(y: str, m: str, d: str) -> date | None:
    try:
        value = date(int(y), int(m), int(d))
    except ValueError:
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    return value


def _make_time(match: re.Match[str]) -> time | None:
    for p in ("b", "a", "c"):
        hour = match.groupdict().get(f"{p}h")
        if hour is None:
            continue
        try:
            return time(int(hour), int(match.group(f"{p}mi")), int(match.group(f"{p}s") or 0))
        except ValueError:
            return None
    return None


def _relative(match: re.Match[str], reference: datetime, tz: ZoneInfo) -> DateMatch:
    """The date (and for hours/minutes the time) a relative expression stands for, in Vietnam's time."""
    local = reference.replace(tzinfo=ZoneInfo("UTC")) if reference.tzinfo is None else reference
    local = local.astimezone(tz)
    text = match.group(0).strip()
    word = match.group("word")
    if word:
        value = local.date() - timedelta(days=_RELATIVE_DAYS[" ".join(word.lower().split())])
        return DateMatch(value, None, text, match.start())
    unit = match.group("unit").lower()
    moment = local - int(match.group("n")) * _RELATIVE_UNITS[unit]
    exact = unit in {"giay", "phut", "gio", "tieng"}
    return DateMatch(moment.date(), moment.time().replace(microsecond=0) if exact else None, text, match.start())


def find_dates(text: str | None, reference: datetime | None = None, tz: ZoneInfo = VN_TZ) -> list[DateMatch]:
    """Every valid date in ``text``, in order of appearance. With ``reference`` (the audit moment), relative
    dates ("3 ngày trước", "hôm qua") are read too, counted back from it in ``tz``."""
    if not text:
        return []
    plain = strip_diacritics(nfc(text))
    found: dict[int, DateMatch] = {}
    for pattern in (_DMY, _ISO, _WORDS, _LOCALE_WORDS, _SPACED, _DMY2):
        for match in pattern.finditer(plain):
            groups = match.groupdict()
            if groups.get("d2"):  # the spaced form written before a time instead of after a weekday
                value = _make_date(groups["y3"], groups["m2"], groups["d2"])
            else:
                value = _make_date(groups.get("y") or f"20{groups['y2']}", groups["m"], groups["d"])
            if value is None:
                continue
            # A weekday before a spaced date is not part of it (the item's text keeps it, with its accents).
            start = match.start("d") if pattern is _SPACED and groups.get("d") else match.start()
            if any(abs(start - s) < 3 for s in found):
                continue
            found[start] = DateMatch(value, _make_time(match), plain[start:match.end()].strip(), start)
    if reference is not None:
        for match in _RELATIVE.finditer(plain):
            if not any(abs(match.start() - s) < 3 for s in found):
                found[match.start()] = _relative(match, reference, tz)
    return [found[k] for k in sorted(found)]


def relative_label(text: str | None, reference: datetime, tz: ZoneInfo = VN_TZ) -> DateMatch | None:
    """The date a short label stands for when its whole text is a relative date ("3 ngày trước", "Cập nhật:
    2 giờ trước", "(Hôm qua)"); None for anything else, so a sentence or a header clock "Hôm nay: Thứ Ba,
    10/03/2026" is not read as a relative date."""
    if not text or len(text) > 40:
        return None
    plain = strip_diacritics(nfc(text))
    label = _RELATIVE_LABEL.match(plain)
    if label is None:
        return None
    match = _RELATIVE.fullmatch(label.group("rel").strip())
    return _relative(match, reference, tz) if match else None


def parse_date(text: str | None) -> date | None:
    """The first valid date in ``text``, or None."""
    dates = find_dates(text)
    return dates[0].value if dates else None


def local_date(moment: datetime, tz: ZoneInfo = VN_TZ) -> date:
    """The calendar date of ``moment`` in Vietnam (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(tz).date()


def age_days(value: date, reference: datetime, tz: ZoneInfo = VN_TZ) -> int:
    """Whole days from ``value`` to the reference moment's date in Vietnam (negative for a future date)."""
    return (local_date(reference, tz) - value).days
