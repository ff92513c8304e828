"""Network probes besides the crawl: HTTPS, AAAA records, the site-search submission, link statuses.

``https_probe`` and ``dns_probe`` are safe by default: the host is resolved and refused when it is not a
public address (unless ``allow_private_networks``), one request per scheme is made, no redirect followed.

``search_probe`` and ``link_status_probe`` carry out plans made by ``checks.search_plan`` (which form,
which query, which links) and judge nothing: they return what the server answered for the checks
``tech.search`` and ``tech.broken_links``. Every request goes through the same SSRF guard as the crawl
(each hop resolved and vetted, the connected peer checked again), the politeness limiter (per-host and
per-IP slots, per-host delay, robots.txt ``Crawl-delay``), the size cap and the request time cap.

robots.txt and the search form: result pages are commonly disallowed (``Disallow: /search``), yet
CRITERIA.md §2 asks whether the search *works*, which only submitting the form shows. A visitor's
browser submits it whatever robots.txt says, and it is one request the site itself offers, so the probe
submits it anyway and records ``robots_disallowed: True`` in its result for the reviewer to see. Link
statuses, by contrast, are plain crawling: disallowed links are not requested and are marked ``robots``.
"""

from __future__ import annotations

import asyncio
import codecs
import socket
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego

from egov_audit.core.bodies import decode_body
from egov_audit.core.failures import FailureClass
from egov_audit.core.urls import normalize_url
from egov_audit.crawler.exchange import Exchange, ExchangeSink, deliver
from egov_audit.crawler.failures import TRANSIENT, FetchRefused, classify_exception
from egov_audit.crawler.fetch import request_headers
from egov_audit.crawler.politeness import HostLimiter, backoff_seconds
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.settings import CrawlerSettings

if TYPE_CHECKING:
    from egov_audit.core.artifacts import CapturedSite, SearchPlan


async def https_probe(
    host: str, client: httpx.AsyncClient, *, allow_private_networks: bool = False, timeout: float = 15.0
) -> dict[str, Any]:
    """Does ``https://host/`` answer with a valid certificate, and does ``http://host/`` redirect to HTTPS?

    Returns ``{"https_ok", "https_status", "https_error", "http_status", "http_redirects_to_https",
    "http_location", "http_error"}``. ``https_error`` is a failure class (``tls`` = bad certificate or
    handshake). The client must verify certificates (httpx does by default).
    """
    host = host.strip().lower()
    # "host:port" is accepted (tests, non-standard ports); the port is then used for both schemes.
    name, _, port_text = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    fixed_port = int(port_text) if port_text.isdigit() else None
    if fixed_port is None:
        name = host
    result: dict[str, Any] = {
        "https_ok": False,
        "https_status": None,
        "https_error": None,
        "http_status": None,
        "http_redirects_to_https": None,
        "http_location": None,
        "http_error": None,
    }
    resolver = Resolver(allow_private_networks)
    for scheme, port in (("https", 443), ("http", 80)):
        try:
            await resolver.check(name, fixed_port or port)
            response = await client.get(f"{scheme}://{host}/", follow_redirects=False, timeout=timeout)
            await response.aclose()
        except (FetchRefused, socket.gaierror, httpx.HTTPError, OSError) as exc:
            failure, _detail = classify_exception(exc)
            result[f"{scheme}_error"] = failure.value
            continue
        result[f"{scheme}_status"] = response.status_code
        if scheme == "https":
            result["https_ok"] = response.status_code < 500
        else:
            location = response.headers.get("location")
            result["http_location"] = location
            redirects = response.status_code in (301, 302, 303, 307, 308) and bool(location)
            target = urlsplit(str(response.url.join(location))) if redirects and location else None
            result["http_redirects_to_https"] = bool(target and target.scheme == "https")
    return result


