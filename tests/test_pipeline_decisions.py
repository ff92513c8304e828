"""Reviewer decisions reach scoring as CRITERIA.md §4 says: they override the observation, for the evidence
they were made on, with who/when/why kept."""

from __future__ import annotations

import time

import pytest

from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Finding, Status
from egov_audit.services.scoring import score
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import decisions_repo, findings_repo, runs_repo, units_repo
from egov_audit.storage.db import session

UNIT = "09202"


@pytest.fixture
def ws(tmp_path):
    settings = Settings()
    settings.data_dir = tmp_path / "data"
    workspace = Workspace.open(settings)
    with session(workspace.engine) as s:
        units_repo.upsert_units(s, [units_repo.UnitRow("27", "Tỉnh Bắc Ninh", "province", "27"),
                              units_repo.UnitRow("258", "Huyện Yên Phong", "district", "27", "27"),
                              units_repo.UnitRow(UNIT, "Xã Tam Giang", "commune", "27", "258",
                                           "https://tamgiang.bacninh.gov.vn/")])
    yield workspace
    workspace.engine.dispose()


def _audit(ws: Workspace, qa_status: Status) -> str:
    """A finished run in which every check passes except info.introduction (its own indicator)."""
    with session(ws.engine) as s:
        run = runs_repo.create_run(s, options={}, settings={})
        runs_repo.start_unit_crawl(s, run.id, UNIT)
        site = CapturedSite(unit_code=UNIT, unit_level="commune", portal_url="https://tamgiang.bacninh.gov.vn/",
                            crawl_status=CrawlStatus.OK)
        runs_repo.finish_unit_crawl(s, run.id, site, [])
        findings = [Finding(c, qa_status if c == "info.introduction" else Status.PASS) for c in CHECK_IDS]
        findings_repo.save_findings(s, run.id, UNIT, findings)
        runs_repo.finish_run(s, run.id, "finished")
    time.sleep(0.01)  # runs are ordered by start time
    return run.id


def _intro(export: dict) -> dict:
    [unit] = [u for u in export["units"] if u["unit_code"] == UNIT]
    return next(i for i in unit["indicators"] if "info.introduction" in i["checks"])


def test_an_override_applies_to_the_run_it_was_made_on_not_to_later_evidence(ws):
    first = _audit(ws, Status.FAIL)
    with session(ws.engine) as s:
        decisions_repo.add_decision(s, unit_code=UNIT, status="pass", reason="Có trả lời trong mục Góp ý", reviewer="an",
                          run_id=first, check_id="info.introduction")
    qa = _intro(score(ws, "qd2392-commune", 2024))
    assert qa["status"] == "pass" and qa["source"] == "reviewer"
    _audit(ws, Status.FAIL)  # a later night: new evidence, judged on its own
    qa = _intro(score(ws, "qd2392-commune", 2024))
    assert qa["status"] == "fail" and qa["source"] == "observed"


def test_confirm_keeps_the_observed_status_and_names_the_reviewer(ws):
    run = _audit(ws, Status.PARTIAL)
    with session(ws.engine) as s:
        decisions_repo.add_decision(s, unit_code=UNIT, status="confirm", reason="Đúng: chưa có câu trả lời",
                          reviewer="an", run_id=run, check_id="info.introduction")
    qa = _intro(score(ws, "qd2392-commune", 2024))
    assert qa["status"] == "partial" and qa["source"] == "reviewer"


def test_an_exclusion_holds_across_runs_until_a_reviewer_includes_the_unit_again(ws):
    _audit(ws, Status.PASS)
    with session(ws.engine) as s:
        decisions_repo.add_decision(s, unit_code=UNIT, status="exclude", reason="Cổng đang xây dựng lại", reviewer="an")
    _audit(ws, Status.PASS)
    [unit] = [u for u in score(ws, "qd2392-commune", 2024)["units"] if u["unit_code"] == UNIT]
    assert unit["ranked"] is False and "Cổng đang xây dựng lại" in unit["not_ranked_reason"]
    with session(ws.engine) as s:
        decisions_repo.add_decision(s, unit_code=UNIT, status="include", reason="Đã hoạt động lại", reviewer="an")
    [unit] = [u for u in score(ws, "qd2392-commune", 2024)["units"] if u["unit_code"] == UNIT]
    assert unit["ranked"] is True
