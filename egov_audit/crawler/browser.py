"""The shared headless Chromium gatherer: screenshots, rendered DOM, mobile and axe probes.

This is the only module that talks to the browser (Lighthouse's "gatherer"): every method returns raw
data for ``CapturedSite.probes`` / ``CapturedPage.rendered_html`` / evidence, and judges nothing.

One Chromium process serves a whole run; each task gets a fresh browser context (no cookies, storage or
cache leak from one unit's portal to the next) and a semaphore bounds the open pages
(``BrowserSettings.max_pages``), because every tab costs memory on small audit machines.

Crawled pages are untrusted. JavaScript runs (many portals build their menus with it), but downloads are
refused, service workers blocked, pop-ups closed, and a request router lets through only the audited
host and, for static assets (CSS, scripts, images, fonts), hosts of the same site
(``static.bacninh.gov.vn`` for ``yenphong.bacninh.gov.vn``). Everything else (analytics, trackers,
third-party widgets, ads) is aborted: it is not evidence about the unit, it would leak the audit to third
parties, and it makes results depend on other people's servers (and the audit machine may have no
general network at all).

Errors (timeouts, navigation failures, a crashed renderer) never raise from the probe methods: they come
back as ``{"error": "..."}`` (or ``None`` for the bytes/str shortcuts), so one broken portal never stops
a run.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser as PlaywrightBrowser
from playwright.async_api import BrowserContext, Page, Playwright, Request, Response, Route, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from egov_audit import CONTACT_URL, __version__
from egov_audit.core.dates import AUDIT_TIMEZONE
from egov_audit.crawler.settings import BrowserSettings

log = logging.getLogger(__name__)

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
"""Distribution Chromium binaries tried after the setting and ``$EGOV_AUDIT_CHROMIUM``."""

LAUNCH_ARGS = [
    # The audit runs in containers as root, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    # /dev/shm is tiny in containers; without this, big pages crash the renderer.
    "--disable-dev-shm-usage",
    # No traffic of Chromium's own (updates, safe browsing, sync): only the audited pages.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

OUTLINE_STYLE = "6px solid #ff0000"
"""How the matched element is marked on evidence screenshots (thick, pure red: easy to see and to test)."""

STATIC_RESOURCE_TYPES = frozenset({"stylesheet", "script", "image", "font", "media"})
"""Request types allowed from other hosts of the audited site."""

_SECOND_LEVEL_LABELS = frozenset(
    {"gov", "com", "edu", "org", "net", "ac", "co", "int", "info", "name", "pro", "biz", "health"}
)

IMPACTS = ("critical", "serious", "moderate", "minor")


def resolve_executable(settings: BrowserSettings) -> str | None:
    """The Chromium binary to launch: the setting, ``$EGOV_AUDIT_CHROMIUM``, then Debian's paths.

    None means "let Playwright use its own downloaded browser" (which may not be installed).
    """
    if settings.executable_path:
        return settings.executable_path
    from_env = os.environ.get("EGOV_AUDIT_CHROMIUM")
    if from_env:
        return from_env
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def axe_script_path() -> Path:
    """axe-core as bundled by the ``axe-playwright-python`` package (no network needed)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("axe-playwright-python is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: axe.min.js is not bundled")
    return path


