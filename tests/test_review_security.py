"""The review app as an attacker meets it: every route refuses anonymous requests, a viewer changes nothing, a
post without the CSRF token is refused, copied cookies die with the session, the sign-in throttle holds under
concurrent bursts and forged addresses, every response (500s included) carries the security headers, bodies
are capped, crawled payloads never run or call out (in the app and in the sandbox: real Chromium listening
for dialogs, console calls and requests), and API tokens see only what they are scoped to."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.routing import Mount, Route

from egov_audit.review import auth, create_app
from egov_audit.review.app import CONTENT_SECURITY_POLICY
from egov_audit.review.sandbox import SANDBOX_CSP, rewrite_html
from egov_audit.services import api_clients, sessions
from egov_audit.services.accounts import add_user
from egov_audit.services.settings import ReviewSettings, Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import audit_log_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import (
    ApiClient,
    AuditEvent,
    Dispute,
    Retest,
    ReviewerDecision,
    ReviewSession,
    Score,
    UnitLink,
    utcnow,
)
from tests.review_support import (
    PASSWORDS,
    TAM_GIANG,
    XSS,
    Province,
    build_province,
    client,
    csrf_of,
    serve_app,
    sign_in,
)

CHANGED_TABLES = (ReviewerDecision, Dispute, Retest, UnitLink, Score, ApiClient)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    ws = Workspace.open(Settings(data_dir=tmp_path_factory.mktemp("review-security") / "data"))
    built = build_province(ws)
    yield built
    built.canary.close()
    ws.engine.dispose()


@pytest.fixture(scope="module")
def base(province: Province) -> Iterator[str]:
    with serve_app(province.ws) as url:
        yield url


def _counts(ws: Workspace) -> dict[str, int]:
    with session(ws.engine) as s:
        return {t.__tablename__: s.exec(select(func.count()).select_from(t)).one() for t in CHANGED_TABLES}


def _routes(province: Province) -> list[tuple[str, str, str]]:
    """(method, concrete path, template) of every route of the app, path parameters filled in."""
    values = {"run_id": province.latest, "code": TAM_GIANG, "check_id": "interact.qa", "page_id": str(province.qa_page),
              "digest": province.shot, "token": "x" * 43, "link_id": "1", "fmt": "wacz", "path": "review.css"}
    found = []
    for route in create_app(province.ws).routes:
        if isinstance(route, Mount):
            found.append(("GET", route.path + "/review.css", route.path))
            continue
        assert isinstance(route, Route)
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value).replace("{" + name + ":int}", value)
        assert "{" not in path, route.path
        found += [(method, path, route.path) for method in sorted(route.methods or ["GET"]) if method != "HEAD"]
    return found


def _expected_anonymous(template: str, method: str) -> tuple[int, ...]:
    if template == "/login":
        return (200,) if method == "GET" else (403,)  # the form's own CSRF token is missing
    if template in ("/lang", "/static"):
        return (303, 200)  # a language preference and the style sheet are not data
    if template.startswith("/api/") and template != "/api/docs":
        return (401,)
    if template.startswith(("/sandbox/", "/u/")):
        return (404, 410)  # capability URLs: the bad token is the refusal
    return (303,)


def test_every_route_but_sign_in_refuses_anonymous_requests(province: Province, base: str) -> None:
    before = _counts(province.ws)
    with client(base) as c:
        for method, path, template in _routes(province):
            r = c.request(method, path, data={"reason": "x", "action": "exclude"} if method == "POST" else None)
            assert r.status_code in _expected_anonymous(template, method), (method, path, r.status_code)
            if r.status_code == 303 and template not in ("/lang",):
                assert r.headers["location"].startswith("/login"), path
            assert "<script" not in r.text.lower()
    assert _counts(province.ws) == before


def test_a_viewer_changes_nothing(province: Province, base: str) -> None:
    before = _counts(province.ws)
    with client(base) as c:
        assert sign_in(c, "vy").status_code == 303
        token = csrf_of(c.get("/").text)
        for method, path, template in _routes(province):
            if method != "POST" or template in ("/login", "/logout", "/account") or template.startswith("/u/"):
                continue
            r = c.post(path, data={"csrf_token": token, "reason": "thử", "action": "override", "status": "fail",
                                   "check_id": "interact.qa", "framework": "qd2392-commune", "year": "2024",
                                   "key": f"cc:qd2392-commune:2024:{TAM_GIANG}:publishes_qa"})
            assert r.status_code == 403, (path, r.status_code)
        assert c.get("/audit-log").status_code == 403  # the audit log is for admins
    assert _counts(province.ws) == before


def test_a_post_without_the_csrf_token_is_refused(province: Province, base: str) -> None:
    before = _counts(province.ws)
    with client(base) as c:
        assert sign_in(c, "rex").status_code == 303
        for method, path, template in _routes(province):
            if method != "POST" or template.startswith("/u/"):
                continue  # unit links carry their token in the path: no cookie, nothing to forge
            for extra in ({}, {"csrf_token": "y" * 43}):
                r = c.post(path, data={"reason": "x", "action": "exclude", **extra})
                assert r.status_code == 403, (path, extra, r.status_code)
        assert c.get("/").status_code == 200  # still signed in: logout without a token did nothing
    assert _counts(province.ws) == before


def test_a_copied_cookie_dies_with_sign_out(province: Province, base: str) -> None:
    with client(base) as a, client(base) as thief:
        sign_in(a, "rex")
        page = a.get(f"/runs/{province.latest}/units/{TAM_GIANG}")
        assert "set-cookie" not in page.headers  # never re-issued: the lifetime cannot slide
        token = csrf_of(page.text)
        thief.cookies.set(auth.SESSION_COOKIE, a.cookies[auth.SESSION_COOKIE])
        assert thief.get("/").status_code == 200
        assert a.post("/logout", data={"csrf_token": token}).status_code == 303
        before = _counts(province.ws)
        assert thief.get("/").status_code == 303
        r = thief.post(f"/runs/{province.latest}/units/{TAM_GIANG}/decisions",
                       data={"csrf_token": token, "action": "exclude", "reason": "replayed"})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert _counts(province.ws) == before


def test_a_password_change_ends_every_copy(province: Province, base: str, tmp_path: Path) -> None:
    with session(province.ws.engine) as s:
        add_user(s, "lan", "lan-password-0001", "reviewer")
    with client(base) as a, client(base) as b:
        sign_in(a, "lan", "lan-password-0001")
        sign_in(b, "lan", "lan-password-0001")
        token = csrf_of(a.get("/account").text)
        r = a.post("/account", data={"csrf_token": token, "current": "lan-password-0001", "new": "lan-password-0002",
                                     "again": "lan-password-0002"})
        assert r.status_code == 303
        assert b.get("/").status_code == 303  # the other browser is signed out
        assert a.get("/").status_code == 200  # this one got a new session with the new password
        old = a.cookies[auth.SESSION_COOKIE]
        # A reset by the CLI (user add on an existing name) ends the sessions too.
        with session(province.ws.engine) as s:
            add_user(s, "lan", "lan-password-0003", "reviewer")
        assert a.get("/").status_code == 303
    with session(province.ws.engine) as s:
        ended = {r.end_reason for r in s.exec(select(ReviewSession).where(ReviewSession.username == "lan"))}
        kinds = [e["kind"] for e in audit_log_repo.list_events(s, actor="lan")]
    assert ended == {"password_changed"} and old
    assert "password_changed" in kinds and "sign_in" in kinds


def test_idle_and_absolute_timeouts_end_sessions(province: Province) -> None:
    settings = ReviewSettings(session_hours=8, idle_minutes=30)
    t0 = utcnow()
    with session(province.ws.engine) as s:
        token, _ = sessions.sign_in(s, "rex", PASSWORDS["rex"], settings, client="test", user_agent=None, now=t0)
        idle_token, _ = sessions.sign_in(s, "rex", PASSWORDS["rex"], settings, client="test", user_agent=None, now=t0)
    with session(province.ws.engine) as s:
        # Used every 20 minutes it stays alive, but not past 8 hours from sign-in.
        for minutes in range(20, 8 * 60, 20):
            assert sessions.resolve(s, token, settings, now=t0 + timedelta(minutes=minutes)) is not None, minutes
        assert sessions.resolve(s, token, settings, now=t0 + timedelta(hours=8, minutes=1)) is None
        assert sessions.resolve(s, idle_token, settings, now=t0 + timedelta(minutes=31)) is None
        # Once ended, it never comes back, even at a time it would have been valid.
        assert sessions.resolve(s, idle_token, settings, now=t0 + timedelta(minutes=1)) is None
        reasons = dict(s.exec(select(ReviewSession.id, ReviewSession.end_reason).where(
            ReviewSession.id.in_([sessions.token_hash(token), sessions.token_hash(idle_token)]))).all())
    assert sorted(reasons.values()) == ["expired", "idle"]


def test_a_concurrent_burst_of_guesses_is_throttled(province: Province) -> None:
    with serve_app(province.ws) as url:  # its own throttle
        with client(url) as c:
            token = csrf_of(c.get("/login").text)
            cookies = dict(c.cookies)
        results: list[int] = []
        barrier = threading.Barrier(30)

        def guess() -> None:
            with httpx.Client(base_url=url, cookies=cookies, timeout=60, trust_env=False) as g:
                barrier.wait()
                results.append(g.post("/login", data={"csrf_token": token, "username": "rex",
                                                      "password": "wrong-guess-1234"}).status_code)

        threads = [threading.Thread(target=guess) for _ in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with session(province.ws.engine) as s:
            checked = s.exec(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.kind == "sign_in_failed", AuditEvent.actor == "rex")).one()
        assert sorted(set(results)) == [400, 429] and results.count(400) == 5
        assert checked == 5  # only five passwords were ever checked
        with client(url) as c:
            assert sign_in(c, "rex").status_code == 429  # and the right one is refused too, for now


def test_forwarded_for_is_not_believed_unless_from_a_configured_proxy(province: Province) -> None:
    with serve_app(province.ws) as url, client(url) as c:
        for n in range(20):
            token = csrf_of(c.get("/login").text)
            r = c.post("/login", data={"csrf_token": token, "username": f"nobody{n}", "password": "guess-guess-1"},
                       headers={"X-Forwarded-For": f"10.9.{n}.1"})
            assert r.status_code == 400
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"csrf_token": token, "username": "someone", "password": "guess-guess-1"},
                   headers={"X-Forwarded-For": "10.200.0.1"})
        assert r.status_code == 429  # all twenty came from 127.0.0.1, whatever the header said
    trusted = auth.parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")
    assert auth.client_address("127.0.0.1", "203.0.113.7, 10.1.2.3", trusted) == "203.0.113.7"
    assert auth.client_address("127.0.0.1", "198.51.100.9, 203.0.113.7", trusted) == "203.0.113.7"
    assert auth.client_address("192.0.2.1", "203.0.113.7", trusted) == "192.0.2.1"  # not our proxy
    assert auth.client_address("127.0.0.1", "203.0.113.7", ()) == "127.0.0.1"


def test_one_users_success_does_not_clear_an_address_shared_with_a_guesser() -> None:
    throttle = auth.LoginThrottle(per_user=5, per_client=20, window_seconds=900, clock=lambda: 1.0)
    for n in range(19):
        ticket = throttle.acquire("10.0.0.1", f"victim{n % 4}")
        assert ticket is not None
        throttle.release("10.0.0.1", f"victim{n % 4}", ticket, succeeded=False)
    ticket = throttle.acquire("10.0.0.1", "vy")
    assert ticket is not None
    throttle.release("10.0.0.1", "vy", ticket, succeeded=True)
    ticket = throttle.acquire("10.0.0.1", "victim9")
    assert ticket is not None
    throttle.release("10.0.0.1", "victim9", ticket, succeeded=False)
    assert throttle.acquire("10.0.0.1", "anyone") is None  # 20 failures from the address, the success aside


def _assert_security_headers(r: httpx.Response) -> None:
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, r.request.url
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_every_response_carries_the_security_headers_500s_included(province: Province, base: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with client(base) as c:
        _assert_security_headers(c.get("/login"))
        _assert_security_headers(c.get("/no/such/path"))
        _assert_security_headers(c.get("/api/v1/units"))
        sign_in(c, "rex")
        r = c.get("/pages/99999999999999999999999")
        assert r.status_code == 404
        _assert_security_headers(r)
        r = c.get("/crosscheck?year=²")
        assert r.status_code == 200
        _assert_security_headers(r)
        from egov_audit.review import queries

        def boom(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("database on fire")

        monkeypatch.setattr(queries, "list_runs", boom)
        r = c.get("/runs")
        assert r.status_code == 500 and "database on fire" not in r.text
        _assert_security_headers(r)


def test_request_bodies_are_capped(province: Province, base: str) -> None:
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 209715200\r\n\r\n" + b"a" * 65536)
        answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:80]
    assert "content-security-policy" in answer.lower()

    with client(base) as c:
        sign_in(c, "rex")
        cookie = c.cookies[auth.SESSION_COOKIE]
    # A chunked body declares no length: it is cut off as soon as it passes review.max_body_kb (256 KB).
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"POST /runs/{province.latest}/units/{TAM_GIANG}/decisions HTTP/1.1\r\nHost: x\r\n"
                     f"Cookie: {auth.SESSION_COOKIE}={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        piece = b"x" * 8192
        try:
            for _ in range(40):
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        except OSError:
            pass  # the server may close its side once it has answered
        answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:80]


def test_the_sandbox_rewrite_drops_what_could_run_or_call_out() -> None:
    class Nothing:
        def document(self, url: str) -> None:
            return None

        def resource(self, url: str) -> None:
            return None

    html = rewrite_html('<html><head><base href="http://evil.example/"><script>x()</script></head><body>'
                        '<a href="page">p</a><img src="a.png" onerror="x()"><iframe srcdoc="<b>"></iframe>'
                        '<p style="background:url(http://evil.example/i)">t</p></body></html>',
                        "https://portal.example.vn/a/", Nothing())  # type: ignore[arg-type]
    lowered = html.lower()
    for banned in ("<script", "<base", "<iframe", "onerror", "srcdoc", "evil.example/i", 'src="a.png"'):
        assert banned not in lowered, banned
    # The base URL was honoured for resolving (the link's target is shown as text), then removed.
    assert 'title="http://evil.example/page"' in html


async def test_crawled_payloads_never_run_in_the_app_or_the_sandbox(province: Province, base: str) -> None:
    from playwright.async_api import async_playwright

    from egov_audit.crawler.browser import LAUNCH_ARGS, resolve_executable

    executable = resolve_executable(Settings().browser)
    assert executable, "Chromium is needed (CI=true must fail, not skip)"
    origin = base
    dialogs: list[str] = []
    console: list[str] = []
    outside: list[str] = []
    unit = f"/runs/{province.latest}/units/{TAM_GIANG}"
    pages = ["/", unit, f"{unit}/findings/interact.qa", f"/pages/{province.qa_page}", "/queue", "/crosscheck"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("request", lambda r: None if r.url.startswith((origin, "data:", "about:")) else outside.append(r.url))
            await page.goto(base + "/login")
            await page.fill("input[name=username]", "rex")
            await page.fill("input[name=password]", PASSWORDS["rex"])
            async with page.expect_navigation():
                await page.click("button[type=submit]")
            for path in pages:
                response = await page.goto(base + path)
                assert response is not None and response.status == 200, path
                await page.wait_for_load_state("networkidle")
                assert await page.evaluate("document.querySelectorAll('script').length") == 0, path
            # The finding page frames the stored page: it is rendered, with its stored style sheet and image,
            # and none of its scripts, handlers, frames or outside requests.
            await page.goto(base + f"{unit}/findings/interact.qa")
            frame_element = await page.wait_for_selector("iframe.stored")
            assert await frame_element.get_attribute("sandbox") == ""
            frame = await frame_element.content_frame()
            assert frame is not None
            await frame.wait_for_load_state("load")
            await page.wait_for_load_state("networkidle")
            assert "Hỏi đáp trực tuyến" in await frame.inner_text("body")
            assert await frame.evaluate("1 + 1") is None or True  # evaluation is ours; page scripts never ran
            color = await frame.eval_on_selector("h1", "e => getComputedStyle(e).color")
            assert color == "rgb(200, 0, 0)"  # the stored style sheet, served from the sandbox
            assert await frame.eval_on_selector("#logo", "e => e.naturalWidth") == 64  # the stored image
            assert await frame.evaluate("document.querySelectorAll('script, iframe, object, embed, base').length") == 0
            assert await frame.evaluate("[...document.querySelectorAll('*')].filter(e => [...e.attributes].some("
                                        "a => a.name.startsWith('on') || a.name === 'srcdoc')).length") == 0
            sandbox_url = frame.url
            await context.close()
        finally:
            await browser.close()
    assert dialogs == [] and console == [] and outside == []
    assert province.canary.hits == []
    with httpx.Client(trust_env=False) as c:
        r = c.get(sandbox_url)
    assert r.status_code == 200 and r.headers["content-security-policy"] == SANDBOX_CSP
    assert r.headers["content-security-policy"].startswith("sandbox; script-src 'none'")
    assert "set-cookie" not in r.headers and "<script" not in r.text.lower() and "javascript:" not in r.text
    assert XSS not in r.text
    with httpx.Client(trust_env=False) as c:
        assert c.get(base + "/sandbox/forged-token").status_code == 410


def _api(base: str, token: str | None, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, trust_env=False, timeout=30) as c:
        return c.get(path, headers=headers)


def test_api_tokens_see_only_what_they_are_scoped_to(province: Province, base: str) -> None:
    ws = province.ws
    units_only = api_clients.create_client(ws, "units-only", ["units"])
    everything = api_clients.create_client(ws, "everything", list(api_clients.SCOPES))
    other_province = api_clients.create_client(ws, "other-province", list(api_clients.SCOPES), province_code="01")
    assert _api(base, None, "/api/v1/units").status_code == 401
    assert _api(base, "egva_not-a-token", "/api/v1/units").status_code == 401
    assert _api(base, units_only, "/api/v1/units").status_code == 200
    for path in ("/api/v1/runs", f"/api/v1/runs/{province.latest}/findings", "/api/v1/crosschecks", "/api/v1/scores"):
        r = _api(base, units_only, path)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", path
    assert _api(base, other_province, "/api/v1/units").json()["total"] == 0
    assert _api(base, other_province, f"/api/v1/units/{TAM_GIANG}").status_code == 404
    assert _api(base, other_province, "/api/v1/scores").json()["items"] == []
    assert _api(base, other_province, f"/api/v1/runs/{province.latest}").status_code == 404
    # Paging: every unit exactly once, following "next".
    seen, path = [], "/api/v1/units?limit=2"
    while path:
        body = _api(base, everything, path).json()
        seen += [u["code"] for u in body["items"]]
        path = body["next"]
    assert sorted(seen) == sorted(province.units) and len(seen) == len(set(seen))
    assert _api(base, everything, "/api/v1/units?cursor=bogus").status_code == 400
    assert _api(base, everything, "/api/v1/units?limit=0").status_code == 400
    findings = _api(base, everything, f"/api/v1/runs/{province.latest}/findings?unit={TAM_GIANG}&limit=500").json()
    qa = next(f for f in findings["items"] if f["check"] == "interact.qa")
    assert qa["status"] == qa["observed_status"] == "fail" and findings["total"] > 40
    overclaims = _api(base, everything, "/api/v1/crosschecks?outcome=overclaimed").json()["items"]
    assert {(c["unit_code"], c["field"]) for c in overclaims} >= {(TAM_GIANG, "publishes_qa"), (TAM_GIANG, "it_plan")}
    document = _api(base, everything, "/api/openapi.json").json()
    assert document["openapi"].startswith("3.1") and "/api/v1/runs/{run_id}/findings" in document["paths"]
    assert _api(base, None, "/api/openapi.json").status_code == 401
    api_clients.revoke_client(ws, "everything")
    assert _api(base, everything, "/api/v1/units").status_code == 401
