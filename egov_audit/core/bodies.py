"""Decoding of page bodies and detection of legacy Vietnamese font encodings.

Order of evidence for the charset: the HTTP ``Content-Type`` header, then ``<meta charset>`` or
``<meta http-equiv="Content-Type">`` in the first bytes, then charset-normalizer's guess. The text is
normalised to NFC because ``windows-1258`` (and some editors) produce decomposed tone marks.

Legacy font encodings (TCVN3/ABC and VNI) are not charsets: the page is "Latin-1" or even UTF-8, but
the letters only look Vietnamese when displayed with a special font (.VnTime, VNI-Times). We detect
them from the decoded text: TCVN3 puts symbols such as ``©`` (â), ``®`` (đ), ``¸`` (á), ``µ`` (à)
inside words; VNI writes a base vowel followed by a mark letter (``aâ`` = â, ``aù`` = á, ``ñ`` = đ,
``ö`` = ư, ``ï`` = nặng) that never occurs in real Vietnamese or in other Latin-script languages.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# Labels seen on Vietnamese portals that Python does not know under that name.
_ALIASES = {
    "windows-1258": "cp1258",
    "x-cp1258": "cp1258",
    "vn-windows-1258": "cp1258",
    "tcvn": "latin-1",  # a TCVN3 page: bytes are Latin-1 code points shown with the .Vn font
    "tcvn3": "latin-1",
    "vni": "latin-1",
    "iso-8859-1": "cp1252",  # browsers decode ISO-8859-1 as windows-1252 (WHATWG), so do we
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "unicode": "utf-8",
    "utf8": "utf-8",
}


def python_codec(label: str) -> str | None:
    """Python's codec for a charset label as portals write it (windows-1258, tcvn3, ...), or None."""
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_header(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1).lower() if match else None