def site_of(host: str) -> str:
    """Registrable part of a host name (``bacninh.gov.vn`` for ``yenphong.bacninh.gov.vn``).

    A small heuristic instead of the Public Suffix List: Vietnamese portals sit under ``*.gov.vn`` and
    similar two-label suffixes, which is what matters here. IP literals are their own site.
    """
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL_LABELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def request_allowed(audited_host: str, url: str, resource_type: str) -> bool:
    """Whether a request made while auditing ``audited_host`` may go out (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    audited_host = audited_host.lower()
    if host == audited_host:
        return True
    if site_of(host) == site_of(audited_host):
        # "document" too: a main-frame redirect from example.gov.vn to www.example.gov.vn.
        return resource_type in STATIC_RESOURCE_TYPES or resource_type == "document"
    return False


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


async def private_address_of(host: str) -> str | None:
    """The first loopback/private/link-local address ``host`` resolves to, or None.

    The crawler already refuses such targets; this repeats the guard for URLs handed to the browser
    directly, so Chromium is never an SSRF path into the audit machine's network.
    """
    host = host.strip("[]")
    try:
        return host if _is_private(host) else None
    except ValueError:
        pass
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return host
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return None  # Chromium will report the DNS failure itself.
    for info in infos:
        address = str(info[4][0])
        if _is_private(address):
            return address
    return None


def _message(exc: BaseException) -> str:
    """A short, one-line error text (Playwright messages carry multi-line call logs)."""
    if isinstance(exc, TimeoutError | PlaywrightTimeoutError):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"timeout: {first}" if first else "timeout"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


class NavigationRefused(Exception):
    """The URL may not be opened (bad scheme, private address without permission)."""


class Browser:
    """One headless Chromium for a whole run: ``async with Browser(settings) as browser: ...``.

    ``allow_private_networks`` mirrors ``CrawlerSettings.allow_private_networks`` (tests and the demo
    audit portals on 127.0.0.1).
    """

    def __init__(
        self, settings: BrowserSettings | None = None, *, allow_private_networks: bool = False
    ) -> None:
        self.settings = settings or BrowserSettings()
        self.allow_private_networks = allow_private_networks
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None
        self._slots: asyncio.Semaphore | None = None
        self._launch_lock: asyncio.Lock | None = None
        self._user_agent: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> Browser:
        self._slots = asyncio.Semaphore(max(1, self.settings.max_pages))
        self._launch_lock = asyncio.Lock()
        self._playwright = await async_playwright().start()
        try:
            await self._launch()
        except BaseException:
            await self._playwright.stop()
            self._playwright = None
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._browser is not None:
            try:
                await self._browser.close()
            except PlaywrightError:
                pass  # Already gone (crashed or killed); nothing left to release.
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    async def _launch(self) -> PlaywrightBrowser:
        assert self._playwright is not None, "use `async with Browser(...)`"
        self._browser = await self._playwright.chromium.launch(
            executable_path=resolve_executable(self.settings),
            headless=True,
            args=LAUNCH_ARGS,
        )
        if self._user_agent is None:
            self._user_agent = self.settings.user_agent or await self._default_user_agent(self._browser)
        return self._browser

    @staticmethod
    async def _default_user_agent(browser: PlaywrightBrowser) -> str:
        page = await browser.new_page()
        try:
            base = str(await page.evaluate("navigator.userAgent"))
        finally:
            await page.close()
        # Some portals turn away "HeadlessChrome"; the audit identifies itself by the suffix instead.
        return f"{base.replace('HeadlessChrome', 'Chrome')} egov-audit/{__version__} (+{CONTACT_URL})"

    async def _ensure_browser(self) -> PlaywrightBrowser:
        """The running browser, relaunched once if it crashed: a nightly run must not die with it."""
        assert self._launch_lock is not None, "use `async with Browser(...)`"
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            log.warning("Chromium is gone; launching it again")
            return await self._launch()

    @classmethod
    async def available(cls, settings: BrowserSettings | None = None) -> bool:
        """Whether Chromium can be launched with these settings (for ``--no-browser`` / ``unknown``)."""
        settings = settings or BrowserSettings()
        if not settings.enabled:
            return False
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=resolve_executable(settings), headless=True, args=LAUNCH_ARGS
                )
                await browser.close()
            return True
        except Exception as exc:  # noqa: BLE001 - any launch failure means "not available"
            log.warning("Chromium cannot be launched: %s", _message(exc))
            return False

    # -- one task: a fresh context and page --------------------------------------------------------

    @property
    def _timeout_ms(self) -> float:
        return self.settings.navigation_timeout_seconds * 1000

    async def _check_url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NavigationRefused(f"refused: not an http(s) URL: {url!r}")
        if not self.allow_private_networks:
            private = await private_address_of(parts.hostname)
            if private is not None:
                raise NavigationRefused(f"private_address: {parts.hostname} resolves to {private}")
        return parts.hostname

    @asynccontextmanager
    async def _page(self, url: str, *, mobile: bool = False,
                    settle: bool = True) -> AsyncIterator[tuple[Page, Response | None]]:
        """Open ``url`` in a fresh context; yields the page and the main response."""
        host = await self._check_url(url)
        assert self._slots is not None, "use `async with Browser(...)`"
        async with self._slots:
            browser = await self._ensure_browser()
            s = self.settings
            options: dict[str, Any] = {
                "user_agent": self._user_agent,
                "accept_downloads": False,
                "java_script_enabled": True,
                "service_workers": "block",
                # axe is injected with evaluate; a strict CSP must not stop the probe.
                "bypass_csp": True,
                "locale": "vi-VN",
                "timezone_id": AUDIT_TIMEZONE,
            }
            if mobile:
                options.update(
                    viewport={"width": s.mobile_width, "height": s.mobile_height},
                    is_mobile=True,
                    has_touch=True,
                    device_scale_factor=1,
                )
            else:
                options.update(viewport={"width": s.viewport_width, "height": s.viewport_height})
            context: BrowserContext = await browser.new_context(**options)
            try:
                context.set_default_timeout(self._timeout_ms)
                await context.route("**/*", _router(host))
                # Pop-ups are not part of the evidence; close them as they open.
                context.on("page", _close_popup)
                page = await context.new_page()
                response = await self._goto(page, url, settle=settle)
                yield page, response
            finally:
                try:
                    await context.close()
                except PlaywrightError:
                    pass  # The browser died under us; _ensure_browser relaunches it next time.

    async def _goto(self, page: Page, url: str, settle: bool = True) -> Response | None:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=self._timeout_ms)
        # "load" waits for images and late scripts; a hanging tracker must not fail the probe.
        try:
            await page.wait_for_load_state("load", timeout=self._timeout_ms)
        except PlaywrightTimeoutError:
            pass
        if settle and self.settings.idle_wait_seconds > 0:
            try:
                await page.wait_for_load_state("networkidle", timeout=self.settings.idle_wait_seconds * 1000)
            except PlaywrightTimeoutError:
                pass
        return response

    async def _guarded(self, work: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """Run one task with an overall deadline; any failure becomes ``{"error": ...}``."""
        # Navigation, load and evaluate each have their own timeout; this bounds the sum (and a hung
        # renderer, which no Playwright timeout covers).
        deadline = self.settings.navigation_timeout_seconds * 3 + self.settings.idle_wait_seconds
        try:
            async with asyncio.timeout(deadline):
                return await work()
        except NavigationRefused as exc:
            return {"error": str(exc)}
        except (PlaywrightError, TimeoutError, OSError) as exc:
            return {"error": _message(exc)}

    # -- probes ------------------------------------------------------------------------------------

    async def screenshot_result(
        self, url: str, locator: str | None = None, full_page: bool = True
    ) -> dict[str, Any]:
        """Screenshot ``url`` with the element matched by the CSS selector ``locator`` outlined in red.

        Returns ``{"png": bytes | None, "found": bool | None, "box": {"x","y","width","height"} | None,
        "final_url", "status", "error"}``. ``found`` is None without a locator; when the element is not
        found (or the selector is invalid) the page is shot anyway with ``found: False``. ``box`` is in
        the coordinates of the returned image. ``png`` is None when screenshots are off.
        """
        return (await self.screenshot_results(url, [locator], full_page))[locator]

    async def screenshot_results(
        self, url: str, locators: list[str | None], full_page: bool = True
    ) -> dict[str | None, dict[str, Any]]:
        """``screenshot_result`` for several elements of one page, with one navigation: each element is
        outlined alone, shot, and its outline removed (navigation dominates the cost of a screenshot)."""
        if not self.settings.screenshots:
            off = {"png": None, "found": None, "box": None, "error": "screenshots are turned off"}
            return {locator: dict(off) for locator in locators}

        async def work() -> dict[str, Any]:
            # An evidence page was already crawled and judged from its HTML: after "load" it shows what
            # proves the finding, so the network-idle wait (>= 0.5 s a page) is spent only on probes.
            async with self._page(url, settle=False) as (page, response):
                shots = {}
                for locator in dict.fromkeys(locators):
                    shots[locator] = await self._shoot(page, response, locator, full_page)
                return {"shots": shots}

        result = await self._guarded(work)
        if "shots" in result:
            return result["shots"]
        return {locator: {"png": None, "found": None, "box": None, **result} for locator in locators}

    async def _shoot(self, page: Page, response: Response | None, locator: str | None,
                     full_page: bool) -> dict[str, Any]:
        found: bool | None = None
        box: dict[str, float] | None = None
        note: str | None = None
        if locator:
            try:
                box = await page.evaluate(_OUTLINE_JS, {"selector": locator, "outline": OUTLINE_STYLE})
                found = box is not None
            except PlaywrightError as exc:
                found, note = False, f"invalid selector: {_message(exc)}"
        clip = None
        top = 0.0
        if full_page:
            height = float(await page.evaluate(_DOC_HEIGHT_JS))
            limit = float(self.settings.max_screenshot_height)
            if height > limit:
                width = float(await page.evaluate("document.documentElement.scrollWidth"))
                centre = (box["y"] + box["height"] / 2) if box else 0.0
                top = max(0.0, min(centre - limit / 2, height - limit))
                clip = {"x": 0, "y": top, "width": width, "height": limit}
        else:
            # The element was scrolled into view; report its box in viewport coordinates.
            top = float(await page.evaluate("window.scrollY"))
        if box is not None:
            box = {**box, "y": box["y"] - top}
            if not full_page:
                box["x"] -= float(await page.evaluate("window.scrollX"))
        png = await page.screenshot(full_page=full_page, clip=clip, type="png", animations="disabled")
        if found:
            await page.evaluate(_UNOUTLINE_JS, {"selector": locator})
        return {
            "png": png,
            "found": found,
            "box": box,
            "final_url": page.url,
            "status": response.status if response else None,
            "error": note,
        }

    async def screenshot(self, url: str, locator: str | None = None, full_page: bool = True) -> bytes | None:
        """PNG bytes of ``url`` with ``locator`` outlined (see ``screenshot_result``); None on failure."""
        return (await self.screenshot_result(url, locator, full_page))["png"]

    async def render_result(self, url: str) -> dict[str, Any]:
        """``{"html": DOM after scripts ran, "final_url", "status"}`` or ``{"error": ...}``."""

        async def work() -> dict[str, Any]:
            async with self._page(url) as (page, response):
                return {
                    "html": await page.content(),
                    "final_url": page.url,
                    "status": response.status if response else None,
                }

        return await self._guarded(work)

    async def render(self, url: str) -> str | None:
        """The DOM after scripts ran (for JavaScript-only menus), or None when rendering failed."""
        return (await self.render_result(url)).get("html")

    async def mobile_probe(self, url: str) -> dict[str, Any]:
        """The page as a phone shows it (``mobile_width`` px, mobile emulation).

        ``{"viewport_meta": content | None, "width": 390, "scroll_width": int, "client_width": int,
        "horizontal_scroll": bool, "final_url", "status"}`` or ``{"error": ...}``.
        """

        async def work() -> dict[str, Any]:
            async with self._page(url, mobile=True) as (page, response):
                data = await page.evaluate(_MOBILE_JS)
                return {
                    "viewport_meta": data["viewport_meta"],
                    "width": self.settings.mobile_width,
                    "scroll_width": int(data["scroll_width"]),
                    "client_width": int(data["client_width"]),
                    "horizontal_scroll": int(data["scroll_width"]) > int(data["client_width"]),
                    "final_url": page.url,
                    "status": response.status if response else None,
                }

        return await self._guarded(work)

    async def axe_probe(self, url: str) -> dict[str, Any]:
        """axe-core violations of ``url``.

        ``{"violations": [{"id", "impact", "nodes": count, "help", "help_url", "targets": [css, ...]}],
        "counts": {"critical", "serious", "moderate", "minor"}, "axe_version", "final_url", "status"}``
        or ``{"error": ...}``. ``targets`` holds up to 5 selectors of offending elements (evidence).
        """
        try:
            script = axe_script_path().read_text(encoding="utf-8")
        except OSError as exc:
            return {"error": _message(exc)}

        async def work() -> dict[str, Any]:
            async with self._page(url) as (page, response):
                # evaluate (not a <script> tag): unaffected by the page's CSP and leaves no DOM trace.
                await page.evaluate(script)
                raw = await page.evaluate(_AXE_RUN_JS)
                violations = [
                    {
                        "id": v["id"],
                        "impact": v.get("impact"),
                        "nodes": len(v.get("nodes", [])),
                        "help": v.get("help"),
                        "help_url": v.get("helpUrl"),
                        "targets": [_target(n) for n in v.get("nodes", [])[:5]],
                    }
                    for v in raw["violations"]
                ]
                counts = dict.fromkeys(IMPACTS, 0)
                for v in violations:
                    if v["impact"] in counts:
                        counts[v["impact"]] += 1
                return {
                    "violations": violations,
                    "counts": counts,
                    "axe_version": raw.get("version"),
                    "final_url": page.url,
                    "status": response.status if response else None,
                }

        return await self._guarded(work)


def _target(node: dict[str, Any]) -> str:
    target = node.get("target") or []
    # Targets inside iframes/shadow roots are nested lists; keep the outermost selector.
    first = target[0] if target else ""
    return first if isinstance(first, str) else " ".join(map(str, first))


def _router(audited_host: str) -> Callable[[Route, Request], Awaitable[None]]:
    async def handle(route: Route, request: Request) -> None:
        try:
            if request_allowed(audited_host, request.url, request.resource_type):
                await route.continue_()
            else:
                await route.abort("blockedbyclient")
        except PlaywrightError:
            pass  # The page or context closed while the request was in flight.

    return handle


async def _close_popup(page: Page) -> None:
    try:
        opener = await page.opener()
        if opener is not None:
            await page.close()
    except PlaywrightError:
        pass


_OUTLINE_JS = """({selector, outline}) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  el.style.setProperty('outline', outline, 'important');
  el.style.setProperty('outline-offset', '2px', 'important');
  el.scrollIntoView({block: 'center', inline: 'center'});
  const r = el.getBoundingClientRect();
  return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
}"""

_UNOUTLINE_JS = """({selector}) => {
  const el = document.querySelector(selector);
  if (el) { el.style.removeProperty('outline'); el.style.removeProperty('outline-offset'); }
}"""

_DOC_HEIGHT_JS = """() => Math.max(
  document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)"""

_MOBILE_JS = """() => {
  const meta = document.querySelector('meta[name="viewport" i]');
  const root = document.documentElement;
  return {
    viewport_meta: meta ? meta.getAttribute('content') : null,
    scroll_width: Math.max(root.scrollWidth, document.body ? document.body.scrollWidth : 0),
    client_width: root.clientWidth,
  };
}"""

_AXE_RUN_JS = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return {version: r.testEngine && r.testEngine.version,
          violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                                              nodes: v.nodes.map(n => ({target: n.target}))}))};
}"""
