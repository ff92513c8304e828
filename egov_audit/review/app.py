"""Assembling the review app: routes, security headers on every response, request size limits, ``serve``.

Security headers go on every response, static files, errors and 500s included (the header middleware wraps
Starlette's error handler): a Content-Security-Policy that allows no script at all (the app needs none, and
a crawled ``<script>`` that slipped through escaping still could not run), no framing, and ``nosniff`` so a
stored blob is never guessed into HTML. The sandbox of stored pages gets its own, stricter policy
(``review.sandbox``). Request bodies are capped before they are read (``review.max_body_kb``; sign-in much
less), so a 200 MB POST is refused with 413 instead of being parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from egov_audit.review import actions, api, auth, contact_views, night_views, sandbox, views
from egov_audit.services.retests import RetestWorker
from egov_audit.services.workspace import Workspace

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = auth.SESSION_COOKIE
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'none'; style-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Reviewers follow links to audited portals: do not tell those sites which run or unit was open.
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
LOGIN_BODY_LIMIT = 16 * 1024
"""A user name, a password and two tokens: nothing larger is a sign-in."""


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to every HTTP response (the sandbox's own set under
    ``/sandbox/``), replacing any the endpoint set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = sandbox.SANDBOX_HEADERS if scope["path"].startswith(sandbox.SANDBOX_PREFIX) else SECURITY_HEADERS
        names = {name for name, _ in headers}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                if headers is sandbox.SANDBOX_HEADERS:
                    kept = [(k, v) for k, v in kept if k.lower() != b"set-cookie"]  # never a cookie there
                message["headers"] = kept + headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over the limit with 413: at once from ``Content-Length``, or as soon as a
    chunked body passes it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = LOGIN_BODY_LIMIT if scope["path"] == "/login" else self.limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = PlainTextResponse("Nội dung gửi lên quá lớn / request body too large\n", status_code=413,
                                 headers={"Connection": "close"})
    await response(scope, receive, send)


async def server_error(request: Request, exc: Exception) -> Response:
    """A plain 500 (no template, no database: either may be what failed); the headers middleware still runs."""
    return PlainTextResponse("Lỗi máy chủ; thao tác chưa được thực hiện. / Server error; nothing was changed.\n",
                             status_code=500, headers={"Cache-Control": "no-store"})


class ReviewApp(Starlette):
    """Starlette with the security headers outside its error handler, so 500s carry them too."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def _routes() -> list[Any]:
    return [
        Route("/", views.home),
        Route("/login", views.login, methods=["GET", "POST"]),
        Route("/logout", views.logout, methods=["POST"]),
        Route("/account", views.account, methods=["GET", "POST"]),
        Route("/lang", views.switch_language),
        Route("/runs", views.runs),
        Route("/runs/{run_id}", views.run_detail),
        Route("/runs/{run_id}/night", night_views.night),
        Route("/runs/{run_id}/units/{code}", views.unit_detail),
        Route("/runs/{run_id}/units/{code}/decisions", actions.decide, methods=["POST"]),
        Route("/runs/{run_id}/units/{code}/findings/{check_id}", views.finding_detail),
        Route("/runs/{run_id}/units/{code}/evidence.{fmt}", views.evidence_package),
        Route("/units/{code}", views.unit_latest),
        Route("/units/{code}/retest", actions.retest, methods=["POST"]),
        Route("/units/{code}/links", actions.create_link, methods=["POST"]),
        Route("/units/{code}/links/{link_id:int}/revoke", actions.revoke_link, methods=["POST"]),
        Route("/crosscheck", views.crosscheck),
        Route("/queue", views.review_queue),
        Route("/queue/decide", actions.queue_decide, methods=["POST"]),
        Route("/rescore", actions.rescore, methods=["POST"]),
        Route("/pages/{page_id:int}", views.snapshot),
        Route("/evidence/{digest}", views.evidence),
        Route("/audit-log", views.audit_log),
        Route("/api/docs", views.api_docs),
        *api.ROUTES,
        Route(sandbox.SANDBOX_PREFIX + "{token}", views.sandbox_page),
        Route("/u/{token}", contact_views.unit_link),
        Route("/u/{token}/disputes", contact_views.unit_link_dispute, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(ws: Workspace, secret_key: str | None = None, https_only: bool = False) -> Starlette:
    """The review app over a workspace's database and evidence store.

    ``secret_key`` signs the sandbox capabilities (default: ``<data_dir>/review-session.key``, created 0600);
    ``https_only`` marks the cookies Secure, for deployments behind a TLS proxy.
    """
    from starlette.middleware import Middleware

    secret = secret_key or auth.load_or_create_secret(ws.settings.data_dir)
    settings = ws.settings.review
    app = ReviewApp(routes=_routes(), middleware=[Middleware(BodyLimit, limit=settings.max_body_kb * 1024)],
                    exception_handlers={404: views.not_found, 500: server_error})
    app.state.ws = ws
    app.state.https_only = https_only
    app.state.trusted_proxies = auth.parse_trusted_proxies(settings.trusted_proxies)
    app.state.login_throttle = auth.LoginThrottle()
    app.state.sandbox_signer = sandbox.Signer(secret)
    app.state.retest_worker = RetestWorker(ws)
    if app.state.retest_worker.recover():
        app.state.retest_worker.wake()
    return app


def server_config(app: ASGIApp, host: str = "127.0.0.1", port: int = 8080, **options: Any) -> Any:
    """The uvicorn configuration the app runs under: no proxy-header rewriting (the app reads
    ``X-Forwarded-For`` itself, from configured proxies only), no server banner."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, server_header=False,
                          forwarded_allow_ips="", **options)


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8080, https_only: bool = False) -> None:
    """Run the app with uvicorn until interrupted (``egov-audit serve``); ``https_only`` marks the cookies
    Secure, for a deployment behind a TLS proxy."""
    import uvicorn

    uvicorn.Server(server_config(create_app(ws, https_only=https_only), host, port, log_level="info")).run()
