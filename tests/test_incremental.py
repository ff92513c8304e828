"""Incremental nights: conditional requests from the stored validators, 304s and unchanged bodies kept as
WARC revisits and reused for the checks, pages not due carried over, the revisit bound.

Two nights of the real audit pipeline (SQLite, blob store, WARC files) against a hosting server on
127.0.0.1 that answers conditional requests and counts them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from egov_audit.core.artifacts import CapturedPage, PriorCapture
from egov_audit.crawler.frontier import QueueItem
from egov_audit.crawler.revisit import RevisitPlan, night_of
from egov_audit.crawler.settings import CrawlerSettings
from egov_audit.crawler.warc import SERVER_NOT_MODIFIED
from egov_audit.exports.evidence import verify_warc
from egov_audit.services.audit import AuditOptions, audit
from egov_audit.storage import pages_repo, runs_repo
from egov_audit.storage.db import session
from tests.crawlfarm.hosting import HostingServer, build_portal
from tests.test_request_path import workspace

NOW = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
OPTIONS = AuditOptions(all_units=True, use_browser=False, screenshots=False)


def _prior(url: str, *, status: int = 200, verified: timedelta = timedelta(days=1), changed: timedelta | None = None,
           html: str | None = "<p>x</p>") -> PriorCapture:
    page = CapturedPage(url=url, final_url=url, status=status, html=html, fetched_at=NOW - timedelta(days=30))
    return PriorCapture(page=page, run_id="r1", etag='"e"', verified_at=NOW - verified,
                        changed_at=NOW - changed if changed else None)


def test_revisit_plan_asks_what_may_have_changed_and_carries_the_rest() -> None:
    plan = RevisitPlan.from_settings(CrawlerSettings(revisit_interval_days=7), NOW)
    deep = "http://xa.gov.vn/gioi-thieu/lich-su-xa.html"
    assert plan.reason_to_ask(QueueItem(0, 0, 0, "http://xa.gov.vn/"), _prior("http://xa.gov.vn/")) == "home page"
    news = QueueItem(1, 0, 1, "http://xa.gov.vn/tin-tuc", link_text="Tin tức")
    assert plan.reason_to_ask(news, _prior(news.url)) == "section likely to change"
    qa = QueueItem(1, 0, 2, "http://xa.gov.vn/index.php?cat=7", link_text="Hỏi đáp trực tuyến")
    assert plan.reason_to_ask(qa, _prior(qa.url)) == "section likely to change"
    article = QueueItem(2, 1, 3, "http://xa.gov.vn/tin-tuc/bai-1.html", link_text="Hội nghị")  # not a menu link
    item = QueueItem(2, 1, 4, deep)
    assert plan.reason_to_ask(item, _prior(deep, status=404)) == "failed last time"
    assert plan.reason_to_ask(item, _prior(deep, changed=timedelta(days=2))) == "changed recently"
    assert plan.reason_to_ask(item, _prior(deep, verified=timedelta(days=7))) == "its night of the interval"
    # Otherwise: on its own night of the week only, the same night every week.
    nights = {night_of(u, 7) for u in (article.url, deep)}
    for days in range(7):
        later = RevisitPlan.from_settings(CrawlerSettings(revisit_interval_days=7), NOW + timedelta(days=days))
        for queued in (article, item):
            asked = later.reason_to_ask(queued, _prior(queued.url, verified=timedelta(days=1 - days)))
            assert (asked is not None) == (night_of(queued.url, 7) == later.night), (days, queued.url)
    assert nights <= set(range(7))


def test_every_page_is_asked_at_least_once_per_interval() -> None:
    urls = [f"http://xa.gov.vn/tin-tuc/bai-{n}.html" for n in range(200)]
    verified = {u: NOW - timedelta(days=3) for u in urls}  # as after a week of nightly runs
    for day in range(10):
        plan = RevisitPlan.from_settings(CrawlerSettings(revisit_interval_days=7), NOW + timedelta(days=day))
        for url in urls:
            prior = _prior(url, verified=plan.now - verified[url])
            if plan.reason_to_ask(QueueItem(2, 1, 0, url), prior) is not None:
                verified[url] = plan.now
        assert all(plan.now - when < timedelta(days=7) for when in verified.values())


@pytest.fixture
def hosting() -> Iterator[HostingServer]:
    rng = random.Random(11)
    portals = [build_portal("xa-mot.tinh-thu.gov.vn", rng, articles=3, page_kb=6, think=0.01),
               build_portal("xa-hai.tinh-thu.gov.vn", rng, articles=3, page_kb=6, think=0.01)]
    portals[1].validators = False  # this server sends no ETag/Last-Modified: unchanged bodies are compared
    server = HostingServer(portals, capacity=100)
    try:
        yield server
    finally:
        server.close()


def _records(ws, run_id: str) -> list:  # noqa: ANN001
    out = []
    for path in sorted((ws.warc_dir / run_id).glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                out.append((record.rec_type, dict(record.rec_headers.headers)))
    return out


def _pages(ws, run_id: str, code: str) -> dict[str, CapturedPage]:  # noqa: ANN001
    with session(ws.engine) as s:
        return pages_repo.load_site(s, run_id, code, ws.blobs).pages


async def test_second_night_asks_conditionally_and_records_304s_as_revisits(tmp_path: Path,
                                                                          hosting: HostingServer) -> None:
    ws = workspace(tmp_path, hosting, incremental=True, revisit_interval_days=1)  # every page due every night
    first = await audit(ws, OPTIONS)
    night1 = Counter(hosting.stats.requests)
    changed_host, changed_path = "xa-mot.tinh-thu.gov.vn", "/gioi-thieu"
    page = hosting.portals[changed_host].pages[changed_path]
    page.body = page.body.replace(b"</main>", "<p>Lịch tiếp dân mới</p></main>".encode())
    page.etag = '"changed"'
    second = await audit(ws, OPTIONS)
    # The server with validators got conditional requests for the pages it had served, and said 304.
    assert hosting.stats.conditional[changed_host] >= 15
    assert hosting.stats.not_modified[changed_host] == hosting.stats.conditional[changed_host] - 1  # one changed
    assert hosting.stats.conditional["xa-hai.tinh-thu.gov.vn"] == 0  # nothing to ask it with
    records = _records(ws, second.run_id)
    first_records: dict[str, dict] = {}
    for kind, header in _records(ws, first.run_id):
        if kind == "response":  # the crawl's capture of a URL comes before any probe's
            first_records.setdefault(header["WARC-Target-URI"], header)
    not_modified = [h for kind, h in records if kind == "revisit" and h.get("WARC-Profile") == SERVER_NOT_MODIFIED]
    assert len(not_modified) == hosting.stats.not_modified[changed_host]
    for header in not_modified:
        original = first_records[header["WARC-Refers-To-Target-URI"]]
        assert header["WARC-Refers-To-Date"] == original["WARC-Date"]
        assert header["WARC-Payload-Digest"] == original["WARC-Payload-Digest"]
    # The server without validators sent every body again: identical ones are identical-payload revisits.
    same_body = [h for kind, h in records if kind == "revisit" and h["WARC-Profile"].endswith("identical-payload-digest")]
    assert len(same_body) >= 15
    for path in (ws.warc_dir / second.run_id).glob("*.warc.gz"):
        assert verify_warc(path)["ok"]
    # The checks saw complete sites, the stored pages reused; the changed page is the new one.
    for code in ("90", "91"):
        before, after = _pages(ws, first.run_id, code), _pages(ws, second.run_id, code)
        assert set(after) == set(before)
        assert all(after[u].html for u in after if before[u].html)
    changed_url = hosting.url(changed_host, changed_path)
    assert "Lịch tiếp dân mới" in (_pages(ws, second.run_id, "90")[changed_url].html or "")
    assert [f.status for f in first.units[0].findings] == [f.status for f in second.units[0].findings]
    assert sum(hosting.stats.requests.values()) - sum(night1.values()) <= sum(night1.values())


async def test_pages_not_due_are_carried_over_without_a_request(tmp_path: Path, hosting: HostingServer) -> None:
    ws = workspace(tmp_path, hosting, incremental=True, revisit_interval_days=7)
    first = await audit(ws, OPTIONS)
    asked_first = Counter(path for host, _, path in hosting.stats.log if host == "xa-mot.tinh-thu.gov.vn")
    mark = len(hosting.stats.log)
    second = await audit(ws, OPTIONS)
    asked_second = Counter(path for host, _, path in hosting.stats.log[mark:] if host == "xa-mot.tinh-thu.gov.vn")
    after = _pages(ws, second.run_id, "90")
    assert set(after) == set(_pages(ws, first.run_id, "90"))
    carried = {u for u, p in after.items() if p.revisit == "carried"}
    assert carried and all(after[u].html for u in carried)
    for url in carried:
        assert asked_second[url.split(str(hosting.port), 1)[1]] == 0  # not requested at all
    # Home page and the menu's changing sections (news, notices, schedule, Q&A, documents): every night.
    for path in ("/", "/tin-tuc", "/thong-bao", "/lich-cong-tac", "/hoi-dap", "/van-ban"):
        assert asked_second[path] == 1
        assert after[hosting.url("xa-mot.tinh-thu.gov.vn", path)].revisit == "not_modified"
    assert sum(asked_second.values()) < sum(asked_first.values())
    with session(ws.engine) as s:
        rows = {r.url: r for r in pages_repo.unit_pages(s, second.run_id, "90")}
        crawl = runs_repo.unit_crawl(s, second.run_id, "90")
        assert crawl is not None
        probes = runs_repo.probes_of(s, crawl)
    assert {rows[u].carried_from for u in carried} == {first.run_id}
    assert all(rows[u].etag for u in rows if rows[u].status == 200)
    # Link statuses not due tonight were the previous night's; each carries when it was last asked.
    from egov_audit.crawler.revisit import night_of
    from egov_audit.services.gathering import _last_checked

    assert set(_last_checked(probes)) == set(probes["link_status"])
    # Grouped by the night each link is due, so a night rewrites only its own group.
    assert all(night == str(night_of(url, 7)) for night, group in probes["link_status_checked"].items() for url in group)


async def test_a_portal_that_hung_last_night_costs_one_timeout_tonight(tmp_path: Path) -> None:
    rng = random.Random(5)
    hanging = "xa-treo.tinh-thu.gov.vn"
    server = HostingServer([build_portal(hanging, rng, articles=1, page_kb=2, think=0.01, behaviour="hanging"),
                            build_portal("xa-mot.tinh-thu.gov.vn", rng, articles=1, page_kb=2, think=0.01)],
                           capacity=100)
    try:
        ws = workspace(tmp_path, server, incremental=True, timeout_seconds=0.4, retries=2, breaker_timeouts=3,
                       backoff_base_seconds=0.01)
        first = await audit(ws, OPTIONS)
        night1 = server.stats.requests[hanging]
        assert night1 == 3  # robots.txt and its two retries, then the breaker
        second = await audit(ws, OPTIONS)
        assert server.stats.requests[hanging] - night1 == 1  # one chance tonight
        for outcome in (first, second):
            by_code = {u.code: u for u in outcome.units}
            assert by_code["90"].crawl_status == "unreachable" and by_code["91"].crawl_status == "ok"
        with session(ws.engine) as s:
            crawl = runs_repo.unit_crawl(s, second.run_id, "90")
        assert "as on the previous run" in (crawl.error or "")  # type: ignore[union-attr]
    finally:
        server.close()


async def test_units_start_longest_previous_crawl_first(tmp_path: Path) -> None:
    rng = random.Random(6)
    hosts = ["xa-mot.tinh-thu.gov.vn", "xa-hai.tinh-thu.gov.vn", "xa-ba.tinh-thu.gov.vn"]
    server = HostingServer([build_portal(h, rng, articles=1, page_kb=2, think=0.0) for h in hosts], capacity=100)
    try:
        ws = workspace(tmp_path, server, concurrent_sites=1)  # one site at a time: the order is visible
        first = await audit(ws, OPTIONS)
        with session(ws.engine) as s:  # last night, unit 91 took longest, then 92, then 90
            for code, seconds in (("90", 100), ("91", 300), ("92", 200)):
                crawl = runs_repo.unit_crawl(s, first.run_id, code)
                crawl.finished_at = crawl.started_at + timedelta(seconds=seconds)  # type: ignore[union-attr]
                s.add(crawl)
            s.commit()
        mark = len(server.stats.log)
        await audit(ws, OPTIONS)
        order = list(dict.fromkeys(host for host, _, _ in server.stats.log[mark:]))
        assert order == [hosts[1], hosts[2], hosts[0]]
    finally:
        server.close()
