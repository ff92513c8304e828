"""The Vietnamese text normaliser: one key for every way portals write a label or a slug."""

from __future__ import annotations

import unicodedata

from egov_audit.core.text import (
    collapse_whitespace,
    excerpt,
    fold,
    label_slugs,
    match_label,
    slug_matches,
    strip_diacritics,
)


def test_nfc_and_nfd_fold_to_the_same_key() -> None:
    nfd = unicodedata.normalize("NFD", "Tin tức sự kiện")
    assert nfd != "Tin tức sự kiện"
    assert fold(nfd) == fold("Tin tức sự kiện")


def test_old_and_new_tone_placement_are_equal() -> None:
    for old, new in [("Hoà", "Hòa"), ("Thuỷ", "Thủy"), ("Uỷ ban", "Ủy ban"), ("Hoá", "Hóa"), ("khoẻ", "khỏe")]:
        assert fold(old) == fold(new), (old, new)


def test_different_tones_stay_different() -> None:
    assert fold("hỏi") != fold("hội")
    assert match_label("Hội đồng nhân dân", ["Hỏi đáp"]) is None


def test_all_caps_and_separators_match() -> None:
    assert match_label("HỎI & ĐÁP", ["Hỏi đáp"]) == "Hỏi đáp"
    assert match_label("TIN TỨC - SỰ KIỆN", ["Tin tức sự kiện"]) == "Tin tức sự kiện"
    assert match_label("Tin tức, Sự kiện", ["Tin tức sự kiện"]) == "Tin tức sự kiện"
    assert match_label("Tin tức – Sự kiện", ["Tin tức sự kiện"]) == "Tin tức sự kiện"
    assert match_label("Quy hoạch / Kế hoạch", ["Quy hoạch - Kế hoạch"]) == "Quy hoạch - Kế hoạch"


def test_containment_is_by_whole_words_and_exact_mode_refuses_it() -> None:
    assert match_label("Thông tin chỉ đạo điều hành", ["Chỉ đạo điều hành"]) == "Chỉ đạo điều hành"
    assert match_label("Thông tin chỉ đạo điều hành", ["Chỉ đạo điều hành"], exact=True) is None
    assert match_label("Bảo", ["Bà"]) is None


def test_longest_label_wins() -> None:
    assert match_label("Lịch tiếp công dân", ["Lịch", "Lịch tiếp công dân"]) == "Lịch tiếp công dân"


def test_unaccented_text_matches_without_diacritics() -> None:
    assert match_label("HOI DAP", ["Hỏi đáp"]) == "Hỏi đáp"


def test_strip_diacritics_equals_removing_the_marks_of_the_decomposed_text() -> None:
    import random
    import unicodedata

    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))

    rng = random.Random(7)
    alphabet = ("aăâeêioôơuưyAĂÂEÊIOÔƠUƯYđĐ ,.-1ớỚờỜởỞỡỠợỢụỤủỦứỨừỪửỬữỮựỰỳỲỷỶỹỸỵỴ\u0300\u0301\u0303\u0309\u0323"
                "\u0302\u0306\u031bñçÅﬁ한글ｶ\u00a0")
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30))) for _ in range(3000)]
    samples += [unicodedata.normalize("NFD", s) for s in samples[:500]]
    for text in samples:
        assert strip_diacritics(text) == reference(text), text


def test_strip_diacritics_maps_d_with_stroke() -> None:
    assert strip_diacritics("Đường dây nóng Hoà Bình") == "Duong day nong Hoa Binh"


def test_slugs_derived_from_a_label_include_liferay_form() -> None:
    assert label_slugs("Hỏi đáp") == {"hoi-dap", "hoi-ap"}
    assert label_slugs("Chỉ đạo điều hành") == {"chi-dao-dieu-hanh", "chi-ao-ieu-hanh"}


def test_slug_forms_in_urls() -> None:
    slugs = ["hoi-dap", "hoi-ap", "faq"]
    assert slug_matches("https://x.gov.vn/hoi-ap.html", slugs) == "hoi-ap"
    assert slug_matches("https://x.gov.vn/HoiDap/Default.aspx", slugs) == "hoi-dap"
    assert slug_matches("https://x.gov.vn/hoidap", slugs) == "hoi-dap"
    assert slug_matches("https://x.gov.vn/index.php?language=vi&nv=faq", slugs) == "faq"
    assert slug_matches("https://x.gov.vn/vi/faq/", slugs) == "faq"


def test_an_article_under_a_section_path_is_not_the_section() -> None:
    # Inner path segments and article slugs do not name the page as a section.
    assert slug_matches("https://x.gov.vn/hoi-dap/cau-hoi-ve-dat-dai-12.html", ["hoi-dap"]) is None
    assert slug_matches("https://x.gov.vn/tin-tuc/hoi-dap-chinh-sach-moi-55.html", ["hoi-dap"]) is None


def test_excerpt_is_short_single_line() -> None:
    text = excerpt("a\n  b " * 200)
    assert len(text) <= 200 and "\n" not in text


def test_collapse_whitespace_equals_the_regular_expression_definition() -> None:
    import random
    import re
    import sys

    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if re.fullmatch(r"\s", c)]
    rng = random.Random(11)
    alphabet = spaces + list("ab Đường\u200b\u00a0\u2028.")
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 25)))
        assert collapse_whitespace(text) == re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip(), repr(text)
