"""The shared headless Chromium gatherer: screenshots, rendered DOM, mobile and axe probes.

This is the only module that talks to the browser (Lighthouse's "gatherer"): every method returns raw
data for ``CapturedSite.probes`` / ``CapturedPage.rendered_html`` / evidence, and judges nothing.

One Chromium process serves a whole run; each task gets a fresh browser context (no cookies, storage or
cache leak from one unit's portal to the next) and a semaphore bounds the open pages
(``BrowserSettings.max_pages``), because every tab costs memory on small audit machines.

Crawled pages are untrusted. JavaScript runs (many portals build their menus with it), but downloads are
refused, service workers blocked, pop-ups closed, WebSockets never opened, and a request router lets
through only the audited host and, for static assets (CSS, scripts, images, fonts), hosts of the same site
(``static.bacninh.gov.vn`` for ``yenphong.bacninh.gov.vn``). Everything else (analytics, trackers,
third-party widgets, ads) is aborted: it is not evidence about the unit, it would leak the audit to third
parties, and it makes results depend on other people's servers (and the audit machine may have no
general network at all).

Chromium never talks to the network itself. Every request it makes is answered by the router from the
unit's ``crawler.sender.Sender``: the same SSRF guard (the vetted address pinned, so DNS rebinding cannot
reach an internal address, same-site documents checked like any other request), the same per-host and
per-IP politeness slots as the crawl (a page's assets take slots but no turn of the start delay), the
size caps, and the WARC record of each exchange. Redirects are followed by the sender, each hop vetted,
because Chromium would follow a redirect it was handed without asking the router; the page's own URL is
resolved before navigating so relative links still resolve against where the page really is. As a
second wall, Chromium is started with a proxy that refuses every connection: a request that escaped
the router (a preconnect, a WebSocket) reaches nothing. WebSockets are refused outright: they cannot be
pinned, recorded or counted as one request, and the evidence never needs a live socket (the
long-polling fallbacks they come with are plain requests, which go through the router).

Errors (timeouts, navigation failures, a crashed renderer) never raise from the probe methods: they come
back as ``{"error": "..."}`` (or ``None`` for the bytes/str shortcuts), so one broken portal never stops
a run.
"""

from __future__ import annotations

import asyncio
import importlib.util
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
from playwright.async_api import BrowserContext, Page, Playwright, Response, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from egov_audit import CONTACT_URL, __version__
from egov_audit.core.dates import AUDIT_TIMEZONE
from egov_audit.crawler.browser_router import (
    STATIC_RESOURCE_TYPES,
    Router,
    refuse_websocket,
    request_allowed,
    site_of,
)
from egov_audit.crawler.request import Request
from egov_audit.crawler.request import Response as Response_
from egov_audit.crawler.sender import Sender
from egov_audit.crawler.settings import BrowserSettings

log = logging.getLogger(__name__)

__all__ = ["STATIC_RESOURCE_TYPES", "Browser", "NavigationRefused", "axe_script_path", "request_allowed",
           "resolve_executable", "site_of"]

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


def _message(exc: BaseException) -> str:
    """A short, one-line error text (Playwright messages carry multi-line call logs)."""
    if isinstance(exc, TimeoutError | PlaywrightTimeoutError):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"timeout: {first}" if first else "timeout"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


class NavigationRefused(Exception):
    """The URL may not be opened (bad scheme, private address without permission, no answer)."""


