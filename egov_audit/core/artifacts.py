"""The artifacts checks read (a captured site) and the findings they return.

This is the contract between the crawler (which fills a ``CapturedSite``), the storage layer (which
persists it and can rebuild it for ``recheck``) and the checks (pure functions of it). Nothing here
fetches or writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class CrawlStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    UNREACHABLE = "unreachable"
    BLOCKED = "blocked"
    NO_PORTAL = "no_portal"


class Need(StrEnum):
    """Captured data a check relies on; the crawler/gatherers provide each when asked."""

    PAGES = "pages"  # static HTML of the crawled pages
    HOME = "home"  # the home page fetch (status, timing, redirects)
    SITEMAP = "sitemap"  # robots.txt + sitemap.xml probe
    RENDERED = "rendered"  # DOM after scripts ran (Chromium)
    MOBILE = "mobile"  # home page rendered at 390 px (Chromium)
    AXE = "axe"  # axe-core results on the home page (Chromium)
    SEARCH = "search"  # site-search probe (submits the search form)
    HTTPS = "https"  # HTTPS and HTTP→HTTPS probe
    DNS = "dns"  # AAAA lookup
    LINK_STATUS = "link_status"  # status of internal links not crawled as pages


@dataclass
class CapturedPage:
    """One fetched URL as the crawler saw it. ``html`` is decoded, NFC-normalised text."""

    url: str
    final_url: str
    status: int | None
    """HTTP status of the final response; None when no response arrived (see ``error``)."""
    error: str | None = None
    """A ``FailureClass`` value when the fetch failed or was refused."""
    content_type: str | None = None
    encoding: str | None = None
    """Charset the body was decoded with (``utf-8``, ``windows-1258``, ...)."""
    legacy_font_encoding: str | None = None
    """``tcvn3`` or ``vni`` when the text is in a legacy Vietnamese font encoding."""
    html: str | None = None
    body_digest: str | None = None
    """``sha256:<hex>`` of the raw body bytes as received (the evidence snapshot)."""
    depth: int = 0
    referrer: str | None = None
    link_text: str | None = None
    """Text of the link that first led here (anchor text, or title/alt)."""
    ttfb_seconds: float | None = None
    elapsed_seconds: float | None = None
    fetched_at: datetime | None = None
    redirects: list[str] = field(default_factory=list)
    """URLs passed through before ``final_url``."""
    rendered_html: str | None = None
    """DOM serialised after scripts ran, when the page was rendered in Chromium."""
    size_bytes: int | None = None
    revisit: str | None = None
    """How an incremental night got the page: None (fetched), ``not_modified`` (a 304 to a conditional
    request: the stored page reused), ``unchanged`` (fetched again, same body), ``carried`` (not due
    tonight: the previous night's page, not requested)."""
    verified_at: datetime | None = None
    """When the server last confirmed this content (fetched, 304 or unchanged); ``fetched_at`` is when the
    body itself was captured."""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.error is None


@dataclass
class CapturedSite:
    """Everything captured for one unit in one run: the input of every check."""

    unit_code: str
    unit_level: str
    """``province``, ``district`` or ``commune``."""
    portal_url: str | None
    scope: str | None = None
    """URL prefix the crawl stayed inside (None: the portal's origin)."""
    home_url: str | None = None
    crawl_status: CrawlStatus = CrawlStatus.OK
    crawl_error: str | None = None
    pages: dict[str, CapturedPage] = field(default_factory=dict)
    """By requested (normalised) URL, in fetch order."""
    budget_exhausted: bool = False
    """True when a page/depth/byte/time budget cut the crawl short."""
    robots_txt: str | None = None
    sitemap: dict[str, Any] | None = None
    """``{"url": str, "status": int|None, "ok": bool, "urls": [str, ...], "error": str|None}``."""
    probes: dict[str, Any] = field(default_factory=dict)
    """Results of the declared needs other than pages, keyed by ``Need`` value, e.g.
    ``probes["search"] = {"form_url": ..., "query": ..., "result_url": ..., "result_html": ..., "error": ...}``,
    ``probes["mobile"] = {"viewport_meta": ..., "scroll_width": 390, "client_width": 390}``,
    ``probes["axe"] = {"violations": [{"id":..., "impact":..., "nodes": n}]}``,
    ``probes["https"] = {...}``, ``probes["dns"] = {"aaaa": [...]} or {"error": ...}``,
    ``probes["link_status"] = {url: status_or_error}``. A missing key means the need was not met
    (browser off, probe failed): the check returns ``unknown``."""
    audited_at: datetime | None = None
    """Reference time for freshness checks (the crawl's start, timezone-aware)."""
    other_unit_scopes: list[str] = field(default_factory=list)
    """Scopes of other units inside this portal (a district leaves its communes' sub-sites out)."""

    @property
    def home(self) -> CapturedPage | None:
        return self.pages.get(self.home_url) if self.home_url else None

    def order_pages(self) -> None:
        """Put the pages in their stable order: by depth, then URL. Answers arrive in whatever order the
        network gives, and a check reports the first page that proves it and every page it looked at:
        the same site must give the same findings, tonight and from the database later."""
        self.pages = dict(sorted(self.pages.items(), key=lambda item: (item[1].depth, item[0])))


@dataclass
class Evidence:
    url: str
    excerpt: str | None = None
    snapshot: str | None = None
    """``sha256:<hex>`` of the page body the finding relied on."""
    screenshot: str | None = None
    """``sha256:<hex>`` of the PNG with the element outlined; None when none was taken."""
    locator: str | None = None
    """A CSS selector of the matched element, usable in a browser (``document.querySelector``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "excerpt": self.excerpt,
            "snapshot": self.snapshot,
            "screenshot": self.screenshot,
            "locator": self.locator,
        }


@dataclass
class Finding:
    check: str
    status: Status
    value: Any = None
    evidence: list[Evidence] = field(default_factory=list)
    reason: str | None = None
    """Short explanation (English), e.g. "not implemented yet", "no portal", "no Q&A section found"."""
    looked_at: list[str] = field(default_factory=list)
    """For a fail: the URLs the auditor examined; for a section found: the other entries tried for it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": str(self.status),
            "value": self.value,
            "reason": self.reason,
            "evidence": [e.to_json() for e in self.evidence],
            "looked_at": self.looked_at,
        }


