"""A reviewer's day in the review app, end to end in real Chromium over a real server and a real SQLite file:
sign in, the overview, a unit, a finding with its screenshot and its sandboxed stored page, an override with a
reason and the score it changes, three discrepancies through the keyboard, a dispute filed through the unit's
link, a re-audit of that unit against a live portal on 127.0.0.1, the dispute settled, the English switch
remembered, sign-out, and the old cookie refused afterwards.

Screenshots of the main pages are kept in /tmp/egov-review-shots for a human to look at.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from egov_audit.demo.server import DemoProvince
from egov_audit.review import auth
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import decisions_repo, disputes_repo, scores_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import Dispute, Retest, ReviewerDecision
from tests.review_support import DISTRICT, PASSWORDS, TAM_GIANG, Province, build_province, serve_app

SHOT_DIR = Path("/tmp/egov-review-shots")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Province, str]]:
    settings = Settings(data_dir=tmp_path / "data")
    # The re-test audits the sample portal on loopback, briskly and without Chromium (the app's own browser
    # test is enough Chromium for one test).
    settings.crawler.allow_private_networks = True
    settings.crawler.delay_seconds = 0.02
    settings.crawler.max_pages = 30
    settings.review.retest_use_browser = False
    ws = Workspace.open(settings)
    with DemoProvince() as portals:
        province = build_province(ws, {code: portals.urls[code] for code in (DISTRICT, TAM_GIANG)})
        with serve_app(ws) as base:
            yield province, base
    province.canary.close()
    ws.engine.dispose()


def _unit_total(ws: Workspace) -> float:
    """The commune's total in the latest score set of 2024 (re-scoring adds a set, it never replaces one)."""
    with session(ws.engine) as s:
        (score,) = [row for row in scores_repo.unit_scores(s, TAM_GIANG) if row["year"] == 2024]
        return score["total"]


async def _shot(page: object, name: str, tmp: Path) -> None:
    path = tmp / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOT_DIR / path.name)


async def _access_key(page: object, key: str) -> None:
    """Alt+key as Chromium on Linux receives it from a keyboard: a system-key press carrying its unmodified
    text, which is what triggers an ``accesskey`` (Playwright's synthetic Alt+key does not carry it)."""
    cdp = await page.context.new_cdp_session(page)  # type: ignore[attr-defined]
    try:
        for kind in ("rawKeyDown", "char", "keyUp"):
            await cdp.send("Input.dispatchKeyEvent", {
                "type": kind, "modifiers": 1, "key": key, "code": f"Key{key.upper()}",
                "windowsVirtualKeyCode": ord(key.upper()), "text": key if kind == "char" else "",
                "unmodifiedText": key, "isSystemKey": True})
    finally:
        await cdp.detach()


async def _wait_for_retest(ws: Workspace, timeout: float = 240) -> Retest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session(ws.engine) as s:
            job = s.exec(select(Retest).order_by(Retest.id.desc())).first()
        if job is not None and job.status in ("finished", "failed"):
            return job
        await asyncio.sleep(0.5)
    raise AssertionError("the re-test did not finish")


