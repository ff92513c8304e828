"""The review app's reading pages and sign-in: each endpoint checks who is signed in (``web.page``), reads what
``queries``/``unit_view``/``queue``/``overview`` prepare and renders a template.

Changes (decisions, re-scores, re-tests, links) are in ``review.actions``; the pages a unit's contact opens
through its link are in ``review.contact_views``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from egov_audit.core.errors import InputError
from egov_audit.review import api, auth, overview, queries, queue, sandbox, unit_view
from egov_audit.review.web import (
    client_of,
    error_page,
    form_value,
    page,
    query_int,
    read,
    render,
    safe_next,
    set_cookie,
    workspace,
)
from egov_audit.services import accounts, sessions
from egov_audit.services.decisions import stale_score_sets
from egov_audit.storage import audit_log_repo, runs_repo
from egov_audit.storage.db import session

LANG_COOKIE_SECONDS = 365 * 24 * 3600

# ---------------------------------------------------------------- sign-in


@page(signed_in=False)
async def login(request: Request) -> Response:
    if request.method == "GET":
        if request.state.signed_in is not None:
            return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        return await render(request, "login.html", next=safe_next(request.query_params.get("next")), error=False,
                            locked=False)
    username, password = form_value(request, "username").strip()[:64], form_value(request, "password")[:1024]
    target = safe_next(form_value(request, "next"))
    throttle: auth.LoginThrottle = request.app.state.login_throttle
    client = client_of(request)
    ticket = throttle.acquire(client, username)
    if ticket is None:
        await read(request, lambda s: audit_log_repo.record_event(s, "sign_in_throttled", username or "?",
                                                                  client=client))
        return await render(request, "login.html", status_code=429, next=target, error=False, locked=True)
    ws = workspace(request)

    def check() -> tuple[str, sessions.SignedIn] | None:
        with session(ws.engine) as s:
            return sessions.sign_in(s, username, password, ws.settings.review, client=client,
                                    user_agent=request.headers.get("user-agent"))

    result = await run_in_threadpool(check)
    throttle.release(client, username, ticket, succeeded=result is not None)
    if result is None:
        # One message for an unknown name and a wrong password: the form must not confirm account names.
        return await render(request, "login.html", status_code=400, next=target, error=True, locked=False)
    token, _signed = result
    response = RedirectResponse(target, status_code=303)
    # Issued once, never re-issued: the session's absolute end is fixed at sign-in.
    set_cookie(request, response, auth.SESSION_COOKIE, token, int(ws.settings.review.session_hours * 3600))
    response.delete_cookie(auth.LOGIN_COOKIE, path="/login")
    return response


@page()
async def logout(request: Request) -> Response:
    signed = request.state.signed_in
    client = client_of(request)
    await read(request, lambda s: sessions.sign_out(s, signed, client))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@page()
async def account(request: Request) -> Response:
    if request.method == "GET":
        return await render(request, "account.html", error=None)
    user = request.state.user
    ws = workspace(request)
    current, new = form_value(request, "current")[:1024], form_value(request, "new")[:1024]
    if new != form_value(request, "again")[:1024]:
        return await render(request, "account.html", status_code=400,
                            error="hai mật khẩu mới khác nhau / the two new passwords differ")
    client = client_of(request)

    def change() -> tuple[str, sessions.SignedIn] | None:
        with session(ws.engine) as s:
            accounts.change_password(s, user.username, current, new, client=client)
            return sessions.sign_in(s, user.username, new, ws.settings.review, client=client,
                                    user_agent=request.headers.get("user-agent"))

    try:
        result = await run_in_threadpool(change)
    except accounts.AuthError as exc:
        return await render(request, "account.html", status_code=400, error=str(exc))
    response = RedirectResponse("/", status_code=303)
    if result is not None:
        # Every session of the user ended (copies of the old cookie included); this browser gets a new one.
        set_cookie(request, response, auth.SESSION_COOKIE, result[0], int(ws.settings.review.session_hours * 3600))
    return response


async def switch_language(request: Request) -> Response:
    """``/lang?to=en&next=/…``: remember the reader's language (also before sign-in: it changes nothing else)."""
    lang = request.query_params.get("to")
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if lang in ("vi", "en"):
        response.set_cookie(auth.LANG_COOKIE, lang, max_age=LANG_COOKIE_SECONDS, path="/", samesite="lax",
                            secure=request.app.state.https_only, httponly=True)
    return response


# ---------------------------------------------------------------- reading


async def _not_found(request: Request, vi: str = "Không tìm thấy.", en: str = "Not found.") -> Response:
    return await error_page(request, 404, vi, en)