async def dns_probe(host: str) -> dict[str, Any]:
    """IPv6 readiness: ``{"aaaa": [addresses]}`` (empty when the name has only A records) or ``{"error": ...}``."""
    host = host.strip().lower().strip("[]")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, family=socket.AF_INET6, type=socket.SOCK_STREAM)
    except socket.gaierror:
        # No AAAA is not an error if the name resolves at all.
        try:
            await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            return {"error": f"dns: {exc}"[:200]}
        return {"aaaa": []}
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        # getaddrinfo may synthesise v4-mapped addresses; those are not AAAA records.
        if not address.startswith("::ffff:") and address not in addresses:
            addresses.append(address)
    return {"aaaa": addresses}


# ---------------------------------------------------------------------------- shared request machinery
_REDIRECTS = {301, 302, 303, 307, 308}
_ROBOTS_MAX_BYTES = 512 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


@dataclass
class _Answer:
    """One request's outcome (no redirect followed)."""

    url: str
    status: int | None = None
    headers: httpx.Headers | None = None
    body: bytes = b""
    """Decoded body (Content-Encoding removed), cut at the cap."""
    error: FailureClass | None = None
    detail: str | None = None
    truncated: bool = False


@dataclass
class _Requester:
    """Sends single requests the way the crawler's fetcher does: vetted address, politeness slot,
    capped body. Redirects are left to the callers, which each have their own rules for them."""

    client: httpx.AsyncClient
    settings: CrawlerSettings
    limiter: HostLimiter
    sink: ExchangeSink | None = None
    resolver: Resolver = field(init=False)
    crawl_delay: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.resolver = Resolver(self.settings.allow_private_networks)

    def delay_for(self, host: str) -> float:
        return max(self.settings.delay_seconds, self.crawl_delay.get(host, 0.0))

    async def send(self, method: str, url: str, *, content: bytes | None = None,
                   headers: dict[str, str] | None = None, read_body: bool = True, cap: int | None = None,
                   kind: str = "probe") -> _Answer:
        """One request; never raises (failures become ``_Answer.error``)."""
        answer = _Answer(url)
        try:
            async with asyncio.timeout(self.settings.max_request_seconds):
                await self._send(method, url, content, headers or {}, read_body,
                                 self.settings.max_bytes if cap is None else cap, kind, answer)
        except TimeoutError:
            answer.error, answer.detail = FailureClass.TIMEOUT, "request time cap"
        except Exception as exc:  # noqa: BLE001 - every failure becomes a FailureClass, never a crash
            answer.error, answer.detail = classify_exception(exc)
        return answer

    async def _send(self, method: str, url: str, content: bytes | None, headers: dict[str, str],
                    read_body: bool, cap: int, kind: str, answer: _Answer) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused(FailureClass.PROTOCOL, f"not an http(s) URL: {url[:100]}")
        host = parts.hostname
        ip = await self.resolver.check(host, parts.port or (443 if parts.scheme == "https" else 80))
        async with self.limiter.slot(host, ip, self.delay_for(host)):
            started = datetime.now(UTC)
            request = self.client.build_request(method, url, content=content,
                                                headers={**request_headers(self.settings), **headers})
            response = await self.client.send(request, stream=True, follow_redirects=False)
            try:
                self.resolver.check_peer(_peer_address(response))
                answer.status, answer.headers = response.status_code, response.headers
                raw = b""
                if read_body and method != "HEAD":
                    raw, answer.body, answer.truncated = await _read_capped(response, cap)
            finally:
                await response.aclose()
        if self.sink is not None:
            exchange = Exchange(
                method=method, url=url,
                request_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                status=response.status_code,
                response_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
                                  if k.lower() != b"transfer-encoding"],
                body=raw, http_version=response.http_version or "HTTP/1.1", ip_address=ip, started_at=started,
                kind=kind, truncated="length" if answer.truncated or (not read_body and method != "HEAD") else None)
            await deliver(self.sink, exchange)

    async def send_with_retries(self, method: str, url: str, **kwargs: Any) -> _Answer:
        """``send``, retrying transient failures (timeouts, resets) with the crawl's backoff."""
        attempts = max(0, self.settings.retries) + 1
        for attempt in range(attempts):
            answer = await self.send(method, url, **kwargs)
            if answer.error not in TRANSIENT or attempt == attempts - 1:
                return answer
            await asyncio.sleep(backoff_seconds(attempt, self.settings.backoff_base_seconds))
        raise AssertionError("unreachable")  # pragma: no cover


