"""The distributed mode for real: a PostgreSQL 15 cluster, two `egov-audit worker` processes, a 40-unit audit
of portals served on loopback addresses, and one worker SIGKILLed in the middle of a unit.

Issue 12, "Done when": exactly 40 unit results, none duplicated, the killed units redone (resumed from the
pages stored), permanent failures (DNS, TLS, refused) recorded once and a transient one (reset) tried again,
the run completed, scored and reported by a worker, and the farm's own counters showing that the per-host
and per-IP limits held across both workers together (two communes on one address, crawled by two workers
at the same time). The evidence store is given by URL (``file://``), and a unit's evidence is exported
from a third "machine" (another data directory) that has nothing but the database and that URL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from egov_audit import checks
from egov_audit.exports.evidence import verify_warc
from egov_audit.storage.db import open_database
from tests.crawlfarm.portals import build_hosting_farm, unit_codes, units_csv
from tests.crawlfarm.server import FarmServer
from tests.pg import new_database, postgres_url  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
PER_HOST, PER_IP = 2, 3
# A step of the test (not an assertion): how long to wait for one condition before giving up.
PATIENCE = 240.0

CONFIG = f"""
[crawler]
delay_seconds = 0.01
per_host_concurrency = {PER_HOST}
per_ip_concurrency = {PER_IP}
timeout_seconds = 10.0
retries = 1
backoff_base_seconds = 0.05
max_site_seconds = 30.0
adaptive_delay = false

[schedule]
year = 2024

[distributed]
heartbeat_seconds = 0.3
lease_seconds = 3.0
sweep_seconds = 0.5
unit_attempts = 2
retry_wait_seconds = 0.5
poll_seconds = 0.5
shutdown_seconds = 5.0
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_AUDIT_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Cluster:
    """The database, the shared evidence store and the command line of every "machine" of the test."""

    def __init__(self, db: str, tmp: Path) -> None:
        self.db, self.tmp = db, tmp
        self.store = tmp / "shared-evidence"
        self.config = tmp / "egov-audit.toml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.engine = open_database(db)

    def argv(self, machine: str, *args: str) -> list[str]:
        return [sys.executable, "-m", "egov_audit.cli", "--db", self.db, "--data-dir", str(self.tmp / machine),
                "--evidence", self.store.as_uri(), "--config", str(self.config), "--log-format", "json", *args]

    def run(self, machine: str, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(self.argv(machine, *args), env=_env(), capture_output=True, text=True,
                              timeout=PATIENCE, cwd=ROOT)
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("wb")
        return subprocess.Popen(self.argv(name, "worker", "--concurrency", "4", "--name", name), env=_env(),
                                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)

    def rows(self, sql: str, **params: object) -> list[tuple]:
        with self.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sa.text(sql), params)]

    def wait(self, condition, what: str, workers: list[subprocess.Popen[bytes]]) -> None:  # noqa: ANN001
        deadline = time.monotonic() + PATIENCE
        while not condition():
            for proc in workers:
                if proc.poll() is not None and proc.returncode != -signal.SIGKILL:
                    raise AssertionError(f"a worker exited ({proc.returncode}) while waiting for {what}; "
                                         f"see {self.tmp}/*.log")
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}")
            time.sleep(0.05)


@pytest.fixture
def farm() -> Iterator[tuple[FarmServer, list]]:
    server = FarmServer()
    try:
        yield server, build_hosting_farm(server, healthy=36, per_address=4, think=0.005, small=True,
                                         loopback_think=0.05)
    finally:
        server.close()


