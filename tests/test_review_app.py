"""The review web app: sign-in, roles, CSRF, escaping of crawled content, evidence serving, decisions.

Every test runs the real app with uvicorn on 127.0.0.1 over a real SQLite file and talks to it with httpx
(one test also drives real Chromium), because cookies, redirects and headers are what is being tested.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from egov_audit import checks
from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, Evidence, Finding, Status
from egov_audit.review import create_app
from egov_audit.review.app import CONTENT_SECURITY_POLICY
from egov_audit.review.auth import load_or_create_secret
from egov_audit.review.queries import screenshot_png
from egov_audit.services.accounts import add_user, hash_password, verify_password
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import (
    decisions_repo,
    findings_repo,
    pages_repo,
    runs_repo,
    scores_repo,
    units_repo,
    users_repo,
)
from egov_audit.storage.db import session
from tests.review_support import csrf_of, serve_app
from tests.review_support import png as make_png

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
PASSWORDS = {"vy": "viewer-password-1", "rex": "reviewer-password-1"}
SHOT_DIR = Path("/tmp/egov-review-shots")


@dataclass
class World:
    ws: Workspace
    run_id: str
    unit: str
    checks: tuple[str, str]
    page_id: int
    png: str
    not_png: str
    base: str


def _populate(ws: Workspace) -> tuple[str, tuple[str, str], int, str, str]:
    """A run with one audited commune whose page and evidence carry script injections."""
    unit = "07420"
    body = (f"<html><head><script>alert(1)</script><title>Hỏi đáp</title></head><body>{XSS_IMG}"
            f"<p>Hỏi đáp trực tuyến</p><a href=\"javascript:alert(2)\">x</a></body></html>").encode()
    png = ws.blobs.put(make_png())
    not_png = ws.blobs.put(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    first, second = checks.CHECK_IDS[0], checks.CHECK_IDS[1]
    with session(ws.engine) as s:
        units_repo.upsert_units(s, [
            units_repo.UnitRow("24", "Tỉnh Bắc Ninh", "province", "24"),
            units_repo.UnitRow(unit, "Phường Kinh Bắc", "commune", "24", "24", "https://kinhbac.bacninh.gov.vn/"),
        ])
        run = runs_repo.create_run(s, {}, {})
        runs_repo.start_unit_crawl(s, run.id, unit)
        page = CapturedPage(url="https://kinhbac.bacninh.gov.vn/hoi-dap", final_url="https://kinhbac.bacninh.gov.vn/hoi-dap",
                            status=200, content_type="text/html; charset=utf-8", encoding="utf-8", depth=1,
                            fetched_at=datetime(2026, 11, 20, 18, 30, tzinfo=UTC))
        row = pages_repo.record_page(s, run.id, unit, page,
                               {"Content-Type": "text/html; charset=utf-8", "X-Injected": XSS_SCRIPT}, ws.blobs, body)
        site = CapturedSite(unit_code=unit, unit_level="commune", portal_url="https://kinhbac.bacninh.gov.vn/",
                            scope=None)
        site.crawl_status = CrawlStatus.OK
        site.home_url = "https://kinhbac.bacninh.gov.vn/"
        site.pages[page.url] = page
        runs_repo.finish_unit_crawl(s, run.id, site, [])
        findings_repo.save_findings(s, run.id, unit, [
            Finding(check=first, status=Status.PASS, value={"note": XSS_SCRIPT}, reason=f"found {XSS_IMG}",
                    evidence=[Evidence(url=page.url, excerpt=f"Hỏi đáp {XSS_SCRIPT} {XSS_IMG}",
                                       snapshot=row.body_digest, screenshot=png, locator="#qa > a")]),
            Finding(check=second, status=Status.FAIL, reason="no section",
                    evidence=[Evidence(url="javascript:alert(3)", excerpt=XSS_IMG, screenshot=not_png)]),
        ])
        runs_repo.finish_run(s, run.id, "finished")
        add_user(s, "vy", PASSWORDS["vy"], "viewer")
        add_user(s, "rex", PASSWORDS["rex"], "reviewer")
    assert row.id is not None
    return run.id, (first, second), row.id, png, not_png


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ws = Workspace.open(Settings(data_dir=tmp_path / "data"))
    run_id, check_ids, page_id, png, not_png = _populate(ws)
    try:
        with serve_app(ws) as base:
            yield World(ws, run_id, "07420", check_ids, page_id, png, not_png, base)
    finally:
        ws.engine.dispose()


def _client(world: World) -> httpx.Client:
    return httpx.Client(base_url=world.base, follow_redirects=False, timeout=20, trust_env=False)


def _csrf(html: str) -> str:
    return csrf_of(html)


def _login(client: httpx.Client, username: str, password: str | None = None) -> httpx.Response:
    token = _csrf(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": password if password is not None else PASSWORDS[username],
                                       "next": "/"})


def _unit_path(world: World) -> str:
    return f"/runs/{world.run_id}/units/{world.unit}"


def _decisions(world: World) -> list[dict]:
    with session(world.ws.engine) as s:
        return decisions_repo.load_decisions(s, unit_code=world.unit, latest_only=False)


def test_every_page_redirects_to_login_when_not_signed_in(world: World) -> None:
    with _client(world) as c:
        for path in ("/", f"/runs/{world.run_id}", _unit_path(world), "/crosscheck", f"/pages/{world.page_id}",
                     f"/evidence/{world.png}"):
            r = c.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login?next="), path
        r = c.post(_unit_path(world) + "/decisions", data={"action": "exclude", "reason": "x"})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert c.get("/login").status_code == 200
        assert c.get("/static/review.css").status_code == 200
    assert _decisions(world) == []


def test_wrong_password_and_unknown_user_get_the_same_answer(world: World) -> None:
    with _client(world) as c:
        wrong = _login(c, "rex", "not-the-password")
        unknown = _login(c, "nobody", "not-the-password")
        for r in (wrong, unknown):
            assert r.status_code == 400
            assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.text
        # Only the echoed CSRF token and the typed name may differ; the message does not tell them apart.
        assert re.sub(r'value="[^"]*"', "", wrong.text) == re.sub(r'value="[^"]*"', "", unknown.text)
        assert c.get("/").status_code == 303
        ok = _login(c, "rex")
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        assert c.get("/").status_code == 200


def test_login_without_csrf_token_is_refused(world: World) -> None:
    with _client(world) as c:
        c.get("/login")
        r = c.post("/login", data={"username": "rex", "password": PASSWORDS["rex"]})
        assert r.status_code == 403
        assert c.get("/").status_code == 303


def test_session_cookie_is_httponly_and_samesite_lax(world: World) -> None:
    with _client(world) as c:
        r = _login(c, "vy")
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert PASSWORDS["vy"] not in r.headers["set-cookie"]


def test_login_does_not_redirect_off_site(world: World) -> None:
    with _client(world) as c:
        token = _csrf(c.get("/login").text)
        r = c.post("/login", data={"csrf_token": token, "username": "vy", "password": PASSWORDS["vy"],
                                   "next": "//evil.example/"})
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_logout_ends_the_session(world: World) -> None:
    with _client(world) as c:
        _login(c, "vy")
        token = _csrf(c.get("/").text)
        assert c.post("/logout", data={"csrf_token": token}).status_code == 303
        assert c.get("/").status_code == 303


def test_viewer_can_read_but_every_post_is_forbidden(world: World) -> None:
    with _client(world) as c:
        _login(c, "vy")
        page = c.get(_unit_path(world))
        assert page.status_code == 200
        assert "Phường Kinh Bắc" in page.text
        assert 'name="action"' not in page.text  # no decision forms for a viewer
        token = _csrf(page.text)
        r = c.post(_unit_path(world) + "/decisions",
                   data={"csrf_token": token, "action": "override", "check_id": world.checks[0], "status": "fail",
                         "reason": "thử"})
        assert r.status_code == 403
        r = c.post("/rescore", data={"csrf_token": token, "framework": "qd2392-commune", "year": "2024"})
        assert r.status_code == 403
    assert _decisions(world) == []


def test_reviewer_override_is_stored_with_name_and_reason(world: World) -> None:
    check = world.checks[0]
    with _client(world) as c:
        _login(c, "rex")
        token = _csrf(c.get(_unit_path(world)).text)
        r = c.post(_unit_path(world) + "/decisions",
                   data={"csrf_token": token, "action": "override", "check_id": check, "status": "fail",
                         "reason": "Mục hỏi đáp không có câu trả lời"})
        assert r.status_code == 303
        assert r.headers["location"].endswith("#f-" + check.replace(".", "-"))
        page = c.get(_unit_path(world)).text
        assert "Mục hỏi đáp không có câu trả lời" in page and "rex" in page
        assert "Đã lưu quyết định" in page
    [decision] = _decisions(world)
    assert decision["reviewer"] == "rex" and decision["status"] == "fail" and decision["check_id"] == check
    assert decision["reason"] == "Mục hỏi đáp không có câu trả lời" and decision["run_id"] == world.run_id


def test_confirm_keeps_the_observed_status_for_that_run(world: World) -> None:
    with _client(world) as c:
        _login(c, "rex")
        token = _csrf(c.get(_unit_path(world)).text)
        r = c.post(_unit_path(world) + "/decisions",
                   data={"csrf_token": token, "action": "confirm", "check_id": world.checks[1], "status": "pass",
                         "reason": "Đã kiểm tra lại"})
        assert r.status_code == 303
    [decision] = _decisions(world)
    # "confirm", whatever the select box said: scoring keeps the finding's own status, now attributed to the
    # reviewer, and only for this run's finding (a later night's evidence is scored on its own).
    assert decision["status"] == "confirm" and decision["check_id"] == world.checks[1]
    assert decision["run_id"] == world.run_id


def test_empty_reason_is_rejected_with_a_clear_message(world: World) -> None:
    with _client(world) as c:
        _login(c, "rex")
        token = _csrf(c.get(_unit_path(world)).text)
        for action in ("override", "exclude"):
            r = c.post(_unit_path(world) + "/decisions",
                       data={"csrf_token": token, "action": action, "check_id": world.checks[0], "status": "fail",
                             "reason": "   "})
            assert r.status_code == 400
            assert "Cần ghi lý do cho quyết định." in r.text and "A reason is required." in r.text
    assert _decisions(world) == []


def test_missing_or_wrong_csrf_token_is_rejected(world: World) -> None:
    with _client(world) as c:
        _login(c, "rex")
        form = {"action": "exclude", "reason": "Cổng thông tin đang xây dựng"}
        for extra in ({}, {"csrf_token": "x" * 43}):
            r = c.post(_unit_path(world) + "/decisions", data={**form, **extra})
            assert r.status_code == 403
            assert "CSRF" in r.text
    assert _decisions(world) == []


def test_crawled_markup_is_escaped_and_the_csp_is_strict(world: World) -> None:
    with _client(world) as c:
        _login(c, "rex")
        r = c.get(_unit_path(world))
    assert r.status_code == 200
    assert r.headers["content-security-policy"].startswith(
        "default-src 'self'; img-src 'self' data:; script-src 'none'; style-src 'self'; frame-ancestors 'none'")
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    html = r.text
    assert "<script" not in html.lower()
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("script") is None
    for tag in soup.find_all(True):
        assert not any(name.lower().startswith("on") for name in tag.attrs), tag
        for name in ("href", "src", "action"):
            value = tag.get(name)
            if value:
                assert value.startswith(("/", "http://", "https://")), value
    # The javascript: evidence URL is shown as text, never as a link.
    assert "javascript:alert(3)" in soup.get_text()
    images = [img["src"] for img in soup.find_all("img")]
    assert images == [f"/evidence/{world.png}"]  # the non-PNG "screenshot" is not offered as an image


def test_snapshot_shows_escaped_source_and_headers(world: World) -> None:
    with _client(world) as c:
        _login(c, "vy")
        r = c.get(f"/pages/{world.page_id}")
    assert r.status_code == 200
    assert "<script" not in r.text.lower() and "<img src=x" not in r.text
    soup = BeautifulSoup(r.text, "lxml")
    source = soup.find("pre", class_="source").get_text()
    assert "<script>alert(1)</script>" in source and XSS_IMG in source and "Hỏi đáp trực tuyến" in source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    headers = {th.get_text(): td.get_text() for th, td in
               ((row.find("th"), row.find("td")) for row in soup.select("table.headers tr"))}
    assert headers["X-Injected"] == XSS_SCRIPT
    assert soup.find("iframe") is None


def test_evidence_serves_stored_pngs_only(world: World) -> None:
    with _client(world) as c:
        _login(c, "vy")
        r = c.get(f"/evidence/{world.png}")
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/png" and r.headers["x-content-type-options"] == "nosniff"
        assert r.content == world.ws.blobs.get(world.png)
        for bad in (world.not_png, "sha256:" + "0" * 64, "sha256:abc", "sha256:" + "A" * 64, "..%2F..%2Fetc%2Fpasswd",
                    world.png.replace("sha256:", "md5:")):
            assert c.get(f"/evidence/{bad}").status_code == 404, bad
    assert screenshot_png(world.ws.blobs, world.not_png) is None


def test_exclusion_and_rescore_reach_the_stored_scores(world: World) -> None:
    with _client(world) as c:
        _login(c, "rex")
        token = _csrf(c.get(_unit_path(world)).text)
        r = c.post("/rescore", data={"csrf_token": token, "framework": "qd2392-commune", "year": "2024",
                                     "next": _unit_path(world)})
        assert r.status_code == 303 and r.headers["location"] == _unit_path(world)
        page = c.get(_unit_path(world)).text
        assert "Đã chấm điểm lại 1 đơn vị" in page
        assert "qd2392-commune · 2024" in page  # a re-score button for what was scored
        r = c.post(_unit_path(world) + "/decisions",
                   data={"csrf_token": token, "action": "exclude", "reason": "Cổng đang xây dựng lại"})
        assert r.status_code == 303
        c.post("/rescore", data={"csrf_token": token, "framework": "qd2392-commune", "year": "2024"})
        page = c.get(_unit_path(world)).text
        assert "Loại khỏi xếp hạng" in page and "Cổng đang xây dựng lại" in page
    with session(world.ws.engine) as s:
        [export] = scores_repo.load_score_exports(s, 2024)
    [unit] = export["units"]
    assert unit["unit_code"] == world.unit and unit["ranked"] is False

    # An exclusion is lifted by a later "include" decision (decisions are append-only).
    with _client(world) as c:
        _login(c, "rex")
        page = c.get(_unit_path(world)).text
        assert 'value="include"' in page and 'value="exclude"' not in page
        token = _csrf(page)
        r = c.post(_unit_path(world) + "/decisions",
                   data={"csrf_token": token, "action": "include", "reason": "Cổng đã hoạt động lại"})
        assert r.status_code == 303
        c.post("/rescore", data={"csrf_token": token, "framework": "qd2392-commune", "year": "2024"})
        assert 'value="exclude"' in c.get(_unit_path(world)).text
    with session(world.ws.engine) as s:
        [export] = scores_repo.load_score_exports(s, 2024)
    assert export["units"][0]["ranked"] is True


def test_crosscheck_page_lists_disagreements_only(world: World) -> None:
    def cc(field: str, outcome: str) -> dict:
        return {"field": field, "check": world.checks[0], "claimed": True, "observed_status": "fail",
                "observed_value": None, "outcome": outcome}

    with session(world.ws.engine) as s:
        scores_repo.save_scores(s, "qd2392-commune", 2024, [{
            "unit_code": world.unit, "unit_name": "Phường Kinh Bắc", "achieved_level": None, "readiness_level": None,
            "total": 0, "rank": 1, "ranked": True,
            "crosschecks": [cc("has_qa", "overclaimed"), cc("has_news", "confirmed"), cc("pages", "unverifiable"),
                            cc(XSS_SCRIPT, "value_mismatch")]}])
    with _client(world) as c:
        _login(c, "vy")
        r = c.get("/crosscheck")
    assert r.status_code == 200 and "<script" not in r.text.lower()
    soup = BeautifulSoup(r.text, "lxml")
    rows = soup.select("tbody tr")
    fields = [row.find_all("td")[1].get_text() for row in rows]
    assert fields == ["has_qa", "pages", XSS_SCRIPT]
    link = rows[0].find("a")["href"]
    assert link == f"{_unit_path(world)}#f-{world.checks[0].replace('.', '-')}"


def test_passwords_are_salted_scrypt_hashes(world: World) -> None:
    with session(world.ws.engine) as s:
        stored = {u.username: u.password_hash for u in users_repo.list_users(s)}
    assert all(h.startswith("scrypt$") and PASSWORDS[name] not in h for name, h in stored.items())
    a, b = hash_password("same password"), hash_password("same password")
    assert a != b and verify_password("same password", a) and not verify_password("other", a)
    assert not verify_password("x", "not-a-hash")


def test_session_key_file_is_private_and_stable(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path)
    assert (tmp_path / "review-session.key").stat().st_mode & 0o777 == 0o600
    assert load_or_create_secret(tmp_path) == first


def test_cli_user_add_reads_the_password_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from egov_audit.cli import main

    data = tmp_path / "data"
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password-1\n"))
    assert main(["--data-dir", str(data), "user", "add", "ana", "--role", "admin", "--password-stdin"]) == 0
    assert "created user ana (admin)" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["--data-dir", str(data), "user", "add", "ana", "--role", "viewer", "--password-stdin"]) == 2
    ws = Workspace.open(Settings(data_dir=data))
    with session(ws.engine) as s:
        user = users_repo.get_user(s, "ana")
    ws.engine.dispose()
    assert user is not None and user.role == "admin" and verify_password("a-long-password-1", user.password_hash)


async def test_unit_page_in_chromium_runs_no_crawled_script(world: World, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    from egov_audit.crawler.browser import LAUNCH_ARGS, resolve_executable

    executable = resolve_executable(Settings().browser)
    if executable is None:
        pytest.skip("no Chromium")
    dialogs: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda d: dialogs.append(d.message))
            await page.goto(world.base + _unit_path(world))
            assert page.url.startswith(world.base + "/login")
            await page.fill("input[name=username]", "rex")
            await page.fill("input[name=password]", PASSWORDS["rex"])
            async with page.expect_navigation():
                await page.click("button[type=submit]")
            await page.goto(world.base + _unit_path(world))
            assert await page.title() == "Phường Kinh Bắc · egov-audit"
            assert await page.evaluate("document.querySelectorAll('script').length") == 0
            assert await page.evaluate("[...document.querySelectorAll('*')].filter(e => "
                                       "[...e.attributes].some(a => a.name.startsWith('on'))).length") == 0
            # The screenshot evidence loaded as an image (same origin, allowed by the CSP).
            await page.locator("img.shot").scroll_into_view_if_needed()  # it loads lazily
            await page.wait_for_function("document.querySelector('img.shot').complete")
            assert await page.evaluate("document.querySelector('img.shot').naturalWidth") == 40
            await page.evaluate("window.scrollTo(0, 0)")
            shot = tmp_path / "unit.png"
            await page.screenshot(path=str(shot), full_page=True)
            await page.goto(world.base + f"/pages/{world.page_id}")
            await page.screenshot(path=str(tmp_path / "snapshot.png"), full_page=True)
        finally:
            await browser.close()
    assert dialogs == []
    assert shot.read_bytes().startswith(b"\x89PNG")
    # Kept outside pytest's tmp for a human to look at the layout.
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, SHOT_DIR / "unit.png")
    shutil.copy(tmp_path / "snapshot.png", SHOT_DIR / "snapshot.png")


def test_login_throttle_locks_a_user_name_after_repeated_failures_then_forgets() -> None:
    from egov_audit.review.auth import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(per_user=3, per_client=5, window_seconds=60, clock=lambda: now[0])
    for _ in range(3):
        assert not throttle.blocked("10.0.0.1", "rex")
        throttle.failed("10.0.0.1", "rex")
    assert throttle.blocked("10.0.0.1", "rex") and throttle.blocked("10.0.0.2", "REX")  # any address
    assert not throttle.blocked("10.0.0.1", "vy")  # the address itself is below its own limit
    now[0] = 61.0
    assert not throttle.blocked("10.0.0.1", "rex")  # the window passed
    for name in ("a", "b", "c", "d", "e"):
        throttle.failed("10.0.0.9", name)
    assert throttle.blocked("10.0.0.9", "vy")  # one address guessing many names


def test_repeated_failed_sign_ins_are_refused_with_429(world: World) -> None:
    with _client(world) as c:
        for _ in range(5):
            assert _login(c, "mallory", "guess").status_code == 400
        locked = _login(c, "mallory", "guess")
        assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
        assert _login(c, "rex").status_code == 303  # other accounts are unaffected


def test_https_only_marks_the_session_cookie_secure(world: World) -> None:
    from starlette.testclient import TestClient

    with TestClient(create_app(world.ws, https_only=True), base_url="https://review.example.gov.vn") as client:
        response = client.get("/login")
    cookie = response.headers.get("set-cookie", "")
    assert cookie, "the login page starts a session (it carries the CSRF token)"
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
