"""Decisions through the one service the app, the CLI and tests share: scoped to the run and year they judge,
reversible by a later decision, kept with who/when/why, logged, and shown as making stored scores stale;
the CLI's ``decide``, ``api-token`` and ``unit-link`` commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from egov_audit.cli import main
from egov_audit.services import decisions
from egov_audit.services.decisions import DecisionRequest, record_decision, stale_score_sets
from egov_audit.services.scoring import score
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import audit_log_repo, decisions_repo
from egov_audit.storage.db import session
from tests.review_support import TAM_GIANG, VAN_MON, YEAR, Province, build_province


@pytest.fixture
def province(tmp_path: Path) -> Iterator[Province]:
    ws = Workspace.open(Settings(data_dir=tmp_path / "data"))
    built = build_province(ws)
    yield built
    built.canary.close()
    ws.engine.dispose()


def _unit(export: dict, code: str) -> dict:
    return next(u for u in export["units"] if u["unit_code"] == code)


def _indicator(unit: dict, check: str) -> dict:
    return next(i for i in unit["indicators"] if check in i["checks"])


def test_an_override_is_scoped_to_its_run_and_year_and_reversible(province: Province) -> None:
    ws = province.ws
    request = DecisionRequest(unit_code=TAM_GIANG, action="override", reason="Có trang kế hoạch", reviewer="rex",
                              check_id="info.plans", status="pass", year=YEAR)
    saved = record_decision(ws, request, client="test")
    assert saved.run_id == province.latest and saved.year == YEAR  # default run: the unit's latest
    assert stale_score_sets_for(ws) == [("qd2392-commune", YEAR, ["decisions"])]
    plans = _indicator(_unit(score(ws, "qd2392-commune", YEAR), TAM_GIANG), "info.plans")
    assert plans["status"] == "pass" and plans["source"] == "reviewer"
    assert stale_score_sets_for(ws) == []
    # Another year's evaluation is not judged by it (the framework of 2025+ scores communes otherwise anyway).
    with session(ws.engine) as s:
        assert decisions_repo.load_decisions(s, unit_code=TAM_GIANG, year=YEAR + 1) == []
    # A later "confirm" restores the observation; both stay in the history.
    record_decision(ws, DecisionRequest(unit_code=TAM_GIANG, action="confirm", reason="Nhầm: trang đó là năm cũ",
                                        reviewer="ada", check_id="info.plans", year=YEAR))
    plans = _indicator(_unit(score(ws, "qd2392-commune", YEAR), TAM_GIANG), "info.plans")
    assert plans["status"] == "fail"
    with session(ws.engine) as s:
        history = decisions_repo.load_decisions(s, unit_code=TAM_GIANG, latest_only=False)
        logged = audit_log_repo.list_events(s, kind="decision")
    assert [(d["reviewer"], d["status"]) for d in history] == [("rex", "pass"), ("ada", "confirm")]
    assert [e["actor"] for e in logged] == ["ada", "rex"] and logged[1]["client"] == "test"


def stale_score_sets_for(ws: Workspace) -> list[tuple[str, int, list[str]]]:
    with session(ws.engine) as s:
        return [(x["framework"], x["year"], x["why"]) for x in stale_score_sets(s)]


def test_a_crosscheck_decision_judges_the_observed_check(province: Province) -> None:
    ws = province.ws
    before = _unit(score(ws, "qd2392-commune", YEAR), VAN_MON)
    assert next(c for c in before["crosschecks"] if c["field"] == "it_plan")["outcome"] == "overclaimed"
    record_decision(ws, DecisionRequest(unit_code=VAN_MON, action="override", reason="Kế hoạch đăng ở mục Văn bản",
                                        reviewer="rex", crosscheck_field="it_plan", status="pass", year=YEAR))
    after = _unit(score(ws, "qd2392-commune", YEAR), VAN_MON)
    assert next(c for c in after["crosschecks"] if c["field"] == "it_plan")["outcome"] == "confirmed"
    assert _indicator(after, "info.plans")["status"] == "pass"
    with pytest.raises(decisions.DecisionError):  # a field that is not cross-checked
        record_decision(ws, DecisionRequest(unit_code=VAN_MON, action="confirm", reason="x", reviewer="rex",
                                            crosscheck_field="staff_total", year=YEAR))
    with pytest.raises(decisions.DecisionError):  # field and check disagree
        record_decision(ws, DecisionRequest(unit_code=VAN_MON, action="confirm", reason="x", reviewer="rex",
                                            crosscheck_field="it_plan", check_id="info.budget", year=YEAR))


def test_an_exclusion_holds_for_its_year_only(province: Province) -> None:
    ws = province.ws
    record_decision(ws, DecisionRequest(unit_code=TAM_GIANG, action="exclude", reason="Sáp nhập", reviewer="rex",
                                        year=YEAR))
    assert _unit(score(ws, "qd2392-commune", YEAR), TAM_GIANG)["ranked"] is False
    with session(ws.engine) as s:
        rows = decisions_repo.load_decisions(s, unit_code=TAM_GIANG, latest_only=False)
    assert decisions.unit_exclusion(rows, YEAR) is not None and decisions.unit_exclusion(rows, YEAR + 1) is None
    record_decision(ws, DecisionRequest(unit_code=TAM_GIANG, action="include", reason="Chưa sáp nhập", reviewer="rex",
                                        year=YEAR))
    assert _unit(score(ws, "qd2392-commune", YEAR), TAM_GIANG)["ranked"] is True


def test_cli_decide_and_tokens_and_links(province: Province, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(province.ws.settings.data_dir)]
    assert main([*data, "decide", "--unit", TAM_GIANG, "--check", "info.budget", "--status", "pass",
                 "--reason", "Công khai ở mục Tài chính", "--reviewer", "lan", "--year", "2024"]) == 0
    assert "decision" in capsys.readouterr().out
    assert main([*data, "decide", "--unit", TAM_GIANG, "--check", "info.budget", "--reason", "x",
                 "--reviewer", "lan"]) == 2  # neither --status nor --confirm
    assert main([*data, "decide", "--unit", TAM_GIANG, "--check", "no.such_check", "--confirm", "--reason", "x",
                 "--reviewer", "lan"]) == 2
    assert "not among the run's findings" in capsys.readouterr().err
    assert main([*data, "api-token", "create", "erp", "--scope", "units", "--province", "27"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("egva_") and len(token) > 40
    assert main([*data, "api-token", "create", "erp", "--scope", "units"]) == 2  # the name is taken
    assert main([*data, "api-token", "list"]) == 0
    assert "erp\tactive\tunits\t27" in capsys.readouterr().out
    assert main([*data, "api-token", "revoke", "erp"]) == 0
    assert main([*data, "api-token", "list"]) == 0
    assert "erp\trevoked" in capsys.readouterr().out
    assert main([*data, "unit-link", "create", "--unit", TAM_GIANG, "--days", "3"]) == 0
    assert capsys.readouterr().out.strip().startswith("/u/")
    assert main([*data, "unit-link", "create", "--unit", "99999"]) == 2
    with session(province.ws.engine) as s:
        [cli_decision] = [d for d in decisions_repo.load_decisions(s, unit_code=TAM_GIANG) if d["reviewer"] == "lan"]
    assert cli_decision["status"] == "pass" and cli_decision["year"] == 2024
