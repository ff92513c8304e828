"""tech.metadata: Dublin Core title, creator and date on the home page and on at least one article (an item
page of any listing); Open Graph and description tags do not count (CRITERIA.md §2, §5)."""

from __future__ import annotations

from egov_audit.checks.analysis import SiteAnalysis, is_file_url
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import CapturedPage, Evidence, Finding, Need, Status

_DC_FIELDS = ("title", "creator", "date")
_DC_PREFIXES = ("dc.", "dcterms.", "dc:", "dcterms:")


def _dublin_core(analysis: SiteAnalysis, page: CapturedPage) -> set[str]:
    doc = analysis.doc(page)
    if doc is None:
        return set()
    found = set()
    for meta in doc.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        for prefix in _DC_PREFIXES:
            if name.startswith(prefix) and (meta.get("content") or "").strip():
                found.add(name[len(prefix):])
    return found


def listed_items(analysis: SiteAnalysis) -> list[str]:
    """URLs of the items the portal's listings link (news, direction, documents, announcements ...): the
    dated entries of every page's own content, in page order. CRITERIA.md §5 "articles" are such item pages,
    whatever the listing (a portal without a news section still has articles)."""
    urls: list[str] = []
    for page in analysis.html_pages:
        for entry in analysis.dated_entries(page):
            # A document row's PDF is a file, not an article page.
            if entry.url and analysis.in_scope(entry.url) and not is_file_url(entry.url) and entry.url not in urls:
                urls.append(entry.url)
    return urls


def _article_with_dc(analysis: SiteAnalysis, home: CapturedPage) -> tuple[CapturedPage | None, int, int]:
    """The first listed article carrying Dublin Core, and how many listed articles opened / were not fetched
    before it."""
    opened = unfetched = 0
    for url in listed_items(analysis):
        target = analysis.page(url)
        if target is None or target.status is None:
            unfetched += 1
            continue
        if not target.ok or target is home:
            continue
        opened += 1
        if set(_DC_FIELDS) <= _dublin_core(analysis, target):
            return target, opened, unfetched
    return None, opened, unfetched


def metadata(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    home = analysis.home
    if home is None or not home.ok:
        return Finding("tech.metadata", Status.UNKNOWN, reason="home page not captured")
    home_ok = set(_DC_FIELDS) <= _dublin_core(analysis, home)
    article, opened, unfetched = _article_with_dc(analysis, home)
    evidence = [Evidence(url=p.final_url, snapshot=p.body_digest, excerpt="DC.title, DC.creator, DC.date")
                for p in (home if home_ok else None, article) if p is not None]
    if home_ok and article:
        return Finding("tech.metadata", Status.PASS, evidence=evidence, reason="Dublin Core on home page and articles")
    if article is None and not opened and unfetched:
        # Articles are listed but none was fetched (crawl cut short): whether they carry DC is not known.
        return Finding("tech.metadata", Status.UNKNOWN, evidence=evidence,
                       reason=f"{unfetched} listed article pages were not fetched")
    if home_ok or article:
        where = "home page" if home_ok else "an article"
        return Finding("tech.metadata", Status.PARTIAL, evidence=evidence, reason=f"Dublin Core only on {where}")
    return Finding("tech.metadata", Status.FAIL, reason="no Dublin Core title/creator/date",
                   looked_at=[p.final_url for p in analysis.html_pages][:50])


CHECK = Check(id="tech.metadata", title_vi="Siêu dữ liệu (Dublin Core)", title_en="Dublin Core metadata",
              needs=frozenset({Need.PAGES}), run=metadata)
