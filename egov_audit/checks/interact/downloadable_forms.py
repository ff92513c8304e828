"""interact.downloadable_forms: at least one form file (.doc, .docx, .pdf, .xls, .odt) labelled or linked as
a form (*Mẫu, Biểu mẫu, Tờ khai, Mẫu đơn*), or listed on a procedures or forms page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Finding, Need, Status
from egov_audit.core.text import collapse_whitespace, match_label

_FORM_WORDS = ("Mẫu", "Biểu mẫu", "Tờ khai", "Mẫu đơn", "Đơn đề nghị", "Phụ lục mẫu")
_FORM_FILE = re.compile(r"(^|[-_/ ])(mau|bieu-?mau|bieumau|to-?khai|tokhai|mau-?don|maudon|form)([-_. ]|\d|$)", re.I)
_FORM_EXT = re.compile(r"\.(docx?|pdf|xlsx?|odt)$", re.I)


def _row_context(el: etree._Element) -> str:
    node = el
    for _ in range(4):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
        if node.tag in {"tr", "li", "p"}:
            break
    return collapse_whitespace(" ".join(node.itertext()))


def downloadable_forms(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    procedure_pages = {m.page.final_url for c in ("procedures", "downloadable_forms") for m in analysis.find_sections(c)
                       if m.page is not None and m.page.ok}
    for page in analysis.html_pages:
        for link in analysis.links(page):
            path = urlsplit(link.url).path
            if not _FORM_EXT.search(path):
                continue
            name = path.rsplit("/", 1)[-1]
            labelled = (match_label(link.text, _FORM_WORDS) or _FORM_FILE.search(name)
                        or match_label(_row_context(link.element), _FORM_WORDS)
                        or match_label(analysis.block_title(page, link.element) or "", _FORM_WORDS)
                        or page.final_url in procedure_pages)
            if labelled:
                return Finding("interact.downloadable_forms", Status.PASS, value=link.url,
                               evidence=[page_evidence(analysis, page, f"{link.text} ({name})", link.element)],
                               reason="form file found")
    return not_found(analysis, "interact.downloadable_forms", "no downloadable form file found")


CHECK = Check(id="interact.downloadable_forms", title_vi="Biểu mẫu tải về", title_en="Downloadable forms",
              needs=frozenset({Need.PAGES}), run=downloadable_forms)
