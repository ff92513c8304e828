"""tech.images_alt: ``value`` = share of images with a text alternative, over the pages fetched. An image
inside a link needs a non-empty alt unless the link has other text; alt="" is fine only for images that are
not links (CRITERIA.md §2)."""

from __future__ import annotations

from lxml import etree

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.declaration import Check, Option
from egov_audit.checks.findings import grade_at_least, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Finding, Need, Status

# The thresholds this check reads: checks.tech.images_alt in config/checks.yaml, which holds these defaults.
OPTIONS = {
    "pass_share": Option(0.9, "Share of images with a text alternative from which the portal passes.",
                         maximum=1),
    "partial_share": Option(0.5, "Share from which it is partial; below is a fail.", maximum=1),
}


def _has_text_alternative(img: etree._Element) -> bool:
    alt = img.get("alt")
    link = next((a for a in img.iterancestors("a")), None)
    if link is None:
        return alt is not None
    other_text = " ".join(link.itertext()).strip()
    return bool((alt or "").strip()) or bool(other_text) or bool((link.get("aria-label") or "").strip())


def images_alt(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    if not analysis.html_pages:
        # Nothing fetched is not "no images": the auditor could not look.
        return Finding("tech.images_alt", Status.UNKNOWN, reason="no page captured")
    total = good = 0
    first_bad: tuple[CapturedPage, etree._Element] | None = None
    for page in analysis.html_pages:
        parsed = analysis.parsed(page)
        if parsed is None:
            continue
        for img in parsed.body.iter("img"):
            if img in parsed.hidden:
                continue
            total += 1
            ok = _has_text_alternative(img)
            good += ok
            if not ok and first_bad is None:
                first_bad = (page, img)
    if total == 0:
        return Finding("tech.images_alt", Status.NOT_APPLICABLE, reason="no images on the pages fetched")
    share = round(good / total, 3)
    status = grade_at_least(share, options.get("tech.images_alt", "pass_share"),
                            options.get("tech.images_alt", "partial_share"))
    evidence = []
    if first_bad:
        page, img = first_bad
        evidence.append(page_evidence(analysis, page, f"<img src={img.get('src')!r}> without alt", img))
    elif analysis.site.home is not None:
        # A share over every page has no single proving element: point at the home page the count began on.
        evidence.append(page_evidence(analysis, analysis.site.home, f"{good} of {total} images have a text alternative"))
    return Finding("tech.images_alt", status, value=share, evidence=evidence, reason=f"{good} of {total} images")


CHECK = Check(id="tech.images_alt", title_vi="Văn bản thay thế cho ảnh", title_en="Image text alternatives",
              needs=frozenset({Need.PAGES}), run=images_alt, options=OPTIONS)
