"""The `egov-audit` command line: thin handlers that parse options and call egov_audit.pipeline.

Exit codes (PRODUCT.md): 0 success; 1 the job ran but some units could not be audited; 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from egov_audit import __version__
from egov_audit.checks.options import OptionsError
from egov_audit.checks.vocabulary import VocabularyError
from egov_audit.core.errors import InputError
from egov_audit.services.settings import Settings, SettingsError, load_settings

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

    schedule = sub.add_parser("schedule", help="run the nightly jobs (audit all units, score, reports)")
    schedule.add_argument("--at", metavar="HH:MM", help="local time of the nightly audit (default from settings)")
    schedule.add_argument("--once", action="store_true", help="run the nightly job now, once, and exit")
    return parser


def _settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    if args.db:
        settings.db_url = args.db
    return settings


def _configure_logging(args: argparse.Namespace) -> None:
    from egov_audit.cli.progress import configure_logging

    configure_logging(verbose=args.verbose, fmt=args.log_format)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args)
    try:
        settings = _settings_from(args)
        return _dispatch(args, settings)
    except (InputError, SettingsError, OptionsError, VocabularyError) as exc:
        print(f"egov-audit: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("egov-audit: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from egov_audit.services import audit as pipeline

    if args.command == "demo":
        from egov_audit.services.demo import run_demo

        return run_demo(settings, screenshots=not args.no_screenshots, use_browser=not args.no_browser)

    ws = pipeline.Workspace.open(settings)
    if args.command == "units":
        return _units(args, ws)
    if args.command == "audit":
        if args.max_pages:
            settings.crawler.max_pages = args.max_pages
        if args.allow_private_networks:
            settings.crawler.allow_private_networks = True
        options = pipeline.AuditOptions(
            unit_codes=args.unit, province=args.province, all_units=args.all_units, framework=args.framework,
            screenshots=not (args.no_screenshots or args.no_browser), use_browser=not args.no_browser, fresh=args.fresh)
        from egov_audit.cli.progress import Progress

        with Progress(sys.stderr) as progress:
            outcome = asyncio.run(pipeline.audit(ws, options, progress=progress.event))
        _print_audit_summary(outcome)
        return outcome.exit_code
    if args.command == "recheck":
        results = pipeline.recheck(ws, args.run, framework=args.framework)
        print(f"rechecked {len(results)} unit(s) of run {args.run}")
        return EXIT_OK
    if args.command == "selfreport":
        return _selfreport(args, ws)
    if args.command == "score":
        export = pipeline.score(ws, args.framework, args.year)
        from egov_audit.reports import ranking_table

        print(ranking_table(export))
        return EXIT_OK
    if args.command == "findings":
        export = pipeline.findings_export(ws, args.run)
        if args.out is None:
            print(json.dumps(export, ensure_ascii=False, indent=2, default=str))
        else:
            from egov_audit.reports import write_json

            write_json(export, args.out)
        return EXIT_OK
    if args.command == "report":
        from egov_audit.reports import write_report

        scores = pipeline.latest_scores(ws, year=args.year)
        if not scores:
            raise InputError("report", "no scores yet: run `egov-audit score --framework ID --year YYYY` first")
        findings = None
        try:
            findings = pipeline.findings_export(ws)
        except InputError:
            findings = None
        path = write_report(args.format, scores, findings, args.out)
        print(path)
        return EXIT_OK
    if args.command == "serve":
        from egov_audit.review import serve

        print(f"review app on http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
        serve(ws, host=args.host, port=args.port, https_only=args.https_only)
        return EXIT_OK
    if args.command == "user":
        return _user(args, ws)
    if args.command == "evidence":
        return _evidence(args, ws)
    if args.command == "schedule":
        from egov_audit.services.schedule import build_scheduler, nightly_job

        if args.at:
            settings.schedule.audit_at = args.at
        scheduler = build_scheduler(settings)  # validates the time and time zone, also for --once
        if args.once:
            return nightly_job(settings).exit_code
        print(f"nightly audit at {settings.schedule.audit_at} ({settings.schedule.timezone}); Ctrl-C to stop")
        scheduler.start()
        return EXIT_OK
    raise InputError(args.command, "unknown command")


def _units(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.storage import repo
    from egov_audit.storage.db import session

    if args.units_command == "import":
        from egov_audit.imports.units import import_units

        with session(ws.engine) as s:
            result = import_units(s, args.file)
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{args.file}: {result.rows} unit(s) imported ({result.inserted} new, {result.updated} updated)")
        return EXIT_OK
    with session(ws.engine) as s:
        for unit in repo.list_units(s):
            print(f"{unit.code}\t{unit.level}\t{unit.name}\t{unit.portal_url or '-'}")
    return EXIT_OK


def _selfreport(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.imports import surveys as selfreport
    from egov_audit.storage.db import session

    if args.selfreport_command == "template":
        from egov_audit.scoring import load_framework

        framework = load_framework(args.framework, ws.settings.config_dir)
        with session(ws.engine) as s:
            from egov_audit.storage import repo

            units = [u for u in repo.list_units(s) if u.level in framework.levels_audited]
        selfreport.write_template(framework.survey_fields, args.out, units=units, year=args.year)
        print(args.out)
        return EXIT_OK
    with session(ws.engine) as s:
        result = selfreport.import_selfreports(s, args.file)
    print(f"{args.file}: {result.rows} survey row(s) imported")
    return EXIT_OK


def _user(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.review.auth import AuthError, add_user
    from egov_audit.storage.db import session

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass(f"Mật khẩu cho {args.username} (password): ")
        if getpass.getpass("Nhập lại (again): ") != password:
            raise InputError("user add", "the two passwords differ")
    try:
        with session(ws.engine) as s:
            created = add_user(s, args.username, password, args.role)
    except AuthError as exc:
        raise InputError("user add", str(exc)) from None
    print(f"{'created' if created else 'updated'} user {args.username} ({args.role})")
    return EXIT_OK


def _evidence(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.exports.evidence import export_unit_evidence, verify_warc

    if args.evidence_command == "export":
        from egov_audit.storage import repo
        from egov_audit.storage.db import session

        run_id = args.run
        if run_id is None:
            with session(ws.engine) as s:
                run_id = repo.latest_run_id(s)
            if run_id is None:
                raise InputError("evidence export", "no audit run yet: run `egov-audit audit` first")
        path = export_unit_evidence(ws.engine, ws.blobs, ws.settings.evidence_dir, run_id, args.unit,
                                    args.out, args.format)
        print(path)
        return EXIT_OK
    worst = EXIT_OK
    for file in args.files:
        result = verify_warc(file)
        types = ", ".join(f"{k} {v}" for k, v in sorted(result["types"].items()))
        state = "ok" if result["ok"] else "DAMAGED"
        print(f"{file}: {state}: {result['records']} records ({types}); digests checked {result['digests']['checked']}")
        for problem in result["mismatches"] + result["errors"]:
            print(f"  {problem}")
        if not result["ok"]:
            worst = EXIT_UNITS_FAILED
    return worst


def _print_audit_summary(outcome: Any) -> None:
    print(f"run {outcome.run_id}{' (resumed)' if outcome.resumed else ''}: "
          f"{len(outcome.units)} unit(s), {outcome.pages} page(s)")
    for unit in outcome.units:
        line = f"  {unit.code:<6} {unit.crawl_status:<11} {unit.pages:>4} pages"
        if unit.error:
            line += f"  ({unit.error})"
        print(line)