@page()
async def home(request: Request) -> Response:
    tier = request.query_params.get("tier") or None
    district = request.query_params.get("district") or None
    data = await read(request, overview.overview, request.app.state.ws.settings.config_dir,
                      tier if tier in ("province", "district", "commune") else None, district[:20] if district else None)
    return await render(request, "overview.html", o=data)


@page()
async def runs(request: Request) -> Response:
    return await render(request, "runs.html", runs=await read(request, queries.list_runs))


@page()
async def run_detail(request: Request) -> Response:
    try:
        run = await read(request, queries.run_units, request.path_params["run_id"])
    except queries.NotFound:
        return await _not_found(request, "Không tìm thấy lần kiểm tra.", "No such run.")
    return await render(request, "run.html", run=run)


@page()
async def unit_latest(request: Request) -> Response:
    """``/units/{code}``: the unit in the run its scores come from (its latest audited run)."""
    code = request.path_params["code"]
    run_id = await read(request, lambda s: runs_repo.latest_run_by_unit(s, [code]).get(code))
    if run_id is None:
        return await _not_found(request, "Đơn vị chưa được kiểm tra.", "This unit has not been audited.")
    suffix = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/runs/{quote(run_id)}/units/{quote(code)}{suffix}", status_code=303)


async def unit_page(request: Request, status_code: int = 200, error: Any = None,
                    form: dict[str, str] | None = None) -> Response:
    run_id, code = request.path_params["run_id"], request.path_params["code"]
    ws = workspace(request)
    year = query_int(request, "year", 2000, 2100)
    try:
        detail = await read(request, unit_view.unit_detail, ws.blobs, ws.settings.config_dir, run_id, code, year)
    except queries.NotFound:
        return await _not_found(request, "Không tìm thấy đơn vị trong lần kiểm tra này.", "No such unit in this run.")
    fields = ("action", "check_id", "status", "reason")
    return await render(request, "unit.html", status_code=status_code, d=detail, error=error,
                        form=form or dict.fromkeys(fields, ""), path=request.url.path)


@page()
async def unit_detail(request: Request) -> Response:
    return await unit_page(request)


@page()
async def finding_detail(request: Request) -> Response:
    run_id, code, check = (request.path_params[k] for k in ("run_id", "code", "check_id"))
    ws = workspace(request)
    year = query_int(request, "year", 2000, 2100)
    try:
        d = await read(request, unit_view.finding_detail, ws.blobs, ws.settings.config_dir, run_id, code, check, year)
    except queries.NotFound:
        return await _not_found(request, "Không tìm thấy phát hiện này.", "No such finding.")
    signer: sandbox.Signer = request.app.state.sandbox_signer
    for ev in d["finding"]["evidence"]:
        if ev["snapshot_page"]:
            ev["sandbox"] = signer.url(sandbox.Capability(ev["snapshot_page"], "doc"))
            ev["sandbox_rendered"] = signer.url(sandbox.Capability(ev["snapshot_page"], "doc", rendered=True))
    return await render(request, "finding.html", d=d, path=request.url.path)


@page()
async def evidence_package(request: Request) -> Response:
    """The unit's WACZ (or zipped WARC) of the run, made once with ``exports.evidence`` and kept."""
    run_id, code, fmt = request.path_params["run_id"], request.path_params["code"], request.path_params["fmt"]
    if fmt not in ("wacz", "zip"):
        return await _not_found(request)
    ws = workspace(request)

    def build() -> Path:
        from egov_audit.exports.evidence import export_unit_evidence

        with session(ws.engine) as s:
            run = runs_repo.get_run(s, run_id)
            if run is None:
                raise InputError("--run", "no such run")
            finished = run.status != "running"
        folder = ws.settings.data_dir / "review-exports"
        out = folder / f"{run_id}-{code}.{fmt}".replace("/", "_")
        if finished and out.is_file():
            return out  # a finished run's evidence never changes
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=f".{fmt}")
        os.close(fd)
        export_unit_evidence(ws.engine, ws.blobs, ws.settings.evidence_dir, run_id, code, Path(tmp), fmt)
        os.replace(tmp, out)
        return out

    try:
        path = await run_in_threadpool(build)
    except InputError as exc:
        return await error_page(request, 404, "Không có bằng chứng để đóng gói.", str(exc))
    return FileResponse(path, filename=f"egov-audit-{code}-{run_id[:8]}.{fmt}", headers={"Cache-Control": "no-store"},
                        media_type="application/wacz" if fmt == "wacz" else "application/zip")


def queue_filters(values: Mapping[str, str], default_status: str, default_kind: str = "all") -> queue.QueueFilters:
    """The queue's filters from query parameters (or the hidden fields of a queue form); unknown values are
    ignored rather than refused, as a reader editing the address bar would expect."""
    status = values.get("status") if values.get("status") in queue.QUEUE_STATUSES else default_status
    kind = values.get("kind") if values.get("kind") in queue.KINDS else default_kind
    outcome = values.get("outcome") if values.get("outcome") in (*queue.REVIEW_OUTCOMES, queue.DISPUTED) else None
    year_text = values.get("year") or ""
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) == 4 else None
    return queue.QueueFilters(year=year, district=(values.get("district") or "")[:20] or None, outcome=outcome,
                              indicator=(values.get("indicator") or "")[:100] or None, status=status, kind=kind)


