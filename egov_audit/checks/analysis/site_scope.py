"""The unit's scope on its portal: which URLs are its own, which captured page a URL is, which pages to judge.

A commune may live under a path of a district portal (``scope``) and a district leaves its communes'
sub-sites out (``other_unit_scopes``); the crawler stores pages by their normalised URL while links are
written as the page wrote them, so every lookup tries both forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Generic, TypeVar
from urllib.parse import urldefrag, urlsplit

from egov_audit.core.artifacts import CapturedPage, CapturedSite
from egov_audit.core.urls import normalize_url

_RE_FILE = re.compile(r"\.(pdf|docx?|xlsx?|odt|ods|rar|zip|7z|pptx?)($|[?#])", re.I)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_gov_vn(host: str) -> bool:
    return host == "gov.vn" or host.endswith(".gov.vn")


def is_file_url(url: str) -> bool:
    return bool(_RE_FILE.search(urlsplit(url).path + ("?" if urlsplit(url).query else "")))


def page_key(page: CapturedPage) -> str:
    """What the per-page caches are keyed by: the URL the page was finally served from."""
    return page.final_url or page.url


T = TypeVar("T")


class PerPage(Generic[T]):
    """An answer computed once per page (by ``page_key``): ``links = PerPage(read_links)``, then ``links(page)``."""

    def __init__(self, compute: Callable[[CapturedPage], T]) -> None:
        self._compute = compute
        self._answers: dict[str, T] = {}

    def __call__(self, page: CapturedPage) -> T:
        key = page.final_url or page.url
        if key not in self._answers:
            self._answers[key] = self._compute(page)
        return self._answers[key]


@lru_cache(maxsize=65536)  # the same menu links are looked up on every page
def lookup_keys(url: str) -> tuple[str, ...]:
    """The keys a URL is looked up by: as written (without fragment, with and without the trailing slash) and
    in the crawler's normal form (core/urls.py: sorted query, default port dropped, session ids removed)."""
    plain = urldefrag(url)[0]
    keys = [plain, plain.rstrip("/")]
    normal = normalize_url(plain) if plain.startswith(("http://", "https://")) else None
    if normal and normal not in keys:
        keys += [normal, normal.rstrip("/")]
    return tuple(keys)


def _same_prefix(url: str, prefix: str) -> bool:
    if url.startswith(prefix):
        return True
    # A scope "https://x/xa-a/" also covers "https://x/xa-a" itself.
    return prefix.endswith("/") and url == prefix[:-1]


class SiteScope:
    """The captured site seen through the unit's scope (pure: never fetches)."""

    def __init__(self, site: CapturedSite) -> None:
        self.site = site
        self._by_url: dict[str, CapturedPage] = {}
        for key, page in site.pages.items():
            for url in (key, page.url, page.final_url):
                if url:
                    for variant in lookup_keys(url):
                        self._by_url.setdefault(variant, page)

    @cached_property
    def home(self) -> CapturedPage | None:
        return self.site.home

    @cached_property
    def scope_prefix(self) -> str | None:
        if self.site.scope:
            return self.site.scope
        base = self.site.home_url or self.site.portal_url
        if not base:
            return None
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}/"

    @cached_property
    def own_hosts(self) -> set[str]:
        hosts = {host_of(u) for u in (self.site.portal_url, self.site.home_url, self.scope_prefix) if u}
        if self.home is not None:
            hosts.add(host_of(self.home.final_url))
        # www. and the bare name are the same portal.
        hosts |= {h[4:] for h in hosts if h.startswith("www.")} | {"www." + h for h in hosts if h}
        hosts.discard("")
        return hosts

    def in_scope(self, url: str) -> bool:
        """Within the unit's scope (or portal origin) and outside other units' scopes."""
        if host_of(url) not in self.own_hosts:
            return False
        path_url = url.lower()
        for other in self.site.other_unit_scopes:
            if _same_prefix(path_url, other.lower()):
                return False
        if self.site.scope:
            return _same_prefix(path_url, self.site.scope.lower())
        return True

    def page(self, url: str) -> CapturedPage | None:
        """The captured page for a link's URL. The crawler keys pages by the normalised URL (sorted query,
        so ``?tabid=57&ctl=Detail&ItemID=8`` is stored as ``?ItemID=8&ctl=Detail&tabid=57``): look both up."""
        for variant in lookup_keys(url):
            found = self._by_url.get(variant)
            if found is not None:
                return found
        return None

    @cached_property
    def html_pages(self) -> list[CapturedPage]:
        """Distinct in-scope pages that answered 2xx with HTML, home page first."""
        seen: set[str] = set()
        result: list[CapturedPage] = []
        ordered = ([self.home] if self.home else []) + list(self.site.pages.values())
        for page in ordered:
            if page is None or not page.ok or not (page.html or page.rendered_html):
                continue
            key = page.body_digest or page.final_url
            if key in seen or not self.in_scope(page.final_url or page.url):
                continue
            seen.add(key)
            result.append(page)
        return result

    @cached_property
    def reference_time(self) -> datetime | None:
        """When the audit ran: the crawl's start, else the latest fetch time."""
        if self.site.audited_at:
            return self.site.audited_at
        times = [p.fetched_at for p in self.site.pages.values() if p.fetched_at]
        return max(times) if times else None
