"""Crawl throughput and memory: egov-audit's crawler against Scrapy at equal politeness, on one farm.

    .venv/bin/python bench/crawl.py [--portals 100] [--delay 0.05] [--max-pages 40]

The farm (tests/crawlfarm/: generated healthy portals plus the faulty ones, without the slow and hanging
portals whose crawls last as long as the time budget whatever the crawler does) runs in its own
process; each crawler runs in its own child process too (Scrapy's Twisted reactor cannot share the
asyncio loop, and separate processes make peak RSS comparable). Both obey robots.txt, at most
``per_host``/``per_ip`` concurrent requests, the same delay, depth limit, page limit per portal, timeout,
retries and body size cap. Printed: pages, seconds, pages/second of each, their ratio, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _serve(portals: int, conn: multiprocessing.connection.Connection) -> None:  # type: ignore[name-defined]
    from tests.crawlfarm.portals import build_farm
    from tests.crawlfarm.server import FarmServer

    server = FarmServer()
    farm = build_farm(server, healthy=max(1, portals - 19), slow=False)
    conn.send([(p.name, p.url) for p in farm])
    conn.recv()  # wait for "stop"
    hits = len(server.hits)
    conn.send({"requests": hits, "max_host": max(server.max_host.values()), "max_ip": max(server.max_ip.values())})
    server.close()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _egov_worker(cfg: dict) -> dict:
    import asyncio

    from egov_audit.crawler import HostLimiter, SiteTarget, crawl_site, make_client
    from egov_audit.crawler.settings import CrawlerSettings

    settings = CrawlerSettings(
        delay_seconds=cfg["delay"], per_host_concurrency=cfg["per_host"], per_ip_concurrency=cfg["per_ip"],
        allow_private_networks=True, max_pages=cfg["max_pages"], max_depth=cfg["depth"],
        timeout_seconds=cfg["timeout"], retries=2, backoff_base_seconds=0.2, max_bytes=cfg["max_bytes"],
        max_retry_after_seconds=5.0, concurrent_sites=len(cfg["urls"]), fetch_sitemap=False,
    )

    async def main() -> int:
        limiter = HostLimiter(settings.per_host_concurrency, settings.per_ip_concurrency)
        client = make_client(settings)
        try:
            sites = await asyncio.gather(*(
                crawl_site(SiteTarget(name, "commune", url), settings, None, client=client, limiter=limiter)
                for name, url in cfg["urls"]))
        finally:
            await client.aclose()
        return sum(1 for s in sites for p in s.pages.values() if p.status is not None)

    profiler = None
    if cfg.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    pages = asyncio.run(main())
    seconds = time.perf_counter() - t0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(cfg["profile"])
    return {"pages": pages, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def _scrapy_worker(cfg: dict) -> dict:
    from collections import Counter
    from urllib.parse import urlsplit

    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from w3lib.url import canonicalize_url

    # URLs scheduled per portal, in the canonical form Scrapy's duplicate filter compares. The budget
    # counts distinct URLs: counting every extracted link (duplicates the filter then drops included)
    # spent a portal's budget on its menus repeated on each page, so Scrapy fetched ~25% fewer pages.
    scheduled: dict[str, set[str]] = {}
    pages = Counter[str]()
    extractor = LinkExtractor()

    class FarmSpider(scrapy.Spider):
        """Breadth-first over every portal; links followed within the portal's host:port only."""

        name = "farm"

        async def start(self):  # type: ignore[no-untyped-def]  # Scrapy ≥ 2.13 entry point
            for request in self.start_requests():
                yield request

        def start_requests(self):  # type: ignore[no-untyped-def]
            for _name, url in cfg["urls"]:
                scheduled.setdefault(urlsplit(url).netloc, set()).add(canonicalize_url(url))
                yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

        def parse(self, response):  # type: ignore[no-untyped-def]
            pages["fetched"] += 1
            if not isinstance(response, scrapy.http.HtmlResponse):
                return
            netloc = urlsplit(response.url).netloc
            seen = scheduled.setdefault(netloc, set())
            for link in extractor.extract_links(response):
                key = canonicalize_url(link.url)
                if urlsplit(link.url).netloc != netloc or key in seen or len(seen) >= cfg["max_pages"]:
                    continue  # the per-portal page budget (CLOSESPIDER_PAGECOUNT is per spider, not per site)
                seen.add(key)
                yield response.follow(link.url, callback=self.parse, errback=self.failed)

        def failed(self, failure):  # type: ignore[no-untyped-def]
            response = getattr(failure.value, "response", None)
            if response is not None:
                pages["fetched"] += 1

    process = CrawlerProcess(settings={
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": cfg["per_host"] * len(cfg["urls"]),
        "CONCURRENT_REQUESTS_PER_DOMAIN": cfg["per_host"],
        "CONCURRENT_REQUESTS_PER_IP": cfg["per_ip"],
        "DOWNLOAD_DELAY": cfg["delay"],
        "DOWNLOAD_DELAY_JITTER": 0,  # no random spread, like egov-audit's fixed delay
        "DEPTH_LIMIT": cfg["depth"],
        "DEPTH_PRIORITY": 1,  # breadth-first, like egov-audit
        # The default DownloaderAwarePriorityQueue refuses CONCURRENT_REQUESTS_PER_IP.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "DOWNLOAD_TIMEOUT": cfg["timeout"],
        "RETRY_TIMES": 2,
        "DOWNLOAD_MAXSIZE": cfg["max_bytes"],
        "DOWNLOAD_WARNSIZE": 0,
        "USER_AGENT": "egov-audit-bench (+scrapy)",
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "REDIRECT_MAX_TIMES": 10,
    })
    process.crawl(FarmSpider)
    t0 = time.perf_counter()
    process.start()
    if not pages["fetched"]:
        raise SystemExit("Scrapy fetched nothing (see its log above)")
    return {"pages": pages["fetched"], "seconds": time.perf_counter() - t0, "peak_rss_mb": _peak_rss_mb()}


