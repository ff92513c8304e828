"""The review app's night page: changes since the previous run, run metrics and notifications, read-only,
with crawled text escaped and unsafe links left as text."""

from __future__ import annotations

from bs4 import BeautifulSoup

from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Evidence, Finding, Status
from egov_audit.storage import findings_repo, nights_repo, runs_repo
from egov_audit.storage.db import session
from tests.test_review_app import XSS_IMG, World, _client, _login, world  # noqa: F401 - the app fixture


def _second_night(w: World) -> str:
    """A later run in which the first section vanished and the second appeared behind a script link."""
    first, second = w.checks
    with session(w.ws.engine) as s:
        run = runs_repo.create_run(s, {}, {})
        runs_repo.start_unit_crawl(s, run.id, w.unit)
        site = CapturedSite(unit_code=w.unit, unit_level="commune", portal_url="https://kinhbac.bacninh.gov.vn/",
                            scope=None)
        site.crawl_status = CrawlStatus.OK
        runs_repo.finish_unit_crawl(s, run.id, site, [])
        findings_repo.save_findings(s, run.id, w.unit, [
            Finding(check=first, status=Status.FAIL, reason="gone"),
            Finding(check=second, status=Status.PASS, evidence=[Evidence(url=f"javascript:alert('{XSS_IMG}')")]),
        ])
        runs_repo.finish_run(s, run.id, "finished")
        nights_repo.record_delivery(s, run.id, "webhook", "https://hooks.example.gov.vn/…", "d1", "failed", 4,
                                    "HTTP 503", None)
    return run.id


def test_the_night_page_lists_changes_metrics_and_deliveries_for_a_viewer(world: World) -> None:  # noqa: F811
    run_id = _second_night(world)
    with _client(world) as client:
        assert client.get(f"/runs/{run_id}/night").status_code == 303  # sign-in first
        _login(client, "vy")
        response = client.get(f"/runs/{run_id}/night")
        assert response.status_code == 200
        assert f"/runs/{run_id}/night" in client.get(f"/runs/{run_id}").text  # linked from the run page
        assert client.get("/runs/nope/night").status_code == 404
    soup = BeautifulSoup(response.text, "html.parser")
    text = soup.get_text(" ")
    assert "Mất mục «Thông tin giới thiệu»" in text and "Section appeared" in text
    assert "https://kinhbac.bacninh.gov.vn/hoi-dap" in text  # where the vanished section was
    assert not soup.find("img") and not soup.find("a", href=lambda h: h and h.startswith("javascript"))
    assert "Số liệu lần kiểm tra" in text and "HTTP 503" in text
    assert not soup.find("form", method="post") or all(f.get("action") == "/logout" for f in soup.find_all("form"))