class Browser:
    """One headless Chromium for a whole run: ``async with Browser(settings) as browser: ...``.

    Every method takes the unit's ``sender``: the page's requests go through it (see the module
    docstring), so whether private addresses may be reached is the sender's settings' decision
    (``CrawlerSettings.allow_private_networks``: tests and the demo audit portals on 127.0.0.1).
    """

    def __init__(self, settings: BrowserSettings | None = None) -> None:
        self.settings = settings or BrowserSettings()
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None
        self._slots: asyncio.Semaphore | None = None
        self._launch_lock: asyncio.Lock | None = None
        self._user_agent: str | None = None
        self._dead_end: socket.socket | None = None

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
        if self._dead_end is not None:
            self._dead_end.close()
            self._dead_end = None
        if self._browser is not None:
            try:
                await self._browser.close()
            except PlaywrightError:
                pass  # Already gone (crashed or killed); nothing left to release.
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    def _proxy_args(self) -> list[str]:
        """A proxy that refuses every connection (a bound port nobody listens on), loopback included."""
        if self._dead_end is None:
            self._dead_end = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._dead_end.bind(("127.0.0.1", 0))
        port = self._dead_end.getsockname()[1]
        return [f"--proxy-server=http://127.0.0.1:{port}", "--proxy-bypass-list=<-loopback>"]

    async def _launch(self) -> PlaywrightBrowser:
        assert self._playwright is not None, "use `async with Browser(...)`"
        self._browser = await self._playwright.chromium.launch(
            executable_path=resolve_executable(self.settings),
            headless=True,
            args=[*LAUNCH_ARGS, *self._proxy_args()],
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

    async def _open(self, url: str, sender: Sender) -> Response_:
        """Fetch the page itself through the sender, following its redirects (each hop vetted), so the
        browser navigates to where the page really is; refuses what may not be opened."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NavigationRefused(f"refused: not an http(s) URL: {url!r}")
        host = parts.hostname
        response = await sender.send(Request(url, kind="browser", robots="ignore",
                                             scope=lambda u: request_allowed(host, u, "document")))
        if response.status is None:
            failure = response.error.value if response.error is not None else "other"
            raise NavigationRefused(f"{failure}: {response.detail or url}")
        return response

    def _context_options(self, mobile: bool) -> dict[str, Any]:
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
            options.update(viewport={"width": s.mobile_width, "height": s.mobile_height}, is_mobile=True,
                           has_touch=True, device_scale_factor=1)
        else:
            options.update(viewport={"width": s.viewport_width, "height": s.viewport_height})
        return options

    @asynccontextmanager
    async def _page(self, url: str, sender: Sender, *, mobile: bool = False,
                    settle: bool = True) -> AsyncIterator[tuple[Page, Response | None]]:
        """Open ``url`` in a fresh context whose every request goes through ``sender``; yields the page
        and the main response."""
        assert self._slots is not None, "use `async with Browser(...)`"
        async with self._slots:
            first = await self._open(url, sender)
            final = first.final_url
            router = Router(sender, urlsplit(final).hostname or "", {final: first})
            browser = await self._ensure_browser()
            context: BrowserContext = await browser.new_context(**self._context_options(mobile))
            try:
                context.set_default_timeout(self._timeout_ms)
                await context.route("**/*", router.handle)
                await context.route_web_socket(lambda _url: True, refuse_websocket)
                # Pop-ups are not part of the evidence; close them as they open.
                context.on("page", _close_popup)
                page = await context.new_page()
                response = await self._goto(page, final, settle=settle)
                yield page, response
            finally:
                router.close()
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
        self, url: str, locator: str | None = None, full_page: bool = True, *, sender: Sender
    ) -> dict[str, Any]:
        """Screenshot ``url`` with the element matched by the CSS selector ``locator`` outlined in red.

        Returns ``{"png": bytes | None, "found": bool | None, "box": {"x","y","width","height"} | None,
        "final_url", "status", "error"}``. ``found`` is None without a locator; when the element is not
        found (or the selector is invalid) the page is shot anyway with ``found: False``. ``box`` is in
        the coordinates of the returned image. ``png`` is None when screenshots are off.
        """
        return (await self.screenshot_results(url, [locator], full_page, sender=sender))[locator]

    async def screenshot_results(
        self, url: str, locators: list[str | None], full_page: bool = True, *, sender: Sender
    ) -> dict[str | None, dict[str, Any]]:
        """``screenshot_result`` for several elements of one page, with one navigation: each element is
        outlined alone, shot, and its outline removed (navigation dominates the cost of a screenshot)."""
        if not self.settings.screenshots:
            off = {"png": None, "found": None, "box": None, "error": "screenshots are turned off"}
            return {locator: dict(off) for locator in locators}

        async def work() -> dict[str, Any]:
            # An evidence page was already crawled and judged from its HTML: after "load" it shows what
            # proves the finding, so the network-idle wait (>= 0.5 s a page) is spent only on probes.
            async with self._page(url, sender, settle=False) as (page, response):
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

    async def screenshot(self, url: str, locator: str | None = None, full_page: bool = True, *,
                         sender: Sender) -> bytes | None:
        """PNG bytes of ``url`` with ``locator`` outlined (see ``screenshot_result``); None on failure."""
        return (await self.screenshot_result(url, locator, full_page, sender=sender))["png"]

    async def render_result(self, url: str, sender: Sender) -> dict[str, Any]:
        """``{"html": DOM after scripts ran, "final_url", "status"}`` or ``{"error": ...}``."""

        async def work() -> dict[str, Any]:
            async with self._page(url, sender) as (page, response):
                return {
                    "html": await page.content(),
                    "final_url": page.url,
                    "status": response.status if response else None,
                }

        return await self._guarded(work)

    async def render(self, url: str, sender: Sender) -> str | None:
        """The DOM after scripts ran (for JavaScript-only menus), or None when rendering failed."""
        return (await self.render_result(url, sender)).get("html")

    async def mobile_probe(self, url: str, sender: Sender) -> dict[str, Any]:
        """The page as a phone shows it (``mobile_width`` px, mobile emulation).

        ``{"viewport_meta": content | None, "width": 390, "scroll_width": int, "client_width": int,
        "horizontal_scroll": bool, "final_url", "status"}`` or ``{"error": ...}``.
        """

        async def work() -> dict[str, Any]:
            async with self._page(url, sender, mobile=True) as (page, response):
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

    async def axe_probe(self, url: str, sender: Sender) -> dict[str, Any]:
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
            async with self._page(url, sender) as (page, response):
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
