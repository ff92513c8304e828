"""What a visitor reaches from the home page by menu, link or sitemap (CRITERIA.md §2), and whether the
crawl was cut short before every navigation link of the home page was fetched (§5: then ``unknown``).
"""

from __future__ import annotations

from functools import cached_property

from egov_audit.checks.analysis.page_links import PageLinks
from egov_audit.checks.analysis.page_regions import ARTICLE, NAV_REGIONS
from egov_audit.checks.analysis.site_scope import SiteScope, is_file_url, lookup_keys
from egov_audit.core.artifacts import CapturedPage


class Navigation:
    def __init__(self, scope: SiteScope, links: PageLinks) -> None:
        self._scope = scope
        self._links = links

    @cached_property
    def reachable_urls(self) -> set[str]:
        """Lookup keys of the pages a visitor reaches from the home page by menu, link or sitemap (CRITERIA.md
        §2): the home page, sitemap.xml entries, and every link outside an article body on a captured page.
        A link that appears only inside an article body counts for nothing (§5)."""
        scope, site = self._scope, self._scope.site
        urls: list[str] = []
        if scope.home is not None:
            urls += [u for u in (scope.home.url, scope.home.final_url) if u]
        if site.home_url:
            urls.append(site.home_url)
        if site.sitemap and site.sitemap.get("ok"):
            urls += [u for u in site.sitemap.get("urls") or [] if isinstance(u, str)]
        for page in scope.html_pages:
            # Dropdown items and tab panels are reached by menu too (opened on demand).
            urls += [link.url for link in self._links.entry_links(page) if link.region != ARTICLE and not link.dead]
        keys: set[str] = set()
        for url in urls:
            keys.update(lookup_keys(url))
        return keys

    def is_reachable(self, page: CapturedPage) -> bool:
        """Whether the page (or the URL it redirected from) is reached other than through an article body."""
        reachable = self.reachable_urls
        return any(k in reachable for u in (page.url, page.final_url) if u for k in lookup_keys(u))

    def nav_links_unfetched(self) -> bool:
        """Whether some in-scope navigation link of the home page was never fetched (crawl cut short)."""
        home = self._scope.home
        if home is None:
            return True
        for link in self._links.entry_links(home):  # dropdown items too; a dead entry has nothing to fetch
            if not link.dead and link.region in NAV_REGIONS and self._scope.in_scope(link.url) and self._scope.page(link.url) is None:
                if not link.url.startswith(("mailto:", "tel:")) and not is_file_url(link.url):
                    return True
        return False
