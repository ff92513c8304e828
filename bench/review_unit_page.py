"""Benchmark of the review app's unit page: server time with 60 findings and 3 runs of history (target < 200 ms).

A workspace is built in a temporary directory: a province with one district and ``--communes`` communes
(scored, so the score sets are province-sized), and one commune with 3 runs of 60 findings each (the 46
catalogue checks and 14 more), two pieces of evidence per finding with excerpts and screenshots, 120 stored
pages per run, survey answers, 10 reviewer decisions and a dispute. The app is served by uvicorn on 127.0.0.1
and each page is fetched ``--repeat`` times after a warm-up. Server time is taken from inside the app (a
middleware timing the request, so loopback and the client are left out); the wall time of the client is
printed beside it.

Baselines, measured in the same run so machine load affects both sides: the sign-in page (no data: the
request path, session lookup and template alone), and the unit's own rows read from the database as the
findings export does (``findings_json.findings_export`` for that unit, in process).

    .venv/bin/python bench/review_unit_page.py [--communes 200] [--repeat 40]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from egov_audit.checks import CHECK_IDS  # noqa: E402
from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, Evidence, Finding, Status  # noqa: E402
from egov_audit.exports import findings_json  # noqa: E402
from egov_audit.review.app import create_app, server_config  # noqa: E402
from egov_audit.services.accounts import add_user  # noqa: E402
from egov_audit.services.decisions import DecisionRequest, record  # noqa: E402
from egov_audit.services.scoring import score  # noqa: E402
from egov_audit.services.settings import Settings  # noqa: E402
from egov_audit.services.workspace import Workspace  # noqa: E402
from egov_audit.storage import findings_repo, pages_repo, runs_repo, surveys_repo, units_repo  # noqa: E402
from egov_audit.storage.db import session  # noqa: E402
from tests.review_support import png  # noqa: E402

UNIT = "09202"
EXTRA = [f"extra.check_{n:02d}" for n in range(14)]


def build(ws: Workspace, communes: int) -> list[str]:
    shot = ws.blobs.put(png(1280, 400))
    rows = [units_repo.UnitRow("27", "Tỉnh Bắc Ninh", "province", "27"),
            units_repo.UnitRow("258", "Huyện Yên Phong", "district", "27", "27", "https://yenphong.example.vn/"),
            units_repo.UnitRow(UNIT, "Xã Tam Giang", "commune", "27", "258", "https://tamgiang.example.vn/")]
    rows += [units_repo.UnitRow(f"9{n:04d}", f"Xã Số {n}", "commune", "27", "258", f"https://x{n}.example.vn/")
             for n in range(communes - 1)]
    runs = []
    with session(ws.engine) as s:
        units_repo.upsert_units(s, rows)
        for r in range(3):
            run = runs_repo.create_run(s, {}, {})
            runs.append(run.id)
            for unit in rows[1:]:
                runs_repo.start_unit_crawl(s, run.id, unit.code)
                site = CapturedSite(unit_code=unit.code, unit_level=unit.level, portal_url=unit.portal_url, scope=None)
                site.crawl_status = CrawlStatus.OK
                runs_repo.finish_unit_crawl(s, run.id, site, [])
                if unit.code != UNIT and r < 2:
                    continue  # the province's other units: the latest run only
                digests = []
                if unit.code == UNIT:
                    for n in range(120):
                        page = CapturedPage(url=f"{unit.portal_url}p/{n}", final_url=f"{unit.portal_url}p/{n}",
                                            status=200, content_type="text/html; charset=utf-8", encoding="utf-8")
                        body = f"<html><body><h1>Trang {n}</h1>{'<p>Nội dung</p>' * 200}</body></html>".encode()
                        digests.append(pages_repo.record_page(s, run.id, unit.code, page, {}, ws.blobs, body).body_digest)
                findings = []
                for i, check in enumerate([*CHECK_IDS, *EXTRA] if unit.code == UNIT else CHECK_IDS):
                    status = (Status.PASS, Status.FAIL, Status.PARTIAL)[(i + r) % 3]
                    evidence = [Evidence(url=f"{unit.portal_url}p/{(i + k) % 120}", excerpt="Trích đoạn " * 30,
                                         snapshot=digests[(i + k) % 120] if digests else None, screenshot=shot,
                                         locator="#main > div:nth-of-type(2)") for k in range(2)]
                    findings.append(Finding(check, status, value=i, reason="section found", evidence=evidence))
                findings_repo.save_findings(s, run.id, unit.code, findings)
            runs_repo.finish_run(s, run.id, "finished")
            time.sleep(0.01)
        answers = [surveys_repo.SelfReportRow(u.code, 2024, f, v) for u in rows[2:] for f, v in (
            ("staff_total", 20), ("staff_with_computer", 19), ("publishes_qa", True), ("it_plan", True))]
        surveys_repo.add_version(s, file_name="phieu-khao-sat.csv", file_digest="sha256:" + "0" * 64, file_size=1,
                                 sheet=None, rows=answers)
        add_user(s, "bench", "bench-password-1", "reviewer")
    with session(ws.engine) as s:
        for check in CHECK_IDS[:10]:
            record(s, DecisionRequest(unit_code=UNIT, action="override", reason="Đã kiểm tra lại", reviewer="bench",
                                      run_id=runs[-1], check_id=check, status="pass", year=2024),
                   config_dir=ws.settings.config_dir)
    score(ws, "qd2392-commune", 2024)
    return runs


class ServerTime:
    """ASGI middleware that reports how long the app took in a ``Server-Timing`` header: the time from the
    request reaching the app to the response head leaving it (body generation included, network not)."""

    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        started = time.perf_counter()

        async def timed_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                message["headers"] = [*message.get("headers", []), (b"server-timing", f"app;dur={took:.2f}".encode())]
            await send(message)  # type: ignore[operator]

        await self.app(scope, receive, timed_send)  # type: ignore[operator]


def serve(data_dir: Path, port: int) -> None:
    """The app over the built workspace, in its own process (the client must not share its interpreter)."""
    ws = Workspace.open(Settings(data_dir=data_dir))
    uvicorn.Server(server_config(ServerTime(create_app(ws)), port=port, log_level="warning", lifespan="off")).run()


def measure(client: httpx.Client, path: str, repeat: int) -> tuple[list[float], list[float]]:
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    server, wall = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        wall.append(time.perf_counter() - started)
        assert response.status_code == 200, path
        server.append(float(response.headers["server-timing"].split("dur=")[1]) / 1000)
    return server, wall


def line(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{name:<46} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        ws = Workspace.open(Settings(data_dir=data))
        started = time.perf_counter()
        runs = build(ws, args.communes)
        print(f"built: {args.communes} communes, unit {UNIT}: 3 runs × 60 findings, 120 pages/run "
              f"({time.perf_counter() - started:.1f} s)")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(data), str(port)])
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base)
            results = _measure_pages(base, runs[-1], args.repeat)
        finally:
            server.terminate()
            server.wait(timeout=30)
        export_times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with session(ws.engine) as s:
                findings_json.findings_export(s, runs[-1], [UNIT])
            export_times.append(time.perf_counter() - t0)
        _report(results, export_times)
        ws.engine.dispose()


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/login", trust_env=False, timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the app did not start")


def _measure_pages(base: str, run_id: str, repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    with httpx.Client(base_url=base, trust_env=False, timeout=60) as c, \
            httpx.Client(base_url=base, trust_env=False, timeout=60) as anonymous:
        results = {"baseline: sign-in page (no data)": measure(anonymous, "/login", repeat)}
        token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        c.post("/login", data={"csrf_token": token, "username": "bench", "password": "bench-password-1"})
        unit_path = f"/runs/{run_id}/units/{UNIT}"
        for name, path in (("unit page (60 findings, 3 runs)", unit_path),
                           ("finding page", f"{unit_path}/findings/info.introduction"), ("overview", "/"),
                           ("review queue", "/queue")):
            results[name] = measure(c, path, repeat)
    return results


def _report(results: dict[str, tuple[list[float], list[float]]], export_times: list[float]) -> None:
    print("server time (Server-Timing from inside the app; the machine's load affects every line alike):")
    for name, (server_times, _) in results.items():
        print("  " + line(name, server_times))
    print("  " + line("baseline: the unit's findings export (rows)", export_times))
    print("client wall time (loopback HTTP, client in another process):")
    for name, (_, wall) in results.items():
        print("  " + line(name, wall))
    unit = statistics.median(results["unit page (60 findings, 3 runs)"][0])
    login = statistics.median(results["baseline: sign-in page (no data)"][0])
    print(f"unit page / sign-in page: {unit / login:.1f}×; unit page / findings export: "
          f"{unit / statistics.median(export_times):.1f}×; target 200 ms: {'met' if unit < 0.2 else 'NOT met'}")


if __name__ == "__main__":
    main()
