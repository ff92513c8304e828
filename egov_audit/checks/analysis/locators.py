"""CSS locators of matched elements, usable in a browser (``document.querySelector``) to outline the
evidence on a screenshot or in the review app.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from egov_audit.checks.analysis.page_parsing import PageParser
from egov_audit.core.artifacts import CapturedPage

_RE_CSS_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def page_locator(parser: PageParser, page: CapturedPage, element: etree._Element) -> str | None:
    """The locator of an element of a captured page (the page's ids are counted once, by the parser)."""
    parsed = parser.parsed(page)
    if parsed is None:
        return locator_for(element)
    return locator_for(element, parsed.doc, parser.id_counts(page))


def locator_for(element: etree._Element, doc: etree._Element | None = None,
                id_counts: Counter[str] | None = None) -> str | None:
    """A CSS selector for ``element``: ``#id`` when unique, else an ``nth-of-type`` path from the
    nearest uniquely identified ancestor or ``body`` (with the ``tbody`` browsers insert)."""
    if not isinstance(element.tag, str):
        return None
    root = doc if doc is not None else element.getroottree().getroot()

    def unique_id(el: etree._Element) -> str | None:
        ident = el.get("id")
        if not ident or not _RE_CSS_IDENT.match(ident):
            return None
        count = id_counts[ident] if id_counts is not None else len(root.xpath("//*[@id=$i]", i=ident))
        if count == 1:
            return f"#{ident}"
        return None

    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None and isinstance(node.tag, str):
        if node.tag in {"body", "html"}:
            parts.append(node.tag)
            break
        ident = unique_id(node)
        if ident:
            parts.append(ident)
            break
        parent = node.getparent()
        if parent is None:
            parts.append(node.tag)
            break
        same = [s for s in parent if s.tag == node.tag]
        parts.append(f"{node.tag}:nth-of-type({same.index(node) + 1})")
        # Browsers put table rows into a tbody the HTML may not spell out.
        if node.tag == "tr" and parent.tag == "table":
            parts.append("tbody")
        node = parent
    return " > ".join(reversed(parts)) if parts else None