@dataclass
class SearchPlan:
    """How to submit one site-search form, and what a working search must find."""

    form_url: str
    """The page the form was found on."""
    method: str
    """``GET`` or ``POST`` (after the clicked button's ``formmethod``)."""
    action_url: str
    """Absolute URL the form submits to (after ``formaction``; fragment removed)."""
    fields: list[tuple[str, str]]
    """Every name/value pair the browser would send, in document order, query filled in."""
    query_field: str
    query: str | None
    """Title of the newest news article; None when no dated article was found (nothing to search for)."""
    target_url: str | None
    """The article the results page must link to."""
    enctype: str = "application/x-www-form-urlencoded"
    charset: str = "utf-8"
    """Encoding the form data is sent in (``accept-charset`` or the page's encoding, as browsers do)."""
    foreign_host: bool = False
    """The action is on another host: the auditor must not submit it (CRITERIA §5 → ``unknown``)."""
    site_origins: list[str] = field(default_factory=list)
    """``scheme://host[:port]`` of the audited site (redirects of the submission may stay within them)."""
    robots_txt: str | None = None
    """robots.txt captured for ``robots_origin`` (None there = it had no rules)."""
    robots_origin: str | None = None


@dataclass
class PriorCapture:
    """A page as an earlier night stored it, for an incremental night: storage fills it, the crawler asks
    the server whether it changed (validators) or carries it over, the checks see it either way."""

    page: CapturedPage
    """With ``html`` (and ``rendered_html``) as stored."""
    run_id: str
    etag: str | None = None
    last_modified: str | None = None
    verified_at: datetime | None = None
    changed_at: datetime | None = None
    """When a night last found this URL's body different from the night before (None: never seen change)."""
    warc_digest: str | None = None
    """WARC payload digest (``sha1:<BASE32>``) of the stored body: the record a revisit refers to."""
