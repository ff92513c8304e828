"""The scoring rules of CRITERIA.md §4: points, unknown vs fail, self-reports and their verification,
reviewer decisions, levels, readiness, ranking, cross-checks and reproducible JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from config import CONFIG_DIR
from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.core.artifacts import Finding, Status
from egov_audit.scoring import (
    DecisionInput,
    FindingInput,
    FrameworkError,
    UnitInput,
    load_framework,
    score_units,
    scores_export,
)

# A small framework so that each test reads as the rule it holds.
MINI = """
version: "t1"
name: "Mini"
tier: commune
years: {from: 2020}
crosscheck_tolerance: 0.2
readiness_levels:
  - {level: 1, min_percent: 80}
  - {level: 2, min_percent: 50}
  - {level: 3, min_percent: 0}
levels:
  readiness: {points: 10, vi: "Sẵn sàng", en: "Readiness"}
  I: {points: 10, vi: "Hiện diện", en: "Presence"}
  II: {points: 4, vi: "Tương tác", en: "Interaction"}
  III: {points: 2, vi: "Giao dịch", en: "Transaction"}
  IV: {points: 2, vi: "Chuyển đổi", en: "Transformation"}
indicators:
  - {id: r.computers, title: {vi: "Máy tính", en: "Computers"}, level: readiness, points: 5,
     source: {field: staff_with_computer, condition: {per: staff_total, min: 0.9}}}
  - {id: r.plan, title: {vi: "Kế hoạch", en: "Plan"}, level: readiness, points: 5,
     source: {checks: [info.plans], field: it_plan}}
  - {id: p.reachable, title: {vi: "Truy cập", en: "Reachable"}, level: I, points: 2, required: true,
     source: {checks: [tech.reachable]}}
  - {id: p.contact, title: {vi: "Liên hệ", en: "Contact"}, level: I, points: 2, required: true, allow_partial: true,
     source: {checks: [info.contact]}}
  - {id: p.news, title: {vi: "Tin tức", en: "News"}, level: I, points: 2, required: true,
     source: {checks: [info.news]}}
  - {id: p.budget, title: {vi: "Ngân sách", en: "Budget"}, level: I, points: 4,
     source: {checks: [info.budget], field: publishes_budget}}
  - {id: i.qa, title: {vi: "Hỏi đáp", en: "Q&A"}, level: II, points: 4, required: true,
     source: {checks: [interact.qa, interact.question_form], mode: any, field: publishes_qa}}
  - {id: t.levels, title: {vi: "Mức độ", en: "Levels"}, level: III, points: 2, required: true,
     source: {checks: [service.levels_shown], min_value: 1, field: services_level3_or_higher, condition: {min: 1}}}
  - {id: x.pay, title: {vi: "Thanh toán", en: "Payment"}, level: IV, points: 2, required: true,
     source: {checks: [service.payment], field: dossiers_online, condition: {per: dossiers_total, min: 0.2}, combine: any}}
