"""Stored pages shown as pages, safely: the evidence store's copy rendered in an ``<iframe sandbox>``.

A stored page is served under ``/sandbox/<capability>`` with ``Content-Security-Policy: sandbox;
script-src 'none'`` (plus ``default-src 'none'``: nothing loads but the sandbox's own resources), so the
browser gives it an opaque origin, runs none of its scripts and lets it read no cookie of the app; the
route never sets or reads a cookie. Before it is served the page is rewritten: scripts, frames, objects,
``<base>``, ``<meta http-equiv>`` and every ``on*``/``srcdoc``/``formaction`` attribute are dropped; each
link or sub-resource URL either points at a page or file stored from the same crawl (another capability)
or is removed, so the browser sends no request to the outside. The CSP is what guarantees it; the rewrite
is what makes the copy look like the page the official saw.

A capability is a signed, expiring reference to one stored page (``itsdangerous``), made for a signed-in
reviewer's finding page: the sandbox needs no cookie to check it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from itsdangerous import BadSignature, URLSafeTimedSerializer
from lxml import etree
from sqlmodel import Session, select

from egov_audit.storage import pages_repo
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.models import Page

CAPABILITY_SECONDS = 2 * 3600
SANDBOX_PREFIX = "/sandbox/"
SANDBOX_CSP = (
    "sandbox; script-src 'none'; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
SANDBOX_HEADERS = [
    (b"content-security-policy", SANDBOX_CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"private, no-store"),
]
# No Cross-Origin-Resource-Policy: the sandboxed document has an opaque origin, so to the browser its own
# style sheets and images are cross-origin loads that "same-origin" would block. A capability is needed anyway.
RESOURCE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp", "image/x-icon",
                  "image/vnd.microsoft.icon", "image/svg+xml", "text/css", "font/woff2", "font/woff", "font/ttf",
                  "font/otf", "application/font-woff")
"""Sub-resources the sandbox serves from the store; anything else a page refers to is left out."""
DROPPED_TAGS = frozenset({"script", "base", "noembed"})
"""Removed with what they hold."""
UNWRAPPED_TAGS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "portal", "fencedframe"})
"""Removed, their content kept: an object's fallback content is what a browser without the plug-in shows, and
a lenient parser may have put the rest of the page inside an unclosed ``<embed>``."""
DROPPED_ATTRIBUTES = frozenset({"srcdoc", "formaction", "action", "ping", "srcset", "imagesrcset", "http-equiv",
                                "integrity", "target", "download"})
URL_ATTRIBUTES = frozenset({"href", "src", "poster", "background", "cite", "longdesc", "lowsrc", "dynsrc", "data",
                            "manifest", "icon", "codebase", "archive", "profile", "usemap"})
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(['"]?)([^'")\s;]*)\1\s*\)?([^;]*;?)""", re.IGNORECASE)


@dataclass(frozen=True)
class Capability:
    page_id: int
    kind: str
    """``doc`` (rendered as a page) or ``res`` (an image, stylesheet or font of a page)."""
    rendered: bool = False


class Signer:
    """Makes and checks sandbox capabilities with the app's key."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="egov-audit-sandbox")

    def make(self, cap: Capability) -> str:
        return str(self._serializer.dumps([cap.page_id, cap.kind, int(cap.rendered)]))

    def check(self, token: str) -> Capability | None:
        try:
            page_id, kind, rendered = self._serializer.loads(token, max_age=CAPABILITY_SECONDS)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(page_id, int) or kind not in ("doc", "res"):
            return None
        return Capability(page_id, kind, bool(rendered))

    def url(self, cap: Capability) -> str:
        return SANDBOX_PREFIX + self.make(cap)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _normalise(url: str) -> str:
    return url.split("#", 1)[0]


class _Resolver:
    """Maps a URL written in a stored page to a sandbox URL of the same crawl's stored copy, or None."""

    def __init__(self, s: Session, page: Page, signer: Signer) -> None:
        columns = (Page.id, Page.url, *(pages_repo.content_of(c) for c in ("final_url", "content_type", "body_digest")))
        rows = s.exec(pages_repo.with_sources(select(*columns))
                      .where(Page.run_id == page.run_id, Page.unit_code == page.unit_code))
        self.by_url: dict[str, tuple[int, str]] = {}
        for page_id, url, final_url, content_type, digest in rows:
            if digest:
                for key in (final_url, url):
                    self.by_url.setdefault(_normalise(key), (page_id, _media_type(content_type)))
        self.signer = signer

    def document(self, url: str) -> str | None:
        found = self.by_url.get(_normalise(url))
        if found is None or not pages_repo.is_textual(found[1]) or found[1] == "text/css":
            return None
        return self.signer.url(Capability(found[0], "doc"))

    def resource(self, url: str) -> str | None:
        if url.startswith("data:image/") and not url.startswith("data:image/svg"):
            return url
        found = self.by_url.get(_normalise(url))
        if found is None or found[1] not in RESOURCE_TYPES:
            return None
        return self.signer.url(Capability(found[0], "res"))