def charset_from_meta(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace").lower() if match else None


@dataclass
class Decoded:
    text: str
    encoding: str
    """The charset label used (as declared, lowercased), e.g. ``utf-8`` or ``windows-1258``."""
    legacy_font_encoding: str | None


def decode_body(body: bytes, content_type: str | None) -> Decoded:
    """Decode an HTML body to NFC text and detect legacy font encodings."""
    candidates: list[str] = []
    if body.startswith(codecs.BOM_UTF8):
        candidates.append("utf-8-sig")
    for label in (charset_from_header(content_type), charset_from_meta(body)):
        if label and label not in candidates:
            candidates.append(label)
    text: str | None = None
    used = ""
    for label in candidates:
        codec = python_codec(label)
        if codec is None:
            continue
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            # A wrong declaration (often "utf-8" on a windows-1258 page): try the next evidence.
            continue
        used = "utf-8" if label == "utf-8-sig" else label
        break
    if text is None:
        best = charset_normalizer.from_bytes(body[:200_000]).best() if body else None
        if best is not None and best.encoding:
            used = best.encoding.replace("_", "-")
            text = body.decode(best.encoding, errors="replace")
        else:
            used = "utf-8"
            text = body.decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFC", text)
    return Decoded(text=text, encoding=used, legacy_font_encoding=detect_legacy_font_encoding(text))


# --- legacy font encodings -------------------------------------------------------------------------

# TCVN3: code points that TCVN3 uses for Vietnamese letters but that are symbols in Latin-1, so they
# never sit inside a word in real text (© ª « ¬ ® for â ê ô ơ đ; ¨ for ă; µ ¶ · ¸ ¹ for à ả ã á ạ; ...).
_TCVN3_SYMBOLS = re.compile("[¡¢£¤¥¦§¨©ª«¬®µ¶·¸¹»¼½¾Æ×Þß÷þ]")
# VNI: a vowel followed by a mark letter: ø ï û (huyền, nặng, hỏi) are not Vietnamese letters, "aâ",
# "eâ", "oâ" (â ê ô) and "aê" (ă) cannot occur in Unicode Vietnamese, "ñ" starts a word for đ, and
# "öô" is ươ. Requiring the pair (not the letter alone) keeps Müller, Schröder and Søren out.
_VNI_STRONG = re.compile(
    r"[aeiouyAEIOUYôöÔÖ][øïûØÏÛ]|[aeoAEO][âäåÂÄÅ]|[aA][êëüÊËÜ]|^[ñÑ][aeiouyôöAEIOUYÔÖ]|[öÖ][ôÔùøûõï]"
)
# Tokens made of ASCII letters and Latin-1 letters/symbols (where both legacy encodings live).
_LATIN1_TOKENS = re.compile("[A-Za-z\u00a1-\u00ff]+")
_ASCII_LETTER = re.compile("[A-Za-z]")
_WORDS = re.compile(r"[^\W\d_]+")


def detect_legacy_font_encoding(text: str) -> str | None:
    """Return ``"tcvn3"``, ``"vni"`` or None for decoded page text.

    A handful of marked words is required (at least 3, and at least 2% of the words) so that a
    copyright sign, a German name or a stray "®" does not flag a page. Markup is stripped first, so
    attribute values and scripts do not count.
    """
    if not _may_be_legacy(text):
        return None
    body = _visible_text(text)
    words = _WORDS.findall(body)
    if len(words) < 3:
        return None
    tcvn = vni = 0
    for token in _LATIN1_TOKENS.findall(body):
        if not _ASCII_LETTER.search(token):
            continue  # "©" or "®" standing alone is a symbol, not a letter
        if _TCVN3_SYMBOLS.search(token):
            tcvn += 1
        elif _VNI_STRONG.search(token):
            vni += 1
    threshold = max(_MIN_MARKED, int(len(words) * 0.02))
    best = max(tcvn, vni)
    if best < threshold:
        return None
    return "tcvn3" if tcvn >= vni else "vni"


# Unanchored form of _VNI_STRONG for the raw page (a token's start is not the string's start there).
_VNI_ANYWHERE = re.compile(
    r"[aeiouyAEIOUYôöÔÖ][øïûØÏÛ]|[aeoAEO][âäåÂÄÅ]|[aA][êëüÊËÜ]|[ñÑ][aeiouyôöAEIOUYÔÖ]|[öÖ][ôÔùøûõï]"
)
_MIN_MARKED = 3  # the threshold's floor in detect_legacy_font_encoding


def _at_least(pattern: re.Pattern[str], text: str, n: int) -> bool:
    for count, _match in enumerate(pattern.finditer(text), 1):
        if count >= n:
            return True
    return False


def _may_be_legacy(text: str) -> bool:
    """False when the page cannot reach the detection threshold, so the markup need not be stripped.

    Stripping markup from every whole page was the costly part of decoding, and almost every page is
    plain Unicode. The test is exact, not a sample: every word counted as TCVN3 holds one of its symbols
    (in the raw text, or written as ``&copy;``/``&reg;``), every word counted as VNI holds a vowel+mark
    pair (two characters, so distinct words give distinct non-overlapping matches), and stripping tags
    only inserts spaces, so it creates no new pair. Fewer than three of either means fewer than three
    marked words, below the threshold's floor.
    """
    entities = text.count("&copy;") + text.count("&reg;") if "&" in text else 0
    if entities >= _MIN_MARKED or _at_least(_TCVN3_SYMBOLS, text, _MIN_MARKED - entities):
        return True
    return _at_least(_VNI_ANYWHERE, text, _MIN_MARKED)


_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)
_ENTITIES = {"&nbsp;": " ", "&copy;": "©", "&reg;": "®", "&amp;": "&"}


def _visible_text(text: str) -> str:
    if "<" in text:
        text = _TAGS.sub(" ", text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text


def content_decoder(content_encoding: str) -> zlib._Decompress | None:
    """A decompressor for the ``Content-Encoding`` values the auditor offers (gzip, deflate), else None."""
    enc = content_encoding.strip().lower()
    if enc in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=31)
    if enc == "deflate":
        return zlib.decompressobj()
    return None


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest value of a body as received (what warcio computes: SHA-1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")
