"""Settings of the gathering layer: the crawler's limits and politeness, and the shared Chromium.

Declared once each, with their help text and bounds (``egov_audit.core.settings.setting``); the TOML tables
``[crawler]`` and ``[browser]`` of ``--config`` and ``EGOV_AUDIT_<KEY>`` variables override them.
"""

from __future__ import annotations

from dataclasses import dataclass

from egov_audit import CONTACT_URL, __version__
from egov_audit.core.settings import setting


@dataclass
class CrawlerSettings:
    """Limits and politeness of the crawler; all per audited site (unit) unless said otherwise."""

    max_pages: int = setting(200, "Pages fetched per site at most (robots.txt and sitemap.xml not counted).",
                             minimum=1)
    max_depth: int = setting(4, "Link depth from the home page (home = 0).", minimum=0)
    max_bytes: int = setting(5_000_000, "Largest response body kept; a larger one is cut and recorded as "
                             "`too_large`.", minimum=1024)
    max_site_bytes: int = setting(200_000_000, "Total bytes fetched per site.", minimum=1024)
    max_site_seconds: float = setting(900.0, "Wall-time budget per site.", above=0)
    per_host_concurrency: int = setting(2, "Concurrent requests to one host name.", minimum=1, maximum=32)
    per_ip_concurrency: int = setting(2, "Concurrent requests to one resolved IP address (communes often share a "
                                      "hosting server) at the start of a run; the adaptive limit moves from here.",
                                      minimum=1, maximum=64)
    adaptive_ip_concurrency: bool = setting(True, "Adapt the per-IP limit to how the server answers (AIMD, see "
                                            "docs/POLITENESS.md); off = a fixed per_ip_concurrency.")
    per_ip_max_concurrency: int = setting(8, "Highest per-IP limit the adaptive limit may reach.", minimum=1,
                                          maximum=64)
    ip_grow_latency_ratio: float = setting(1.25, "The per-IP limit grows (one slot per window of answers) while "
                                           "the pages' median latency stays within this multiple of its baseline.",
                                           minimum=1)
    ip_shrink_latency_ratio: float = setting(1.5, "A median latency above this multiple of its baseline cuts the "
                                             "per-IP limit at once.", above=1)
    ip_decrease_factor: float = setting(0.5, "The per-IP limit is multiplied by this on rising latency, a timeout, "
                                        "a refused or reset connection or a 429/5xx answer.", above=0, maximum=0.95)
    ip_latency_samples: int = setting(9, "Pages whose median latency (each to its host's fastest page) judges "
                                      "the per-IP limit.", minimum=1, maximum=100)
    ip_latency_own_lag_share: float = setting(
        0.25, "An answer read while the audit's own event loop was held (parsing, checks) for more than this "
        "share of its latency, and over 50 ms, says nothing about the server: its latency is not judged.",
        minimum=0.01, maximum=10)
    breaker_timeouts: int = setting(3, "A host that times out this many times in a row is retired for the run "
                                    "(its crawl ends partial with `timeout`); 0 = never.", minimum=0, maximum=100)
    abandoned_hold_seconds: float = setting(1.0, "After a request times out, its host and IP slots stay taken this "
                                            "long: the server is still working on the answer nobody waits for "
                                            "(it sees the hang-up only when it next reads or writes).", minimum=0,
                                            maximum=60)
    hosts_file: str | None = setting(None, "A hosts file (`address name...` lines, as /etc/hosts) consulted before "
                                     "DNS: audit a portal moved to a new server before its DNS changed; benchmarks. "
                                     "The addresses are vetted like DNS answers.")
    delay_seconds: float = setting(0.5, "Pause between the starts of two requests to the same host (robots.txt "
                                   "Crawl-delay may raise it).", minimum=0)
    adaptive_delay: bool = setting(True, "Lengthen a host's delay when its answers slow down (AutoThrottle-style; "
                                   "never below delay_seconds).")
    adaptive_target_concurrency: float = setting(1.0, "Requests the adaptive delay aims to have in flight per "
                                                 "host: delay ≈ latency / this.", above=0)
    max_delay_seconds: float = setting(60.0, "Longest delay the adaptive slowdown may reach.", minimum=0)
    timeout_seconds: float = setting(20.0, "Timeout of each phase of a request (connect, read, write).", above=0)
    retries: int = setting(2, "Retries of transient errors (timeouts, resets, 429, 502–504), with exponential "
                           "backoff and jitter.", minimum=0, maximum=10)
    max_retry_after_seconds: float = setting(60.0, "Longest Retry-After honoured; a longer one gives up on that "
                                             "page.", minimum=0)
    max_redirects: int = setting(10, "Redirect hops followed per request.", minimum=0, maximum=50)
    user_agent: str = setting(f"egov-audit/{__version__} (+{CONTACT_URL})",
                              "User-Agent of every request (name the program and a contact URL).")
    respect_robots: bool = setting(True, "Obey robots.txt (Disallow, Crawl-delay).")
    allow_private_networks: bool = setting(False, "Allow loopback, private and link-local destinations (tests "
                                           "and the demo need it).")
    concurrent_sites: int = setting(32, "Sites crawled at the same time. The per-host and per-IP limits protect "
                                    "each server; this keeps enough sites going to use them (each site in progress "
                                    "holds its pages in memory).", minimum=1, maximum=256)
    verify_tls: bool = setting(True, "Verify TLS certificates (tech.https judges them either way).")
    backoff_base_seconds: float = setting(1.0, "First retry waits about this long (×0.5–1.5 jitter), doubling "
                                          "each retry, unless Retry-After says.", minimum=0)
    max_request_seconds: float = setting(120.0, "Wall-time cap of one exchange (connect, answer and body; a slow-"
                                         "drip server), counted once its politeness slot is held: the wait for a "
                                         "slot never counts.", above=0)
    max_decompression_ratio: float = setting(100.0, "Decoded/wire size ratio above which a compressed body over "
                                             "1 MB (or over max_bytes) is a `decompression_bomb`.", above=1)
    max_query_variants: int = setting(20, "Distinct query strings of one path before further variants count as a "
                                      "crawler trap.", minimum=1)
    max_repeated_segments: int = setting(2, "A path segment repeated more often than this (/a/b/a/b/a/) marks a "
                                         "crawler trap.", minimum=1)
    trap_page_share: float = setting(0.1, "Share of max_pages that trap-like URLs (calendars, endless query "
                                     "variants) may use (at least 2).", minimum=0, maximum=1)
    fetch_sitemap: bool = setting(True, "Fetch /sitemap.xml (and those named in robots.txt) and use its URLs as "
                                  "extra seeds.")
    max_sitemap_files: int = setting(10, "Sitemap files fetched per site, a sitemap index's children included.",
                                     minimum=0)
    max_sitemap_urls: int = setting(10_000, "URLs kept from sitemaps.", minimum=0)
    max_renders: int = setting(3, "Pages per site rendered in Chromium because their static HTML lacks navigation "
                               "(JavaScript menus); only the home page and pages at depth 1 are candidates. 0 "
                               "turns rendering during the crawl off.", minimum=0)
    render_min_links: int = setting(3, "A page with fewer in-scope links than this is rendered (when a browser "
                                    "is available).", minimum=0)
    render_timeout_seconds: float = setting(45.0, "Longest wait for one render; a slower one is abandoned and the "
                                            "static links are used.", above=0)
    incremental: bool = setting(True, "Use the previous night's capture of a unit: conditional requests "
                                "(If-None-Match / If-Modified-Since), 304s and unchanged bodies kept as WARC revisits, "
                                "pages not due tonight carried over (docs/POLITENESS.md).")
    revisit_interval_days: int = setting(7, "Every known page is requested again at least this often (and on its "
                                         "own night of the interval in between); pages likely to change every night.",
                                         minimum=1, maximum=365)
    revisit_nightly_pattern: str = setting(
        r"tin-?tuc|tintuc|thong-?bao|su-?kien|lich-?(?:cong-?tac|lam-?viec|tiep)|hoi-?dap|hoidap|van-?ban|vanban"
        r"|chi-?dao|dieu-?hanh|news|events?|notices?|announce|schedule|faq|questions?"
        r"|tin tức|thông báo|sự kiện|lịch công tác|lịch làm việc|lịch tiếp|hỏi đáp|văn bản|chỉ đạo",
        "Regular expression (case-insensitive) on a menu link's URL or text marking a section likely to change "
        "(news, notices, schedules, Q&A, documents): requested every night.")