@page()
async def crosscheck(request: Request) -> Response:
    filters = queue_filters(request.query_params, "all", "crosscheck")
    data, stale = await read(request, lambda s: (queue.queue(s, filters), stale_score_sets(s)))
    return await render(request, "crosscheck.html", q=data, stale=stale)


async def queue_page(request: Request, filters: queue.QueueFilters, at: str | None, status_code: int = 200,
                     error: Any = None, reason: str = "") -> Response:
    """The queue at item ``at`` (default: the first) with its evidence, the list and the filter form."""
    ws = workspace(request)

    def load(s: Any) -> dict[str, Any]:
        data = queue.queue(s, filters)
        current, before, after = queue.position(data["entries"], at)
        data.update(current=current, before=before, after=after, stale=stale_score_sets(s),
                    evidence=queue.item_evidence(s, ws.blobs, current) if current else None)
        return data

    return await render(request, "queue.html", status_code=status_code, q=await read(request, load), error=error,
                        reason=reason)


@page()
async def review_queue(request: Request) -> Response:
    return await queue_page(request, queue_filters(request.query_params, "open"), request.query_params.get("at"))


@page()
async def snapshot(request: Request) -> Response:
    rendered = request.query_params.get("view") == "rendered"
    page_id = request.path_params["page_id"]
    if page_id >= 2**63:
        return await _not_found(request, "Không tìm thấy trang đã lưu.", "No such stored page.")
    try:
        snap = await read(request, queries.page_snapshot, workspace(request).blobs, page_id, rendered)
    except queries.NotFound:
        return await _not_found(request, "Không tìm thấy trang đã lưu.", "No such stored page.")
    return await render(request, "snapshot.html", p=snap)


@page()
async def evidence(request: Request) -> Response:
    data = await run_in_threadpool(queries.screenshot_png, workspace(request).blobs, request.path_params["digest"])
    if data is None:
        return Response("Not found\n", status_code=404, media_type="text/plain")
    # Content never changes under a digest; private because evidence is only for signed-in users.
    return Response(data, media_type="image/png", headers={
        "Cache-Control": "private, max-age=31536000, immutable", "Content-Disposition": "inline"})


@page(min_role="admin")
async def audit_log(request: Request) -> Response:
    before = query_int(request, "before", 1, 2**62)
    kind = (request.query_params.get("kind") or "")[:40] or None
    events = await read(request, lambda s: audit_log_repo.list_events(s, kind=kind, before_id=before, limit=101))
    rows = [{**e, "when": queries.fmt_time(e["at"]), "detail": queries.value_text(e["detail"])} for e in events[:100]]
    return await render(request, "audit_log.html", events=rows, kind=kind or "",
                        older=events[99]["id"] if len(events) > 100 else None)


@page()
async def api_docs(request: Request) -> Response:
    return await render(request, "api_docs.html", doc=api.openapi_document(request.app))


async def sandbox_page(request: Request) -> Response:
    """A stored page or one of its images/stylesheets, by capability: no session, no cookie (module docstring
    of ``review.sandbox``); the security-header middleware gives it the sandbox policy."""
    signer: sandbox.Signer = request.app.state.sandbox_signer
    cap = signer.check(request.path_params["token"])
    if cap is None:
        return Response("Gone\n", status_code=410, media_type="text/plain")
    ws = workspace(request)

    def load() -> tuple[Any, str] | None:
        with session(ws.engine) as s:
            if cap.kind == "doc":
                return sandbox.sandbox_document(s, ws.blobs, signer, cap)
            return sandbox.sandbox_resource(s, ws.blobs, signer, cap)

    found = await run_in_threadpool(load)
    if found is None:
        return Response("Not found\n", status_code=404, media_type="text/plain")
    body, content_type = found
    return Response(body, media_type=content_type)


async def not_found(request: Request, exc: Exception) -> Response:
    """404 for unknown paths, rendered without revealing anything to visitors who are not signed in."""
    from egov_audit.review.web import resolve_session

    request.state.signed_in = await run_in_threadpool(resolve_session, request)
    request.state.user = request.state.signed_in.user if request.state.signed_in else None
    if request.state.user is None or request.url.path.startswith(("/api/", sandbox.SANDBOX_PREFIX)):
        return Response("Not found\n", status_code=404, media_type="text/plain")
    return await error_page(request, 404, "Không tìm thấy trang.", "Page not found.")
