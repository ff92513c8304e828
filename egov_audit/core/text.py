"""The one Vietnamese text normaliser: label keys, diacritic stripping, label and URL-slug matching.

Real portals write the same label many ways: NFC or NFD, ALL CAPS, old or new tone-mark placement
(``Hoà``/``Hòa``, ``Thuỷ``/``Thủy``, ``Uỷ``/``Ủy``), ``-``/``–``/``,``/``&``/``/`` as separators, and URL
slugs with or without diacritics (``hoi-dap``, Liferay's ``hoi-ap`` which drops ``đ``, ``hoidap``,
``HoiDap``, NukeViet's ``nv=faq``). Every comparison in the checks goes through this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

# The five Vietnamese tone marks as combining characters (huyền, sắc, ngã, hỏi, nặng). The other
# combining marks (circumflex, breve, horn) belong to the vowel and never move between styles.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_SET = frozenset(_TONES)
_SEPARATORS = re.compile(r"[\-\u2010-\u2015,&/|:;.·•()\[\]{}\"'«»“”‘’…_>›»+*!?]+")
_WORD = re.compile(r"\w+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def collapse_whitespace(text: str) -> str:
    """Single spaces, no leading/trailing space (non-breaking spaces included)."""
    # str.split() splits on exactly the characters of the regular expression \s (non-breaking space
    # included) and is several times faster: this runs on every piece of text of every page.
    return " ".join(text.split())


def _fold_tones(word: str) -> str:
    # Old and new styles differ only in which vowel of "oa/oe/uy" carries the tone; moving the tone
    # mark to the end of the syllable gives both the same key.
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONE_SET]
    if not tones:
        return decomposed
    base = "".join(c for c in decomposed if c not in _TONE_SET)
    return base + tones[-1]


@lru_cache(maxsize=65536)  # menus repeat on every page: the same few hundred texts are folded again and again
def fold(text: str) -> str:
    """Comparison key of a label: case-folded, tone placement and separators normalised, spaces collapsed.

    The key is not meant for display (tone marks sit at the end of each syllable).
    """
    text = unicodedata.normalize("NFC", text).casefold()
    text = _SEPARATORS.sub(" ", text)
    text = collapse_whitespace(text)
    return _WORD.sub(lambda m: _fold_tones(m.group(0)), text)


class _BaseLetters(dict[int, str]):
    """``str.translate`` table, filled the first time each character is met: the character decomposed
    (NFD) without its combining marks, so ``ệ`` → ``e`` and a lone combining mark → nothing."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        self[codepoint] = base
        return base


_BASE_LETTERS = _BaseLetters({ord("đ"): "d", ord("Đ"): "D"})


def strip_diacritics(text: str) -> str:
    """Remove every Vietnamese diacritic (``đ`` → ``d``); case is kept.

    The same as NFC(NFD(text) without combining marks): marks are the only characters NFD reorders, and
    all of them go. Done by a character table, because the checks strip whole pages many times over.
    """
    if text.isascii():
        return text
    plain = text.translate(_BASE_LETTERS)
    return plain if plain.isascii() else unicodedata.normalize("NFC", plain)


@lru_cache(maxsize=65536)
def ascii_key(text: str) -> str:
    """``fold`` without diacritics: for text written without accents ("Hoi dap")."""
    return strip_diacritics(fold(text))


def _is_unaccented(text: str) -> bool:
    return all(ord(c) < 128 for c in text)


def match_label(text: str | None, labels: Iterable[str], *, exact: bool = False) -> str | None:
    """The longest of ``labels`` that ``text`` is (``exact``) or contains as whole words; else None.

    Text written without any diacritic ("HOI DAP") is compared without diacritics, since some
    portals and URLs drop them; accented text is compared with its accents so that "hội" ≠ "hỏi".
    """
    if not text:
        return None
    key = fold(text)
    if not key:
        return None
    unaccented = _is_unaccented(key)
    if unaccented:
        key = ascii_key(key)
    padded = f" {key} "
    best: str | None = None
    for label in labels:
        lkey = ascii_key(label) if unaccented else fold(label)
        if not lkey:
            continue
        hit = lkey == key if exact else f" {lkey} " in padded
        if hit and (best is None or len(label) > len(best)):
            best = label
    return best


def slugify(text: str, *, drop_d: bool = False) -> str:
    """``Hỏi đáp`` → ``hoi-dap``; with ``drop_d`` → ``hoi-ap`` (Liferay removes ``đ`` instead of mapping it)."""
    if drop_d:
        text = re.sub("[đĐ]", "", unicodedata.normalize("NFC", text))
    return "-".join(re.findall(r"[a-z0-9]+", strip_diacritics(text).lower()))


def label_slugs(label: str) -> set[str]:
    """The URL slugs a portal may derive from a label (with ``đ`` mapped and with it dropped)."""
    return {s for s in (slugify(label), slugify(label, drop_d=True)) if s}


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_EXTENSION = re.compile(r"\.(html?|aspx?|php|jsp|cfm)$", re.I)
_TRAILING_ID = re.compile(r"([-_.]\d+)+$")


def url_slug_candidates(url: str) -> list[str]:
    """The URL pieces that name a section: the last path segment (without extension or trailing id)
    and the query values (NukeViet's ``nv=faq``). Inner path segments are left out on purpose: an
    article under ``/hoi-dap/`` is an item of the section, not the section itself."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    found: list[str] = []
    if segments:
        last = _TRAILING_ID.sub("", _EXTENSION.sub("", segments[-1]))
        if last.lower() in {"index", "default", "home"} and len(segments) > 1:
            last = _TRAILING_ID.sub("", _EXTENSION.sub("", segments[-2]))
        if last:
            found.append(last)
    for _key, value in parse_qsl(parts.query, keep_blank_values=False):
        if value and not value.isdigit():
            found.append(value)
    return found


def slug_matches(url: str, slugs: Iterable[str]) -> str | None:
    """The slug (``hoi-dap``, ``hoi-ap``, ``hoidap``, ``HoiDap``, ``faq``) the URL names a section by, or None.

    Comparison ignores separators and case, so ``hoi-dap``, ``hoi_dap``, ``hoidap`` and ``HoiDap`` are equal.
    """
    candidates = _compact_candidates(url)
    for slug in slugs:
        if _compact(slug) in candidates:
            return slug
    return None


@lru_cache(maxsize=65536)  # every concept's slug search looks at every page URL
def _compact_candidates(url: str) -> frozenset[str]:
    return frozenset(c for c in (_compact(x) for x in url_slug_candidates(url)) if c)


def excerpt(text: str, limit: int = 200) -> str:
    """A short, single-line quotation for evidence."""
    text = collapse_whitespace(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
