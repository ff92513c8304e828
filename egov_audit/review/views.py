"""The review app's pages: each endpoint checks who is signed in, calls ``review.queries`` and renders a template.

Access rules live in one place, the ``page`` wrapper: every page needs a signed-in user; every POST also
needs the session's CSRF token and, unless it is sign-in or sign-out, the reviewer or admin role.
Database work runs in Starlette's thread pool so a slow query never stalls other requests.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from egov_audit.core.errors import InputError
from egov_audit.review import auth, queries
from egov_audit.scoring import list_frameworks
from egov_audit.services import accounts
from egov_audit.storage.db import session

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
Endpoint = Callable[[Request], Awaitable[Response]]
_DECISION_FIELDS = ("action", "check_id", "status", "reason")

# autoescape=True for every template whatever its file name: crawled text must never become markup.
templates = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered with what every page needs: the user, the CSRF token and pending notices."""
    user: accounts.CurrentUser | None = getattr(request.state, "user", None)
    flashes = request.session.pop("flash", []) if user is not None else []
    html = templates.get_template(name).render(
        user=user,
        role=queries.label(auth.ROLE_LABELS, user.role) if user else None,
        csrf_token=auth.csrf_token(request.session),
        flashes=flashes,
        **context,
    )
    # Pages show evidence that reviewers act on: never serve them from a shared cache.
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _flash(request: Request, vi: str, en: str) -> None:
    request.session["flash"] = [*request.session.get("flash", []), {"vi": vi, "en": en}]


def _error(request: Request, status_code: int, vi: str, en: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, code=status_code, message_vi=vi, message_en=en)


