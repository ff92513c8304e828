"""The `egov-audit` command line: each command parses its options and calls one service function.

Exit codes (PRODUCT.md): 0 success; 1 the job ran but some units could not be audited; 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from egov_audit.cli.parser import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNITS_FAILED, build_parser
from egov_audit.cli.progress import Progress, configure_logging
from egov_audit.core.errors import BadInput, InputError
from egov_audit.services.settings import Settings, load_settings

__all__ = ["build_parser", "main"]


def _settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    if args.db:
        settings.db_url = args.db
    if args.evidence:
        settings.evidence_url = args.evidence
    if getattr(args, "max_pages", None):
        settings.crawler.max_pages = args.max_pages
    if getattr(args, "allow_private_networks", False):
        settings.crawler.allow_private_networks = True
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose, fmt=args.log_format)
    try:
        settings = _settings_from(args)
        handler = COMMANDS[_command_key(args)]
        if handler is _demo:
            return handler(args, settings)
        from egov_audit.services.workspace import Workspace

        return handler(args, Workspace.open(settings))
    except BadInput as exc:
        print(f"egov-audit: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("egov-audit: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def _command_key(args: argparse.Namespace) -> str:
    sub = getattr(args, f"{args.command}_command", None)
    return f"{args.command} {sub}" if sub else args.command


# ---------------------------------------------------------------------------- handlers


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from egov_audit.services.demo import run_demo

    with Progress(sys.stderr) as progress:
        return run_demo(settings, screenshots=not args.no_screenshots, use_browser=not args.no_browser,
                        say=print, progress=progress.event)


def _units_import(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.intake import import_units_file

    result = import_units_file(ws, args.file)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{args.file}: {result.rows} unit(s) imported ({result.inserted} new, {result.updated} updated)")
    return EXIT_OK


def _units_list(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.intake import list_units

    for unit in list_units(ws):
        print(f"{unit.code}\t{unit.level}\t{unit.name}\t{unit.portal_url or '-'}")
    return EXIT_OK


def _audit(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.audit import AuditOptions, audit

    options = AuditOptions(
        unit_codes=args.unit, province=args.province, all_units=args.all_units, framework=args.framework,
        screenshots=not (args.no_screenshots or args.no_browser), use_browser=not args.no_browser, fresh=args.fresh)
    if args.distributed:
        return _enqueue(options, args.queue, ws)
    if args.queue:
        raise InputError("--queue", "a queue is for --distributed audits")
    with Progress(sys.stderr) as progress:
        outcome = asyncio.run(audit(ws, options, progress=progress.event))
    print(f"run {outcome.run_id}{' (resumed)' if outcome.resumed else ''}: "
          f"{len(outcome.units)} unit(s), {outcome.pages} page(s)")
    for unit in outcome.units:
        print(f"  {unit.code:<6} {unit.crawl_status:<11} {unit.pages:>4} pages" + (f"  ({unit.error})" if unit.error else ""))
    return outcome.exit_code


def _enqueue(options: Any, queue: str | None, ws: Any) -> int:
    from egov_audit.services.distributed import enqueue

    outcome = asyncio.run(enqueue(ws, options, queue))
    print(f"run {outcome.run_id}{' (resumed)' if outcome.resumed else ''}: {outcome.units} unit(s), "
          f"{outcome.done} done, {outcome.queued} put on queue {outcome.queue!r}")
    print(f"watch it: egov-audit runs status --run {outcome.run_id}")
    return EXIT_OK


def _worker(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.distributed_worker import run_worker

    asyncio.run(run_worker(ws, concurrency=args.concurrency, queues=args.queue or None, name=args.name))
    return EXIT_OK


def _runs_status(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.distributed import run_status

    status = run_status(ws, args.run)
    if args.format == "json":
        print(json.dumps(status.as_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    mode = f"distributed on queue {status.queue!r}" if status.distributed else "local"
    print(f"run {status.run_id} ({mode}): {status.status}, started {status.started_at:%Y-%m-%d %H:%M:%S %Z}"
          + (f", scored {status.scored_at:%Y-%m-%d %H:%M:%S %Z}" if status.scored_at else ""))
    print(f"{len(status.units)} unit(s): " + ", ".join(f"{n} {state}" for state, n in status.counts.items()))
    if status.scoring.get("error"):
        print(f"scoring after completion failed: {status.scoring['error']}")
    elif status.scoring.get("frameworks"):
        print(f"scored: {', '.join(status.scoring['frameworks'])}")
    shown = [u for u in status.units if not args.state or u.state in args.state]
    if shown:
        print(f"{'UNIT':<8} {'STATE':<8} {'TRIES':>5}  {'WORKER':<24} DETAIL")
    for unit in shown:
        print(f"{unit.code:<8} {unit.state:<8} {unit.attempts:>5}  {(unit.worker or '-'):<24} {unit.detail}")
    return EXIT_OK


def _runs_requeue(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.distributed import requeue

    outcome = asyncio.run(requeue(ws, args.run, include_failed=args.failed))
    queued = sum(outcome.queued.values())
    print(f"{len(outcome.stalled_jobs)} job(s) of silent workers and {queued} unit(s) without a job put back on "
          "the queue")
    return EXIT_OK


def _recheck(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.recheck import recheck

    results = recheck(ws, args.run, framework=args.framework)
    print(f"rechecked {len(results)} unit(s) of run {args.run}")
    return EXIT_OK


def _selfreport_template(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.intake import write_survey_template

    print(write_survey_template(ws, args.framework, args.out, year=args.year))
    return EXIT_OK


def _selfreport_import(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.intake import import_survey_file

    result = import_survey_file(ws, args.file)
    print(f"{args.file}: {result.rows} survey row(s) imported")
    return EXIT_OK


def _score(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.reports import ranking_table
    from egov_audit.services.scoring import score

    print(ranking_table(score(ws, args.framework, args.year)))
    return EXIT_OK


def _findings(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.outputs import findings_export, write_findings

    if args.out is None:
        print(json.dumps(findings_export(ws, args.run), ensure_ascii=False, indent=2, default=str))
    else:
        write_findings(ws, args.out, args.run)
    return EXIT_OK


def _report(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.outputs import write_report

    print(write_report(ws, args.format, args.out, year=args.year))
    return EXIT_OK


def _serve(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.review import serve

    print(f"review app on http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
    serve(ws, host=args.host, port=args.port, https_only=args.https_only)
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    password = getpass.getpass(f"Mật khẩu cho {args.username} (password): ")
    if getpass.getpass("Nhập lại (again): ") != password:
        raise InputError("user add", "the two passwords differ")
    return password


def _user_add(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.accounts import AuthError, create_or_reset_user

    try:
        created = create_or_reset_user(ws, args.username, _read_password(args), args.role)
    except AuthError as exc:
        raise InputError("user add", str(exc)) from None
    print(f"{'created' if created else 'updated'} user {args.username} ({args.role})")
    return EXIT_OK


def _evidence_export(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.outputs import export_evidence

    print(export_evidence(ws, args.unit, args.out, args.format, run_id=args.run))
    return EXIT_OK


def _evidence_verify(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.exports.evidence import verify_warc

    worst = EXIT_OK
    for file in args.files:
        result = verify_warc(file)
        types = ", ".join(f"{k} {v}" for k, v in sorted(result["types"].items()))
        state = "ok" if result["ok"] else "DAMAGED"
        print(f"{file}: {state}: {result['records']} records ({types}); digests checked {result['digests']['checked']}")
        for problem in result["mismatches"] + result["errors"]:
            print(f"  {problem}")
        worst = worst if result["ok"] else EXIT_UNITS_FAILED
    return worst


def _schedule(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.schedule import build_scheduler, nightly_job

    if args.at:
        ws.settings.schedule.audit_at = args.at
    scheduler = build_scheduler(ws.settings)  # validates the time and time zone, also for --once
    if args.once:
        return nightly_job(ws.settings).exit_code
    print(f"nightly audit at {ws.settings.schedule.audit_at} ({ws.settings.schedule.timezone}); Ctrl-C to stop")
    scheduler.start()
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Any], int]] = {
    "demo": _demo,
    "units import": _units_import,
    "units list": _units_list,
    "audit": _audit,
    "recheck": _recheck,
    "selfreport template": _selfreport_template,
    "selfreport import": _selfreport_import,
    "score": _score,
    "findings": _findings,
    "report": _report,
    "serve": _serve,
    "user add": _user_add,
    "evidence export": _evidence_export,
    "evidence verify": _evidence_verify,
    "schedule": _schedule,
    "worker": _worker,
    "runs status": _runs_status,
    "runs requeue": _runs_requeue,
}
"""Command (and sub-command) → its handler."""
