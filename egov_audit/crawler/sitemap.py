"""sitemap.xml: which files a site's crawl reads, and their parsing (urlset and sitemapindex), tolerant
of the sloppy files portals serve."""

from __future__ import annotations

import zlib
from typing import Any, Protocol

from lxml import etree

from egov_audit.core.artifacts import CapturedSite
from egov_audit.core.failures import FailureClass
from egov_audit.core.urls import Scope, normalize_url, origin_of
from egov_audit.crawler.request import Request
from egov_audit.crawler.sender import Sender
from egov_audit.crawler.settings import CrawlerSettings


class SiteCrawl(Protocol):
    """What the sitemap step needs from the crawl of a site."""

    site: CapturedSite
    scope: Scope | None
    settings: CrawlerSettings
    sender: Sender
    target: Any

    async def robots_allows(self, url: str) -> bool: ...

    def add_seed(self, url: str, referrer: str) -> None: ...


def maybe_gunzip(body: bytes, limit: int) -> bytes:
    """Inflate a ``.xml.gz`` sitemap, never beyond ``limit`` bytes (decompression-bomb guard)."""
    if body[:2] != b"\x1f\x8b":
        return body
    inflater = zlib.decompressobj(wbits=47)
    try:
        out = inflater.decompress(body, limit)
    except zlib.error:
        return body
    return out


def parse_sitemap(body: bytes) -> tuple[list[str], list[str], str | None]:
    """Return (page URLs, child sitemap URLs, error) from a sitemap or sitemap index."""
    body = body.strip()
    if not body:
        return [], [], "empty"
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return [], [], f"not xml: {exc}"[:200]
    if root is None:
        return [], [], "not xml"
    tag = etree.QName(root).localname.lower() if isinstance(root.tag, str) else ""
    locs = [
        (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname.lower() == "loc" and (el.text or "").strip()
    ]
    if tag == "sitemapindex":
        return [], locs, None
    if tag == "urlset":
        return locs, [], None
    return [], [], f"unexpected root element <{tag}>"


def _candidates(crawl: SiteCrawl, home: str) -> list[str]:
    """The scope's own sitemap, the origin's, and those robots.txt names (same site only)."""
    scope = crawl.scope
    assert scope is not None
    home_page = crawl.site.home
    home_origin = origin_of((normalize_url(home_page.final_url) if home_page else None) or home)
    candidates: list[str] = []
    if crawl.target.scope:
        prefix = normalize_url(crawl.target.scope)
        if prefix:
            candidates.append((prefix if prefix.endswith("/") else prefix + "/") + "sitemap.xml")
    candidates.append(home_origin + "/sitemap.xml")
    robots = crawl.sender.robots.parsers.get(home_origin)
    if robots is not None:
        for named in robots.sitemaps:
            norm = normalize_url(named, home_origin + "/")
            if norm and scope.same_site(norm):
                candidates.append(norm)
    return list(dict.fromkeys(c for c in candidates if c))


async def _read_one(crawl: SiteCrawl, url: str, top_level: bool, queue: list[str], urls: list[str],
                    seen: set[str]) -> dict:
    info: dict = {"url": url, "status": None, "ok": False, "urls": [], "error": None}
    scope, settings = crawl.scope, crawl.settings
    assert scope is not None
    if not await crawl.robots_allows(url):
        info["error"] = FailureClass.ROBOTS.value
        return info
    result = await crawl.sender.send(Request(url, kind="sitemap"))
    info["status"] = result.status
    if result.error is not None:
        info["error"] = result.error.value
    elif result.status != 200:
        info["error"] = f"{FailureClass.HTTP_STATUS.value}: HTTP {result.status}"
    else:
        pages, children, error = parse_sitemap(maybe_gunzip(result.body, settings.max_bytes))
        info["error"] = error
        if error is None:
            info["ok"] = True
            if top_level:  # a sitemap index is followed one level deep only
                queue.extend(c for c in (normalize_url(x) for x in children) if c and scope.same_site(c))
            for loc in pages:
                norm = normalize_url(loc)
                if norm and scope.contains(norm) and norm not in seen:
                    seen.add(norm)
                    if len(urls) < settings.max_sitemap_urls:
                        urls.append(norm)
    return info


async def fetch_sitemaps(crawl: SiteCrawl, home: str) -> dict:
    """Fetch the site's sitemaps, queue their URLs as seeds at depth 1; returns ``CapturedSite.sitemap``."""
    candidates = _candidates(crawl, home)
    queue = list(candidates)
    fetched = 0
    first: dict | None = None
    chosen: dict | None = None
    urls: list[str] = []
    seen: set[str] = set()
    while queue and fetched < crawl.settings.max_sitemap_files:
        url = queue.pop(0)
        fetched += 1
        info = await _read_one(crawl, url, url in candidates, queue, urls, seen)
        first = first or info
        if info["ok"] and chosen is None and url in candidates:
            chosen = info
    report = dict(chosen or first or {"url": candidates[0], "status": None, "ok": False, "error": "not fetched"})
    report["urls"] = urls
    if crawl.target.scope and report.get("ok") and not urls:
        # A sub-site's sitemap must list the sub-site's pages; the district's alone does not count.
        report["ok"] = False
        report["error"] = "no URL of the scope in the sitemap"
    for url in urls[: crawl.settings.max_pages]:
        crawl.add_seed(url, report["url"])
    return report


__all__ = ["fetch_sitemaps", "maybe_gunzip", "parse_sitemap"]
