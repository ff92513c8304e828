"""The Vietnamese date parser and ages counted in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from egov_audit.core.dates import age_days, find_dates, parse_date, relative_label

VN_MORNING = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 on Tuesday 10/03/2026 in Vietnam


@pytest.mark.parametrize(
    "text",
    ["05/03/2026", "5/3/2026", "05-03-2026", "05.03.2026", "ngày 5 tháng 3 năm 2026", "NGÀY 05 THÁNG 03 NĂM 2026",
     "Thứ hai, 05/03/2026", "2026-03-05", "Cập nhật: 2026-03-05T08:15:00", "Cập nhật: 08:15 05/03/2026",
     "Thứ Năm, 05/03/2026", "Thứ Năm 05/03/2026", "Ngày 05/03/2026", "05/03/26", "5.3.26", "05-03-26",
     "Đăng lúc: 08:15:00 05/03/2026 (GMT+7)"],
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


def test_two_digit_year_is_20yy_and_keeps_its_time() -> None:
    (found,) = find_dates("Cập nhật: 08:15 05/03/26")
    assert found.value == date(2026, 3, 5) and found.time == time(8, 15)


@pytest.mark.parametrize("text", ["phiên bản 1.2.10.4", "Nghị quyết 05/12/26/NQ-HĐND", "0912.345.678", "tháng 1/2026",
                                  "ngày 22 tháng Giêng năm Bính Ngọ"])
def test_two_digit_year_does_not_read_numbers(text: str) -> None:
    assert find_dates(text) == []


def test_two_digit_year_does_not_split_an_iso_date() -> None:
    assert [d.value for d in find_dates("DC.date 2026-03-09")] == [date(2026, 3, 9)]


@pytest.mark.parametrize(
    ("text", "expected", "at"),
    [("3 ngày trước", date(2026, 3, 7), None), ("2 giờ trước", date(2026, 3, 10), time(7, 0)),
     ("12 giờ trước", date(2026, 3, 9), time(21, 0)), ("45 phút trước", date(2026, 3, 10), time(8, 15)),
     ("hôm qua", date(2026, 3, 9), None), ("Hôm nay", date(2026, 3, 10), None), ("HÔM KIA", date(2026, 3, 8), None),
     ("1 tuần trước", date(2026, 3, 3), None)],
)
def test_relative_dates_count_back_from_the_reference_in_vietnam(text: str, expected: date, at: time | None) -> None:
    (found,) = find_dates(text, reference=VN_MORNING)
    assert found.value == expected and found.time == at
    assert relative_label(text, VN_MORNING) == found


def test_relative_dates_need_a_reference() -> None:
    assert find_dates("3 ngày trước") == [] and parse_date("hôm qua") is None


def test_hours_ago_cross_midnight_in_vietnam_not_utc() -> None:
    # 18:30 UTC on 9 March is 01:30 on 10 March in Vietnam: "2 giờ trước" is 23:30 on 9 March, "hôm qua" 9 March
    # (counted in UTC, "hôm qua" would wrongly be 8 March).
    reference = datetime(2026, 3, 9, 18, 30, tzinfo=UTC)
    assert find_dates("2 giờ trước", reference=reference)[0].value == date(2026, 3, 9)
    assert find_dates("hôm qua", reference=reference)[0].value == date(2026, 3, 9)


@pytest.mark.parametrize("text", ["Cập nhật: 2 giờ trước", "(3 ngày trước)", "Đăng lúc hôm qua", "  Hôm nay  "])
def test_relative_label_with_a_prefix_or_brackets(text: str) -> None:
    assert relative_label(text, VN_MORNING) is not None


@pytest.mark.parametrize("text", ["Hôm nay: Thứ Ba, 10/03/2026", "Hôm nay, UBND xã tổ chức hội nghị", "3 ngày qua",
                                  "trong 3 ngày trước kỳ họp", "05/03/2026"])
def test_relative_label_is_only_a_whole_label_not_a_clock_or_a_sentence(text: str) -> None:
    assert relative_label(text, VN_MORNING) is None


@pytest.mark.parametrize("text, expected, at", [
    # SharePoint 2010 news templates of provincial portals: "<span class="ShowDate"> thứ năm, 25 04 2019 14:04</span>"
    ("Các gói thầu được áp dụng lựa chọn nhà thầu thứ năm, 25 04 2019 14:04", date(2019, 4, 25), time(14, 4)),
    ("Người tốt Việc tốt thứ năm, 08 08 2019 08:51", date(2019, 8, 8), time(8, 51)),
    ("Chủ nhật, 5 5 2019", date(2019, 5, 5), None),
    ("T5, 25 04 2019", date(2019, 4, 25), None),
    ("Cập nhật 25 04 2019 08:30", date(2019, 4, 25), time(8, 30)),
])
def test_spaced_dates_after_a_weekday_or_before_a_time(text: str, expected: date, at: time | None) -> None:
    found = find_dates(text)
    assert [(d.value, d.time) for d in found] == [(expected, at)]
    assert not found[0].text.lower().startswith(("thu", "chu", "t5"))  # the weekday is not part of the date


@pytest.mark.parametrize("text", ["Có 25 04 2019 hộ dân", "ĐT 0261 3543 140", "Mã số 12 10 2019", "Tổng 1 2 3456"])
def test_spaced_numbers_without_a_weekday_or_time_are_not_dates(text: str) -> None:
    assert find_dates(text) == []


@pytest.mark.parametrize("text", ["25 tháng 4, 2019", "Thứ Năm, 25 tháng 4, 2019", "25 thg 4, 2019 08:30",
                                  "Thứ Năm, ngày 25 tháng 04 năm 2019", "Cập nhật lúc 08:30 ngày 25/04/2019",
                                  "Thứ 5, 25/04/2019", "[25/04/2019]", "25-04-2019 08:30"])
def test_locale_and_labelled_dates_of_listings(text: str) -> None:
    assert [d.value for d in find_dates(text)] == [date(2019, 4, 25)]


def test_a_duration_in_months_is_not_a_date() -> None:
    assert find_dates("trong 3 tháng 12 ngày") == [] and find_dates("sau 6 tháng, 2019 hộ") == []
