"""Turn a hand-written fixture portal into a ``checks.model.CapturedSite`` without any network.

Each portal directory holds ``manifest.json`` (unit, URLs → files, statuses, optional sitemap/probes)
and static HTML files. Pages may use Apache-style ``<!--#include file="_x.html" -->`` directives for
the shared header and footer, as many real portals are assembled from server-side includes; the loader
expands them before "serving" the page. Bodies go through ``crawler.encoding.decode_body`` so the page
text is what the real crawler would hand to the checks (NFC, charset and legacy-font detection).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from zoneinfo import ZoneInfo

import yaml

from egov_audit.core.artifacts import CapturedPage, CapturedSite
from egov_audit.core.bodies import decode_body

PORTALS_DIR = Path(__file__).resolve().parent / "portals"
LABELS_FILE = Path(__file__).resolve().parent / "labels.yaml"
# One fixed reference time for every portal, so the relative and absolute dates in the fixtures give
# stable ages (Tuesday 10 March 2026, 09:00 Hà Nội time).
AUDITED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

_INCLUDE = re.compile(r'<!--#include file="([^"]+)"\s*-->')
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_NOT_FOUND = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 - Không tìm thấy trang</title></head>"
    "<body><h1>Không tìm thấy trang yêu cầu</h1></body></html>"
)


class _Anchors(HTMLParser):
    """Collects ``(href, text)`` of every ``<a>`` in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []
        elif tag == "img" and self._href is not None:
            self._text.append(dict(attrs).get("alt") or "")

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, " ".join(" ".join(self._text).split())))
            self._href = None


@dataclass
class Portal:
    """One fixture portal: its directory and parsed manifest."""

    code: str
    root: Path
    manifest: dict[str, Any]


def portal_codes() -> list[str]:
    """Codes of every fixture portal (directory names), sorted."""
    return sorted(p.name for p in PORTALS_DIR.iterdir() if (p / "manifest.json").is_file())


def load_labels() -> dict[str, dict[str, dict[str, Any]]]:
    """``{portal: {check_id: {"status": ..., "value"?: ..., "why"?: ...}}}`` from labels.yaml."""
    data = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    return data["portals"]


def _to_windows_1258(text: str) -> str:
    """Rewrite text into the decomposition windows-1258 can encode (base letter + separate tone mark).

    windows-1258 has precomposed â ê ô ơ ư ă đ but tone marks only as combining characters, which is
    why real windows-1258 pages come out decomposed and the crawler has to NFC them.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        out.append(base + tones)
    return "".join(out)


def _body(portal: Portal, file_name: str, charset: str) -> bytes:
    text = (portal.root / file_name).read_text(encoding="utf-8")
    text = _INCLUDE.sub(lambda m: (portal.root / m.group(1)).read_text(encoding="utf-8"), text)
    if charset == "windows-1258":
        return _to_windows_1258(text).encode("cp1258")
    return text.encode(charset)


def _in_scope(url: str, scope: str) -> bool:
    return url.startswith(scope)


def load_portal(code: str) -> CapturedSite:
    """Build the ``CapturedSite`` the crawler would have produced for fixture portal ``code``.

    Pages are "fetched" breadth-first from the home page through in-scope links only, so depth,
    referrer and link text come from link distance as in a real crawl; manifest pages that nothing
    links to are not captured.
    """
    root = PORTALS_DIR / code
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    portal = Portal(code, root, manifest)
    home = manifest["home"]
    scope = manifest.get("scope") or "{0.scheme}://{0.netloc}/".format(urlsplit(home))
    specs: dict[str, Any] = manifest["pages"]
    site = CapturedSite(
        unit_code=manifest["unit_code"],
        unit_level=manifest["unit_level"],
        portal_url=manifest.get("portal_url", home),
        scope=manifest.get("scope"),
        home_url=home,
        audited_at=AUDITED_AT,
        sitemap=manifest.get("sitemap"),
        probes=manifest.get("probes", {}),
        other_unit_scopes=manifest.get("other_unit_scopes", []),
    )
    queue: deque[tuple[str, int, str | None, str | None]] = deque([(home, 0, None, None)])
    seen = {home}
    while queue:
        url, depth, referrer, link_text = queue.popleft()
        spec = specs.get(url)
        if spec is None:
            continue  # linked but not part of the fixture: as if outside the crawl budget
        if isinstance(spec, str):
            spec = {"file": spec}
        status = int(spec.get("status", 200))
        charset = spec.get("charset", "utf-8")
        content_type = spec.get("content_type", f"text/html; charset={charset}")
        raw = _body(portal, spec["file"], charset) if "file" in spec else _NOT_FOUND.encode("utf-8")
        decoded = decode_body(raw, content_type)
        site.pages[url] = CapturedPage(
            url=url,
            final_url=url,
            status=status,
            content_type=content_type,
            encoding=decoded.encoding,
            legacy_font_encoding=decoded.legacy_font_encoding,
            html=decoded.text,
            depth=depth,
            referrer=referrer,
            link_text=link_text,
            ttfb_seconds=0.2,
            elapsed_seconds=0.3,
            fetched_at=AUDITED_AT,
            size_bytes=len(raw),
        )
        if status >= 400:
            continue
        parser = _Anchors()
        parser.feed(decoded.text)
        for href, text in parser.anchors:
            if href.startswith(("mailto:", "tel:", "javascript:", "#")):
                continue
            target = urldefrag(urljoin(url, href)).url
            if target not in seen and _in_scope(target, scope):
                seen.add(target)
                queue.append((target, depth + 1, url, text))
    return site


def unreached_pages(code: str) -> list[str]:
    """Manifest URLs the breadth-first walk never reached (a fixture authoring mistake)."""
    site = load_portal(code)
    manifest = json.loads((PORTALS_DIR / code / "manifest.json").read_text(encoding="utf-8"))
    return [url for url in manifest["pages"] if url not in site.pages]
