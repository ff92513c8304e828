"""The crawl frontier: breadth-first order with navigation links first, and the trap guard.

Order is (depth, navigation before other links, discovery order): every section linked from the home
page's menus is fetched before the first news item. The trap guard limits URLs that can multiply
without end — the same path with ever more query variants, calendar parameters, repeating path
segments — to a small share of the page budget instead of refusing them outright (the first few
calendar pages are real content).

Query variants are counted per (host, path, set of parameter names), and the values of known
*routing* parameters are part of that identity: DotNetNuke serves a whole portal from
``/Default.aspx?tabid=N&ItemID=M``, NukeViet from ``/index.php?nv=news&op=...``, Liferay from
``?p_p_id=...``, so those are different pages, not variants of one. Values of any other parameter
(``page``, ``sort``, a search term, an unknown token) are variants, bounded by ``max_query_variants``.
Calendar parameters are traps whatever their company.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

_CALENDAR_PARAMS = re.compile(
    r"^(?:year|month|day|date|week|ngay|thang|nam|tuan|cal|calendar|lich|fromdate|todate|tungay|denngay)$",
    re.IGNORECASE,
)
# Parameters that select *which page* a CMS shows (DotNetNuke, NukeViet, Joomla, Liferay, SharePoint and
# the Vietnamese CMSs seen on .gov.vn portals). Compared lowercased.
ROUTING_PARAMS = frozenset(
    "tabid itemid mid ctl nv op id cat catid p_p_id com id_news gd cn tc option view task pageid newsid "
    "articleid categoryid".split()
)
# A date that *ends* the path is a day/month view; a date followed by a slug is an article's address
# (SharePoint's ``/Pages/2025-7-3/Ke-hoach-...-3474.aspx``, WordPress's ``/2025/07/03/bai-viet/``).
_DATE_IN_PATH = re.compile(r"/(?:19|20)\d\d[/-](?:0?[1-9]|1[0-2])(?:[/-](?:0?[1-9]|[12]\d|3[01]))?/?$")


@dataclass(order=True)
class QueueItem:
    depth: int
    rank: int
    """0 for navigation links, 1 for the others."""
    seq: int
    url: str = field(compare=False)
    referrer: str | None = field(compare=False, default=None)
    link_text: str | None = field(compare=False, default=None)


def variant_key(url: str) -> tuple[str, str] | None:
    """(identity, variant) of a URL with a query: identity = host, path, parameter names and routing
    values; variant = the values of the other parameters. None when the URL has no query."""
    parts = urlsplit(url)
    if not parts.query:
        return None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = sorted({name.lower() for name, _ in pairs})
    routing = sorted((name.lower(), value) for name, value in pairs if name.lower() in ROUTING_PARAMS)
    rest = sorted((name.lower(), value) for name, value in pairs if name.lower() not in ROUTING_PARAMS)
    identity = f"{parts.netloc}{parts.path}?{'&'.join(names)}#{routing!r}"
    return identity, repr(rest)


def trap_reason(url: str, max_repeated_segments: int) -> str | None:
    """Why a URL looks like a crawler trap on its own (calendar, repeating segments), or None."""
    parts = urlsplit(url)
    for name, _value in parse_qsl(parts.query, keep_blank_values=True):
        if _CALENDAR_PARAMS.match(name):
            return "calendar"
    segments = [s for s in parts.path.split("/") if s]
    if segments:
        most = Counter(segments).most_common(1)[0][1]
        if most > max_repeated_segments:
            return "repeating path segments"
    if _DATE_IN_PATH.search(parts.path) and len(segments) > 3:
        # Archive-by-date paths are fine; only deep date paths (day views) are calendar-like.
        return "calendar"
    return None


class Frontier:
    """Priority queue of URLs to fetch, with de-duplication and the trap budget."""

    def __init__(self, max_pages: int, max_query_variants: int, trap_share: float, max_repeated_segments: int):
        self._heap: list[QueueItem] = []
        self._seen: set[str] = set()
        self._seq = 0
        self._variants: dict[str, set[str]] = defaultdict(set)
        self.max_query_variants = max(1, max_query_variants)
        self.max_repeated_segments = max(1, max_repeated_segments)
        # At least a couple of pages so a single calendar or search listing is still looked at.
        self.trap_budget = max(2, int(max_pages * trap_share))
        self.trap_used = 0
        self.trap_refused = 0

    def __len__(self) -> int:
        return len(self._heap)

    def seen(self, url: str) -> bool:
        return url in self._seen

    def mark_seen(self, url: str) -> None:
        self._seen.add(url)

    def suspicion(self, url: str) -> str | None:
        reason = trap_reason(url, self.max_repeated_segments)
        if reason:
            return reason
        key = variant_key(url)
        if key is not None:
            variants = self._variants[key[0]]
            if key[1] not in variants and len(variants) >= self.max_query_variants:
                return "too many query variants"
        return None

    def add(self, url: str, depth: int, nav: bool, referrer: str | None, link_text: str | None) -> str | None:
        """Queue ``url`` unless seen. Returns a trap reason when the trap budget refused it."""
        if url in self._seen:
            return None
        self._seen.add(url)
        reason = self.suspicion(url)
        key = variant_key(url)
        if key is not None:
            self._variants[key[0]].add(key[1])
        if reason is not None:
            if self.trap_used >= self.trap_budget:
                self.trap_refused += 1
                return reason
            self.trap_used += 1
        self._seq += 1
        heapq.heappush(self._heap, QueueItem(depth, 0 if nav else 1, self._seq, url, referrer, link_text))
        return None

    def pop(self) -> QueueItem:
        return heapq.heappop(self._heap)
