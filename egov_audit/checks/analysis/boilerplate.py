"""Boilerplate: the blocks a portal repeats on its pages (menus, boxes, footers written as plain ``<div>``),
and each page's own content without them.

CRITERIA.md §2 counts a text page's body text "excluding headers and footers", and §5 never reads a date or
a detail from a block repeated on every page as the section's own: a block is boilerplate when the same
text shows on at least two distinct pages and on 40 % of them.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property

from lxml import etree

from egov_audit.checks.analysis.element_text import subtree_texts
from egov_audit.checks.analysis.page_parsing import SKIP_TAGS, PageParser
from egov_audit.checks.analysis.page_regions import CONTENT_REGIONS, FOOTER, MAIN
from egov_audit.checks.analysis.site_scope import PerPage, SiteScope
from egov_audit.core.artifacts import CapturedPage
from egov_audit.core.text import match_label, nfc

_CONTAINER_TAGS = frozenset({"div", "section", "ul", "ol", "table", "p", "dl", "form", "aside", "nav", "center"})


class Boilerplate:
    """Repeated blocks across the site's pages, and what is left of each page without them."""

    def __init__(self, scope: SiteScope, parser: PageParser, placeholders: tuple[str, ...]) -> None:
        self._scope = scope
        self._parser = parser
        self._placeholders = placeholders
        self.own_text: PerPage[str] = PerPage(self._read_own_text)
        self._block_hashes: PerPage[dict[etree._Element, int]] = PerPage(self._read_block_hashes)

    @cached_property
    def _repeated_blocks(self) -> set[int]:
        """Hashes of content blocks seen on at least two distinct pages and on 40 % of them."""
        pages = self._scope.html_pages
        if len(pages) < 2:
            return set()
        counts: Counter[int] = Counter()
        for page in pages:
            counts.update(set(self._block_hashes(page).values()))
        # Three pages at least: a news item legitimately shows on the home page and in its section listing.
        needed = 2 if len(pages) == 2 else max(3, -(-len(pages) * 2 // 5))
        return {h for h, n in counts.items() if n >= needed}

    def _read_block_hashes(self, page: CapturedPage) -> dict[etree._Element, int]:
        parsed = self._parser.parsed(page)
        if parsed is None:
            return {}
        result: dict[etree._Element, int] = {}
        texts = subtree_texts(parsed.body)  # every block's text in one walk (blocks nest: menus in boxes)
        for el in parsed.body.iter():
            if not isinstance(el.tag, str) or el.tag in SKIP_TAGS or el is parsed.body:
                continue
            if parsed.region.get(el) not in CONTENT_REGIONS:
                continue
            text = texts[el]
            # Short repeated pieces ("Xem thêm", "Chi tiết") are harmless, and an article's title is
            # repeated in listings by nature: only container blocks (menus, boxes, footers) are boilerplate.
            if len(text) >= 30 and el.tag in _CONTAINER_TAGS:
                # NFC: the rendered DOM of one page and the static HTML of another may write the same
                # block in different Unicode forms (CRITERIA.md §2 treats NFC and NFD alike).
                result[el] = hash(nfc(text))
        return result

    def elements(self, page: CapturedPage) -> set[etree._Element]:
        """The page's blocks that repeat across the site."""
        repeated = self._repeated_blocks
        if not repeated:
            return set()
        return {el for el, h in self._block_hashes(page).items() if h in repeated}

    def footer_blocks(self, page: CapturedPage) -> list[etree._Element]:
        """The page's footer: elements marked as footer, else the last block of the body when it repeats
        across the site's pages (a footer written as a plain ``<div>`` after the content)."""
        parsed = self._parser.parsed(page)
        if parsed is None:
            return []
        marked = [el for el in parsed.body.iter() if isinstance(el.tag, str) and parsed.region.get(el) == FOOTER
                  and parsed.region.get(el.getparent()) != FOOTER]
        if marked:
            return marked
        boiler = self.elements(page)
        node = parsed.body
        for _ in range(4):  # through the wrappers (ASP.NET's page-wide <form>, a layout <div>)
            children = [c for c in node if isinstance(c.tag, str) and c.tag not in SKIP_TAGS
                        and c.tag not in {"br", "input", "hr"} and c not in parsed.hidden]
            if not children:
                return []
            last = children[-1]
            if last in boiler and parsed.region.get(last) == MAIN:
                return [last]
            if len(children) == 1 or last.tag in {"form", "div"}:
                node = last
                continue
            return []
        return []

    def _read_own_text(self, page: CapturedPage) -> str:
        """The page's own content: main and article regions minus blocks repeated across the site."""
        parsed = self._parser.parsed(page)
        if parsed is None:
            return ""
        # The choices of a form's drop-down lists are controls, not the page's text.
        skip = self.elements(page) | set(parsed.body.iter("select"))
        return self._parser.visible_text(page, regions=CONTENT_REGIONS, skip=skip)

    def is_placeholder(self, page: CapturedPage) -> bool:
        """The page's own content is a "đang cập nhật"-style notice (or nothing at all)."""
        text = self.own_text(page)
        if not text.strip():
            return True
        if len(text) > 400:
            return False
        return match_label(text, self._placeholders) is not None