def _safe_next(target: Any, default: str = "/") -> str:
    """A local path to return to; anything that could leave the site (``//host``, ``/\\host``, a scheme)
    falls back to ``default``, so the login page cannot be used as an open redirect."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")) and (
        "\r" not in target and "\n" not in target
    ):
        return target
    return default


def _workspace(request: Request) -> Any:
    return request.app.state.ws


def _load_user(request: Request) -> accounts.CurrentUser | None:
    with session(_workspace(request).engine) as s:
        return auth.session_user(s, request.session)


def page(min_role: str = "viewer", signed_in: bool = True) -> Callable[[Endpoint], Endpoint]:
    """Wrap an endpoint with the access rules (see the module docstring)."""

    def wrap(fn: Endpoint) -> Endpoint:
        @functools.wraps(fn)
        async def endpoint(request: Request) -> Response:
            user = await run_in_threadpool(_load_user, request) if signed_in else None
            request.state.user = user
            if signed_in and user is None:
                if request.method == "GET":
                    return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
                return RedirectResponse("/login", status_code=303)
            if request.method == "POST":
                form = await request.form()
                request.state.form = form
                if user is not None and not user.at_least(min_role):
                    return _error(request, 403, "Bạn chỉ có quyền xem; cần vai trò người duyệt để thay đổi.",
                                  "Your role can only read; changes need the reviewer or admin role.")
                if not auth.csrf_ok(request.session, form.get(auth.CSRF_FIELD)):
                    return _error(request, 403, "Mã bảo vệ biểu mẫu (CSRF) thiếu hoặc không đúng. Hãy tải lại trang "
                                  "và gửi lại.", "The form's CSRF token is missing or wrong. Reload the page and "
                                  "submit again.")
            return await fn(request)

        return endpoint

    return wrap


def _form(request: Request, name: str) -> str:
    value = request.state.form.get(name)
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------- sign-in


@page(signed_in=False)
async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html", next=_safe_next(request.query_params.get("next")), error=False,
                      locked=False)
    username, password = _form(request, "username").strip(), _form(request, "password")
    target = _safe_next(_form(request, "next"))
    throttle: auth.LoginThrottle = request.app.state.login_throttle
    client = request.client.host if request.client else "?"
    if throttle.blocked(client, username):
        return render(request, "login.html", status_code=429, next=target, error=False, locked=True)

    def check() -> accounts.CurrentUser | None:
        with session(_workspace(request).engine) as s:
            user = accounts.authenticate(s, username, password)
            if user is not None:
                auth.start_session(request.session, s, user)
            return user

    if await run_in_threadpool(check) is None:
        throttle.failed(client, username)
        # One message for an unknown name and a wrong password: the form must not confirm account names.
        return render(request, "login.html", status_code=400, next=target, error=True, locked=False)
    throttle.succeeded(client, username)
    return RedirectResponse(target, status_code=303)


@page()
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# ---------------------------------------------------------------- reading


def _read(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
    def call() -> Any:
        with session(_workspace(request).engine) as s:
            return fn(s, *args, **kwargs)

    return run_in_threadpool(call)


@page()
async def runs(request: Request) -> Response:
    return render(request, "runs.html", runs=await _read(request, queries.list_runs))


@page()
async def run_detail(request: Request) -> Response:
    try:
        run = await _read(request, queries.run_units, request.path_params["run_id"])
    except queries.NotFound:
        return _error(request, 404, "Không tìm thấy lần kiểm tra.", "No such run.")
    return render(request, "run.html", run=run)


async def _unit_page(request: Request, status_code: int = 200, error: queries.DecisionError | None = None,
                     form: dict[str, str] | None = None) -> Response:
    run_id, code = request.path_params["run_id"], request.path_params["code"]
    ws = _workspace(request)
    try:
        detail = await _read(request, queries.unit_detail, ws.blobs, run_id, code)
    except queries.NotFound:
        return _error(request, 404, "Không tìm thấy đơn vị trong lần kiểm tra này.", "No such unit in this run.")
    targets = await _read(request, queries.rescore_targets)
    return render(request, "unit.html", status_code=status_code, d=detail, error=error, form=form or dict.fromkeys(_DECISION_FIELDS, ""),
                  rescore_targets=targets, frameworks=list_frameworks(ws.settings.config_dir),
                  here=request.url.path)


@page()
async def unit_detail(request: Request) -> Response:
    return await _unit_page(request)


@page()
async def crosscheck(request: Request) -> Response:
    year_text = request.query_params.get("year", "")
    year = int(year_text) if year_text.isdigit() else None
    review = await _read(request, queries.crosscheck_review, year)
    targets = await _read(request, queries.rescore_targets)
    return render(request, "crosscheck.html", review=review, rescore_targets=targets, here=request.url.path)


@page()
async def snapshot(request: Request) -> Response:
    rendered = request.query_params.get("view") == "rendered"
    try:
        snap = await _read(request, queries.page_snapshot, _workspace(request).blobs,
                           request.path_params["page_id"], rendered)
    except queries.NotFound:
        return _error(request, 404, "Không tìm thấy trang đã lưu.", "No such stored page.")
    return render(request, "snapshot.html", p=snap)


@page()
async def evidence(request: Request) -> Response:
    data = await run_in_threadpool(queries.screenshot_png, _workspace(request).blobs, request.path_params["digest"])
    if data is None:
        return Response("Not found\n", status_code=404, media_type="text/plain")
    # Content never changes under a digest; private because evidence is only for signed-in users.
    return Response(data, media_type="image/png", headers={
        "Cache-Control": "private, max-age=31536000, immutable", "Content-Disposition": "inline"})


# ---------------------------------------------------------------- changing


@page(min_role="reviewer")
async def decide(request: Request) -> Response:
    run_id, code = request.path_params["run_id"], request.path_params["code"]
    user: accounts.CurrentUser = request.state.user
    fields = {k: _form(request, k) for k in _DECISION_FIELDS}

    def save() -> dict[str, Any]:
        with session(_workspace(request).engine) as s:
            return queries.record_decision(
                s, run_id=run_id, unit_code=code, reviewer=user.username, action=fields["action"],
                check_id=fields["check_id"] or None, status=fields["status"] or None, reason=fields["reason"])

    try:
        saved = await run_in_threadpool(save)
    except queries.DecisionError as exc:
        return await _unit_page(request, status_code=400, error=exc, form=fields)
    except queries.NotFound:
        return _error(request, 404, "Không tìm thấy đơn vị trong lần kiểm tra này.", "No such unit in this run.")
    _flash(request, "Đã lưu quyết định. Hãy chấm điểm lại để áp dụng vào kết quả.",
           "Decision saved. Re-score to apply it to the results.")
    anchor = "#" + queries.anchor_for(saved["check_id"]) if saved["check_id"] else "#decisions"
    return RedirectResponse(f"/runs/{quote(run_id)}/units/{quote(code)}{anchor}", status_code=303)


@page(min_role="reviewer")
async def rescore(request: Request) -> Response:
    ws = _workspace(request)
    framework, year_text = _form(request, "framework"), _form(request, "year").strip()
    target = _safe_next(_form(request, "next"))
    if framework not in list_frameworks(ws.settings.config_dir) or not year_text.isdigit():
        _flash(request, "Chọn bộ tiêu chí và năm đánh giá hợp lệ.", "Choose a known framework and a valid year.")
        return RedirectResponse(target, status_code=303)
    from egov_audit.services.scoring import score

    try:
        export = await run_in_threadpool(score, ws, framework, int(year_text))
    except (InputError, ValueError) as exc:
        _flash(request, f"Không chấm điểm được: {exc}", "Scoring failed (see the message).")
        return RedirectResponse(target, status_code=303)
    _flash(request, f"Đã chấm điểm lại {len(export['units'])} đơn vị theo {framework}, năm {year_text}.",
           f"Re-scored {len(export['units'])} unit(s) under {framework}, year {year_text}.")
    return RedirectResponse(target, status_code=303)


async def not_found(request: Request, exc: Exception) -> Response:
    """404 for unknown paths, rendered without revealing anything to visitors who are not signed in."""
    request.state.user = await run_in_threadpool(_load_user, request)
    if request.state.user is None:
        return Response("Not found\n", status_code=404, media_type="text/plain")
    return _error(request, 404, "Không tìm thấy trang.", "Page not found.")

