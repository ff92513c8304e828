"""Request plumbing every page of the review app shares: templates, rendering, access rules, notices, language.

Access rules live in one place, the ``page`` wrapper: every page needs a live server-side session; every POST
also needs the session's CSRF token and, unless it is sign-in or sign-out, the role the endpoint names.
Database work runs in Starlette's thread pool so a slow query never stalls other requests.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from egov_audit.review import auth
from egov_audit.services import accounts, sessions
from egov_audit.services.workspace import Workspace
from egov_audit.storage import sessions_repo
from egov_audit.storage.db import session

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
Endpoint = Callable[[Request], Awaitable[Response]]
LANGUAGES = ("vi", "en")

# autoescape=True for every template whatever its file name: crawled text must never become markup.
templates = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)


def workspace(request: Request) -> Workspace:
    return request.app.state.ws


def client_of(request: Request) -> str:
    """The client's address, with ``X-Forwarded-For`` believed only from configured proxies."""
    return auth.client_address(request.client.host if request.client else None,
                               request.headers.get("x-forwarded-for"), request.app.state.trusted_proxies)


def lang_of(request: Request) -> str:
    """Vietnamese unless the reader switched to English (remembered in a cookie)."""
    lang = request.cookies.get(auth.LANG_COOKIE)
    return lang if lang in LANGUAGES else "vi"


def _csrf_for(request: Request) -> str:
    signed: sessions.SignedIn | None = getattr(request.state, "signed_in", None)
    if signed is not None:
        return signed.csrf_token
    token = request.cookies.get(auth.LOGIN_COOKIE)
    if not isinstance(token, str) or len(token) < 32 or len(token) > 100:
        token = getattr(request.state, "new_login_token", None) or auth.new_login_token()
        request.state.new_login_token = token
    return token


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int, path: str = "/") -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="lax",
                        secure=request.app.state.https_only)


async def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered with what every page needs: the user, the CSRF token, notices and the language."""
    signed: sessions.SignedIn | None = getattr(request.state, "signed_in", None)
    flashes: list[dict[str, str]] = []
    if signed is not None:
        flashes = await run_in_threadpool(_pop_flashes, workspace(request), signed.session_id)
    user = signed.user if signed else None
    lang = lang_of(request)
    html = templates.get_template(name).render(
        user=user, lang=lang, role=_role_label(user), csrf_token=_csrf_for(request), flashes=flashes,
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""), **context)
    # Pages show evidence that reviewers act on: never serve them from a shared cache.
    response = HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
    new_token = getattr(request.state, "new_login_token", None)
    if new_token:
        set_cookie(request, response, auth.LOGIN_COOKIE, new_token, auth.LOGIN_COOKIE_SECONDS, path="/login")
    return response


def _role_label(user: accounts.CurrentUser | None) -> dict[str, str] | None:
    if user is None:
        return None
    vi, en = auth.ROLE_LABELS.get(user.role, (user.role, user.role))
    return {"vi": vi, "en": en, "css": user.role}


def _pop_flashes(ws: Workspace, session_id: str) -> list[dict[str, str]]:
    with session(ws.engine) as s:
        return sessions_repo.pop_flashes(s, session_id)


async def flash(request: Request, vi: str, en: str) -> None:
    signed: sessions.SignedIn | None = request.state.signed_in
    if signed is None:
        return

    def push() -> None:
        with session(workspace(request).engine) as s:
            sessions_repo.push_flash(s, signed.session_id, {"vi": vi, "en": en})

    await run_in_threadpool(push)


async def error_page(request: Request, status_code: int, vi: str, en: str) -> HTMLResponse:
    return await render(request, "error.html", status_code=status_code, code=status_code, message_vi=vi,
                        message_en=en)


def safe_next(target: Any, default: str = "/") -> str:
    """A local path to return to; anything that could leave the site (``//host``, ``/\\host``, a scheme)
    falls back to ``default``, so forms cannot be used as an open redirect."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")) and (
        "\r" not in target and "\n" not in target and "\\" not in target
    ):
        return target
    return default


def resolve_session(request: Request) -> sessions.SignedIn | None:
    """The live session of the request's cookie (runs in the thread pool: it reads and may write)."""
    token = request.cookies.get(auth.SESSION_COOKIE)
    if not token:
        return None
    ws = workspace(request)
    with session(ws.engine) as s:
        return sessions.resolve(s, token, ws.settings.review)


def page(min_role: str = "viewer", signed_in: bool = True) -> Callable[[Endpoint], Endpoint]:
    """Wrap an endpoint with the access rules (see the module docstring)."""

    def wrap(fn: Endpoint) -> Endpoint:
        @functools.wraps(fn)
        async def endpoint(request: Request) -> Response:
            signed = await run_in_threadpool(resolve_session, request)
            request.state.signed_in = signed
            request.state.user = signed.user if signed else None
            if signed_in and signed is None:
                if request.method == "GET":
                    return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
                return RedirectResponse("/login", status_code=303)
            if signed is not None and not signed.user.at_least(min_role):
                if request.method == "POST":
                    return await error_page(request, 403, "Bạn chỉ có quyền xem; cần vai trò người duyệt để thay "
                                            "đổi.", "Your role can only read; changes need the reviewer or admin role.")
                return await error_page(request, 403, "Trang này dành cho quản trị viên.", "This page is for admins.")
            if request.method == "POST":
                form = await request.form()
                request.state.form = form
                expected = signed.csrf_token if signed is not None else request.cookies.get(auth.LOGIN_COOKIE)
                if not auth.tokens_match(expected, form.get(auth.CSRF_FIELD)):
                    return await error_page(request, 403, "Mã bảo vệ biểu mẫu (CSRF) thiếu hoặc không đúng. Hãy tải "
                                            "lại trang và gửi lại.", "The form's CSRF token is missing or wrong. "
                                            "Reload the page and submit again.")
            return await fn(request)

        return endpoint

    return wrap


def form_value(request: Request, name: str) -> str:
    value = request.state.form.get(name)
    return value if isinstance(value, str) else ""


def read(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
    """Run ``fn(db_session, *args, **kwargs)`` in the thread pool, in one transaction."""

    def call() -> Any:
        with session(workspace(request).engine) as s:
            return fn(s, *args, **kwargs)

    return run_in_threadpool(call)


def query_int(request: Request, name: str, low: int, high: int) -> int | None:
    """An integer query parameter within bounds (ASCII digits only: ``²`` is a digit to Python), else None."""
    text = request.query_params.get(name, "")
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    value = int(text)
    return value if low <= value <= high else None
