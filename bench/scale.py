"""Scale-out of the distributed mode: one farm of hosted communes audited by 1, 2 and 4 `egov-audit worker`s.

    .venv/bin/python bench/scale.py [--units 40] [--workers 1,2,4] [--concurrency 4] [--think 0.005] [--repeat 3]

A throw-away PostgreSQL 15 cluster (tests/pg.py) and the crawl farm (tests/crawlfarm/: generated portals,
``--per-address`` of them on each loopback address, six on 127.0.0.1 under two host names) run on this
machine. Baseline, measured in the same run: a local ``egov-audit audit`` of the same units on the same
database server, one process crawling ``--concurrency`` units at a time (what one worker does, without
the queue, the leases and the shared politeness). Then, for each worker count, a fresh database, the
units queued with ``audit --distributed`` and N worker processes of ``--concurrency`` units each, timed
from the workers' start to the run's completion. A control row runs 2 workers with the shared
politeness turned off, to show what the per-IP peak is without it.

Each configuration runs ``--repeat`` times, interleaved with the others; printed per row (the run of median
duration): seconds, units/minute, pages/second, ratio to the baseline, and the farm's own peak of
requests in flight per IP and per host name (limits: ``--per-ip``, ``--per-host``), and the CPU seconds
spent by the egov-audit processes and by the farm (PostgreSQL's own are not counted). No browser (the
rendering checks are unknown), so the figures are the crawl, the probes, the checks and storage.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from tests.crawlfarm.portals import build_hosting_farm, unit_codes, units_csv  # noqa: E402
from tests.crawlfarm.server import FarmServer  # noqa: E402
from tests.pg import new_database, postgres_server  # noqa: E402

CONFIG = """
[crawler]
delay_seconds = {delay}
per_host_concurrency = {per_host}
per_ip_concurrency = {per_ip}
concurrent_sites = {concurrency}
timeout_seconds = 3.0
retries = 1
backoff_base_seconds = 0.05
adaptive_delay = false

