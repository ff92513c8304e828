"""Network probes besides the crawl: HTTPS, AAAA records, the site-search submission, link statuses.

Every request goes through the unit's ``crawler.sender.Sender``, like the crawl's: robots.txt, the SSRF
guard (each hop resolved and vetted, the vetted address pinned for the connection, the connected peer
checked again), the politeness limiter (per-host and per-IP slots, per-host delay, robots.txt
``Crawl-delay``, the circuit breaker), retries with Retry-After, the size and decompression caps, and the
evidence sink (every exchange is in the WARC, the HTTPS check's included).

``search_probe`` and ``link_status_probe`` carry out plans made by ``checks.search_plan`` (which form,
which query, which links) and judge nothing: they return what the server answered for the checks
``tech.search`` and ``tech.broken_links``.

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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from egov_audit.core.bodies import decode_body
from egov_audit.core.failures import FailureClass
from egov_audit.core.urls import normalize_url
from egov_audit.crawler.policies.redirects import REDIRECT_STATUSES
from egov_audit.crawler.request import Request
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.sender import Sender

if TYPE_CHECKING:
    from egov_audit.core.artifacts import CapturedSite, SearchPlan


async def https_probe(host: str, sender: Sender) -> dict[str, Any]:
    """Does ``https://host/`` answer with a valid certificate, and does ``http://host/`` redirect to HTTPS?

    Returns ``{"https_ok", "https_status", "https_error", "http_status", "http_redirects_to_https",
    "http_location", "http_error"}``. ``https_error`` is a failure class (``tls`` = bad certificate or
    handshake; the sender's client verifies certificates). ``host`` may carry a port (``host:port``), used
    for both schemes. One request per scheme, no redirect followed, no body read; none when the unit's crawl
    already asked that URL (its home page).
    """
    host = host.strip().lower()
    result: dict[str, Any] = {
        "https_ok": False,
        "https_status": None,
        "https_error": None,
        "http_status": None,
        "http_redirects_to_https": None,
        "http_location": None,
        "http_error": None,
    }
    for scheme in ("https", "http"):
        url = f"{scheme}://{host}/"
        # The crawl already asked this very URL (its home page) of the same server: that answer stands.
        known = sender.policies.record.answers.get(("GET", normalize_url(url) or url))
        if known is not None:
            status, location = known
        else:
            # robots.txt is not consulted: this is the home page the crawl already fetched (robots allowing).
            # Accept */*: only the status line is read, this is no page request.
            response = await sender.send(Request(url, kind="https", robots="ignore", follow_redirects=False,
                                                 read_body=False, retry=False, headers=(("Accept", "*/*"),)))
            if response.status is None:
                result[f"{scheme}_error"] = (response.error or FailureClass.OTHER).value
                continue
            status, location = response.status, response.location
        result[f"{scheme}_status"] = status
        if scheme == "https":
            result["https_ok"] = status < 500
        else:
            result["http_location"] = location
            redirects = status in REDIRECT_STATUSES and bool(location)
            target = urlsplit(urljoin(url, location)) if redirects and location else None
            result["http_redirects_to_https"] = bool(target and target.scheme == "https")
    return result


async def dns_probe(host: str, resolver: Resolver | None = None) -> dict[str, Any]:
    """IPv6 readiness: ``{"aaaa": [addresses]}`` (empty when the name has only A records) or ``{"error": ...}``.

    A name in the resolver's hosts table is answered from it (as the crawl resolved it)."""
    host = host.strip().lower().strip("[]")
    if resolver is not None and host in resolver.hosts:
        return {"aaaa": [a for a in resolver.hosts[host] if ":" in a]}
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


async def search_probe(plan: SearchPlan | None, sender: Sender) -> dict[str, Any]:
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
    if plan.robots_origin:
        sender.robots.preload(plan.robots_origin, plan.robots_txt)
    origins = set(plan.site_origins)
    url, body, headers = encode_form(plan)
    response = await sender.send(Request(
        url, method=plan.method, body=body, headers=tuple(headers.items()), kind="search", robots="note",
        scope=lambda u: _origin(u) in origins, leaving_scope="stop", html_only=True))
    result.update(status=response.status, result_url=response.stopped_at or response.final_url,
                  redirects=list(response.redirects), robots_disallowed=response.robots_disallowed)
    if response.stopped_at is not None:
        result["error"] = "foreign_host"
    elif response.error is not None and response.error is not FailureClass.TOO_LARGE:
        result["error"] = response.error.value
    else:
        result["result_html"] = decode_body(response.body, response.content_type).text
        result["truncated"] = response.error is FailureClass.TOO_LARGE
    return result


# ---------------------------------------------------------------------------- link status
async def link_status_probe(site: CapturedSite, urls: list[str], sender: Sender, *,
                            reuse: dict[str, int | str] | None = None) -> dict[str, int | str]:
    """Status of ``urls``, the internal links the crawl did not fetch as pages (files, pages beyond its
    limits), as listed by ``checks.search_plan.link_check_urls``.

    Returns ``{url: final HTTP status}`` after redirects within the site (a redirect off the site is
    reported with its own 3xx status: the link answered), or ``{url: failure class}`` (``robots`` when
    robots.txt disallows it: not requested). HEAD first; GET without reading the body when the server
    does not do HEAD (405/501). ``reuse`` holds statuses an earlier night established that are not due
    again tonight (``crawler.revisit``): returned without a request. Never raises.
    """
    results: dict[str, int | str] = {}
    pending: list[str] = []
    for url in urls:
        # The crawl keys pages by normalised URL (sorted query, no default port) while links keep the
        # page's spelling: a link to a page the crawl did fetch reuses that answer instead of a request.
        fetched = site.pages.get(normalize_url(url) or url)
        if fetched is not None and fetched.status is not None:
            results[url] = fetched.status
        elif reuse and url in reuse:
            results[url] = reuse[url]
        else:
            pending.append(url)
    if pending:
        if site.home_url:
            sender.robots.preload(_origin(site.home_url), site.robots_txt)
        site_origins = {_origin(u) for u in (site.home_url, site.portal_url, site.scope) if u}
        site_origins |= {_origin(p.final_url) for p in site.pages.values() if p.final_url and p.ok}
        # The limiter holds per-host and per-IP slots; this bounds the tasks waiting on them as well.
        gate = asyncio.Semaphore(max(1, sender.settings.per_host_concurrency))

        async def one(url: str) -> None:
            async with gate:
                results[url] = await _link_status(url, sender, site_origins)

        await asyncio.gather(*(one(u) for u in pending))
    return {u: results[u] for u in urls if u in results}


async def _link_status(url: str, sender: Sender, origins: set[str]) -> int | str:
    def request(method: str, read_body: bool = True) -> Request:
        return Request(url.split("#", 1)[0], method=method, kind="link_status", read_body=read_body,
                       scope=lambda u: _origin(u) in origins, leaving_scope="stop")

    response = await sender.send(request("HEAD"))
    if response.error is None and response.status in (405, 501):
        # The server does not do HEAD: GET, but only the status line and headers are read.
        response = await sender.send(request("GET", read_body=False))
    if response.error is not None:
        return response.error.value
    return response.status if response.status is not None else FailureClass.OTHER.value