def _peer_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        addr = stream.get_extra_info("server_addr")
    except Exception:  # noqa: BLE001 - transports differ; the pre-connect check still applies
        return None
    return str(addr[0]) if isinstance(addr, tuple) and addr else None


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bytes, bool]:
    """(wire bytes, decoded bytes, truncated): at most ``cap`` bytes either way, so neither a huge page
    nor a decompression bomb can take memory."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    decoder = (zlib.decompressobj(wbits=31) if encoding in ("gzip", "x-gzip")
               else zlib.decompressobj() if encoding == "deflate" else None)
    raw, decoded = bytearray(), bytearray()
    truncated = False
    try:
        async for chunk in response.aiter_raw():
            raw += chunk
            decoded += decoder.decompress(chunk, cap - len(decoded) + 1) if decoder is not None else chunk
            if len(decoded) > cap or len(raw) > cap or (decoder is not None and decoder.unconsumed_tail):
                truncated = True
                break
    except zlib.error:
        truncated = True
    return bytes(raw[:cap]), bytes(decoded[:cap]), truncated


class _RobotsRules:
    """robots.txt per origin: the text the crawl captured where given, else fetched once."""

    def __init__(self, requester: _Requester, known: dict[str, str | None]) -> None:
        self.requester = requester
        self.parsers: dict[str, Protego | None] = {}
        self.known = known
        self.locks: dict[str, asyncio.Lock] = {}

    async def allows(self, url: str) -> bool:
        settings = self.requester.settings
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        lock = self.locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self.parsers:
                text = self.known[origin] if origin in self.known else await self._fetch(origin)
                self.parsers[origin] = _parse_robots(text)
                parser = self.parsers[origin]
                delay = parser.crawl_delay(settings.user_agent) if parser is not None else None
                if delay:
                    host = parts.hostname or ""
                    self.requester.crawl_delay[host] = max(self.requester.crawl_delay.get(host, 0.0), float(delay))
        parser = self.parsers[origin]
        return parser is None or parser.can_fetch(url, settings.user_agent)

    async def _fetch(self, origin: str) -> str | None:
        url = origin + "/robots.txt"
        for _ in range(3):  # robots.txt may redirect (http → https); a few hops are enough
            answer = await self.requester.send("GET", url, cap=_ROBOTS_MAX_BYTES, kind="robots")
            location = answer.headers.get("location") if answer.headers is not None else None
            if answer.status in _REDIRECTS and location:
                url = urljoin(url, location)
                continue
            # 4xx, 5xx or no answer: no rules, as in the crawl.
            if answer.error is None and answer.status == 200 and answer.body:
                return answer.body.decode("utf-8", errors="replace")
            return None
        return None


def _parse_robots(text: str | None) -> Protego | None:
    if not text or "<html" in text[:2000].lower():  # a soft-404 HTML page is not a robots file
        return None
    try:
        return Protego.parse(text)
    except Exception:  # noqa: BLE001 - a garbled robots.txt means no rules
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


# ---------------------------------------------------------------------------- site search
def _codec(charset: str) -> str:
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return "utf-8"
    # Legacy font encodings are decoded as Latin-1 but their forms are typed in Unicode: send UTF-8.
    return name if name not in ("latin-1", "iso8859-1") or charset.lower() == "iso-8859-1" else "utf-8"


def encode_form(plan: SearchPlan) -> tuple[str, bytes | None, dict[str, str]]:
    """(URL, body, headers) of the submission, as a browser builds them from the plan's entry list."""
    charset = _codec(plan.charset)
    if plan.method == "GET":
        # A GET form replaces the action's query string with the form data (HTML "mutate action URL").
        parts = urlsplit(plan.action_url)
        query = urlencode(plan.fields, encoding=charset, errors="xmlcharrefreplace")
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, "")), None, {}
    if plan.enctype == "multipart/form-data":
        boundary = "----egovaudit" + uuid.uuid4().hex
        chunks = []
        for name, value in plan.fields:
            safe = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{safe}"\r\n\r\n'
                          .encode(charset, "xmlcharrefreplace") + value.encode(charset, "xmlcharrefreplace") + b"\r\n")
        body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
        return plan.action_url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if plan.enctype == "text/plain":
        body = "".join(f"{n}={v}\r\n" for n, v in plan.fields).encode(charset, "xmlcharrefreplace")
        return plan.action_url, body, {"Content-Type": "text/plain"}
    body = urlencode(plan.fields, encoding=charset, errors="xmlcharrefreplace").encode("ascii")
    return plan.action_url, body, {"Content-Type": "application/x-www-form-urlencoded"}