[distributed]
heartbeat_seconds = 2.0
lease_seconds = 20.0
sweep_seconds = 5.0
poll_seconds = 1.0
shared_politeness = {shared}
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_AUDIT_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Round:
    """One configuration: its own database, farm, data directories and config file."""

    def __init__(self, server_url: str, tmp: Path, args: argparse.Namespace, shared: bool = True) -> None:
        self.db = new_database(server_url)
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.farm = FarmServer()
        self.portals = build_hosting_farm(self.farm, healthy=args.units, per_address=args.per_address,
                                          think=args.think, faulty=False)
        self.config = tmp / "egov-audit.toml"
        self.config.write_text(CONFIG.format(delay=args.delay, per_host=args.per_host, per_ip=args.per_ip,
                                             concurrency=args.concurrency, shared=str(shared).lower()))
        self.args = args
        self.engine = sa.create_engine(self.db)
        self.run("control", "units", "import", str(units_csv(self.portals, tmp / "units.csv")))
        self.selection = [a for code in unit_codes(self.portals) for a in ("--unit", code)]

    def argv(self, machine: str, *args: str) -> list[str]:
        return [sys.executable, "-m", "egov_audit.cli", "--db", self.db, "--data-dir", str(self.tmp / machine),
                "--evidence", str(self.tmp / "evidence"), "--config", str(self.config), "--log-format", "json",
                *args]

    def run(self, machine: str, *args: str) -> None:
        log = self.tmp / f"{machine}-{args[0]}.log"
        with log.open("ab") as out:
            done = subprocess.run(self.argv(machine, *args), env=_env(), stdout=out, stderr=subprocess.STDOUT,
                                  cwd=ROOT)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args[:2])} failed:\n{log.read_text()[-3000:]}")

    def audit_args(self) -> list[str]:
        return [*self.selection, "--allow-private-networks", "--no-browser", "--max-pages", str(self.args.max_pages)]

    def scalar(self, sql: str) -> object:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql)).scalar()

    def local(self) -> float:
        cpu = _cpu()
        started = time.perf_counter()
        self.run("local", "audit", *self.audit_args())
        seconds = time.perf_counter() - started
        self.cpu = _cpu_since(cpu)
        return seconds

    def distributed(self, workers: int) -> float:
        self.run("control", "audit", *self.audit_args(), "--distributed")
        cpu = _cpu()
        procs = []
        started = time.perf_counter()
        for n in range(workers):
            log = (self.tmp / f"w{n}.log").open("wb")
            procs.append(subprocess.Popen(self.argv(f"w{n}", "worker", "--concurrency", str(self.args.concurrency)),
                                          env=_env(), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
        try:
            while self.scalar("select count(*) from distributed_run where completed_at is null") != 0:
                if any(p.poll() is not None for p in procs):
                    raise SystemExit(f"a worker exited; see {self.tmp}/w*.log")
                time.sleep(0.1)
            return time.perf_counter() - started
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=120)
            self.cpu = _cpu_since(cpu)

    def figures(self, seconds: float) -> dict[str, float]:
        pages = int(self.scalar("select count(*) from page where status is not null") or 0)
        units = int(self.scalar("select count(*) from unit_crawl where status <> 'running'") or 0)
        return {"seconds": seconds, "units": units, "pages": pages, "requests": len(self.farm.hits),
                "max_ip": max(self.farm.max_ip.values()), "max_host": max(self.farm.max_host.values()),
                "cpu_audit": self.cpu[0], "cpu_farm": self.cpu[1]}

    def close(self) -> None:
        self.engine.dispose()
        self.farm.close()


def _cpu() -> tuple[float, float]:
    children, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return children.ru_utime + children.ru_stime, me.ru_utime + me.ru_stime


def _cpu_since(start: tuple[float, float]) -> tuple[float, float]:
    """CPU seconds since ``start`` of the egov-audit processes (waited children) and of this process (the farm)."""
    now = _cpu()
    return now[0] - start[0], now[1] - start[1]


def _line(label: str, f: dict[str, float], baseline: float | None) -> str:
    rate = f["pages"] / f["seconds"]
    ratio = f"{rate / baseline:5.2f}x" if baseline else "  1.00x"
    return (f"{label:<28} {f['seconds']:7.1f} s  {f['units'] / f['seconds'] * 60:6.1f} units/min  {rate:6.1f} pages/s "
            f"{ratio}  peak in flight: per IP {f['max_ip']:.0f}, per host {f['max_host']:.0f}  "
            f"({f['units']:.0f} units, {f['pages']:.0f} pages, {f['requests']:.0f} requests; CPU s: egov-audit "
            f"{f['cpu_audit']:.1f}, farm {f['cpu_farm']:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=4, help="units at once per worker (and in the baseline)")
    parser.add_argument("--per-address", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.005, help="server think time per request (s)")
    parser.add_argument("--delay", type=float, default=0.01)
    parser.add_argument("--max-pages", type=int, default=10)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--per-ip", type=int, default=3)
    parser.add_argument("--no-control", action="store_true", help="skip the run without shared politeness")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration (median printed)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    print(f"farm: {args.units} portals, {args.per_address} per address (6 on 127.0.0.1 under two names), think "
          f"{args.think}s; ≤{args.max_pages} pages/unit; limits {args.per_host}/host, {args.per_ip}/IP; "
          f"{args.concurrency} units at once per process; {os.cpu_count()} CPU(s)")
    rounds = [("baseline: local audit", "local", 1, True)]
    rounds += [(f"{n} worker(s)", "distributed", n, True) for n in counts]
    if not args.no_control:
        rounds.append(("control: 2 workers, no shared", "distributed", 2, False))
    results: dict[str, list[dict[str, float]]] = {label: [] for label, *_ in rounds}
    with postgres_server() as server_url, tempfile.TemporaryDirectory(prefix="egov-scale-") as tmp:
        # Rounds interleaved (baseline, 1, 2, 4, control, baseline, ...): load from other work on the machine
        # then falls on every configuration alike, and the median of each is printed.
        for repeat in range(args.repeat):
            for index, (label, mode, workers, shared) in enumerate(rounds):
                one = Round(server_url, Path(tmp) / f"r{repeat}-{index}", args, shared=shared)
                try:
                    seconds = one.local() if mode == "local" else one.distributed(workers)
                    results[label].append(one.figures(seconds))
                finally:
                    one.close()
                if args.repeat > 1:
                    print(f"  [{repeat + 1}/{args.repeat}] " + _line(label, results[label][-1], None), flush=True)
    baseline_rate = None
    for label, *_ in rounds:
        figures = _median(results[label])
        print(_line(label, figures, baseline_rate), flush=True)
        if baseline_rate is None:
            baseline_rate = figures["pages"] / figures["seconds"]


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of median duration; peaks in flight are the highest seen over all runs."""
    middle = dict(sorted(runs, key=lambda f: f["seconds"])[len(runs) // 2])
    middle["max_ip"] = max(f["max_ip"] for f in runs)
    middle["max_host"] = max(f["max_host"] for f in runs)
    return middle

if __name__ == "__main__":
    main()
