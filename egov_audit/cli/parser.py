"""The options of every `egov-audit` command (a public interface: extend, never rename)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from egov_audit import __version__

EXIT_OK, EXIT_UNITS_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a year such as 2024, got {text!r}") from None
    if not 2000 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"year out of range: {value}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep the message format ours
        self.print_usage(sys.stderr)
        print(f"egov-audit: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="egov-audit", description="Kiểm tra cổng/trang thông tin điện tử của chính quyền địa phương "
                     "(audit Vietnamese local-government portals) and score e-government levels.")
    parser.add_argument("--version", action="version", version=f"egov-audit {__version__}")
    parser.add_argument("--db", help="SQLAlchemy database URL (env EGOV_AUDIT_DB; default: SQLite file in the data directory)")
    parser.add_argument("--data-dir", type=Path, help="evidence and database directory (env EGOV_AUDIT_DATA)")
    parser.add_argument("--config", type=Path, help="TOML settings file overriding the defaults")
    parser.add_argument("--evidence", metavar="URL", help="evidence store: a directory or s3://bucket/prefix, the same "
                        "for every worker and the review app (env EGOV_AUDIT_EVIDENCE; default: DATA_DIR/evidence)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--log-format", choices=["text", "json"], default=None,
                        help="log line format (default: json when stderr is not a terminal)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="serve the bundled sample province on 127.0.0.1 and run the whole pipeline")
    demo.add_argument("--no-screenshots", action="store_true")
    demo.add_argument("--no-browser", action="store_true")

    units = sub.add_parser("units", help="manage the units (districts, communes) to audit")
    units_sub = units.add_subparsers(dest="units_command", required=True, parser_class=_Parser)
    units_import = units_sub.add_parser("import", help="load units from a CSV or XLSX file (all-or-nothing)")
    units_import.add_argument("file", type=Path)
    units_sub.add_parser("list", help="list the units in the database")

    audit = sub.add_parser("audit", help="crawl and check units")
    audit.add_argument("--unit", action="append", default=[], metavar="CODE", help="unit code (repeatable)")
    audit.add_argument("--province", metavar="CODE")
    audit.add_argument("--all", action="store_true", dest="all_units")
    audit.add_argument("--framework", metavar="ID", help="framework whose check thresholds apply")
    audit.add_argument("--no-screenshots", action="store_true", help="no images; rendering checks still run")
    audit.add_argument("--no-browser", action="store_true", help="no Chromium; rendering checks become unknown")
    audit.add_argument("--max-pages", type=_positive_int, metavar="N")
    audit.add_argument("--allow-private-networks", action="store_true",
                       help="allow portals on loopback or private addresses (tests, intranets)")
    audit.add_argument("--fresh", action="store_true", help="start a new run instead of resuming an unfinished one")
    audit.add_argument("--distributed", action="store_true",
                       help="put the run's units on the task queue for `egov-audit worker` processes (PostgreSQL)")
    audit.add_argument("--queue", metavar="NAME", help="queue of --distributed (default from settings: audit)")

    recheck = sub.add_parser("recheck", help="re-run the checks on a past run's stored evidence (no network)")
    recheck.add_argument("--run", required=True, metavar="ID")
    recheck.add_argument("--framework", metavar="ID")

    selfreport = sub.add_parser("selfreport", help="survey forms (phiếu khảo sát)")
    sr_sub = selfreport.add_subparsers(dest="selfreport_command", required=True, parser_class=_Parser)
    template = sr_sub.add_parser("template", help="write the survey form to send to units")
    template.add_argument("--framework", required=True, metavar="ID")
    template.add_argument("--out", required=True, type=Path)
    template.add_argument("--year", type=_year)
    sr_import = sr_sub.add_parser("import", help="import returned survey forms (XLSX or CSV, all-or-nothing)")
    sr_import.add_argument("file", type=Path)

    score = sub.add_parser("score", help="compute levels, points, cross-checks and ranking")
    score.add_argument("--framework", required=True, metavar="ID")
    score.add_argument("--year", required=True, type=_year)

    findings = sub.add_parser("findings", help="export the findings of the latest (or given) run")
    findings.add_argument("--format", choices=["json"], default="json")
    findings.add_argument("--out", type=Path, help="file to write (default: standard output)")
    findings.add_argument("--run", metavar="ID")

    report = sub.add_parser("report", help="reports for officials")
    report.add_argument("--format", choices=["html", "xlsx", "csv", "json"], required=True)
    report.add_argument("--out", type=Path, required=True)
    report.add_argument("--year", type=_year)

    evidence = sub.add_parser("evidence", help="package or verify the evidence of an audit")
    ev_sub = evidence.add_subparsers(dest="evidence_command", required=True, parser_class=_Parser)
    ev_export = ev_sub.add_parser("export", help="one unit's evidence of one run as WACZ (or zipped WARC + index)")
    ev_export.add_argument("--unit", required=True, metavar="CODE")
    ev_export.add_argument("--run", metavar="ID", help="default: the latest run")
    ev_export.add_argument("--format", choices=["wacz", "zip"], default="wacz")
    ev_export.add_argument("--out", required=True, type=Path)
    ev_verify = ev_sub.add_parser("verify", help="read WARC files completely and check their payload digests")
    ev_verify.add_argument("files", nargs="+", type=Path)

    serve = sub.add_parser("serve", help="the review web app (sign-in required; see `user add`)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_positive_int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument("--https-only", action="store_true",
                       help="send the session cookie over HTTPS only (behind a TLS proxy)")

    user = sub.add_parser("user", help="review app users")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    user_add = user_sub.add_parser("add", help="create a user or reset their password and role")
    user_add.add_argument("username")
    user_add.add_argument("--role", choices=["viewer", "reviewer", "admin"], required=True)
    # Never a --password option: command lines end up in shell history and `ps` output.
    user_add.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of standard input (default: prompt)")

    worker = sub.add_parser("worker", help="audit units taken from the task queue (distributed mode, PostgreSQL)")
    worker.add_argument("--concurrency", type=_positive_int, default=4, metavar="N",
                        help="units audited at once by this process (default 4)")
    worker.add_argument("--queue", action="append", default=[], metavar="NAME",
                        help="queue to take units from (repeatable; default: every queue)")
    worker.add_argument("--name", metavar="NAME", help="name shown in `runs status` (default: host:pid)")

    runs = sub.add_parser("runs", help="audit runs: their units' progress; requeue what is missing")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True, parser_class=_Parser)
    runs_status = runs_sub.add_parser("status", help="done / running / queued / failed per unit of a run")
    runs_status.add_argument("--run", metavar="ID", help="default: the latest run")
    runs_status.add_argument("--state", choices=["done", "running", "queued", "failed"], action="append", default=[],
                             help="list only units in this state (repeatable)")
    runs_status.add_argument("--format", choices=["text", "json"], default="text")
    runs_requeue = runs_sub.add_parser("requeue", help="put back on the queue the units of a distributed run that "
                                       "have no outcome and no live job (silent workers included)")
    runs_requeue.add_argument("--run", metavar="ID", help="default: the latest run")
    runs_requeue.add_argument("--failed", action="store_true", help="also the units whose attempts were used up")

    schedule = sub.add_parser("schedule", help="run the nightly jobs (audit all units, score, reports)")
    schedule.add_argument("--at", metavar="HH:MM", help="local time of the nightly audit (default from settings)")
    schedule.add_argument("--once", action="store_true", help="run the nightly job now, once, and exit")
    return parser
