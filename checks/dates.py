"""The one Vietnamese date parser, and ages in days counted in Asia/Ho_Chi_Minh.

Portals write dates as ``05/03/2026``, ``5/3/2026``, ``05-03-2026``, ``05.03.2026``, ``ngày 5 tháng 3 năm 2026``,
``05/03/2026 08:15``, ``17:00:00 02/01/2024 (GMT+7)``, ``Thứ hai, 05/03/2026`` or ISO ``2026-03-05``. Impossible
dates (31/02) are rejected. Excluding future dates is the caller's decision (a deadline is not news).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from checks.text import nfc, strip_diacritics

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
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
# Matched on the diacritic-free text so that NFD/ALL CAPS/"ngay 5 thang 3 nam 2026" all work.
_WORDS = re.compile(r"ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s*(?:,\s*)?nam\s+(?P<y>\d{4})", re.I)


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
    for p in ("b", "a"):
        hour = match.groupdict().get(f"{p}h")
        if hour is None:
            continue
        try:
            return time(int(hour), int(match.group(f"{p}mi")), int(match.group(f"{p}s") or 0))
        except ValueError:
            return None
    return None


def find_dates(text: str | None) -> list[DateMatch]:
    """Every valid date in ``text``, in order of appearance."""
    if not text:
        return []
    plain = strip_diacritics(nfc(text))
    found: dict[int, DateMatch] = {}
    for pattern in (_DMY, _ISO, _WORDS):
        for match in pattern.finditer(plain):
            value = _make_date(match.group("y"), match.group("m"), match.group("d"))
            if value is None:
                continue
            start = match.start()
            if any(abs(start - s) < 3 for s in found):
                continue
            found[start] = DateMatch(value, _make_time(match), match.group(0).strip(), start)
    return [found[k] for k in sorted(found)]


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