async def search_probe(plan: SearchPlan | None, client: httpx.AsyncClient, settings: CrawlerSettings, *,
                       limiter: HostLimiter | None = None, sink: ExchangeSink | None = None) -> dict[str, Any]:
    """Submit the site-search form of ``plan`` and return what came back; never raises.

    Returns ``{"form_url", "query", "result_url", "result_html", "error", "target_url", "status",
    "method", "action_url", "robots_disallowed", "redirects", "truncated"}``. ``error`` is ``no_form``
    (no plan), ``foreign_host`` (the action, or a redirect of the submission, leaves the site: not
    followed, ``result_url`` is where it would have gone), ``no_query`` (no dated article to search for:
    not submitted), ``not_html``, or a failure class of the request. An HTTP error status is an answer,
    not an error: its page is returned for the check to judge.
    """
    result: dict[str, Any] = {
        "form_url": None, "query": None, "result_url": None, "result_html": None, "error": None,
        "target_url": None, "status": None, "method": None, "action_url": None, "robots_disallowed": None,
        "redirects": [], "truncated": False,
    }
    if plan is None:
        result["error"] = "no_form"
        return result
    result.update(form_url=plan.form_url, query=plan.query, target_url=plan.target_url, method=plan.method,
                  action_url=plan.action_url)
    if plan.foreign_host:
        # CRITERIA §5: a form submitting to another host gives `unknown`; the auditor does not go there.
        result.update(error="foreign_host", result_url=plan.action_url)
        return result
    if not plan.query:
        result["error"] = "no_query"
        return result
    try:
        await _submit(plan, client, settings, limiter, sink, result)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never breaks the audit
        failure, _detail = classify_exception(exc)
        result["error"] = failure.value
    return result


async def _submit(plan: SearchPlan, client: httpx.AsyncClient, settings: CrawlerSettings,
                  limiter: HostLimiter | None, sink: ExchangeSink | None, result: dict[str, Any]) -> None:
    requester = _Requester(client, settings, limiter or HostLimiter.from_settings(settings), sink)
    known = {plan.robots_origin: plan.robots_txt} if plan.robots_origin else {}
    robots = _RobotsRules(requester, known)
    origins = set(plan.site_origins)
    url, body, headers = encode_form(plan)
    method = plan.method
    visited = {url}
    disallowed = False
    while True:
        if settings.respect_robots and not await robots.allows(url):
            disallowed = True  # submitted anyway: see the module docstring
        answer = await requester.send_with_retries(method, url, content=body, headers=headers, kind="search")
        result["status"], result["result_url"] = answer.status, url
        location = answer.headers.get("location") if answer.headers is not None else None
        if answer.error is None and answer.status in _REDIRECTS and location:
            target = urljoin(url, location.strip()).split("#", 1)[0]
            result["redirects"].append(url)
            if _origin(target) not in origins:
                result.update(error="foreign_host", result_url=target)
                break
            if target in visited:
                result["error"] = FailureClass.REDIRECT_LOOP.value
                break
            if len(result["redirects"]) > settings.max_redirects:
                result["error"] = FailureClass.TOO_MANY_REDIRECTS.value
                break
            visited.add(target)
            # 303 (and, as browsers do, 301/302 after a POST) turn into a GET without body; 307/308 repeat.
            if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
                method, body, headers = "GET", None, {}
            url = target
            continue
        if answer.error is not None:
            result["error"] = answer.error.value
        else:
            content_type = answer.headers.get("content-type") if answer.headers is not None else None
            media = (content_type or "").split(";", 1)[0].strip().lower()
            if media and media not in _HTML_TYPES and not media.endswith("+xml"):
                result["error"] = FailureClass.NOT_HTML.value
            else:
                result["result_html"] = decode_body(answer.body, content_type).text
                result["truncated"] = answer.truncated
        break
    result["robots_disallowed"] = disallowed