def _pages(cluster: Cluster, codes: dict[str, int]) -> dict[tuple[str, str], object]:
    rows = cluster.rows("select unit_code, url, fetched_at from page where unit_code = any(:codes)", codes=list(codes))
    return {(code, url): fetched for code, url, fetched in rows}


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def test_two_workers_one_killed_mid_unit(postgres_url: str, tmp_path: Path, farm) -> None:  # noqa: F811
    server, portals = farm
    assert len(portals) == 40
    cluster = Cluster(new_database(postgres_url), tmp_path)
    code_of = dict(zip((p.name for p in portals), unit_codes(portals), strict=True))
    cluster.run("control", "units", "import", str(units_csv(portals, tmp_path / "units.csv")))
    selection = [arg for code in code_of.values() for arg in ("--unit", code)]
    queued = cluster.run("control", "audit", *selection, "--distributed", "--allow-private-networks", "--no-browser",
                         "--max-pages", "10")
    assert "40 put on queue 'audit'" in queued.stdout, queued.stdout
    (run_id,) = cluster.rows("select id from audit_run")[0]

    w1, w2 = cluster.worker("w1"), cluster.worker("w2")
    workers = [w1, w2]
    try:
        # Kill w1 once both workers have finished units and w1 is in the middle of one (pages stored, no
        # outcome yet): its units must be taken over and redone.
        def w1_mid_unit() -> bool:
            done_by = dict(cluster.rows("select worker, count(*) from distributed_unit where state = 'done' "
                                        "group by worker"))
            held = cluster.rows(
                "select d.unit_code, count(p.id) from distributed_unit d join page p on p.run_id = d.run_id "
                "and p.unit_code = d.unit_code where d.state = 'running' and d.worker = 'w1' group by d.unit_code")
            return (done_by.get("w1", 0) >= 3 and done_by.get("w2", 0) >= 3 and any(n >= 3 for _, n in held)
                    and bool(shared_addresses()))

        # Units of one address audited by both workers at once, seen while both live (a unit w2 redoes later
        # loses w1's span, so the spans are read before the kill; running ones end now).
        address = {code_of[p.name]: p.notes.get("ip") for p in portals}

        def shared_addresses() -> set[str]:
            spans = cluster.rows("select unit_code, worker, started_at, coalesce(finished_at, now()) "
                                 "from distributed_unit where started_at is not null")
            return {address[a] for a, wa, sa_, fa in spans for b, wb, sb, fb in spans
                    if wa == "w1" and wb == "w2" and address[a] and address[a] == address[b] and sa_ < fb and sb < fa}

        cluster.wait(w1_mid_unit, "w1 to be in the middle of a unit", workers)
        overlapping = shared_addresses()
        w1.send_signal(signal.SIGKILL)
        w1.wait(timeout=30)
        killed = {code: n for code, n in cluster.rows(
            "select unit_code, attempts from distributed_unit where state = 'running' and worker = 'w1'")}
        before = _pages(cluster, killed)
        assert killed and before

        cluster.wait(lambda: cluster.rows("select status from audit_run")[0][0] == "finished"
                     and cluster.rows("select scored_at from distributed_run")[0][0] is not None,
                     "the run to be completed and scored", [w2])
        status = json.loads(cluster.run("control", "runs", "status", "--format", "json").stdout)
    finally:
        for proc in workers:
            _stop(proc)
    assert w2.returncode == 0, (tmp_path / "w2.log").read_text()[-3000:]

    # Exactly one outcome per unit: 40 crawls ended, one finding per check each, 40 units done.
    crawls = cluster.rows("select unit_code, status, error from unit_crawl where run_id = :r", r=run_id)
    assert len(crawls) == 40 and len({c for c, _, _ in crawls}) == 40
    assert all(status != "running" for _, status, _ in crawls)
    per_unit = cluster.rows("select unit_code, count(*), count(distinct check_id) from finding where run_id = :r "
                            "group by unit_code", r=run_id)
    assert len(per_unit) == 40
    assert all(n == distinct == len(checks.CHECK_IDS) for _, n, distinct in per_unit)
    assert cluster.rows("select state, count(*) from distributed_unit group by state") == [("done", 40)]
    assert status["counts"] == {"done": 40, "running": 0, "queued": 0, "failed": 0}
    assert status["run"]["status"] == "finished" and status["run"]["distributed"]

    # The killed units were redone by w2, resumed from what w1 had stored: pages are not fetched again.
    ledger = {c: (a, w) for c, a, w in cluster.rows("select unit_code, attempts, worker from distributed_unit")}
    for code, attempts in killed.items():
        assert ledger[code] == (attempts + 1, "w2"), (code, ledger[code])
    after = _pages(cluster, killed)
    kept = [key for key, fetched in before.items() if after.get(key) == fetched]
    # At most the page whose WARC record was being written at the kill is fetched again.
    assert len(kept) >= len(before) - len(killed), (len(kept), len(before))

    # Permanent failures are outcomes at the first attempt; the transient one was tried again.
    outcome = {c: (s, (e or "").split(":", 1)[0]) for c, s, e in crawls}
    for name, failure in (("F-dns", "dns"), ("F-tls", "tls"), ("F-refused", "connect_refused")):
        assert outcome[code_of[name]] == ("unreachable", failure)
        assert ledger[code_of[name]][0] == 1, name
    assert outcome[code_of["F-reset"]] == ("unreachable", "connection_reset")
    assert ledger[code_of["F-reset"]][0] == 2
    healthy = [code_of[p.name] for p in portals if p.healthy]
    assert all(outcome[c][0] in ("ok", "partial") for c in healthy), [outcome[c] for c in healthy]

    # Politeness across both workers, by the farm's own counters.
    assert max(server.max_host.values()) <= PER_HOST, server.max_host
    assert max(server.max_ip.values()) <= PER_IP, server.max_ip
    assert server.max_ip["127.0.0.1"] == PER_IP  # two host names on one address: the per-IP limit bound
    assert max(server.max_host.values()) == PER_HOST
    # ... and the two workers did crawl one server at the same time (units of one address, overlapping).
    assert overlapping

    # Scored and reported once the run was complete.
    assert cluster.rows("select count(distinct unit_code) from score") == [(40,)]
    assert list((tmp_path / "w2" / "reports").glob("*/report.html"))

    # Evidence: in the shared store, complete; exported from a machine that has only the database and the URL.
    for code in killed:
        (files,) = cluster.rows("select warc_files_json from unit_crawl where unit_code = :c", c=code)[0]
        names = json.loads(files)
        assert names
        for name in names:
            assert verify_warc(cluster.store / name)["ok"], name
    code = next(iter(killed))
    out = tmp_path / "export.wacz"
    cluster.run("reviewer", "evidence", "export", "--unit", code, "--out", str(out))
    with zipfile.ZipFile(out) as package:
        assert any(n.startswith("archive/") for n in package.namelist())
    assert not (tmp_path / "reviewer" / "evidence").exists()
