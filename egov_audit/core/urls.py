"""URL normalisation and site scope: the one place where URLs are compared.

Two URLs that a portal serves identically must map to one key, otherwise the crawl fetches the same page
many times (session ids and tracking parameters are the usual culprits on Vietnamese portals built on
ASP.NET, Java portals and PHP CMSs). Scope decides which links belong to the audited unit.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that never change the content: analytics tags and session ids.
_DROP_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "jsessionid",
    "phpsessid",
    "sid",
    "sessionid",
    "session_id",
    "asp.net_sessionid",
    "cfid",
    "cftoken",
}
# ``;jsessionid=...`` (Java) and ASP.NET cookieless ``/(S(xxxx))/`` session ids live in the path.
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.IGNORECASE)
_ASPNET_COOKIELESS = re.compile(r"/\((?:[A-Z]\([A-Za-z0-9_-]+\))+\)(?=/)")

# Characters left as they are in paths and query parts (RFC 3986 unreserved + sub-delims + ':@/' and '%').
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/:@!$'()*+,;-._~%?"


def _drop_param(name: str) -> bool:
    low = name.lower()
    return low.startswith("utm_") or low in _DROP_PARAMS


def _remove_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    norm = posixpath.normpath(path)
    # normpath keeps a leading '//' (POSIX rule); a URL path never needs it.
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    if norm == ".":
        norm = "/"
    if trailing and not norm.endswith("/"):
        norm += "/"
    return norm


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Return the canonical form of ``url`` (resolved against ``base``), or None if it is not http(s).

    Lowercases scheme and host, drops default ports, the fragment, tracking and session parameters
    (``utm_*``, ``fbclid``, ``gclid``, ``jsessionid``, ``PHPSESSID``, ``sid``, ``sessionid``,
    ``ASP.NET_SessionId``, ``;jsessionid=`` path parameters, ASP.NET cookieless ``/(S(..))/``),
    sorts the query and percent-encodes characters that must be encoded (Vietnamese letters in paths).
    """
    url = url.strip()
    if not url:
        return None
    if base is not None:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    try:
        # IDN hosts (rare on .gov.vn, but seen) compared in their ASCII form.
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _PATH_SESSION.sub("", parts.path)
    path = _ASPNET_COOKIELESS.sub("", path)
    path = quote(path, safe=_PATH_SAFE) or "/"
    path = _remove_dot_segments(path)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _drop_param(k)]
    pairs.sort()
    query = "&".join(
        f"{quote(k, safe=_QUERY_SAFE)}={quote(v, safe=_QUERY_SAFE)}" if v or "=" in parts.query else quote(k)
        for k, v in pairs
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def site_host(host: str) -> str:
    """Host as a site identity: ``www.`` prefix of the same host is the same site."""
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def _site_key(url: str) -> str | None:
    """Scheme-less, www-less comparable form: ``host[:port]/path?query``."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    host = site_host(parts.hostname)
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    key = host + (parts.path or "/")
    if parts.query:
        key += "?" + parts.query
    return key


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _under(key: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return key.startswith(prefix)
    # A prefix without trailing slash ("/xa-an-binh") must not swallow "/xa-an-binh-2".
    return key == prefix or key.startswith(prefix + "/") or key.startswith(prefix + "?")


@dataclass
class Scope:
    """Which URLs belong to one audited unit.

    With ``prefix`` the unit is a sub-site (URL prefix); otherwise it is every URL on the portal's
    host(s), http or https, with or without ``www.``. ``excluded`` prefixes (other units' sub-sites)
    are carved out.
    """

    prefixes: list[str] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    excluded: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, home_url: str, scope: str | None, other_unit_scopes: list[str]) -> Scope:
        prefixes: list[str] = []
        hosts: set[str] = set()
        if scope:
            norm = normalize_url(scope)
            key = _site_key(norm) if norm else None
            if key:
                prefixes.append(key)
        if not prefixes:
            host = urlsplit(home_url).netloc.lower()
            hosts.add(site_host(host))
        excluded = []
        for other in other_unit_scopes:
            norm = normalize_url(other)
            key = _site_key(norm) if norm else None
            if key and key not in prefixes:
                excluded.append(key)
        return cls(prefixes=prefixes, hosts=hosts, excluded=excluded)

    def add_origin(self, url: str) -> None:
        """Accept another host as the same site (the home page redirected to a new host)."""
        if not self.prefixes:
            self.hosts.add(site_host(urlsplit(url).netloc.lower()))

    def contains(self, url: str) -> bool:
        key = _site_key(url)
        if key is None:
            return False
        if self.prefixes:
            inside = any(_under(key, p) for p in self.prefixes)
        else:
            inside = key.split("/", 1)[0] in self.hosts
        return inside and not any(_under(key, p) for p in self.excluded)

    def same_site(self, url: str) -> bool:
        """True for URLs on the unit's host(s), whether or not inside the prefix."""
        key = _site_key(url)
        if key is None:
            return False
        host = key.split("/", 1)[0]
        if self.hosts:
            return host in self.hosts
        return any(p.split("/", 1)[0] == host for p in self.prefixes)


_RE_HTTP_URL = re.compile(r"(?i)^https?://[^\s/]")
_RE_SCHEME = re.compile(r"(?i)^[a-z][a-z0-9+.-]*:")
_RE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_href(url: object, *, relative_ok: bool = False) -> str | None:
    """The one link-safety rule of every page we render (reports, review app): the URL itself when it may be
    an ``href``, else None, so crawled ``javascript:``, ``data:`` or scheme-relative URLs stay plain text.

    Allowed: ``http(s)://host…`` without control characters; with ``relative_ok`` also scheme-less paths
    (links to evidence our own code produced). The caller (or the template's autoescape) escapes it.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or _RE_CONTROL.search(url):
        return None
    if _RE_HTTP_URL.match(url):
        return url
    if relative_ok and not _RE_SCHEME.match(url) and not url.startswith("//") and not url.startswith("\\"):
        return url
    return None