async def test_a_reviewers_day(live: tuple[Province, str], tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    from egov_audit.crawler.browser import LAUNCH_ARGS, resolve_executable

    province, base = live
    ws = province.ws
    executable = resolve_executable(Settings().browser)
    assert executable, "Chromium is needed (CI=true must fail, not skip)"
    dialogs: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1366, "height": 900})
            page = await context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

            # Sign in: the overview, in Vietnamese.
            await page.goto(base + "/")
            assert "/login" in page.url
            await page.fill("input[name=username]", "rex")
            await page.fill("input[name=password]", PASSWORDS["rex"])
            async with page.expect_navigation():
                await page.click("main button[type=submit]")
            assert await page.get_attribute("html", "lang") == "vi"
            assert (await page.inner_text("h1")).startswith("Tổng quan")
            open_items = int(await page.inner_text(".card p.big"))
            assert open_items >= 4
            assert "Xã Tam Giang" in await page.inner_text("#changes")  # its checks changed since the run before
            await _shot(page, "overview", tmp_path)

            # A unit: score, level, what is missing, findings by level and indicator with the survey beside.
            async with page.expect_navigation():
                await page.click("table.units >> text=Xã Tam Giang")
            assert await page.title() == "Xã Tam Giang · egov-audit"
            points_before = await page.inner_text(".score .points")
            assert "Còn thiếu để đạt Mức" in await page.inner_text(".score")
            groups = [t.split()[0:2] for t in await page.locator("h2.group-title").all_inner_texts()]
            assert groups[:5] == [["Điều", "kiện"], ["Mức", "I"], ["Mức", "II"], ["Mức", "III"], ["Mức", "IV"]]
            assert "publishes_qa" in await page.inner_text(".indicator:has(#f-interact-qa)")  # the survey beside
            rescore = await page.locator(".score .rescore button").all_inner_texts()
            assert rescore and all("qd2392-commune" in b for b in rescore)  # never the district framework
            await _shot(page, "unit", tmp_path)

            # A finding: its screenshot, and the stored page in the sandbox.
            async with page.expect_navigation():
                await page.click("#f-interact-qa h4 a")
            await page.wait_for_function("document.querySelector('img.shot-large').complete")
            assert await page.evaluate("document.querySelector('img.shot-large').naturalWidth") == 40
            frame = await (await page.wait_for_selector("iframe.stored")).content_frame()
            assert frame is not None
            await frame.wait_for_load_state("load")
            assert "Hỏi đáp trực tuyến" in await frame.inner_text("body")
            await _shot(page, "finding", tmp_path)

            # Override it with a reason: the finding says so at once, the stored score is marked out of date,
            # one button re-scores, and the score changes.
            await page.select_option("form.decide select[name=status]", "pass")
            await page.fill("form.decide textarea[name=reason]", "Mục Hỏi đáp có câu trả lời (trang /hoi-dap)")
            async with page.expect_navigation():
                await page.click("form.decide button[value=override]")
            assert "Đã lưu quyết định" in await page.inner_text(".flash")
            assert "Đạt" in await page.inner_text("h1 .badge")
            assert await page.locator(".stale").count() == 1
            total_before = _unit_total(ws)
            async with page.expect_navigation():
                await page.click(".stale form button")
            assert "Đã chấm điểm lại" in await page.inner_text(".flash")
            assert await page.locator(".stale").count() == 0
            assert _unit_total(ws) > total_before
            await page.goto(base + f"/units/{TAM_GIANG}")
            assert await page.inner_text(".score .points") != points_before

            # Three discrepancies through the keyboard: confirm, override (status chosen by keys), skip, confirm.
            await page.goto(base + "/queue")
            first = await page.inner_text(".queue-item h2")
            await page.keyboard.type("Cổng không có mục này; đơn vị báo cáo sai")
            async with page.expect_navigation():
                await _access_key(page, "c")
            assert "Đã lưu quyết định" in await page.inner_text(".flash")
            await page.keyboard.type("Có mục này ở trang con, trình thu thập bỏ sót")
            await _access_key(page, "s")
            await page.keyboard.press("Home")  # "pass" is the first status
            async with page.expect_navigation():
                await _access_key(page, "o")
            async with page.expect_navigation():
                await _access_key(page, "n")
            await page.keyboard.type("Đã xem: đúng như quan sát")
            async with page.expect_navigation():
                await _access_key(page, "c")
            await _shot(page, "queue", tmp_path)
            with session(ws.engine) as s:
                settled = [d for d in decisions_repo.load_decisions(s, latest_only=False) if d["crosscheck_field"]]
            assert [(d["status"], d["reviewer"], d["year"]) for d in settled] == [
                ("confirm", "rex", 2024), ("pass", "rex", 2024), ("confirm", "rex", 2024)]
            assert first != await page.inner_text(".queue-item h2")

            # A dispute through the unit's own link, in a browser that has no session of the app.
            await page.goto(base + f"/units/{TAM_GIANG}")
            await page.fill("input[name=contact]", "Văn phòng UBND xã Tam Giang")
            async with page.expect_navigation():
                await page.click("text=Tạo liên kết cho đơn vị")
            link = await page.input_value("input.link")
            outsider = await browser.new_context()
            contact = await outsider.new_page()
            await contact.goto(link)
            card = contact.locator("#f-tech-https")
            await card.locator("textarea[name=comment]").fill("Cổng đã chuyển sang HTTPS từ tuần trước")
            await card.locator("input[name=url]").fill("https://tamgiang.bacninh.gov.vn/")
            async with contact.expect_navigation():
                await card.locator("button[type=submit]").click()
            assert "Đã gửi khiếu nại" in await contact.inner_text(".flash")
            await _shot(contact, "contact", tmp_path)
            assert await outsider.cookies() == []  # the link pages set no cookie
            await outsider.close()

            # The reviewer sees it in the queue and re-audits just that unit (in the background).
            await page.goto(base + "/queue?kind=dispute")
            assert "Cổng đã chuyển sang HTTPS" in await page.inner_text(".queue-item")
            async with page.expect_navigation():
                await _access_key(page, "t")
            assert "Đã xếp lịch kiểm tra lại" in await page.inner_text(".flash")
            job = await _wait_for_retest(ws)
            assert job.status == "finished", job.error
            await page.goto(base + f"/units/{TAM_GIANG}")
            assert page.url.endswith(f"/runs/{job.run_id}/units/{TAM_GIANG}")
            assert await page.locator("section.history tbody tr").count() == 3
            # ... and settles the dispute: upheld, the finding overridden in the re-test's run.
            await page.goto(base + "/queue?kind=dispute")
            await page.select_option(".queue-form select[name=status]", "pass")
            await page.fill(".queue-form textarea[name=reason]", "Kiểm tra lại: đơn vị đúng")
            async with page.expect_navigation():
                await _access_key(page, "o")
            with session(ws.engine) as s:
                [dispute] = s.exec(select(Dispute)).all()
                events = disputes_repo.events_by_dispute(s, [dispute.id])[dispute.id]
                decision = s.get(ReviewerDecision, events[-1].decision_id)
            assert [e.kind for e in events] == ["retest_requested", "upheld"]
            assert decision.run_id == job.run_id and decision.check_id == "tech.https" and decision.status == "pass"
            await page.goto(base + f"/runs/{job.run_id}/units/{TAM_GIANG}/findings/tech.https")
            assert "Chấp nhận khiếu nại" in await page.inner_text("section.history")
            # The re-test's evidence, as a WACZ from the finding page.
            package = await page.request.get(base + await page.get_attribute("a[href$='evidence.wacz']", "href"))
            assert package.status == 200
            wacz = tmp_path / "unit.wacz"
            wacz.write_bytes(await package.body())
            with zipfile.ZipFile(wacz) as zf:
                names = zf.namelist()
            assert "datapackage.json" in names and any(n.startswith("archive/") for n in names)

            # English, remembered across sign-out and sign-in.
            await page.click("a.lang")
            assert await page.get_attribute("html", "lang") == "en"
            await page.goto(base + "/queue")
            assert (await page.inner_text("h1")).startswith("Review queue")

            # Sign out; the cookie saved before is refused afterwards.
            saved = [c for c in await context.cookies() if c["name"] == auth.SESSION_COOKIE]
            assert saved
            token = await page.get_attribute("form[action='/logout'] input[name=csrf_token]", "value")
            async with page.expect_navigation():
                await page.click("form[action='/logout'] button")
            assert "/login" in page.url and await page.get_attribute("html", "lang") == "en"
            replay = await browser.new_context()
            await replay.add_cookies(saved)
            again = await replay.new_page()
            await again.goto(base + "/queue")
            assert "/login" in again.url
            await replay.close()
            await context.close()
        finally:
            await browser.close()
    with httpx.Client(base_url=base, trust_env=False, cookies={auth.SESSION_COOKIE: saved[0]["value"]}) as c:
        with session(ws.engine) as s:
            before = len(s.exec(select(ReviewerDecision)).all())
        r = c.post(f"/runs/{province.latest}/units/{TAM_GIANG}/decisions",
                   data={"csrf_token": token, "action": "exclude", "reason": "replayed after sign-out"})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        with session(ws.engine) as s:
            assert len(s.exec(select(ReviewerDecision)).all()) == before
    assert dialogs == [] and province.canary.hits == []