def _child(kind: str, cfg: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, f"--worker={kind}"], input=json.dumps(cfg), text=True,
                         capture_output=True, check=False, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--max-pages", type=int, default=40)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--per-ip", type=int, default=2)
    parser.add_argument("--profile", metavar="FILE", help="cProfile egov-audit's crawl into FILE (pstats format)")
    parser.add_argument("--only", choices=["egov", "scrapy"], help="run one crawler only (profiling)")
    parser.add_argument("--worker", choices=["egov", "scrapy"])
    args = parser.parse_args()
    if args.worker:
        cfg = json.loads(sys.stdin.read())
        result = _egov_worker(cfg) if args.worker == "egov" else _scrapy_worker(cfg)
        print(json.dumps(result))
        return
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(args.portals, child), daemon=True)
    server.start()
    urls = parent.recv()
    cfg = {"urls": urls, "delay": args.delay, "max_pages": args.max_pages, "depth": args.depth,
           "per_host": args.per_host, "per_ip": args.per_ip, "timeout": 3.0, "max_bytes": 1_000_000,
           "profile": str(Path(args.profile).resolve()) if args.profile else None}
    print(f"farm: {len(urls)} portals; delay {args.delay}s, {args.per_host}/host, {args.per_ip}/IP, "
          f"≤{args.max_pages} pages/portal, depth ≤{args.depth}")
    results = {}
    for kind in (args.only,) if args.only else ("egov", "scrapy"):
        results[kind] = _child(kind, cfg)
        r = results[kind]
        print(f"{kind:7} {r['pages']:6d} pages in {r['seconds']:6.1f} s = {r['pages'] / r['seconds']:7.1f} pages/s, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB")
    if len(results) == 2:
        ratio = (results["egov"]["pages"] / results["egov"]["seconds"]) / (
            results["scrapy"]["pages"] / results["scrapy"]["seconds"])
        print(f"egov-audit / Scrapy pages/s ratio: {ratio:.2f}")
    parent.send("stop")
    stats = parent.recv()
    print(f"server: {stats['requests']} requests, max in flight per host {stats['max_host']}, per IP {stats['max_ip']}")
    server.join(timeout=10)


if __name__ == "__main__":
    main()