@dataclass
class BrowserSettings:
    """The shared headless Chromium used for screenshots and rendering checks."""

    enabled: bool = setting(True, "Use Chromium at all (off = `--no-browser`: rendering checks are `unknown`).")
    screenshots: bool = setting(True, "Screenshot the evidence pages with the proving element outlined.")
    executable_path: str | None = setting(None, "Chromium binary; default: $EGOV_AUDIT_CHROMIUM, then "
                                          "/usr/bin/chromium, then Playwright's own.")
    max_pages: int = setting(2, "Browser tabs open at once (each costs memory; full-page shots cost 0.25–1 s).",
                             minimum=1, maximum=32)
    navigation_timeout_seconds: float = setting(30.0, "Timeout of one navigation, load wait or script.", above=0)
    viewport_width: int = setting(1280, "Desktop viewport width (CSS px) of screenshots.", minimum=320)
    viewport_height: int = setting(900, "Desktop viewport height (CSS px).", minimum=200)
    mobile_width: int = setting(390, "Viewport width (CSS px) of the tech.mobile probe (a common phone).",
                                minimum=200)
    mobile_height: int = setting(844, "Viewport height (CSS px) of the tech.mobile probe.", minimum=200)
    idle_wait_seconds: float = setting(2.0, "After `load`, wait at most this long for the network to go quiet "
                                       "(menus filled by AJAX); 0 disables the wait.", minimum=0)
    max_screenshot_height: int = setting(8000, "Tallest full-page screenshot in CSS px; a taller page is cut to a "
                                         "band around the outlined element.", minimum=500)
    user_agent: str | None = setting(None, "None: Chromium's own User-Agent (without \"Headless\") followed by "
                                     "egov-audit's name and contact URL.")
