"""Technical checks (tech.*): reachability, domain, sitemaps, encoding, speed, images, metadata, probes."""

from __future__ import annotations

import statistics as stats
from urllib.parse import urljoin, urlsplit

import lxml.html

from egov_audit.checks.common import Content, not_found, page_evidence, section_check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.registry import register
from egov_audit.checks.site import CONTENT_REGIONS, SiteAnalysis, host_of, is_file_url, is_gov_vn
from egov_audit.core.artifacts import CapturedPage, Evidence, Finding, Need, Status

_LEGACY_CHARSETS = ("windows-1258", "cp1258", "tcvn", "tcvn3", "vni", "vps", "viscii")


@register("tech.reachable", Need.HOME)
def reachable(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    home = analysis.home
    if home is None:
        return Finding("tech.reachable", Status.UNKNOWN, reason="home page not captured")
    evidence = [Evidence(url=home.final_url or home.url, snapshot=home.body_digest)]
    if home.ok:
        return Finding("tech.reachable", Status.PASS, value=home.final_url, evidence=evidence,
                       reason=f"HTTP {home.status}")
    if home.status is None:
        return Finding("tech.reachable", Status.FAIL, evidence=evidence, reason=home.error or "no response")
    return Finding("tech.reachable", Status.FAIL, value=home.final_url, evidence=evidence, reason=f"HTTP {home.status}")


@register("tech.gov_domain", Need.HOME)
def gov_domain(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    url = (analysis.home.final_url if analysis.home else None) or analysis.site.portal_url or ""
    host = host_of(url)
    if not host:
        return Finding("tech.gov_domain", Status.UNKNOWN, reason="no portal host")
    status = Status.PASS if is_gov_vn(host) else Status.FAIL
    return Finding("tech.gov_domain", status, value=host, evidence=[Evidence(url=url)],
                   reason="host under .gov.vn" if status == Status.PASS else "host not under .gov.vn")


@register("tech.sitemap_xml", Need.SITEMAP)
def sitemap_xml(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """For a sub-site only the sitemap entries inside its scope count (CRITERIA.md §5)."""
    sitemap = analysis.site.sitemap or {}
    url = sitemap.get("url") or ""
    if not sitemap.get("ok"):
        if sitemap.get("status") is None and sitemap.get("error"):
            return Finding("tech.sitemap_xml", Status.UNKNOWN, reason=f"sitemap did not answer: {sitemap['error']}",
                           evidence=[Evidence(url=url)] if url else [])
        return Finding("tech.sitemap_xml", Status.FAIL, looked_at=[url] if url else [],
                       reason=f"no usable sitemap ({sitemap.get('error') or sitemap.get('status')})")
    urls = [u for u in sitemap.get("urls", []) if isinstance(u, str)]
    in_scope = [u for u in urls if analysis.in_scope(u)]
    if in_scope:
        return Finding("tech.sitemap_xml", Status.PASS, value=len(in_scope),
                       evidence=[Evidence(url=url, excerpt=", ".join(in_scope[:3])[:200])],
                       reason=f"{len(in_scope)} pages listed")
    return Finding("tech.sitemap_xml", Status.FAIL, value=0, looked_at=[url],
                   reason="sitemap lists no page of the unit's scope" if urls else "sitemap lists no pages")


def _sitemap_content(analysis: SiteAnalysis, page: CapturedPage, options: CheckOptions) -> Content:
    links = [link for link in analysis.links(page) if link.region in CONTENT_REGIONS and analysis.in_scope(link.url)]
    if len(links) >= options.get("tech.sitemap_html", "min_links"):
        return Content(True, " · ".join(link.text for link in links[:8]), None, len(links))
    return Content(False)


@register("tech.sitemap_html", Need.PAGES)
def sitemap_html(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    return section_check(analysis, options, "tech.sitemap_html", ("sitemap_html",), _sitemap_content)


@register("tech.unicode", Need.PAGES)
def unicode_encoding(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    pages = [p for p in analysis.site.pages.values() if p.ok and p.html and analysis.in_scope(p.final_url or p.url)]
    if not pages:
        return Finding("tech.unicode", Status.UNKNOWN, reason="no page captured")
    for page in pages:
        charset = (page.encoding or "").lower()
        if any(charset.startswith(c) for c in _LEGACY_CHARSETS):
            return Finding("tech.unicode", Status.FAIL, value=charset, reason=f"page served in {charset}",
                           evidence=[Evidence(url=page.final_url, snapshot=page.body_digest)])
    for page in pages:
        if page.legacy_font_encoding:
            return Finding("tech.unicode", Status.PARTIAL, value=page.legacy_font_encoding,
                           reason=f"Unicode page with {page.legacy_font_encoding} text",
                           evidence=[Evidence(url=page.final_url, snapshot=page.body_digest)])
    home = analysis.home or pages[0]
    return Finding("tech.unicode", Status.PASS, value=home.encoding or "utf-8", reason="pages in Unicode",
                   evidence=[Evidence(url=home.final_url, snapshot=home.body_digest)])


@register("tech.response_time", Need.PAGES)
def response_time(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    timed = [p for p in analysis.site.pages.values() if p.ttfb_seconds is not None and p.status is not None]
    times = [p.ttfb_seconds for p in timed if p.ttfb_seconds is not None]
    if not times:
        return Finding("tech.response_time", Status.UNKNOWN, reason="no timings recorded")
    median = round(stats.median(times), 3)
    if median <= options.get("tech.response_time", "pass_seconds"):
        status = Status.PASS
    elif median <= options.get("tech.response_time", "partial_seconds"):
        status = Status.PARTIAL
    else:
        status = Status.FAIL
    slowest = max(timed, key=lambda p: p.ttfb_seconds or 0.0)
    evidence = [page_evidence(analysis, slowest, f"slowest of {len(times)} pages: {slowest.ttfb_seconds:.3f} s to first byte")]
    return Finding("tech.response_time", status, value=median, evidence=evidence,
                   reason=f"median TTFB over {len(times)} pages")


@register("tech.images_alt", Need.PAGES)
def images_alt(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """An image inside a link needs a non-empty alt unless the link has other text; alt="" is fine only
    for images that are not links."""
    if not analysis.html_pages:
        # Nothing fetched is not "no images": the auditor could not look.
        return Finding("tech.images_alt", Status.UNKNOWN, reason="no page captured")
    total = good = 0
    first_bad: tuple[CapturedPage, object] | None = None
    for page in analysis.html_pages:
        parsed = analysis.parsed(page)
        if parsed is None:
            continue
        for img in parsed.body.iter("img"):
            if img in parsed.hidden:
                continue
            total += 1
            alt = img.get("alt")
            link = next((a for a in img.iterancestors("a")), None)
            if link is not None:
                other_text = " ".join(link.itertext()).strip()
                ok = bool((alt or "").strip()) or bool(other_text) or bool((link.get("aria-label") or "").strip())
            else:
                ok = alt is not None
            good += ok
            if not ok and first_bad is None:
                first_bad = (page, img)
    if total == 0:
        return Finding("tech.images_alt", Status.NOT_APPLICABLE, reason="no images on the pages fetched")
    share = round(good / total, 3)
    if share >= options.get("tech.images_alt", "pass_share"):
        status = Status.PASS
    elif share >= options.get("tech.images_alt", "partial_share"):
        status = Status.PARTIAL
    else:
        status = Status.FAIL
    evidence = []
    if first_bad:
        page, img = first_bad
        evidence.append(page_evidence(analysis, page, f"<img src={img.get('src')!r}> without alt", img))
    elif analysis.site.home is not None:
        # A share over every page has no single proving element: point at the home page the count began on.
        evidence.append(page_evidence(analysis, analysis.site.home, f"{good} of {total} images have a text alternative"))
    return Finding("tech.images_alt", status, value=share, evidence=evidence, reason=f"{good} of {total} images")


_DC_FIELDS = ("title", "creator", "date")


def _dublin_core(analysis: SiteAnalysis, page: CapturedPage) -> set[str]:
    doc = analysis.doc(page)
    if doc is None:
        return set()
    found = set()
    for meta in doc.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        for prefix in ("dc.", "dcterms.", "dc:", "dcterms:"):
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


@register("tech.metadata", Need.PAGES)
def metadata(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Dublin Core title, creator and date on the home page and on at least one article (an item page of
    any listing); Open Graph and description tags do not count (CRITERIA.md §5)."""
    home = analysis.home
    if home is None or not home.ok:
        return Finding("tech.metadata", Status.UNKNOWN, reason="home page not captured")
    home_ok = set(_DC_FIELDS) <= _dublin_core(analysis, home)
    article = None
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
            article = target
            break
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


# ---------------------------------------------------------------------------- probe-based checks
@register("tech.https", Need.HOME, Need.HTTPS)
def https(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Reads ``crawler.probes.https_probe``: ``{"https_ok", "https_status", "https_error", "http_status",
    "http_redirects_to_https", "http_location", "http_error"}`` (errors are failure classes)."""
    probe = analysis.site.probes.get("https") or {}
    url = analysis.site.portal_url or ""
    https_url = "https://" + (urlsplit(url).netloc or host_of(url)) + "/"
    error = probe.get("https_error")
    if not probe.get("https_ok"):
        if error in ("timeout", "connection_reset", "dns", "private_address", "other") or (
                error is None and probe.get("https_status") is None):
            # No answer is not proof of no HTTPS: the auditor could not tell.
            return Finding("tech.https", Status.UNKNOWN, reason=f"HTTPS probe got no answer ({error})",
                           looked_at=[https_url])
        why = "certificate or TLS handshake not valid" if error == "tls" else f"HTTPS does not answer ({error or probe.get('https_status')})"
        return Finding("tech.https", Status.FAIL, reason=why, looked_at=[https_url])
    if not probe.get("http_redirects_to_https"):
        return Finding("tech.https", Status.PARTIAL, reason="plain HTTP does not redirect to HTTPS",
                       evidence=[Evidence(url=https_url)])
    return Finding("tech.https", Status.PASS, reason="HTTPS with a valid certificate; HTTP redirects",
                   evidence=[Evidence(url=https_url)])


@register("tech.mobile", Need.HOME, Need.MOBILE)
def mobile(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("mobile") or {}
    viewport = (probe.get("viewport_meta") or "").lower().replace(" ", "")
    scroll, client = probe.get("scroll_width"), probe.get("client_width")
    if scroll is None or client is None:
        return Finding("tech.mobile", Status.UNKNOWN, reason="mobile rendering not measured")
    has_viewport = "width=device-width" in viewport
    fits = scroll <= client + 1
    value = {"viewport": has_viewport, "scroll_width": scroll, "client_width": client}
    url = analysis.home.final_url if analysis.home else analysis.site.portal_url or ""
    status = Status.PASS if has_viewport and fits else Status.FAIL
    reason = "fits 390 px" if status == Status.PASS else (
        "no device-width viewport" if not has_viewport else f"horizontal scroll ({scroll} > {client} px)")
    return Finding("tech.mobile", status, value=value, reason=reason, evidence=[Evidence(url=url, excerpt=viewport or None)])


_SERIOUS = {"serious", "critical"}


@register("tech.accessibility", Need.HOME, Need.AXE)
def accessibility(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("axe") or {}
    if "violations" not in probe:
        return Finding("tech.accessibility", Status.UNKNOWN, reason=probe.get("error") or "axe did not run")
    violations = probe["violations"]
    serious = [v for v in violations if v.get("impact") in _SERIOUS]
    url = analysis.home.final_url if analysis.home else analysis.site.portal_url or ""
    ids = ", ".join(sorted({str(v.get("id")) for v in violations}))[:200] or None
    if not serious:
        status = Status.PASS
    elif len(violations) < options.get("tech.accessibility", "partial_below"):
        status = Status.PARTIAL
    else:
        status = Status.FAIL
    return Finding("tech.accessibility", status, value=len(violations), evidence=[Evidence(url=url, excerpt=ids)],
                   reason=f"{len(serious)} serious or critical of {len(violations)} violations")


@register("tech.ipv6", Need.DNS)
def ipv6(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("dns") or {}
    if "aaaa" not in probe:
        return Finding("tech.ipv6", Status.UNKNOWN, reason=probe.get("error") or "DNS not available")
    records = [str(a) for a in probe["aaaa"]]
    host = host_of(analysis.site.portal_url or "")
    status = Status.PASS if records else Status.FAIL
    return Finding("tech.ipv6", status, value=records, reason="AAAA record found" if records else "no AAAA record",
                   evidence=[Evidence(url=analysis.site.portal_url or "", excerpt=f"{host} AAAA {', '.join(records)}"[:200])])


@register("tech.broken_links", Need.PAGES, Need.LINK_STATUS)
def broken_links(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """Internal links seen on the pages: status from the crawl, else from probes["link_status"]."""
    extra = analysis.site.probes.get("link_status") or {}
    seen: dict[str, bool | None] = {}
    for page in analysis.html_pages:
        for link in analysis.links(page):
            if link.url.startswith(("mailto:", "tel:")) or not analysis.in_scope(link.url) or link.url in seen:
                continue
            target = analysis.page(link.url)
            status = target.status if target is not None else extra.get(link.url)
            seen[link.url] = status >= 400 if isinstance(status, int) else None
    checked = {u: b for u, b in seen.items() if b is not None}
    if not checked:
        return Finding("tech.broken_links", Status.UNKNOWN, reason="no internal link status known")
    broken = [u for u, b in checked.items() if b]
    share = round(len(broken) / len(checked), 3)
    if share <= options.get("tech.broken_links", "pass_share"):
        status = Status.PASS
    elif share <= options.get("tech.broken_links", "partial_share"):
        status = Status.PARTIAL
    else:
        status = Status.FAIL
    reason = f"{len(broken)} of {len(checked)} internal links broken"
    evidence = [Evidence(url=u) for u in broken[:10]]
    if not evidence and analysis.site.home is not None:
        # Nothing broken to point at: the home page is where the count of links began.
        evidence = [page_evidence(analysis, analysis.site.home, reason)]
    return Finding("tech.broken_links", status, value=share, evidence=evidence, reason=reason)


@register("tech.search", Need.PAGES, Need.SEARCH)
def search(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    """probes["search"] = {"form_url", "query", "result_url", "result_html", "error", "target_url"?}."""
    probe = analysis.site.probes.get("search") or {}
    if probe.get("error") == "no_form" or (not probe.get("form_url") and not probe.get("error")):
        return not_found(analysis, "tech.search", "no search form found")
    form_url = probe.get("form_url") or ""
    result_url = probe.get("result_url") or ""
    if result_url and analysis.home and not analysis.in_scope(result_url) and host_of(result_url) not in analysis.own_hosts:
        return Finding("tech.search", Status.UNKNOWN, reason=f"search form submits to another host ({host_of(result_url)})")
    if probe.get("error") or not probe.get("result_html"):
        return Finding("tech.search", Status.UNKNOWN, reason=f"search probe failed: {probe.get('error') or 'no result'}")
    target = probe.get("target_url")
    query = probe.get("query") or ""
    doc = lxml.html.document_fromstring(probe["result_html"])
    hrefs = {urljoin(result_url or form_url, a.get("href") or "").split("#")[0].rstrip("/") for a in doc.iter("a")}
    texts = " ".join(" ".join(a.itertext()) for a in doc.iter("a"))
    found = (target and target.rstrip("/") in hrefs) or (not target and query and query in texts)
    evidence = [Evidence(url=result_url or form_url, excerpt=f"query: {query}"[:200])]
    if found:
        return Finding("tech.search", Status.PASS, evidence=evidence, reason="search finds a known article")
    return Finding("tech.search", Status.PARTIAL, evidence=evidence, reason="search form exists but finds nothing")
