"""Assembling the review app: routes, the signed session cookie, security headers, and ``serve``.

Security headers go on every response, static files and errors included: a Content-Security-Policy that
allows no script at all (the app needs none, and a crawled ``<script>`` that slipped through escaping
still could not run), no framing, and ``nosniff`` so a stored blob is never guessed into HTML.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from egov_audit.review import auth, night_views, views
from egov_audit.services.workspace import Workspace

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "egov_review"
SESSION_MAX_AGE = 8 * 3600
"""A working day: a forgotten signed-in browser does not stay signed in overnight."""
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


class SecurityHeaders:
    """Pure ASGI middleware adding ``SECURITY_HEADERS`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                message["headers"] = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in names
                ] + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(ws: Workspace, secret_key: str | None = None, https_only: bool = False) -> Starlette:
    """The review app over a workspace's database and evidence store.

    ``secret_key`` signs session cookies (default: ``<data_dir>/review-session.key``, created 0600);
    ``https_only`` marks the cookie Secure, for deployments behind a TLS proxy.
    """
    secret = secret_key or auth.load_or_create_secret(ws.settings.data_dir)
    routes = [
        Route("/", views.runs),
        Route("/login", views.login, methods=["GET", "POST"]),
        Route("/logout", views.logout, methods=["POST"]),
        Route("/runs/{run_id}", views.run_detail),
        Route("/runs/{run_id}/night", night_views.night),
        Route("/runs/{run_id}/units/{code}", views.unit_detail),
        Route("/runs/{run_id}/units/{code}/decisions", views.decide, methods=["POST"]),
        Route("/crosscheck", views.crosscheck),
        Route("/rescore", views.rescore, methods=["POST"]),
        Route("/pages/{page_id:int}", views.snapshot),
        Route("/evidence/{digest}", views.evidence),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        # HttpOnly is always set by SessionMiddleware; Lax keeps the cookie off cross-site POSTs as a second
        # line behind the CSRF tokens.
        Middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, max_age=SESSION_MAX_AGE,
                   same_site="lax", https_only=https_only),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: views.not_found})
    app.state.ws = ws
    app.state.login_throttle = auth.LoginThrottle()
    return app


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8080, https_only: bool = False) -> None:
    """Run the app with uvicorn until interrupted (``egov-audit serve``); ``https_only`` marks the session
    cookie Secure, for a deployment behind a TLS proxy."""
    import uvicorn

    # server_header off: no need to advertise the server software to whoever reaches the port.
    uvicorn.run(create_app(ws, https_only=https_only), host=host, port=port, server_header=False,
                log_level="info")
