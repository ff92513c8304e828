"""Public-service checks (service.*): links to service portals, levels, lookup, statistics, rating, payment."""

from __future__ import annotations

import re

from lxml import etree

from egov_audit.checks.common import (
    Content,
    any_content,
    file_content,
    listing_content,
    not_found,
    page_evidence,
    section_check,
    text_content,
)
from egov_audit.checks.info import _procedure_content, is_service_portal, service_portal_links
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.registry import register
from egov_audit.checks.site import ARTICLE, CONTENT_REGIONS, SiteAnalysis, host_of
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, fold, match_label, strip_diacritics


@register("service.portal_link", Need.PAGES)
def portal_link(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    links = service_portal_links(analysis)
    if links:
        link, page = links[0]
        return Finding("service.portal_link", Status.PASS, value=link.url, reason=f"links to {host_of(link.url)}",
                       evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)])
    # An own "Dịch vụ công trực tuyến" section with service entries also counts.
    return section_check(analysis, options, "service.portal_link", ("services",), _procedure_content,
                         external_ok=is_service_portal)


_LEVEL = re.compile(r"muc(?: do)?\s*([1-4])|(toan trinh)|(mot phan)")


def _service_rows(analysis: SiteAnalysis, page: CapturedPage):
    parsed = analysis.parsed(page)
    if parsed is None:
        return
    for row in parsed.body.iter("tr", "li"):
        if parsed.region.get(row) not in CONTENT_REGIONS or row.find(".//tr") is not None or row.find(".//li") is not None:
            continue
        text = collapse_whitespace(" ".join(row.itertext()))
        m = _LEVEL.search(strip_diacritics(fold(text)))
        if m:
            yield row, text, m


@register("service.levels_shown", Need.PAGES)
def levels_shown(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """value = distinct services at level 3/4 or full-process; level 2 or "một phần" shows a level but adds nothing."""
    pages = [m.page for c in ("services", "procedures") for m in analysis.find_sections(c)
             if m.in_scope and m.page is not None and m.page.ok]
    high: set[str] = set()
    first = None
    unique = {(p.final_url or p.url): p for p in pages}  # CapturedPage is not hashable
    for page in unique.values():
        for row, text, m in _service_rows(analysis, page):
            first = first or (page, row, text)
            name = fold(re.sub(r"(?i)m[ứu]c(\s*độ)?\s*[1-4]|toàn trình|một phần", "", text))[:120]
            if (m.group(1) and int(m.group(1)) >= 3) or m.group(2):
                high.add(name)
    if first:
        page, row, text = first
        return Finding("service.levels_shown", Status.PASS, value=len(high), reason="service levels shown",
                       evidence=[page_evidence(analysis, page, text, row)])
    return not_found(analysis, "service.levels_shown", "no service entries showing a level")


def _section_or_link(analysis: SiteAnalysis, options: CheckOptions, check_id: str, concept: str) -> Finding:
    # CRITERIA.md §2: "a form or a link to one"; a link on a services page or in a home-page box counts (§5).
    return section_check(analysis, options, check_id, (concept,),
                         any_content(listing_content, text_content, _has_form), external_ok=is_service_portal,
                         content_links=True)


def _has_form(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    parsed = analysis.parsed(page)
    if parsed is None:
        return Content(False)
    for form in parsed.body.iter("form"):
        if parsed.region.get(form) in CONTENT_REGIONS and any(
            (i.get("type") or "text").lower() in ("text", "search", "number") for i in form.iter("input")
        ):
            return Content(True, collapse_whitespace(" ".join(form.itertext()))[:200] or "form", form)
    return Content(False)


@register("service.dossier_lookup", Need.PAGES)
def dossier_lookup(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return _section_or_link(analysis, options, "service.dossier_lookup", "dossier_lookup")


_FIGURE = re.compile(r"^(?P<label>[^\d:]{3,60}?)\s*[:：]?\s*(?P<number>\d[\d.,\s]*%?)\s*(?:hồ sơ|hs)?\s*$", re.I)
_FIGURE_SEPARATOR = re.compile(r"\s+[—–|;·•-]\s+|\s*[;|]\s*")
_FIGURE_TAGS = ("li", "tr", "p", "div", "dt", "dd", "span", "td", "th", "strong", "b")
_DOSSIER = ("hồ sơ", "dịch vụ công", "thủ tục hành chính", "một cửa")


def _figure_kind(analysis: SiteAnalysis, label: str) -> str | None:
    """The kind of a figure's label: the kind whose word matches longest ("Giải quyết đúng hạn" is on time)."""
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


def figure_block(analysis: SiteAnalysis, page: CapturedPage, section: bool = False) -> tuple[etree._Element, str] | None:
    """A block showing dossier-processing figures: at least two of received / resolved / on time, each with a
    number ("Tiếp nhận: 1.245", "Đúng hạn: 98,6%"), outside article bodies (a news report quoting figures is
    not the portal's statistics). Unless the page is itself a statistics section, the block or its title must
    speak of dossiers, so "Tiếp nhận: 12 ý kiến" under a poll is not taken for it."""
    parsed = analysis.parsed(page)
    if parsed is None:
        return None
    kinds_in: dict[etree._Element, set[str]] = {}
    for el in parsed.body.iter(*_FIGURE_TAGS):
        if el in parsed.hidden or parsed.region.get(el) == ARTICLE:
            continue
        if el.tag == "tr":
            continue
        text = collapse_whitespace(" ".join(el.itertext()))
        if len(text) > 200:
            continue
        # Figures written on one line: "Tiếp nhận: 312 hồ sơ — Đã giải quyết: 298 — Đúng hạn: 290 (97,3%)".
        inline = set()
        for piece in _FIGURE_SEPARATOR.split(text):
            pm = _FIGURE.match(piece.strip())
            piece_kind = _figure_kind(analysis, pm.group("label")) if pm else None
            if piece_kind:
                inline.add(piece_kind)
        if len(inline) >= 2:
            kinds_in.setdefault(el, set()).update(inline)
            continue
        if len(text) > 80:
            continue
        m = _FIGURE.match(text)
        kind = _figure_kind(analysis, m.group("label")) if m else None
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
    candidates = [el for el, kinds in kinds_in.items() if len(kinds) >= 2]
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


@register("service.statistics", Need.PAGES)
def service_statistics(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Dossier figures (received, resolved, on time) in a block of any reachable page (the home page's
    "Tình hình xử lý hồ sơ" box), else a statistics section: with figures, reports or a link into a
    public-service portal = pass; titled but empty, broken or a placeholder = partial (CRITERIA.md §2)."""
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


@register("service.satisfaction", Need.PAGES)
def satisfaction(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return _section_or_link(analysis, options, "service.satisfaction", "satisfaction")


_PAYMENT_HOSTS = ("vnpay", "payoo", "paygov", "thanhtoan", "momo", "napas")


@register("service.payment", Need.PAGES)
def payment(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    for page in analysis.html_pages:
        for link in analysis.links(page):
            host = host_of(link.url)
            if link.region != "article" and any(p in host for p in _PAYMENT_HOSTS):
                return Finding("service.payment", Status.PASS, value=link.url, reason=f"payment platform {host}",
                               evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)])
    return _section_or_link(analysis, options, "service.payment", "payment")