"""

FULL_SURVEY = {"staff_total": 10, "staff_with_computer": 10, "it_plan": True, "publishes_budget": True,
               "publishes_qa": True, "services_level3_or_higher": 5, "dossiers_total": 10, "dossiers_online": 5}


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Any:
    cfg = tmp_path_factory.mktemp("cfg") / "config"
    (cfg / "frameworks").mkdir(parents=True)
    shutil.copy(CONFIG_DIR / "survey_fields.yaml", cfg / "survey_fields.yaml")
    (cfg / "frameworks" / "mini.yaml").write_text(MINI, encoding="utf-8")
    return load_framework("mini", cfg)


def unit(code: str = "00001", province: str = "01", level: str = "commune", crawl: str | None = "ok") -> UnitInput:
    return UnitInput(code=code, name=f"Xã {code}", level=level, province_code=province, parent_code=None, crawl_status=crawl)


def all_pass(**overrides: Any) -> dict[str, FindingInput]:
    found = {c: FindingInput("pass", None) for c in CHECK_IDS}
    found["service.levels_shown"] = FindingInput("pass", 5)
    found["fresh.news"] = FindingInput("pass", 2)
    for check, status in overrides.items():
        found[check.replace("__", ".")] = status if isinstance(status, FindingInput) else FindingInput(status, None)
    return found


def score_one(fw: Any, findings: dict[str, Any] | None = None, survey: dict[str, Any] | None = None,
              decisions: dict[str, DecisionInput] | None = None, u: UnitInput | None = None) -> dict[str, Any]:
    u = u or unit()
    [result] = score_units(fw, [u], {u.code: findings if findings is not None else all_pass()},
                           {u.code: survey} if survey is not None else {},
                           {u.code: decisions} if decisions else {}, 2024)
    return result.to_json()


def ind(result: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    return next(i for i in result["indicators"] if i["id"] == indicator_id)


def cross(result: dict[str, Any], field: str) -> dict[str, Any]:
    return next(c for c in result["crosschecks"] if c["field"] == field)


# ── points ─────────────────────────────────────────────────────────────────────────────────────────

def test_full_pass_earns_full_points(mini: Any) -> None:
    r = score_one(mini, survey=FULL_SURVEY)
    assert r["points"] == {"I": 10, "II": 4, "III": 2, "IV": 2} and r["total"] == 18
    assert r["achieved_level"] == "IV" and r["readiness_points"] == 10 and r["readiness_level"] == 1


def test_partial_earns_half_points(mini: Any) -> None:
    r = score_one(mini, all_pass(info__budget="partial"), FULL_SURVEY)
    assert ind(r, "p.budget")["earned"] == 2 and ind(r, "p.budget")["status"] == "partial"
    assert r["points"]["I"] == 8


def test_fail_earns_nothing(mini: Any) -> None:
    r = score_one(mini, all_pass(info__budget="fail"), FULL_SURVEY)
    assert ind(r, "p.budget")["earned"] == 0 and ind(r, "p.budget")["status"] == "fail"


def test_unknown_never_counts_as_fail(mini: Any) -> None:
    r = score_one(mini, all_pass(info__news="unknown"), FULL_SURVEY)
    news = ind(r, "p.news")
    assert news["status"] == "unknown" and news["earned"] == 0 and news["met"] is False
    # no finding at all (never audited) is unknown too, never fail
    r = score_one(mini, {}, None, u=unit(crawl=None))
    assert {i["status"] for i in r["indicators"]} == {"unknown"}


def test_a_passing_check_below_min_value_is_partial(mini: Any) -> None:
    r = score_one(mini, all_pass(service__levels_shown=FindingInput("pass", 0)), FULL_SURVEY)
    assert ind(r, "t.levels")["status"] == "partial" and ind(r, "t.levels")["earned"] == 1
    assert r["achieved_level"] == "II"  # a required indicator: partial does not meet it


def test_any_mode_passes_when_one_check_passes(mini: Any) -> None:
    r = score_one(mini, all_pass(interact__qa="fail", interact__question_form="pass"), FULL_SURVEY)
    assert ind(r, "i.qa")["status"] == "pass"
    # a fail and an unknown may still be a pass: unknown (then the self-report fills in, unverified)
    r = score_one(mini, all_pass(interact__qa="fail", interact__question_form="unknown"), {})
    assert ind(r, "i.qa")["status"] == "unknown"
    r = score_one(mini, all_pass(interact__qa="fail", interact__question_form="unknown"), FULL_SURVEY)
    assert (ind(r, "i.qa")["status"], ind(r, "i.qa")["source"], ind(r, "i.qa")["unverified"]) == ("pass", "self", True)


def test_self_reported_ratio_condition(mini: Any) -> None:
    assert ind(score_one(mini, survey={**FULL_SURVEY, "staff_with_computer": 9}), "r.computers")["status"] == "pass"
    assert ind(score_one(mini, survey={**FULL_SURVEY, "staff_with_computer": 8}), "r.computers")["status"] == "fail"
    # a share of nothing cannot be judged
    assert ind(score_one(mini, survey={**FULL_SURVEY, "staff_total": 0, "staff_with_computer": 0}),
               "r.computers")["status"] == "unknown"


def test_check_or_self_reported_figure_with_combine_any(mini: Any) -> None:
    r = score_one(mini, all_pass(service__payment="fail"), FULL_SURVEY)
    assert ind(r, "x.pay")["status"] == "pass" and ind(r, "x.pay")["source"] == "self"
    assert ind(r, "x.pay")["unverified"] is False  # dossiers_online is self-reported only: nothing to verify
    r = score_one(mini, all_pass(service__payment="fail"), {**FULL_SURVEY, "dossiers_online": 1})
    assert ind(r, "x.pay")["status"] == "fail"


# ── self-reports and reviewers ─────────────────────────────────────────────────────────────────────

def test_self_report_used_only_when_observation_unknown_and_marked_unverified(mini: Any) -> None:
    observed_fail = ind(score_one(mini, all_pass(info__budget="fail"), FULL_SURVEY), "p.budget")
    assert (observed_fail["status"], observed_fail["source"], observed_fail["unverified"]) == ("fail", "observed", False)
    fallback = ind(score_one(mini, all_pass(info__budget="unknown"), FULL_SURVEY), "p.budget")
    assert (fallback["status"], fallback["source"], fallback["unverified"]) == ("pass", "self", True)
    assert fallback["earned"] == 4
    no_claim = ind(score_one(mini, all_pass(info__budget="unknown"), {}), "p.budget")
    assert (no_claim["status"], no_claim["source"]) == ("unknown", "observed")


def test_reviewer_overrides_both(mini: Any) -> None:
    decision = DecisionInput("pass", "trang ngân sách có ở mục Công khai", "reviewer@so.gov.vn", "2024-12-01T10:00:00+07:00")
    r = score_one(mini, all_pass(info__budget="fail"), {**FULL_SURVEY, "publishes_budget": False}, {"p.budget": decision})
    budget = ind(r, "p.budget")
    assert (budget["status"], budget["source"], budget["unverified"], budget["earned"]) == ("pass", "reviewer", False, 4)
    [scored] = score_units(mini, [unit()], {"00001": all_pass(info__budget="fail")}, {"00001": FULL_SURVEY},
                           {"00001": {"p.budget": decision}}, 2024)
    recorded = next(i for i in scored.indicators if i.indicator.id == "p.budget").decision
    assert recorded == decision  # who, when and why travel with the score


def test_reviewer_decision_on_a_check_applies_everywhere_it_is_used(mini: Any) -> None:
    decision = DecisionInput("pass", "mục Kế hoạch có trong menu", "a", "2024-12-01")
    r = score_one(mini, all_pass(info__plans="fail"), FULL_SURVEY, {"info.plans": decision})
    assert ind(r, "r.plan")["source"] == "reviewer" and ind(r, "r.plan")["status"] == "pass"
    assert cross(r, "it_plan")["outcome"] == "confirmed"


def test_reviewer_confirm_keeps_the_status_and_takes_responsibility(mini: Any) -> None:
    r = score_one(mini, all_pass(info__budget="unknown"), FULL_SURVEY, {"p.budget": DecisionInput("confirm", "đã gọi điện", "b")})
    assert (ind(r, "p.budget")["status"], ind(r, "p.budget")["source"], ind(r, "p.budget")["unverified"]) == \
        ("pass", "reviewer", False)


# ── levels ─────────────────────────────────────────────────────────────────────────────────────────

def test_achieved_level_is_the_highest_with_every_required_indicator_met_up_to_it(mini: Any) -> None:
    r = score_one(mini, all_pass(interact__qa="fail", interact__question_form="fail"), FULL_SURVEY)
    assert r["achieved_level"] == "I"  # III and IV are met, but II is not


def test_no_level_when_a_required_level_i_indicator_is_not_met(mini: Any) -> None:
    r = score_one(mini, all_pass(tech__reachable="unknown"), FULL_SURVEY)
    assert r["achieved_level"] is None


def test_partial_meets_a_required_indicator_only_where_allowed(mini: Any) -> None:
    assert score_one(mini, all_pass(info__contact="partial"), FULL_SURVEY)["achieved_level"] == "IV"
    assert score_one(mini, all_pass(info__news="partial"), FULL_SURVEY)["achieved_level"] is None


def test_readiness_level_from_readiness_points(mini: Any) -> None:
    assert score_one(mini, survey=FULL_SURVEY)["readiness_level"] == 1  # 10/10
    half = score_one(mini, all_pass(info__plans="fail"), FULL_SURVEY)  # 5/10 = 50 %
    assert (half["readiness_points"], half["readiness_max"], half["readiness_level"]) == (5, 10, 2)
    low = score_one(mini, all_pass(info__plans="fail"), {**FULL_SURVEY, "staff_with_computer": 1})
    assert low["readiness_level"] == 3
    assert score_one(mini, survey=None)["readiness_level"] is None  # no survey returned


# ── ranking ────────────────────────────────────────────────────────────────────────────────────────

def _rank(fw: Any, units: list[UnitInput], findings: dict[str, Any], surveys: dict[str, Any],
          decisions: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return {s.unit.code: s.to_json() for s in score_units(fw, units, findings, surveys, decisions or {}, 2024)}


def test_equal_units_share_rank(mini: Any) -> None:
    units = [unit("a"), unit("b"), unit("c")]
    findings = {"a": all_pass(), "b": all_pass(), "c": all_pass(info__budget="fail")}
    ranks = {code: r["rank"] for code, r in _rank(mini, units, findings, dict.fromkeys("abc", FULL_SURVEY)).items()}
    assert ranks == {"a": 1, "b": 1, "c": 3}


def test_ranking_is_by_level_then_points_then_readiness(mini: Any) -> None:
    units = [unit(c) for c in "wxyz"]
    findings = {
        "w": all_pass(interact__qa="fail", interact__question_form="fail"),  # level I, 14 points
        "x": all_pass(info__budget="fail"),  # level IV, 14 points
        "y": all_pass(),  # level IV, 18 points, readiness 5
        "z": all_pass(),  # level IV, 18 points, readiness 10
    }
    surveys = {"w": FULL_SURVEY, "x": FULL_SURVEY, "y": {**FULL_SURVEY, "staff_with_computer": 0}, "z": FULL_SURVEY}
    ranks = {code: r["rank"] for code, r in _rank(mini, units, findings, surveys).items()}
    assert ranks == {"z": 1, "y": 2, "x": 3, "w": 4}


def test_ranking_is_within_province_and_tier(mini: Any) -> None:
    units = [unit("a", province="01"), unit("b", province="02"), unit("c", province="01", level="district")]
    out = _rank(mini, units, {"a": all_pass(info__budget="fail"), "b": all_pass(), "c": all_pass()},
                dict.fromkeys("abc", FULL_SURVEY))
    assert {code: r["rank"] for code, r in out.items()} == {"a": 1, "b": 1, "c": 1}


def test_not_ranked_without_survey_and_unreachable(mini: Any) -> None:
    units = [unit("a", crawl="unreachable"), unit("b", crawl="blocked"), unit("c", crawl=None),
             unit("d", crawl="unreachable"), unit("e", crawl="no_portal")]
    out = _rank(mini, units, {}, {"d": FULL_SURVEY})
    for code in "abc":
        assert out[code]["ranked"] is False and out[code]["rank"] is None
        assert out[code]["not_ranked_reason"].startswith("không gửi phiếu khảo sát") and "no survey returned and the portal could not be audited" in out[code]["not_ranked_reason"]
    assert out["d"]["ranked"] is True and out["d"]["rank"] == 1  # the survey alone keeps it in the ranking
    assert out["e"]["ranked"] is True  # "no portal" was audited: there is none


def test_reviewer_exclusion_takes_a_unit_out_of_the_ranking_with_its_reason(mini: Any) -> None:
    exclude = DecisionInput("exclude", "đơn vị sáp nhập trong năm", "c@so.gov.vn", "2024-12-02")
    out = _rank(mini, [unit("a"), unit("b")], {"a": all_pass(), "b": all_pass()}, dict.fromkeys("ab", FULL_SURVEY),
                {"a": {"__unit__": exclude}})
    assert out["a"]["ranked"] is False and "đơn vị sáp nhập trong năm" in out["a"]["not_ranked_reason"]
    assert out["b"]["rank"] == 1
    with pytest.raises(ValueError, match="needs a reason"):
        _rank(mini, [unit("a")], {}, {}, {"a": {"__unit__": DecisionInput("exclude", "", "c")}})


# ── cross-checks ───────────────────────────────────────────────────────────────────────────────────

def test_crosscheck_yes_no_outcomes(mini: Any) -> None:
    assert cross(score_one(mini, all_pass(), FULL_SURVEY), "publishes_budget")["outcome"] == "confirmed"
    assert cross(score_one(mini, all_pass(info__budget="fail"), FULL_SURVEY), "publishes_budget")["outcome"] == "overclaimed"
    assert cross(score_one(mini, all_pass(), {"publishes_budget": False}), "publishes_budget")["outcome"] == "underclaimed"
    assert cross(score_one(mini, all_pass(info__budget="unknown"), FULL_SURVEY), "publishes_budget")["outcome"] == "unverifiable"
    assert cross(score_one(mini, all_pass(), {}), "publishes_budget")["outcome"] == "not_reported"


def test_crosscheck_counts_within_tolerance(mini: Any) -> None:
    def outcome(claimed: int, observed: FindingInput) -> str:
        r = score_one(mini, all_pass(service__levels_shown=observed), {"services_level3_or_higher": claimed})
        return cross(r, "services_level3_or_higher")["outcome"]

    assert outcome(10, FindingInput("pass", 9)) == "confirmed"  # 10 % apart
    assert outcome(10, FindingInput("pass", 5)) == "overclaimed"
    assert outcome(10, FindingInput("fail", None)) == "overclaimed"
    assert outcome(0, FindingInput("pass", 4)) == "underclaimed"
    assert outcome(5, FindingInput("pass", 10)) == "value_mismatch"


def test_crosscheck_update_interval_against_age_of_newest_news(tmp_path: Path) -> None:
    fw = load_framework("qd2392-commune", CONFIG_DIR)

    def outcome(claimed: int | None, observed: FindingInput) -> str:
        r = score_one(fw, all_pass(fresh__news=observed), {"update_interval_days": claimed})
        return cross(r, "update_interval_days")["outcome"]

    assert outcome(7, FindingInput("pass", 8)) == "confirmed"  # within 20 %
    assert outcome(7, FindingInput("pass", 2)) == "confirmed"  # a fresher article agrees with the claim
    assert outcome(7, FindingInput("partial", 40)) == "overclaimed"
    assert outcome(7, FindingInput("fail", None)) == "overclaimed"  # no dated news at all
    assert outcome(7, FindingInput("unknown", None)) == "unverifiable"
    assert outcome(None, FindingInput("pass", 1)) == "not_reported"


# ── export ─────────────────────────────────────────────────────────────────────────────────────────

def test_unit_score_json_has_exactly_the_documented_keys(mini: Any) -> None:
    r = score_one(mini, survey=FULL_SURVEY)
    assert list(r) == ["unit_code", "unit_name", "level", "province_code", "parent_code", "framework",
                       "framework_version", "year", "achieved_level", "readiness_level", "readiness_points",
                       "readiness_max", "points", "max_points", "total", "rank", "ranked", "not_ranked_reason",
                       "crawl_status", "indicators", "crosschecks",
                       "unit_decision", "survey"]  # extensions: reviewer provenance and the survey version
    assert list(r["indicators"][0]) == ["id", "title_vi", "title_en", "level", "required", "points", "earned",
                                        "status", "source", "unverified", "checks", "field", "met", "decision"]
    assert list(r["crosschecks"][0]) == ["field", "check", "claimed", "observed_status", "observed_value", "outcome",
                                         "survey", "observed", "decision"]
    assert r["framework"] == "mini" and r["year"] == 2024 and r["max_points"] == {"I": 10, "II": 4, "III": 2, "IV": 2}


def test_scores_are_reproducible(mini: Any) -> None:
    units = [unit(c, province=p) for c, p in (("a", "01"), ("b", "02"), ("c", "01"), ("d", "01"))]
    findings = {"a": all_pass(), "b": all_pass(info__news="partial"), "c": all_pass(info__budget="unknown"), "d": {}}
    surveys = {"a": FULL_SURVEY, "c": {"publishes_budget": True}}
    first = scores_export(mini, 2024, score_units(mini, units, findings, surveys, {}, 2024))
    again = scores_export(mini, 2024, score_units(mini, list(reversed(units)), dict(reversed(findings.items())),
                                                  surveys, {}, 2024))
    assert json.dumps(first, ensure_ascii=False) == json.dumps(again, ensure_ascii=False)
    assert first["framework"] == {"id": "mini", "name": "Mini", "version": "t1", "digest": mini.digest}
    assert [u["unit_code"] for u in first["units"]] == ["a", "c", "d", "b"]  # province, then rank


def test_accepts_findings_from_the_checks(mini: Any) -> None:
    findings = {c: Finding(check=c, status=Status.PASS, value=5) for c in CHECK_IDS}
    findings["info.budget"] = Finding(check="info.budget", status=Status.PARTIAL)
    assert ind(score_one(mini, findings, FULL_SURVEY), "p.budget")["earned"] == 2


def test_a_year_outside_the_framework_is_refused() -> None:
    fw = load_framework("nd224-commune", CONFIG_DIR)
    with pytest.raises(FrameworkError, match="covers years 2025–…, not 2024"):
        score_units(fw, [], {}, {}, {}, 2024)


@pytest.mark.parametrize("name", ["qd2392-district", "qd2392-commune"])
def test_a_perfect_unit_reaches_level_iv_with_every_point(name: str) -> None:
    fw = load_framework(name, CONFIG_DIR)
    survey = {"staff_total": 20, "staff_with_computer": 20, "staff_it_certified": 20, "broadband_internet": True,
              "special_data_network": True, "security_measures": True, "it_officer": True, "it_plan": True,
              "it_budget_million_vnd": 50, "official_email_pct": 100, "document_management_system": True,
              "digital_signature": True, "one_stop_system": True, "dossiers_total": 100, "dossiers_online": 60}
    r = score_one(fw, all_pass(), survey, u=unit(level=fw.tier))
    assert (r["achieved_level"], r["total"], r["readiness_points"], r["readiness_level"]) == ("IV", 100, 30, 1)


def test_a_later_include_decision_lifts_an_exclusion():
    fw = load_framework("qd2392-commune", CONFIG_DIR)
    unit = UnitInput(code="09202", name="Xã Tam Giang", level="commune", province_code="27", parent_code="258",
                     crawl_status="ok")
    findings = {"09202": {c: FindingInput("pass", None) for c in fw.check_ids}}
    excluded = score_units(fw, [unit], findings, {}, {"09202": {"__unit__": DecisionInput("exclude", "trùng lặp", "an")}}, 2024)
    assert not excluded[0].to_json()["ranked"]
    lifted = score_units(fw, [unit], findings, {}, {"09202": {"__unit__": DecisionInput("include", "đã xác minh", "an")}}, 2024)
    assert lifted[0].to_json()["ranked"]
