"""Every tunable knob of egov-audit, with its documented default, in one place (as Scrapy's settings).

Precedence, lowest first: the defaults below, then the TOML file given with ``--config`` (tables
``[crawler]``, ``[browser]``, ``[checks]`` and top-level keys), then environment variables
``EGOV_AUDIT_<KEY>`` (for example ``EGOV_AUDIT_MAX_PAGES=50`` or ``EGOV_AUDIT_CRAWLER_MAX_PAGES=50``),
then command-line options.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import CONFIG_DIR
from egov_audit import __version__

CONTACT_URL = "https://github.com/egov-audit/egov-audit"


class SettingsError(ValueError):
    """A configuration file or variable is invalid; the message names the file and key."""


@dataclass
class CrawlerSettings:
    """Limits and politeness of the crawler; all per audited site (unit) unless said otherwise."""

    max_pages: int = 200
    """Pages fetched per site at most (robots.txt and sitemap.xml not counted)."""
    max_depth: int = 4
    """Link depth from the home page (home = 0)."""
    max_bytes: int = 5_000_000
    """Largest response body kept; a larger one is cut and recorded as ``too_large``."""
    max_site_bytes: int = 200_000_000
    """Total bytes fetched per site."""
    max_site_seconds: float = 900.0
    """Wall-time budget per site."""
    per_host_concurrency: int = 2
    """Concurrent requests to one host name."""
    per_ip_concurrency: int = 2
    """Concurrent requests to one resolved IP address (communes often share a hosting server)."""
    delay_seconds: float = 0.5
    """Pause between two requests to the same host (robots.txt Crawl-delay may raise it)."""
    adaptive_delay: bool = True
    """Lengthen a host's delay when its answers slow down (AutoThrottle-style; never below delay_seconds)."""
    adaptive_target_concurrency: float = 1.0
    """Requests the adaptive delay aims to have in flight per host: delay ≈ latency / this."""
    max_delay_seconds: float = 60.0
    """Longest delay the adaptive slowdown may reach."""
    timeout_seconds: float = 20.0
    """Timeout of each phase of a request (connect, read, write, pool)."""
    retries: int = 2
    """Retries of transient errors (timeouts, resets, 429, 503), with exponential backoff and jitter."""
    max_retry_after_seconds: float = 60.0
    """Longest Retry-After honoured; a longer one gives up on that page."""
    max_redirects: int = 10
    user_agent: str = f"egov-audit/{__version__} (+{CONTACT_URL})"
    respect_robots: bool = True
    allow_private_networks: bool = False
    """Allow loopback, private and link-local destinations (tests and the demo need it)."""
    concurrent_sites: int = 8
    """Sites crawled at the same time."""
    verify_tls: bool = True
    backoff_base_seconds: float = 1.0
    """First retry waits about this long (×0.5–1.5 jitter), doubling each retry, unless Retry-After says."""
    max_request_seconds: float = 120.0
    """Wall-time cap of one request including its redirects and body (a slow-drip server)."""
    max_decompression_ratio: float = 100.0
    """Decoded/wire size ratio above which a compressed body over 1 MB (or over ``max_bytes``) is a
    ``decompression_bomb``."""
    max_query_variants: int = 20
    """Distinct query strings of one path before further variants count as a crawler trap."""
    max_repeated_segments: int = 2
    """A path segment repeated more often than this (``/a/b/a/b/a/``) marks a crawler trap."""
    trap_page_share: float = 0.1
    """Share of ``max_pages`` that trap-like URLs (calendars, endless query variants) may use (at least 2)."""
    fetch_sitemap: bool = True
    """Fetch /sitemap.xml (and those named in robots.txt) and use its URLs as extra seeds."""
    max_sitemap_files: int = 10
    """Sitemap files fetched per site, a sitemap index's children included."""
    max_sitemap_urls: int = 10_000
    """URLs kept from sitemaps (``site.sitemap["urls"]``)."""
    max_renders: int = 3
    """Pages per site rendered in Chromium because their static HTML lacks navigation (JavaScript menus);
    only the home page and pages at depth 1 are candidates. 0 turns rendering during the crawl off."""
    render_min_links: int = 3
    """A page with fewer in-scope links than this is rendered (when a renderer is given)."""
    render_timeout_seconds: float = 45.0
    """Longest wait for one render; a slower one is abandoned and the static links are used."""


