"""Incremental nights: which known pages are asked again tonight, and which are carried over.

A province is audited every night, and most of a commune portal does not change from one night to the
next. With the previous night's capture of a unit (``core.artifacts.PriorCapture`` per URL):

- **every night**, with a conditional request (If-None-Match / If-Modified-Since from the stored ETag and
  Last-Modified): the home page; menu links to sections likely to change (news, notices, schedules, Q&A,
  documents: ``revisit_nightly_pattern`` on the link's URL or text); any page that changed within the last
  ``revisit_interval_days``; any page that failed or answered an error last time;
- **at least once per interval** (``revisit_interval_days``, default 7): every other page, each on its own
  night of the interval (a stable hash of its URL picks it, so about one seventh of the deep pages is
  asked each night) and in any case once its last confirmation is older than the interval;
- **carried over** otherwise: the page is not requested; the stored page (HTML, rendered DOM, timings)
  stands for it, its links are followed as if fetched, so the checks see a complete site.

A 304, or a 200 whose body is byte-for-byte the stored one, reuses the stored page and is written to the
WARC as a ``revisit`` record; only changed pages cost a new body. The same bound applies to the statuses
of linked files (``tech.broken_links``): each is asked again on its night of the interval.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from egov_audit.core.artifacts import CapturedPage, PriorCapture
from egov_audit.crawler.frontier import QueueItem
from egov_audit.crawler.request import Validators
from egov_audit.crawler.settings import CrawlerSettings

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# A nightly run may start a little earlier than the night before: "a week old" allows for that.
_SLACK = timedelta(hours=12)


def night_of(url: str, interval: int) -> int:
    """The night of the interval (0 … interval-1) on which ``url`` is asked again: stable across runs."""
    return int.from_bytes(hashlib.sha1(url.encode("utf-8")).digest()[:4], "big") % max(1, interval)


@dataclass
class RevisitPlan:
    interval_days: int
    nightly: re.Pattern[str]
    now: datetime

    @classmethod
    def from_settings(cls, settings: CrawlerSettings, now: datetime | None = None) -> RevisitPlan:
        return cls(settings.revisit_interval_days, re.compile(settings.revisit_nightly_pattern, re.IGNORECASE),
                   now or datetime.now(UTC))

    @property
    def night(self) -> int:
        return (self.now - _EPOCH).days % self.interval_days

    def _its_night(self, url: str, last: datetime | None) -> bool:
        if last is None or self.now - last >= timedelta(days=self.interval_days) - _SLACK:
            return True
        return night_of(url, self.interval_days) == self.night

    def reason_to_ask(self, item: QueueItem, prior: PriorCapture) -> str | None:
        """Why ``item`` is requested tonight (a conditional request), or None to carry it over."""
        page = prior.page
        if item.depth == 0:
            return "home page"
        if page.status is None or page.status >= 400 or page.error is not None or page.html is None:
            return "failed last time"
        if prior.changed_at is not None and self.now - prior.changed_at < timedelta(days=self.interval_days):
            return "changed recently"
        if item.rank == 0 and (self.nightly.search(item.url) or self.nightly.search(item.link_text or "")):
            return "section likely to change"
        if self._its_night(item.url, prior.verified_at or page.fetched_at):
            return "its night of the interval"
        return None

    def link_due(self, url: str, status: int | str, checked_at: datetime | None) -> bool:
        """Whether a link's status (``tech.broken_links``) is asked again tonight."""
        if not isinstance(status, int) or status >= 400:
            return True
        return self._its_night(url, checked_at)


def validators_of(prior: PriorCapture) -> Validators:
    page = prior.page
    date = page.fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if page.fetched_at else None
    return Validators(etag=prior.etag, last_modified=prior.last_modified, refers_to_uri=page.final_url or page.url,
                      refers_to_date=date, digest=prior.warc_digest)


def reused(prior: PriorCapture, how: str, *, depth: int, referrer: str | None, link_text: str | None,
           verified_at: datetime | None = None, ttfb: float | None = None) -> CapturedPage:
    """The stored page standing for tonight's (``not_modified``, ``unchanged`` or ``carried``)."""
    page = prior.page
    return replace(page, redirects=list(page.redirects), depth=depth, referrer=referrer,
                   link_text=link_text if link_text is not None else page.link_text, revisit=how,
                   verified_at=verified_at or page.verified_at or page.fetched_at,
                   ttfb_seconds=ttfb if ttfb is not None else page.ttfb_seconds)
