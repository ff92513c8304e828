"""Parsing untrusted HTML into an lxml document, the one way the crawler, the checks and the review app do it."""

from __future__ import annotations

import lxml.html
from lxml import etree


def parse_document(html: str | None) -> lxml.html.HtmlElement | None:
    """The document of ``html``, or None when there is nothing to parse or lxml refuses it (empty or
    whitespace-only text, a string with an encoding declaration, markup lxml cannot make a tree of).
    Crawled pages are arbitrary: a page that does not parse is "no content", never an exception."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