@dataclass
class BrowserSettings:
    """The shared headless Chromium used for screenshots and rendering checks."""

    enabled: bool = True
    screenshots: bool = True
    executable_path: str | None = None
    """Chromium binary; default: $EGOV_AUDIT_CHROMIUM, then /usr/bin/chromium, then Playwright's own."""
    max_pages: int = 2
    """Browser tabs open at once (each costs memory; full-page shots cost 0.25–1 s)."""
    navigation_timeout_seconds: float = 30.0
    viewport_width: int = 1280
    viewport_height: int = 900
    mobile_width: int = 390
    """Viewport width (CSS px) of the ``tech.mobile`` probe (a common phone)."""
    mobile_height: int = 844
    idle_wait_seconds: float = 2.0
    """After ``load``, wait at most this long for the network to go quiet (menus filled by AJAX);
    0 disables the wait. Never an error when the network stays busy."""
    max_screenshot_height: int = 8000
    """Tallest full-page screenshot in CSS px; a taller page is cut to a band around the outlined element
    (very long pages make multi-megabyte images and can crash the renderer)."""
    user_agent: str | None = None
    """None: Chromium's own User-Agent (without "Headless") followed by egov-audit's name and contact URL."""


@dataclass
class CheckSettings:
    """Knobs of the checks that are not framework points (those live in config/frameworks)."""

    timezone: str = "Asia/Ho_Chi_Minh"
    min_text_chars: int = 200
    """Body text (besides boilerplate) for a text section to count as having real content."""


@dataclass
class ScheduleSettings:
    """The nightly job run by ``egov-audit schedule``."""

    audit_at: str = "01:30"
    """Local time (HH:MM, Asia/Ho_Chi_Minh) the nightly audit starts."""
    timezone: str = "Asia/Ho_Chi_Minh"
    year: int = 0
    """Evaluation year scored after the audit; 0 = the current year."""
    frameworks: str = ""
    """Comma-separated framework ids to score; empty = the default one of each tier present."""


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("EGOV_AUDIT_DATA", "egov-audit-data")))
    db_url: str | None = None
    """SQLAlchemy URL; default: sqlite file ``<data_dir>/egov-audit.sqlite3``."""
    crawler: CrawlerSettings = field(default_factory=CrawlerSettings)
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    config_dir: Path = CONFIG_DIR

    @property
    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'egov-audit.sqlite3').resolve()}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"


_SECTIONS = {"crawler": CrawlerSettings, "browser": BrowserSettings, "checks": CheckSettings,
             "schedule": ScheduleSettings}


def _coerce(value: Any, template: Any, where: str) -> Any:
    """Convert a TOML or environment value to the type of the default it replaces."""
    kind = type(template)
    if template is None:
        return None if value in ("", None) else str(value)
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        if kind in (int, float) and isinstance(value, bool):
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: expected {kind.__name__}, got {value!r}") from None


def _apply(obj: Any, values: dict[str, Any], where: str) -> None:
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in values.items():
        if key not in names:
            raise SettingsError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(names))})")
        setattr(obj, key, _coerce(value, getattr(obj, key), f"{where}.{key}"))


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build the settings from defaults, an optional TOML file and the environment."""
    env = dict(os.environ if env is None else env)
    settings = Settings()
    if "EGOV_AUDIT_DATA" in env:
        settings.data_dir = Path(env["EGOV_AUDIT_DATA"])
    if config_file is not None:
        try:
            data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"{config_file}: file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{config_file}: not valid TOML: {exc}") from None
        for key, value in data.items():
            if key in _SECTIONS:
                if not isinstance(value, dict):
                    raise SettingsError(f"{config_file}: [{key}] must be a table")
                _apply(getattr(settings, key), value, f"{config_file}: {key}")
            elif key == "data_dir":
                settings.data_dir = Path(value)
            elif key == "db":
                settings.db_url = str(value)
            else:
                raise SettingsError(f"{config_file}: unknown key {key!r}")
    if env.get("EGOV_AUDIT_DB"):
        settings.db_url = env["EGOV_AUDIT_DB"]
    if env.get("EGOV_AUDIT_CHROMIUM"):
        settings.browser.executable_path = env["EGOV_AUDIT_CHROMIUM"]
    # EGOV_AUDIT_<KEY> or EGOV_AUDIT_<SECTION>_<KEY> override single values.
    for section_name in _SECTIONS:
        section = getattr(settings, section_name)
        for f in dataclasses.fields(section):
            for var in (f"EGOV_AUDIT_{section_name.upper()}_{f.name.upper()}", f"EGOV_AUDIT_{f.name.upper()}"):
                if var in env and not (section_name != "crawler" and var == f"EGOV_AUDIT_{f.name.upper()}"):
                    setattr(section, f.name, _coerce(env[var], getattr(section, f.name), var))
                    break
    return settings
