"""service.statistics: dossier processing statistics (received, resolved, on time) in a block of any reachable
page (the home page's "Tình hình xử lý hồ sơ" box), else a statistics section: with figures, reports or a
link into a public-service portal = pass; titled but empty, broken or a placeholder = partial (CRITERIA.md §2).
"""

from __future__ import annotations

import re

from lxml import etree

from egov_audit.checks.analysis import ARTICLE, ParsedPage, SiteAnalysis
from egov_audit.checks.analysis.element_text import text_up_to
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import Content, any_content, file_content, listing_content, section_check
from egov_audit.checks.service.service_portals import is_service_portal
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, match_label

_FIGURE = re.compile(r"^(?P<label>[^\d:]{3,60}?)\s*[:：]?\s*(?P<number>\d[\d.,\s]*%?)\s*(?:hồ sơ|hs)?\s*$", re.I)
_FIGURE_SEPARATOR = re.compile(r"\s+[—–|;·•-]\s+|\s*[;|]\s*")
_SEPARATOR_CHARS = "—–|;·•-"
"""One of them is in every match of ``_FIGURE_SEPARATOR``."""
_FIGURE_TAGS = ("li", "tr", "p", "div", "dt", "dd", "span", "td", "th", "strong", "b")
_DOSSIER = ("hồ sơ", "dịch vụ công", "thủ tục hành chính", "một cửa")


def _figure_kind(analysis: SiteAnalysis, label: str) -> str | None:
    """The kind of a figure's label: the kind whose word matches longest ("Giải quyết đúng hạn" is on time)."""
    # The same labels come back on every page (menus, repeated boxes): each judged once per site.
    known: dict[str, str | None] = analysis.kept("figure_label_kinds", dict)
    if label not in known:
        known[label] = _label_kind(analysis, label)
    return known[label]


def _label_kind(analysis: SiteAnalysis, label: str) -> str | None:
    best: tuple[int, str] | None = None
    for kind, words in analysis.vocabulary.service_figures.items():
        word = match_label(label, words)
        if word and (best is None or len(word) > best[0]):
            best = (len(word), kind)
    return best[1] if best else None


def _table_figures(analysis: SiteAnalysis, table: etree._Element) -> set[str]:
    """Kinds named by a table's header cells, when some other row shows numbers under them."""
    rows = list(table.iter("tr"))
    if len(rows) < 2:
        return set()
    head = [collapse_whitespace(" ".join(c.itertext())) for c in rows[0] if isinstance(c.tag, str)]
    kinds = {k for k in (_figure_kind(analysis, h) for h in head) if k}
    numbers = any(re.search(r"\d", collapse_whitespace(" ".join(r.itertext()))) for r in rows[1:])
    return kinds if numbers else set()


def _text_figures(analysis: SiteAnalysis, text: str) -> tuple[frozenset[str], str | None]:
    """The kinds of the figures written on one line in ``text``, and the kind of ``text`` as one figure
    (None when it is none, or longer than 80 characters)."""
    # Element texts already read for figures, once per site (menus and boxes repeat on every page).
    known: dict[str, tuple[frozenset[str], str | None]] = analysis.kept("figure_texts", dict)
    if text in known:
        return known[text]
    # Figures written on one line: "Tiếp nhận: 312 hồ sơ — Đã giải quyết: 298 — Đúng hạn: 290 (97,3%)".
    inline = set()
    for piece in _FIGURE_SEPARATOR.split(text) if any(c in text for c in _SEPARATOR_CHARS) else (text,):
        pm = _FIGURE.match(piece.strip())
        piece_kind = _figure_kind(analysis, pm.group("label")) if pm else None
        if piece_kind:
            inline.add(piece_kind)
    kind = None
    if len(inline) < 2 and len(text) <= 80:
        m = _FIGURE.match(text)
        kind = _figure_kind(analysis, m.group("label")) if m else None
    known[text] = (frozenset(inline), kind)
    return known[text]


def _figure_kinds(analysis: SiteAnalysis, parsed: ParsedPage) -> dict[etree._Element, set[str]]:
    """For each element, the kinds of figure it holds: figures written on one line in it, each figure's
    ancestors a few levels up (the figures of one block share one), and tables heading figure columns."""
    kinds_in: dict[etree._Element, set[str]] = {}
    for el in parsed.body.iter(*_FIGURE_TAGS):
        if el in parsed.hidden or parsed.region.get(el) == ARTICLE or el.tag == "tr":
            continue
        text = text_up_to(el, 200)  # a long block is read no further than that
        if text is None:
            continue
        inline, kind = _text_figures(analysis, text)
        if len(inline) >= 2:
            kinds_in.setdefault(el, set()).update(inline)
            continue
        if kind is None:
            continue
        node = el
        for _ in range(4):  # the figures of one block share an ancestor a few levels up
            parent = node.getparent()
            if parent is None or parent is parsed.body:
                break
            kinds_in.setdefault(parent, set()).add(kind)
            node = parent
    for table in parsed.body.iter("table"):
        if table not in parsed.hidden and parsed.region.get(table) != ARTICLE:
            kinds = _table_figures(analysis, table)
            if kinds:
                kinds_in.setdefault(table, set()).update(kinds)
    return kinds_in


def figure_block(analysis: SiteAnalysis, page: CapturedPage, section: bool = False) -> tuple[etree._Element, str] | None:
    """A block showing dossier-processing figures: at least two of received / resolved / on time, each with a
    number ("Tiếp nhận: 1.245", "Đúng hạn: 98,6%"), outside article bodies (a news report quoting figures is
    not the portal's statistics). Unless the page is itself a statistics section, the block or its title must
    speak of dossiers, so "Tiếp nhận: 12 ý kiến" under a poll is not taken for it."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return None
    candidates = [el for el, kinds in _figure_kinds(analysis, parsed).items() if len(kinds) >= 2]
    # The smallest block holding the figures: the one with no candidate inside it.
    candidates = [el for el in candidates if not any(o is not el and _contains(el, o) for o in candidates)]
    for el in candidates:
        text = collapse_whitespace(" ".join(el.itertext()))
        title = analysis.block_title(page, el) or ""
        if section or match_label(f"{title} {text[:600]}", _DOSSIER):
            return el, (f"{title}: " if title else "") + text
    return None


def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    node = inner.getparent()
    while node is not None:
        if node is outer:
            return True
        node = node.getparent()
    return False


def _figures_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    found = figure_block(analysis, page, section=True)
    if found:
        return Content(True, found[1], found[0])
    return Content(False)


def service_statistics(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    for page in analysis.html_pages:
        if page is not analysis.home and not analysis.is_reachable(page):
            continue
        found = figure_block(analysis, page)
        if found:
            element, text = found
            return Finding("service.statistics", Status.PASS, reason="dossier processing figures shown",
                           evidence=[page_evidence(analysis, page, text, element)])
    return section_check(analysis, options, "service.statistics", ("service_statistics",),
                         any_content(_figures_content, listing_content, file_content), external_ok=is_service_portal)


CHECK = Check(id="service.statistics", title_vi="Thống kê giải quyết hồ sơ", title_en="Dossier statistics",
              needs=frozenset({Need.PAGES}), run=service_statistics)
