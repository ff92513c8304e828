"""The shortcuts of checks/analysis/element_text.py give exactly the text ``itertext`` gives, on real pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov_audit.checks.analysis.element_text import subtree_texts, text_up_to
from egov_audit.core.html import parse_document
from egov_audit.core.text import collapse_whitespace

REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"


def _reference(el) -> str:  # type: ignore[no-untyped-def]
    return collapse_whitespace(" ".join(el.itertext()))


def _real_documents() -> list:  # type: ignore[type-arg]
    files = sorted(REALPAGES.glob("*/**/index.html"))[::7]  # a spread of the six portals' pages
    if not files:
        pytest.fail(f"the real corpus is missing: {REALPAGES} (expected beside the checkout, see the brief)")
    return [doc for doc in (parse_document(f.read_text(encoding="utf-8")) for f in files) if doc is not None]


def test_subtree_texts_equal_itertext_for_every_element_of_real_pages() -> None:
    for doc in _real_documents():
        texts = subtree_texts(doc)
        for el in doc.iter():
            if isinstance(el.tag, str):
                assert texts[el] == _reference(el)


def test_text_up_to_is_the_text_or_none_past_the_limit() -> None:
    for doc in _real_documents():
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            full = _reference(el)
            for limit in (0, 30, 200):
                assert text_up_to(el, limit) == (full if len(full) <= limit else None)


def test_comments_and_processing_instructions_are_not_text_but_their_tails_are() -> None:
    doc = parse_document("<html><body><div> a <!-- hidden --> b <p>x\u00a0 <?pi y?> z</p>\tt </div></body></html>")
    assert doc is not None
    div = doc.find(".//div")
    assert subtree_texts(div)[div] == _reference(div) == "a b x z t"
    assert text_up_to(div, 9) == "a b x z t" and text_up_to(div, 8) is None
