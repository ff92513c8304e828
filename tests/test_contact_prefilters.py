"""The quick tests in checks/contact_details.py never skip text a pattern would match."""

from __future__ import annotations

import random

from egov_audit.checks import contact_details as cd
from egov_audit.core.text import nfc

_PIECES = ["Địa chỉ", "ĐỊA CHỈ", "dia chi", "TRỤ SỞ", "tru so", "Trụ ſở", ": ", " ", "số 12 đường Lê Lợi", "@", "[at]",
           "(dot)", "ubnd", "xa.gov.vn", "0", "1900", "84", "+", "(", ")", ".", "-", "123", "4567", "Fax", "a", "İ"]


def _texts(n: int = 4000) -> list[str]:
    rng = random.Random(2026)
    return [nfc("".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 9)))) for _ in range(n)]


def test_the_quick_tests_are_necessary_conditions_of_each_pattern() -> None:
    for text in _texts():
        if cd.EMAIL.search(text):
            assert "@" in text, text
        if cd.OBFUSCATED_EMAIL.search(text):
            assert cd._BRACKETS.search(text), text
        if cd.PHONE.search(text):
            assert len(cd._DIGIT.findall(text)) >= cd._PHONE_DIGITS, text
        if cd._ADDRESS_CUE.search(text):
            assert cd._may_hold_address_cue(text), text


def test_a_short_hotline_and_an_address_cue_in_capitals_are_still_read() -> None:
    assert cd.PHONE.search("Tổng đài 1900 12") and len(cd._DIGIT.findall("Tổng đài 1900 12")) >= cd._PHONE_DIGITS
    assert cd._may_hold_address_cue("ĐỊA CHỈ: Số 1 đường Trần Phú, xã Kinh Bắc")
