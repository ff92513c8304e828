"""The Vietnamese date parser and ages counted in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from checks.dates import age_days, find_dates, parse_date


@pytest.mark.parametrize(
    "text",
    ["05/03/2026", "5/3/2026", "05-03-2026", "05.03.2026", "ngày 5 tháng 3 năm 2026", "NGÀY 05 THÁNG 03 NĂM 2026",
     "Thứ hai, 05/03/2026", "2026-03-05", "Cập nhật: 2026-03-05T08:15:00"],
)
def test_formats_portals_use(text: str) -> None:
    assert parse_date(text) == date(2026, 3, 5)


def test_date_with_time_after_and_before() -> None:
    (after,) = find_dates("05/03/2026 08:15")
    assert after.value == date(2026, 3, 5) and after.time == time(8, 15)
    (before,) = find_dates("Đăng lúc: 17:00:00 02/01/2024 (GMT+7)")
    assert before.value == date(2024, 1, 2) and before.time == time(17, 0)


def test_nfd_text_is_parsed() -> None:
    import unicodedata

    assert parse_date(unicodedata.normalize("NFD", "ngày 5 tháng 3 năm 2026")) == date(2026, 3, 5)


@pytest.mark.parametrize("text", ["31/02/2026", "00/01/2026", "12/13/2026", "29/02/2025", "01/01/1800"])
def test_impossible_dates_are_rejected(text: str) -> None:
    assert find_dates(text) == []


def test_document_numbers_are_not_dates() -> None:
    assert find_dates("Quyết định số 12/2026/QĐ-UBND và 05/12/2026/NQ-HĐND") == []


def test_several_dates_in_order() -> None:
    found = find_dates("Ban hành 01/02/2026, hiệu lực ngày 15 tháng 2 năm 2026")
    assert [d.value for d in found] == [date(2026, 2, 1), date(2026, 2, 15)]


def test_age_is_counted_in_vietnam_time() -> None:
    # 20:00 UTC on 4 March is already 5 March in Vietnam (UTC+7).
    reference = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    assert age_days(date(2026, 3, 5), reference) == 0
    assert age_days(date(2026, 3, 1), reference) == 4
    assert age_days(date(2026, 3, 10), reference) < 0
