"""A province every night on one shared server: politeness that still finishes, and incremental nights.

    .venv/bin/python bench/nightly.py [--portals 200] [--articles 4] [--think 0.2] [--capacity 8]

One server process on 127.0.0.1 (tests/crawlfarm/hosting.py) hosts every commune portal as a virtual
host of one address, as provincial platforms do; some portals are slow (ten times the think time), some
never answer. It counts requests in flight per portal and for the whole IP, and answers slower once more
than ``--capacity`` requests are in flight at once. The real audit pipeline (``services.audit``: crawl,
probes, checks, SQLite, blob store, WARC) audits the province at the default settings, the browser left
out (``--no-browser``: Chromium's screenshots would dominate and measure Chromium, not politeness):

1. **baseline** — the first night with the adaptive per-IP limit switched off (the fixed per-IP limit of
   ``per_ip_concurrency`` = 2), in a fresh data directory;
2. **night 1** — the same first night at the defaults (adaptive per-IP limit), in another one;
3. about ``--change`` of the pages get new content;
4. **night 2** — the next night in night 1's data directory (incremental: conditional requests, revisits,
   carried pages).

Printed for each: wall time, pages in the sites and pages fetched per second, requests, bytes stored
(database, WARC files and blobs added), peak in flight per host and per IP as the server counted them,
the server's latency under the crawl against its idle latency, and what the figures imply for a
700-commune province. Each audit runs in its own child process (its peak RSS is printed too).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROVINCE = "99"


# --------------------------------------------------------------------------- the server process


def _portals(args: dict[str, Any]) -> list[Any]:
    from tests.crawlfarm.hosting import build_portal

    rng = random.Random(args["seed"])
    behaviours = ["hanging"] * args["hanging"] + ["slow"] * args["slow"]
    behaviours += ["normal"] * (args["portals"] - len(behaviours))
    # Hanging and slow portals spread over the province (units are audited in code order on a first
    # night): drawn among the names, not the first names.
    rng.shuffle(behaviours)
    portals = []
    for n, behaviour in enumerate(behaviours):
        think = args["think"] * rng.uniform(0.6, 1.4)
        portals.append(build_portal(f"xa-{n:03d}.tinh-thu.gov.vn", rng, articles=args["articles"],
                                    page_kb=args["page_kb"], think=think, behaviour=behaviour))
    return portals


def _serve(args: dict[str, Any], conn: Any) -> None:
    from tests.crawlfarm.hosting import HostingServer, Measurements

    server = HostingServer(_portals(args), capacity=args["capacity"])
    conn.send({"port": server.port, "hosts": list(server.portals)})
    rng = random.Random(args["seed"] + 1)
    while True:
        command, *rest = conn.recv()
        if command == "idle":
            normal = [h for h, p in server.portals.items() if p.behaviour == "normal"][:10]
            conn.send(statistics.mean(server.idle_latency(h, 5) for h in normal))
            server.stats = Measurements()
        elif command == "mark":
            server.stats = Measurements()
            conn.send(True)
        elif command == "stats":
            stats = server.stats
            loaded = [(think, base) for _, think, base in stats.latencies if base > 0]
            conn.send({"requests": sum(stats.requests.values()), "peak_ip": stats.peak_ip,
                       "peak_host": max(stats.peak_host.values(), default=0),
                       "not_modified": sum(stats.not_modified.values()), "conditional": sum(stats.conditional.values()),
                       "latency_factor": sum(t for t, _ in loaded) / max(1e-9, sum(b for _, b in loaded)),
                       "at_peak_ip": stats.at_peak_ip, **_pace(stats.latencies)})
        elif command == "change":
            conn.send(len(server.change(rest[0], rng)))
        elif command == "pages":
            conn.send(sum(1 for p in server.portals.values() for page in p.pages.values() if "html" in page.content_type))
        else:
            server.close()
            conn.send(True)
            return


def _pace(latencies: list[tuple[float, float, float]]) -> dict[str, float]:
    """When the answered requests arrived, from the first: half and nine tenths of them, and the last; and
    the server's mean think time in flight (its busy workers on average, hanging requests aside). A last
    tenth that takes most of the night means a tail of slow portals, not a slow crawl."""
    if not latencies:
        return {"half": 0.0, "ninety": 0.0, "span": 0.0, "busy": 0.0}
    arrivals = sorted(a for a, _, _ in latencies)
    start, span = arrivals[0], max(1e-9, arrivals[-1] - arrivals[0])
    return {"half": arrivals[len(arrivals) // 2] - start, "ninety": arrivals[int(len(arrivals) * 0.9)] - start,
            "span": span, "busy": sum(t for _, t, _ in latencies) / span}


# --------------------------------------------------------------------------- one night, in a child process


def _night(cfg: dict[str, Any]) -> dict[str, Any]:
    import asyncio

    from egov_audit.services.audit import AuditOptions, audit
    from egov_audit.services.settings import Settings
    from egov_audit.services.workspace import Workspace
    from egov_audit.storage import units_repo
    from egov_audit.storage.db import session

    settings = Settings(data_dir=Path(cfg["data_dir"]))
    settings.crawler.allow_private_networks = True  # the province is on 127.0.0.1
    settings.crawler.hosts_file = cfg["hosts_file"]
    settings.crawler.adaptive_ip_concurrency = cfg["adaptive"]
    for key, value in cfg.get("settings", {}).items():  # --setting crawler.concurrent_sites=64
        section, name = key.split(".", 1)
        part = getattr(settings, section)
        current = getattr(part, name)
        setattr(part, name, value.lower() in ("1", "true", "yes", "on") if isinstance(current, bool) else type(current)(value))
    ws = Workspace.open(settings)
    with session(ws.engine) as s:
        units_repo.upsert_units(s, [units_repo.UnitRow(f"B{n:04d}", f"Xã {n}", "commune", PROVINCE, None, url)
                                    for n, url in enumerate(cfg["urls"])])
    stalls: list[float] = []

    async def watched() -> Any:
        # The loop's stalls: work that holds it (parsing, checks, SQLite) delays every answer in flight,
        # and the adaptive per-IP limit reads that delay as the server's latency.
        async def watch() -> None:
            while True:
                before = time.perf_counter()
                await asyncio.sleep(0.02)
                stalls.append(time.perf_counter() - before - 0.02)

        watcher = asyncio.create_task(watch())
        try:
            return await audit(ws, AuditOptions(province=PROVINCE, use_browser=False, screenshots=False))
        finally:
            watcher.cancel()

    t0 = time.perf_counter()
    if cfg.get("profile"):
        import cProfile

        with cProfile.Profile() as profile:
            outcome = asyncio.run(watched())
        profile.dump_stats(cfg["profile"])
    else:
        outcome = asyncio.run(watched())
    seconds = time.perf_counter() - t0
    from egov_audit.storage import pages_repo

    kinds: dict[str, int] = {}
    with session(ws.engine) as s:
        for unit in outcome.units:
            for page in pages_repo.load_site(s, outcome.run_id, unit.code, ws.blobs).pages.values():
                if page.status is not None:
                    kind = page.revisit or "fetched"
                    kinds[kind] = kinds.get(kind, 0) + 1
    ips = outcome.politeness.ips
    window = max(ips.values(), key=lambda w: w.requests)
    return {"seconds": seconds, "pages": outcome.pages, "kinds": kinds,
            "statuses": {s: sum(1 for u in outcome.units if u.crawl_status == s) for s in {u.crawl_status for u in outcome.units}},
            "ip_limit": {"highest": window.highest_limit, "lowest": window.lowest_limit, "end": window.limit,
                         "decreases": window.decreases, "peak": window.peak_in_flight,
                         "cuts": dict(window.cuts), "unjudged": window.unjudged},
            "host_peak": max(h.peak_in_flight for h in outcome.politeness.hosts.values()),
            "retired": len(outcome.politeness.retired),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "stall_max": max(stalls, default=0.0), "stalled": sum(x for x in stalls if x > 0.05),
            "cpu_seconds": (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF))}


def _child(cfg: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--night"], input=json.dumps(cfg), text=True,
                         capture_output=True, check=False, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"the audit failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --------------------------------------------------------------------------- the benchmark


def _run(name: str, conn: Any, cfg: dict[str, Any]) -> dict[str, Any]:
    data = Path(cfg["data_dir"])
    before = _bytes(data) if data.exists() else 0
    conn.send(("mark",))
    conn.recv()
    result = _child(cfg)
    conn.send(("stats",))
    result["server"] = conn.recv()
    result["bytes"] = _bytes(data) - before
    result["name"] = name
    kinds = result["kinds"]
    print(f"{name:9} {result['seconds']:7.1f} s  {result['pages']:6d} pages ({kinds.get('fetched', 0)} fetched, "
          f"{kinds.get('not_modified', 0)} 304, {kinds.get('unchanged', 0)} unchanged, {kinds.get('carried', 0)} carried)"
          f" = {result['pages'] / result['seconds']:6.1f} pages/s, {result['server']['requests']:6d} requests, "
          f"{result['bytes'] / 1e6:7.1f} MB stored; peak in flight: host {result['server']['peak_host']}, "
          f"IP {result['server']['peak_ip']} (limit {result['ip_limit']['lowest']:.0f}–{result['ip_limit']['highest']:.0f}, "
          f"{result['ip_limit']['decreases']} cuts: {result['ip_limit']['cuts'] or 'none'}; "
          f"{result['ip_limit']['unjudged']} answers read late by the audit's own loop not judged); server latency ×{result['server']['latency_factor']:.2f} of idle; "
          f"{result['retired']} hosts retired; {result['statuses']}; RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    pace = result["server"]
    print(f"{'':9} requests arrived: half by {pace['half']:.0f} s, 90 % by {pace['ninety']:.0f} s, last at "
          f"{pace['span']:.0f} s; the server's workers busy {pace['busy']:.1f} on average; the audit's CPU "
          f"{result['cpu_seconds']:.0f} s; its event loop stalled {result['stalled']:.0f} s in all (stalls over "
          f"50 ms; longest {result['stall_max'] * 1000:.0f} ms)", flush=True)
    if pace["peak_ip"] > result["ip_limit"]["highest"]:
        print(f"{'':9} above the limit: in flight at the IP's peak (host, path, seconds): "
              f"{[(h, p, round(t, 3)) for h, p, t in pace['at_peak_ip']]}", flush=True)
    return result


def _verdict(baseline: dict | None, first: dict, second: dict, idle: float, args: argparse.Namespace) -> None:
    if baseline is None:  # --no-baseline: night 1 stands in, so the ratio reads 1 and is not judged
        baseline = first
    speed = (first["pages"] / first["seconds"]) / (baseline["pages"] / baseline["seconds"])
    time_share, byte_share = second["seconds"] / first["seconds"], second["bytes"] / first["bytes"]
    peak_host = max(r["server"]["peak_host"] for r in (baseline, first, second))
    latency = max(r["server"]["latency_factor"] for r in (first, second))
    print(f"\nidle latency of the server: {idle * 1000:.0f} ms (time to first byte, one request at a time)")
    checks = [] if args.no_baseline else [
        (f"night 1 pages/s = {speed:.2f} × the fixed per-IP limit of 2", speed >= 4)]
    checks += [
        (f"night 2 time = {time_share:.0%} of night 1", time_share < 0.30),
        (f"night 2 bytes = {byte_share:.1%} of night 1", byte_share < 0.05),
        (f"peak in flight per host = {peak_host} (per_host_concurrency 2)", peak_host <= 2),
        (f"server latency under the crawl = ×{latency:.2f} of idle", latency <= 1.5),
    ]
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    pages_700 = 700 * first["pages"] / args.portals
    for real in (0.5, 1.0):
        scale = real / args.think  # the crawl is bound by the server's latency: time scales with it
        t1 = first["seconds"] * scale * 700 / args.portals
        t0 = baseline["seconds"] * scale * 700 / args.portals
        fixed = "" if args.no_baseline else f" (fixed limit of 2: ~{t0 / 3600:.1f} h)"
        print(f"  700 communes (~{pages_700:,.0f} pages) on one such server answering in ~{real:g} s: first night "
              f"~{t1 / 3600:.1f} h{fixed}, next nights ~{t1 * time_share / 3600:.1f} h")


def _check_settings(parser: argparse.ArgumentParser, items: list[str]) -> None:
    """Refuse a --setting that names no setting or is not SECTION.NAME=VALUE, before any night runs."""
    from egov_audit.services.settings import Settings

    settings = Settings()
    for item in items:
        key, sep, value = item.partition("=")
        section, dot, name = key.partition(".")
        part = getattr(settings, section, None) if dot else None
        if not sep or part is None or not hasattr(part, name):
            parser.error(f"--setting {item!r}: expected SECTION.NAME=VALUE naming a setting "
                         "(see docs/SETTINGS.md), e.g. crawler.concurrent_sites=64")
        current = getattr(part, name)
        if not isinstance(current, bool):
            try:
                type(current)(value)
            except (TypeError, ValueError):
                parser.error(f"--setting {item!r}: {value!r} is not a {type(current).__name__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=200)
    parser.add_argument("--articles", type=int, default=4, help="articles per changing section (5 sections)")
    parser.add_argument("--page-kb", type=int, default=40)
    parser.add_argument("--think", type=float, default=0.2, help="mean seconds a portal takes per answer")
    parser.add_argument("--slow", type=int, default=6, help="portals ten times slower")
    parser.add_argument("--hanging", type=int, default=4, help="portals that never answer")
    parser.add_argument("--capacity", type=int, default=8, help="requests in flight before the server slows")
    parser.add_argument("--change", type=float, default=0.05, help="share of pages changed before night 2")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", metavar="DIR", help="keep the data directories here")
    parser.add_argument("--no-baseline", action="store_true",
                        help="nights 1 and 2 only (a quick look: no speed ratio against the fixed limit)")
    parser.add_argument("--profile", metavar="DIR", help="write a cProfile of each night's audit here "
                        "(slower: figures are then only for finding where the time goes)")
    parser.add_argument("--setting", action="append", default=[], metavar="SECTION.NAME=VALUE",
                        help="a setting other than its default, for every night (to compare one against another)")
    parser.add_argument("--nights", choices=("both", "first"), default="both",
                        help="first: the first night only (a quick look at the first night's speed)")
    parser.add_argument("--night", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.night:
        print(json.dumps(_night(json.loads(sys.stdin.read()))))
        return
    _check_settings(parser, args.setting)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(vars(args), child), daemon=True)
    server.start()
    info = parent.recv()
    work = Path(args.keep or tempfile.mkdtemp(prefix="egov-nightly-"))
    work.mkdir(parents=True, exist_ok=True)
    hosts = work / "hosts"
    hosts.write_text("".join(f"127.0.0.1 {h}\n" for h in info["hosts"]), encoding="utf-8")
    urls = [f"http://{h}:{info['port']}/" for h in sorted(info["hosts"])]
    parent.send(("pages",))
    print(f"province: {len(urls)} portals on 127.0.0.1 ({args.hanging} hanging, {args.slow} slow, {parent.recv()} "
          f"pages), think ~{args.think:g} s, server capacity {args.capacity} in flight; work dir {work}", flush=True)
    parent.send(("idle",))
    idle = parent.recv()
    common = {"hosts_file": str(hosts), "urls": urls,
              "settings": dict(item.split("=", 1) for item in args.setting)}
    profiles = Path(args.profile) if args.profile else None
    if profiles:
        profiles.mkdir(parents=True, exist_ok=True)

    def profile(name: str) -> dict[str, str]:
        return {"profile": str(profiles / f"{name}.prof")} if profiles else {}

    baseline = None if args.no_baseline else _run("baseline", parent, {**common, "data_dir": str(work / "baseline"),
                                                                        "adaptive": False, **profile("baseline")})
    first = _run("night 1", parent, {**common, "data_dir": str(work / "nights"), "adaptive": True, **profile("night1")})
    if args.nights == "first":
        parent.send(("stop",))
        return
    parent.send(("change", args.change))
    print(f"          {parent.recv()} pages changed", flush=True)
    second = _run("night 2", parent, {**common, "data_dir": str(work / "nights"), "adaptive": True, **profile("night2")})
    _verdict(baseline, first, second, idle, args)
    parent.send(("stop",))
    parent.recv()
    server.join(timeout=10)


if __name__ == "__main__":
    main()
