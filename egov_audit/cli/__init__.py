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
        if handler in SETTINGS_ONLY:
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
    sub = getattr(args, f"{args.command.replace('-', '_')}_command", None)
    return f"{args.command} {sub}" if sub else args.command


# ---------------------------------------------------------------------------- handlers


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from egov_audit.services.demo import run_demo

    with Progress(sys.stderr) as progress:
        return run_demo(settings, screenshots=not args.no_screenshots, use_browser=not args.no_browser,
                        say=print, progress=progress.event)


def _units_import(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.intake import import_units_file

    result = import_units_file(ws, args.file, era=args.era, dry_run=args.dry_run)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.dry_run:
        for line in result.changes:
            print(line)
        print(f"{args.file}: dry run, nothing written: {result.inserted} new, {result.updated} changed, "
              f"{result.rows - result.inserted - result.updated} unchanged")
        return EXIT_OK
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

    result = import_survey_file(ws, args.file, partial=args.partial)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for skipped in result.skipped:
        print(f"skipped: {skipped}", file=sys.stderr)
    version = f" as survey version {result.version}" if result.version else ""
    print(f"{args.file}: {result.rows} phiếu/form(s) imported{version}"
          + (f", {len(result.skipped)} problem(s) left out" if result.skipped else ""))
    return EXIT_OK


def _selfreport_versions(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.intake import survey_versions

    for v in survey_versions(ws):
        years = ",".join(map(str, v["years"])) or "-"
        print(f"{v['id']}\t{v['imported_at']}\t{years}\t{v['forms']} form(s)\t{v['file_name']}\t{v['file_digest']}"
              + ("\tpartial" if v["partial"] else ""))
    return EXIT_OK


def _selfreport_choose(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.intake import choose_survey_version

    choose_survey_version(ws, args.unit, args.year, args.version, args.reviewer, args.reason)
    print(f"survey version {args.version} now counts for unit {args.unit}, {args.year}")
    return EXIT_OK


def _score(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.reports import ranking_table
    from egov_audit.services.scoring import end_of_day, score

    as_of = end_of_day(args.as_of) if args.as_of else None
    export = score(ws, args.framework, args.year, run_id=args.run, as_of=as_of, publish=args.publish)
    print(ranking_table(export))
    score_set = export["score_set"]
    for notice in score_set["notices"]:
        print(f"notice: {notice}", file=sys.stderr)
    state = "đã công bố / published" if args.publish else "chưa công bố / not published (scores publish ID)"
    print(f"score set {score_set['id']} ({score_set['framework']} {score_set['framework_digest'][:19]}, "
          f"runs: {', '.join(score_set['runs']) or '-'}): {state}")
    return EXIT_OK


def _scores_list(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.scoring import list_score_sets

    for row in list_score_sets(ws, args.framework, args.year):
        mark = "*" if row["published"] else " "
        print(f"{mark} {row['id'][:12]}  {row['year']}  {row['framework']:<28} {row['framework_digest'][:19]}  "
              f"{row['created_at']}  runs: {','.join(r[:8] for r in row['runs']) or '-'}  "
              f"surveys: {','.join(map(str, row['survey_versions'])) or '-'}"
              + (f"  published {row['published_at']}" if row["published_at"] else ""))
    return EXIT_OK


def _scores_publish(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.scoring import publish_score_set

    row = publish_score_set(ws, args.set_id)
    print(f"published score set {row['id']} ({row['framework']}, {row['year']})")
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

    print(write_report(ws, args.format, args.out, year=args.year, score_set=args.score_set))
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
    scheduler = build_scheduler(ws.settings, engine=ws.engine)  # validates the time and time zone, also for --once
    if args.once:
        result = nightly_job(ws.settings)
        if result.status == "skipped":
            print("night skipped: another scheduler is running it", file=sys.stderr)
            return EXIT_OK
        print(f"run {result.run_id}: {result.pages} page(s); scored {', '.join(result.frameworks) or 'nothing'}")
        for tier, why in result.skipped_frameworks.items():
            print(f"  {tier}: {why}")
        for path in result.reports:
            print(f"  {path}")
        for note in result.notifications:
            print(f"  notification {note['channel']}: {note['status']}" + (f" ({note['error']})" if note["error"] else ""))
        return result.exit_code
    print(f"nightly audit at {ws.settings.schedule.audit_at} ({ws.settings.schedule.timezone}); Ctrl-C to stop")
    scheduler.start()
    return EXIT_OK


def _changes(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.changes import changes_text, run_changes

    document = run_changes(ws, args.run)
    if args.format == "json":
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(changes_text(document), end="")
    if args.notify:
        from egov_audit.services.notify import notify_changes

        for d in notify_changes(ws, document):
            print(f"notification {d.channel}: {d.status}" + (f" ({d.error})" if d.error else ""), file=sys.stderr)
    return EXIT_OK


def _health(args: argparse.Namespace, settings: Settings) -> int:
    from egov_audit.services.health import health, health_text

    report = health(settings, browser=not args.no_browser)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(health_text(report), end="")
    return EXIT_OK if report["healthy"] else EXIT_UNITS_FAILED
def _decide(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.decisions import DecisionError, DecisionRequest, UnknownTarget, record_decision

    if args.check and bool(args.status) == bool(args.confirm):
        raise InputError("decide", "with --check give either --status S (override) or --confirm")
    if args.crosscheck and bool(args.status) == bool(args.confirm):
        raise InputError("decide", "with --crosscheck give either --status S (override) or --confirm")
    action = "exclude" if args.exclude else "include" if args.include else "confirm" if args.confirm else "override"
    request = DecisionRequest(unit_code=args.unit, action=action, reason=args.reason, reviewer=args.reviewer,
                              run_id=args.run, check_id=args.check, status=args.status, year=args.year,
                              crosscheck_field=args.crosscheck)
    try:
        saved = record_decision(ws, request, client="cli")
    except DecisionError as exc:
        raise InputError("decide", str(exc)) from None
    except UnknownTarget as exc:
        raise InputError("--unit/--run", f"no such unit or run: {exc}") from None
    print(f"decision {saved.id}: {saved.unit_code} {saved.check_id or ''} {saved.status}"
          f"{f' (run {saved.run_id})' if saved.run_id else ''}{f' for {saved.year}' if saved.year else ''}")
    print("re-score to apply it: egov-audit score --framework ID --year YYYY")
    return EXIT_OK


def _api_token_create(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.api_clients import create_client

    token = create_client(ws, args.name, args.scope, province_code=args.province, days=args.days)
    print(f"API client {args.name} ({', '.join(sorted(set(args.scope)))}"
          f"{f', province {args.province}' if args.province else ''}): the token is shown once:", file=sys.stderr)
    print(token)
    return EXIT_OK


def _api_token_revoke(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.api_clients import revoke_client

    revoke_client(ws, args.name)
    print(f"revoked API client {args.name}")
    return EXIT_OK


def _api_token_list(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.api_clients import list_clients

    for c in list_clients(ws):
        state = "revoked" if c["revoked_at"] else "active"
        print(f"{c['name']}\t{state}\t{','.join(c['scopes'])}\t{c['province'] or '-'}\t"
              f"last used {c['last_used_at'] or 'never'}")
    return EXIT_OK


def _unit_link_create(args: argparse.Namespace, ws: Any) -> int:
    from egov_audit.services.disputes import create_link
    from egov_audit.storage.db import session

    days = args.days or ws.settings.review.link_days
    try:
        with session(ws.engine) as s:
            token, link = create_link(s, args.unit, "cli", days, args.contact, client="cli")
    except LookupError:
        raise InputError("--unit", f"unknown unit code {args.unit}") from None
    base = ws.settings.review.public_url.rstrip("/")
    print(f"{base}/u/{token}")
    print(f"valid until {link.expires_at.isoformat()} (shown once; only its hash is stored)", file=sys.stderr)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Any], int]] = {
    "demo": _demo,
    "units import": _units_import,
    "units list": _units_list,
    "audit": _audit,
    "recheck": _recheck,
    "selfreport template": _selfreport_template,
    "selfreport import": _selfreport_import,
    "selfreport versions": _selfreport_versions,
    "selfreport choose": _selfreport_choose,
    "score": _score,
    "scores list": _scores_list,
    "scores publish": _scores_publish,
    "findings": _findings,
    "report": _report,
    "serve": _serve,
    "user add": _user_add,
    "evidence export": _evidence_export,
    "evidence verify": _evidence_verify,
    "schedule": _schedule,
    "changes": _changes,
    "health": _health,
    "decide": _decide,
    "api-token create": _api_token_create,
    "api-token revoke": _api_token_revoke,
    "api-token list": _api_token_list,
    "unit-link create": _unit_link_create,
    "worker": _worker,
    "runs status": _runs_status,
    "runs requeue": _runs_requeue,
}
"""Command (and sub-command) → its handler."""
SETTINGS_ONLY = frozenset({_demo, _health})
"""Handlers given the settings instead of an opened workspace (``health`` must not migrate the database,
and reports an unreachable one instead of failing as bad input)."""
