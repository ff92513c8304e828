"""The options of every `egov-audit` command (a public interface: extend, never rename)."""

from __future__ import annotations

import argparse
import datetime as dt
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


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2024-12-31, got {text!r}") from None


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

    for add_commands in (_add_audit_commands, _add_survey_and_score_commands, _add_output_commands,
                         _add_review_commands, _add_distributed_commands, _add_night_commands):
        add_commands(sub)
    return parser


def _add_audit_commands(sub: argparse._SubParsersAction) -> None:
    """Units to audit, the audit itself and its re-check on stored evidence."""
    demo = sub.add_parser("demo", help="serve the bundled sample province on 127.0.0.1 and run the whole pipeline")
    demo.add_argument("--no-screenshots", action="store_true")
    demo.add_argument("--no-browser", action="store_true")

    units = sub.add_parser("units", help="manage the units (districts, communes) to audit")
    units_sub = units.add_subparsers(dest="units_command", required=True, parser_class=_Parser)
    units_import = units_sub.add_parser("import", help="load units from a CSV or XLSX file (all-or-nothing)")
    units_import.add_argument("file", type=Path)
    units_import.add_argument("--era", choices=["auto", "pre-2025", "post-2025"], default="auto",
                              help="which list of units the codes belong to (default: inferred from the codes); "
                                   "names are filled only from the post-2025 list")
    units_import.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
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


def _add_survey_and_score_commands(sub: argparse._SubParsersAction) -> None:
    """Survey forms, their versions, scoring and score sets."""
    selfreport = sub.add_parser("selfreport", help="survey forms (phiếu khảo sát)")
    sr_sub = selfreport.add_subparsers(dest="selfreport_command", required=True, parser_class=_Parser)
    template = sr_sub.add_parser("template", help="write the survey form to send to units")
    template.add_argument("--framework", required=True, metavar="ID")
    template.add_argument("--out", required=True, type=Path)
    template.add_argument("--year", type=_year)
    sr_import = sr_sub.add_parser("import", help="import returned survey forms (XLSX or CSV, all-or-nothing)")
    sr_import.add_argument("file", type=Path)
    _add_survey_history(sr_sub, sr_import)

    _add_score_commands(sub)


def _add_output_commands(sub: argparse._SubParsersAction) -> None:
    """What officials and other systems read: findings, reports, evidence packages."""
    findings = sub.add_parser("findings", help="export the findings of the latest (or given) run")
    findings.add_argument("--format", choices=["json"], default="json")
    findings.add_argument("--out", type=Path, help="file to write (default: standard output)")
    findings.add_argument("--run", metavar="ID")

    report = sub.add_parser("report", help="reports for officials")
    report.add_argument("--format", choices=["html", "xlsx", "csv", "json"], required=True)
    report.add_argument("--out", type=Path, required=True)
    report.add_argument("--year", type=_year)
    report.add_argument("--score-set", metavar="ID", help="report this score set (default: the published ones)")

    evidence = sub.add_parser("evidence", help="package or verify the evidence of an audit")
    ev_sub = evidence.add_subparsers(dest="evidence_command", required=True, parser_class=_Parser)
    ev_export = ev_sub.add_parser("export", help="one unit's evidence of one run as WACZ (or zipped WARC + index)")
    ev_export.add_argument("--unit", required=True, metavar="CODE")
    ev_export.add_argument("--run", metavar="ID", help="default: the latest run")
    ev_export.add_argument("--format", choices=["wacz", "zip"], default="wacz")
    ev_export.add_argument("--out", required=True, type=Path)
    ev_verify = ev_sub.add_parser("verify", help="read WARC files completely and check their payload digests")
    ev_verify.add_argument("files", nargs="+", type=Path)