# ---------------------------------------------------------------------------- link status
async def link_status_probe(site: CapturedSite, urls: list[str], client: httpx.AsyncClient,
                            settings: CrawlerSettings, *, limiter: HostLimiter | None = None,
                            sink: ExchangeSink | None = None) -> dict[str, int | str]:
    """Status of ``urls``, the internal links the crawl did not fetch as pages (files, pages beyond its
    limits), as listed by ``checks.search_plan.link_check_urls``.

    Returns ``{url: final HTTP status}`` after redirects within the site (a redirect off the site is
    reported with its own 3xx status: the link answered), or ``{url: failure class}`` (``robots`` when
    robots.txt disallows it: not requested). HEAD first; GET without reading the body when the server
    does not do HEAD (405/501). Never raises.
    """
    results: dict[str, int | str] = {}
    pending: list[str] = []
    for url in urls:
        # The crawl keys pages by normalised URL (sorted query, no default port) while links keep the
        # page's spelling: a link to a page the crawl did fetch reuses that answer instead of a request.
        fetched = site.pages.get(normalize_url(url) or url)
        if fetched is not None and fetched.status is not None:
            results[url] = fetched.status
        else:
            pending.append(url)
    if not pending:
        return {u: results[u] for u in urls if u in results}
    requester = _Requester(client, settings, limiter or HostLimiter.from_settings(settings), sink)
    known: dict[str, str | None] = {}
    if site.home_url:
        known[_origin(site.home_url)] = site.robots_txt
    robots = _RobotsRules(requester, known)
    site_origins = {_origin(u) for u in (site.home_url, site.portal_url, site.scope) if u}
    site_origins |= {_origin(p.final_url) for p in site.pages.values() if p.final_url and p.ok}
    # The limiter holds per-host and per-IP slots; this bounds the tasks waiting on them as well.
    gate = asyncio.Semaphore(max(1, settings.per_host_concurrency))

    async def one(url: str) -> None:
        async with gate:
            try:
                results[url] = await _link_status(url, requester, robots, settings, site_origins)
            except Exception as exc:  # noqa: BLE001
                results[url] = classify_exception(exc)[0].value

    await asyncio.gather(*(one(u) for u in pending))
    return {u: results[u] for u in urls if u in results}


async def _link_status(url: str, requester: _Requester, robots: _RobotsRules, settings: CrawlerSettings,
                       origins: set[str]) -> int | str:
    current = url.split("#", 1)[0]
    visited = {current}
    hops = 0
    while True:
        if settings.respect_robots and not await robots.allows(current):
            return FailureClass.ROBOTS.value
        answer = await requester.send_with_retries("HEAD", current, kind="link_status")
        if answer.error is None and answer.status in (405, 501):
            # The server does not do HEAD: GET, but only the status line and headers are read.
            answer = await requester.send_with_retries("GET", current, read_body=False, kind="link_status")
        if answer.error is not None:
            return answer.error.value
        assert answer.status is not None
        location = answer.headers.get("location") if answer.headers is not None else None
        if answer.status not in _REDIRECTS or not location:
            return answer.status
        target = urljoin(current, location.strip()).split("#", 1)[0]
        if _origin(target) not in origins:
            return answer.status
        hops += 1
        if target in visited:
            return FailureClass.REDIRECT_LOOP.value
        if hops > settings.max_redirects:
            return FailureClass.TOO_MANY_REDIRECTS.value
        visited.add(target)
        current = target