def rewrite_css(css: str, base: str, resolve: Callable[[str], str | None]) -> str:
    """CSS with every ``url()`` and ``@import`` pointing at a stored copy, or gone (``none``, no import): the
    browser is never given a URL to try."""
    def url_sub(match: re.Match[str]) -> str:
        target = resolve(urljoin(base, match.group(2).strip()))
        return f'url("{target}")' if target else "none"

    def import_sub(match: re.Match[str]) -> str:
        target = resolve(urljoin(base, match.group(2).strip()))
        return f'@import "{target}"{match.group(3)}' if target else ""

    return _CSS_URL.sub(url_sub, _CSS_IMPORT.sub(import_sub, css))


def _local_name(name: Any) -> str:
    """``{ns}href``, ``xlink:href`` and ``HREF`` all as ``href``."""
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower() if isinstance(name, str) else ""


def _rewrite_element(el: Any, base: str, resolver: _Resolver) -> None:
    tag = _local_name(el.tag)
    for name in list(el.attrib):
        attr = _local_name(name)
        value = el.attrib[name]
        if attr.startswith("on") or attr in DROPPED_ATTRIBUTES:
            del el.attrib[name]
        elif attr == "style":
            el.attrib[name] = rewrite_css(value, base, resolver.resource)
        elif attr in URL_ATTRIBUTES:
            absolute = urljoin(base, value.strip())
            target = resolver.document(absolute) if tag in ("a", "area") else resolver.resource(absolute)
            if target is None:
                del el.attrib[name]
                if tag in ("a", "area") and "title" not in el.attrib and urlsplit(absolute).scheme in ("http", "https"):
                    el.attrib["title"] = absolute[:500]  # where the link went, as text
            else:
                el.attrib[name] = target
    if tag == "style" and el.text:
        el.text = rewrite_css(el.text, base, resolver.resource)


def _drop(el: Any) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _keep(el: Any) -> bool:
    tag = _local_name(el.tag)
    if tag in DROPPED_TAGS:
        return False
    if tag == "meta":
        return not any(_local_name(n) in ("http-equiv", "charset") for n in el.attrib)
    if tag == "link":
        rel = (el.attrib.get("rel") or "").lower().split()
        return bool({"stylesheet", "icon"} & set(rel))
    return True


def rewrite_html(html: str, base_url: str, resolver: _Resolver) -> str:
    """The stored page as a document safe to hand to a sandboxed frame (see the module docstring)."""
    try:
        doc = lxml.html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError):
        doc = lxml.html.document_fromstring("<html><body></body></html>")
    base = base_url
    for el in doc.iter("base"):
        href = el.attrib.get("href")
        if href and urlsplit(urljoin(base_url, href)).scheme in ("http", "https"):
            base = urljoin(base_url, href)
        break
    for el in list(doc.iter()):
        if not isinstance(el.tag, str):
            continue  # comments and processing instructions
        if _local_name(el.tag) in UNWRAPPED_TAGS:
            el.drop_tag()
        elif not _keep(el):
            _drop(el)
        else:
            _rewrite_element(el, base, resolver)
    head = doc.find("head")
    if head is None:
        head = etree.Element("head")
        doc.insert(0, head)
    charset = etree.Element("meta")
    charset.attrib["charset"] = "utf-8"
    head.insert(0, charset)
    return lxml.html.tostring(doc, encoding="unicode", method="html", doctype="<!DOCTYPE html>")


def sandbox_document(s: Session, blobs: BlobStore, signer: Signer, cap: Capability) -> tuple[str, str] | None:
    """(body, content type) of a stored page for the sandbox, or None when there is nothing to show."""
    page = pages_repo.get_page(s, cap.page_id)
    if page is None:
        return None
    text = None
    if cap.rendered and page.rendered_digest and blobs.exists(page.rendered_digest):
        text = blobs.get(page.rendered_digest).decode("utf-8", errors="replace")
    if text is None:
        text = pages_repo.page_source(blobs, page)
    if text is None:
        return None
    media = _media_type(page.content_type)
    if cap.rendered or media in ("", "text/html", "application/xhtml+xml"):
        return rewrite_html(text, page.final_url or page.url, _Resolver(s, page, signer)), "text/html; charset=utf-8"
    return text, "text/plain; charset=utf-8"


def sandbox_resource(s: Session, blobs: BlobStore, signer: Signer, cap: Capability) -> tuple[bytes, str] | None:
    """(bytes, content type) of a stored image, stylesheet or font, or None."""
    page = pages_repo.get_page(s, cap.page_id)
    if page is None or not page.body_digest or not blobs.exists(page.body_digest):
        return None
    media = _media_type(page.content_type)
    if media not in RESOURCE_TYPES:
        return None
    if media == "text/css":
        css = pages_repo.page_source(blobs, page) or ""
        resolver = _Resolver(s, page, signer)
        return rewrite_css(css, page.final_url or page.url, resolver.resource).encode("utf-8"), "text/css; charset=utf-8"
    return blobs.get(page.body_digest), media