def _add_review_commands(sub: argparse._SubParsersAction) -> None:
    """The review app, its users, decisions, API clients and unit links."""
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

    decide = sub.add_parser("decide", help="record a reviewer decision (the review app records the same ones)")
    decide.add_argument("--unit", required=True, metavar="CODE")
    decide.add_argument("--reviewer", required=True, metavar="NAME", help="who decides (kept with the decision)")
    decide.add_argument("--reason", required=True, help="why (kept with the decision)")
    target = decide.add_mutually_exclusive_group(required=True)
    target.add_argument("--check", metavar="ID", help="a finding: with --status S to override, or --confirm")
    target.add_argument("--crosscheck", metavar="FIELD", help="a cross-check outcome of a survey field")
    target.add_argument("--exclude", action="store_true", help="take the unit out of the ranking")
    target.add_argument("--include", action="store_true", help="rank the unit again")
    decide.add_argument("--status", choices=["pass", "partial", "fail", "unknown", "not_applicable"])
    decide.add_argument("--confirm", action="store_true", help="keep the observed status, attributed to you")
    decide.add_argument("--run", metavar="ID", help="the run judged (default: the unit's latest audited run)")
    decide.add_argument("--year", type=_year, help="the evaluation year judged (default: every year)")

    api_token = sub.add_parser("api-token", help="clients of the read-only JSON API of the review app")
    api_sub = api_token.add_subparsers(dest="api_token_command", required=True, parser_class=_Parser)
    api_create = api_sub.add_parser("create", help="create a client and print its token (shown once)")
    api_create.add_argument("name")
    api_create.add_argument("--scope", action="append", required=True,
                            choices=["units", "runs", "findings", "crosschecks", "scores"], help="repeatable")
    api_create.add_argument("--province", metavar="CODE", help="see only this province's units")
    api_create.add_argument("--days", type=_positive_int, help="expire after N days (default: never)")
    api_revoke = api_sub.add_parser("revoke", help="revoke a client's token")
    api_revoke.add_argument("name")
    api_sub.add_parser("list", help="list the API clients")

    unit_link = sub.add_parser("unit-link", help="links units use to see and dispute their own findings")
    link_sub = unit_link.add_subparsers(dest="unit_link_command", required=True, parser_class=_Parser)
    link_create = link_sub.add_parser("create", help="create an expiring link for one unit and print it")
    link_create.add_argument("--unit", required=True, metavar="CODE")
    link_create.add_argument("--days", type=_positive_int, help="validity in days (default: review.link_days)")
    link_create.add_argument("--contact", help="who receives it (kept with the link)")


def _add_distributed_commands(sub: argparse._SubParsersAction) -> None:
    """The distributed mode: workers and the runs they complete."""
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


def _add_night_commands(sub: argparse._SubParsersAction) -> None:
    """Unattended nights: the scheduler, what changed, health."""
    schedule = sub.add_parser("schedule", help="run the nightly jobs (audit all units, score, reports)")
    schedule.add_argument("--at", metavar="HH:MM", help="local time of the nightly audit (default from settings)")
    schedule.add_argument("--once", action="store_true", help="run the nightly job now, once, and exit")

    changes = sub.add_parser("changes", help="what changed per unit since its previous run (site down/back, "
                             "sections appeared/vanished, stale news, check statuses)")
    changes.add_argument("--run", metavar="ID", help="default: the latest run")
    changes.add_argument("--format", choices=["text", "json"], default="text")
    changes.add_argument("--notify", action="store_true",
                         help="also send them to the configured webhook and e-mail ([notify] settings)")

    health = sub.add_parser("health", help="database, last run, browser and evidence store; exit 1 when unhealthy")
    health.add_argument("--format", choices=["text", "json"], default="text")
    health.add_argument("--no-browser", action="store_true", help="do not try to start Chromium")

def _add_survey_history(sr_sub: argparse._SubParsersAction, sr_import: argparse.ArgumentParser) -> None:
    """Survey imports as versions: ``--partial``, ``selfreport versions`` and ``selfreport choose``."""
    sr_import.add_argument("--partial", action="store_true",
                           help="import the valid rows and list the others (default: all rows or nothing)")
    sr_sub.add_parser("versions", help="list every imported survey file (each import is a version)")
    sr_choose = sr_sub.add_parser("choose", help="make an earlier survey version count for a unit and year")
    sr_choose.add_argument("version", type=_positive_int, metavar="VERSION")
    sr_choose.add_argument("--unit", required=True, metavar="CODE")
    sr_choose.add_argument("--year", required=True, type=_year)
    sr_choose.add_argument("--reviewer", required=True)
    sr_choose.add_argument("--reason", required=True)


def _add_score_commands(sub: argparse._SubParsersAction) -> None:
    """``score`` (a new score set, optionally published, from chosen evidence) and ``scores list|publish``."""
    score = sub.add_parser("score", help="compute levels, points, cross-checks and ranking")
    score.add_argument("--framework", required=True, metavar="ID")
    score.add_argument("--year", required=True, type=_year)
    score.add_argument("--publish", action="store_true",
                       help="publish the new score set (default: stored, not published; see `scores publish`)")
    evidence = score.add_mutually_exclusive_group()
    evidence.add_argument("--run", metavar="ID", help="score the findings of this audit run")
    evidence.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                          help="score the evidence, survey answers and decisions as they were at the end of that day")

    scores = sub.add_parser("scores", help="score sets (each scoring is kept; one per framework and year is published)")
    scores_sub = scores.add_subparsers(dest="scores_command", required=True, parser_class=_Parser)
    scores_list = scores_sub.add_parser("list", help="list score sets with their framework version, runs and status")
    scores_list.add_argument("--framework", metavar="ID")
    scores_list.add_argument("--year", type=_year)
    scores_publish = scores_sub.add_parser("publish", help="publish a stored score set (by id or id prefix)")
    scores_publish.add_argument("set_id", metavar="ID")
