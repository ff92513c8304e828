"""Frameworks (config/frameworks/*.yaml): the shipped ones are valid and follow CRITERIA.md §4, and a
broken file is refused with a message naming the file, the key path and the problem."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import CONFIG_DIR
from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.core.errors import InputError
from egov_audit.scoring import FrameworkError, list_frameworks, load_framework, load_survey_fields

SHIPPED = ("qd2392-district", "qd2392-commune", "nd224-commune")
TOTALS = {"readiness": 30, "I": 40, "II": 25, "III": 20, "IV": 15}


def _required(fw: Any, level: str) -> set[tuple[str, ...]]:
    return {ind.source.checks or (ind.source.field,) for ind in fw.indicators if ind.level == level and ind.required}


def _checks(fw: Any) -> set[str]:
    return {c for ind in fw.indicators for c in ind.source.checks}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of config/ layout with the survey fields and the district framework, to break at will."""
    cfg = tmp_path / "config"
    (cfg / "frameworks").mkdir(parents=True)
    shutil.copy(CONFIG_DIR / "survey_fields.yaml", cfg / "survey_fields.yaml")
    return cfg


def _district() -> dict[str, Any]:
    return yaml.safe_load((CONFIG_DIR / "frameworks" / "qd2392-district.yaml").read_text(encoding="utf-8"))


def _write(cfg: Path, data: dict[str, Any], name: str = "x") -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (cfg / "frameworks" / f"{name}.yaml").write_text(text, encoding="utf-8")


def _error(cfg: Path, data: dict[str, Any]) -> str:
    _write(cfg, data)
    with pytest.raises(FrameworkError) as info:
        load_framework("x", cfg)
    return str(info.value)


# ── the shipped frameworks ─────────────────────────────────────────────────────────────────────────

def test_the_three_frameworks_ship() -> None:
    assert set(SHIPPED) <= set(list_frameworks(CONFIG_DIR))


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_framework_loads_and_sums_to_its_totals(name: str) -> None:
    fw = load_framework(name, CONFIG_DIR)
    assert fw.id == name and fw.name and fw.version
    for level, total in TOTALS.items():
        assert sum(i.points for i in fw.indicators if i.level == level) == total
        assert fw.levels[level].points == total


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_framework_references_only_valid_ids_and_fields(name: str) -> None:
    fw = load_framework(name, CONFIG_DIR)
    fields = load_survey_fields(CONFIG_DIR)
    for ind in fw.indicators:
        assert set(ind.source.checks) <= set(CHECK_IDS)
        if ind.source.field:
            assert ind.source.field in fields
            sf = fields[ind.source.field]
            if sf.kind == "BOTH":  # an observable field is always named with its check
                assert sf.crosscheck in ind.source.checks or ind.source.combine == "any"
        assert ind.title_vi and ind.title_en
    assert set(fw.check_options) <= set(CHECK_IDS)


def test_digest_is_sha256_of_the_file_bytes() -> None:
    path = CONFIG_DIR / "frameworks" / "qd2392-district.yaml"
    assert load_framework("qd2392-district", CONFIG_DIR).digest == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_framework(path, CONFIG_DIR).digest == load_framework("qd2392-district", CONFIG_DIR).digest


def test_district_framework_follows_the_criteria_table() -> None:
    fw = load_framework("qd2392-district", CONFIG_DIR)
    assert fw.tier == "district" and fw.applies_to(2024) and not fw.applies_to(2025)
    assert fw.check_options["fresh.news"] == {"pass_days": 7, "partial_days": 90}
    assert _required(fw, "I") == {(c,) for c in ("tech.reachable", "info.introduction", "info.organization",
                                                 "info.contact", "info.news", "info.legal_documents",
                                                 "info.procedures", "fresh.news")}
    assert _required(fw, "II") == {("interact.qa",), ("interact.question_form",), ("interact.downloadable_forms",)}
    assert _required(fw, "III") == {("service.portal_link",), ("service.levels_shown",)}
    assert _required(fw, "IV") == {("service.payment",)}
    levels_shown = next(i for i in fw.indicators if i.source.checks == ("service.levels_shown",))
    assert levels_shown.source.min_value == 1
    assert fw.crosscheck_tolerance == pytest.approx(0.2)
    assert [lvl for lvl, _ in fw.readiness_levels] == [1, 2, 3]
    assert [float(p) for _, p in fw.readiness_levels] == [80, 50, 0]


def test_qd2392_commune_applies_the_differences_of_the_table() -> None:
    fw = load_framework("qd2392-commune", CONFIG_DIR)
    assert fw.tier == "commune" and fw.applies_to(2024) and not fw.applies_to(2025)
    assert not _checks(fw) & {"info.english", "info.projects", "info.statistics", "tech.metadata", "tech.ipv6"}
    assert fw.check_options["fresh.news"]["pass_days"] == 30
    assert _required(fw, "I") == {(c,) for c in ("tech.reachable", "info.introduction", "info.organization",
                                                 "info.contact", "info.news", "info.procedures", "fresh.news")}
    assert _required(fw, "II") == {("interact.qa", "interact.question_form")}
    qa = next(i for i in fw.indicators if i.level == "II" and i.required)
    assert qa.source.mode == "any"
    assert _required(fw, "III") == {("service.portal_link",)}
    [iv] = [i for i in fw.indicators if i.level == "IV" and i.required]
    assert iv.source.checks == ("service.payment",) and iv.source.combine == "any"
    assert iv.source.field == "dossiers_online" and iv.source.condition.per == "dossiers_total"
    assert float(iv.source.condition.min) == 0.2


def test_nd224_commune_applies_the_differences_of_the_table() -> None:
    fw = load_framework("nd224-commune", CONFIG_DIR)
    district = load_framework("qd2392-district", CONFIG_DIR)
    assert fw.tier == "commune" and fw.applies_to(2025) and fw.applies_to(2030) and not fw.applies_to(2024)
    assert _required(fw, "I") == {(c,) for c in ("tech.reachable", "info.introduction", "info.organization",
                                                 "info.leaders", "info.map", "info.contact", "info.news",
                                                 "fresh.news", "info.procedures", "info.legal_documents")}
    assert _required(fw, "II") == {("interact.qa", "interact.question_form"), ("interact.email",), ("interact.hotline",)}
    assert _required(fw, "III") == {("service.portal_link",), ("service.levels_shown",), ("service.dossier_lookup",)}
    assert _required(fw, "IV") == {(c,) for c in ("service.satisfaction", "service.payment", "tech.mobile",
                                                  "tech.accessibility", "tech.https", "tech.ipv6")}
    readiness = [(i.id, i.points, i.source) for i in fw.indicators if i.level == "readiness"]
    assert readiness == [(i.id, i.points, i.source) for i in district.indicators if i.level == "readiness"]


# ── refusing broken files ──────────────────────────────────────────────────────────────────────────

def test_framework_error_is_an_input_error() -> None:
    assert issubclass(FrameworkError, InputError)


def test_unknown_check_id_in_framework_names_file_and_key(config_dir: Path) -> None:
    data = _district()
    data["indicators"][9]["source"]["checks"] = ["info.introduktion"]
    assert _error(config_dir, data) == (
        "config/frameworks/x.yaml: indicators[9].source.checks[0]: unknown check id 'info.introduktion'"
        " (did you mean 'info.introduction'?)")


def test_points_that_are_not_numbers_are_refused(config_dir: Path) -> None:
    data = _district()
    data["indicators"][3]["points"] = "ba"
    assert "config/frameworks/x.yaml: indicators[3].points: must be a number, got 'ba'" in _error(config_dir, data)


def test_negative_points_are_refused(config_dir: Path) -> None:
    data = _district()
    data["indicators"][3]["points"] = -4
    assert "config/frameworks/x.yaml: indicators[3].points: must not be negative, got -4" in _error(config_dir, data)


def test_yaml_syntax_error_names_the_line(config_dir: Path) -> None:
    (config_dir / "frameworks" / "x.yaml").write_text("version: '1'\nname: [unclosed\ntier: district\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load_framework("x", config_dir)
    assert str(info.value).startswith("config/frameworks/x.yaml: line 3, column ")
    assert "invalid YAML" in str(info.value)


def test_duplicate_yaml_key_is_refused_with_its_line(config_dir: Path) -> None:
    (config_dir / "frameworks" / "x.yaml").write_text("version: '1'\nversion: '2'\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"x.yaml: line 2, column 1: invalid YAML: duplicate key 'version'"):
        load_framework("x", config_dir)


def test_unknown_survey_field_is_refused(config_dir: Path) -> None:
    data = _district()
    data["indicators"][1]["source"]["field"] = "broadband"
    assert ("config/frameworks/x.yaml: indicators[1].source.field: unknown survey field 'broadband'"
            " (did you mean 'broadband_internet'?)") in _error(config_dir, data)


def test_a_level_that_does_not_exist_is_refused(config_dir: Path) -> None:
    data = _district()
    data["indicators"][8]["level"] = "V"
    assert ("config/frameworks/x.yaml: indicators[8].level: level 'V' does not exist"
            " (levels: readiness, I, II, III, IV)") in _error(config_dir, data)


def test_duplicate_indicator_ids_are_refused(config_dir: Path) -> None:
    data = _district()
    data["indicators"][2]["id"] = data["indicators"][1]["id"]
    assert ("config/frameworks/x.yaml: indicators[2].id: duplicate indicator id 'ready.broadband'"
            " (first at indicators[1])") in _error(config_dir, data)


def test_missing_titles_are_refused(config_dir: Path) -> None:
    data = _district()
    del data["indicators"][4]["title"]
    del data["indicators"][5]["title"]["en"]
    message = _error(config_dir, data)
    assert "config/frameworks/x.yaml: indicators[4].title: missing title (vi and en)" in message
    assert "config/frameworks/x.yaml: indicators[5].title.en: missing" in message


def test_unknown_keys_are_refused_with_a_suggestion(config_dir: Path) -> None:
    data = _district()
    data["indicators"][8]["requried"] = data["indicators"][8].pop("required")
    data["tolerance"] = 0.2
    message = _error(config_dir, data)
    assert "config/frameworks/x.yaml: indicators[8].requried: unknown key (did you mean 'required'?)" in message
    assert "config/frameworks/x.yaml: tolerance: unknown key" in message


def test_level_totals_must_match_the_declared_totals(config_dir: Path) -> None:
    data = _district()
    data["indicators"][0]["points"] = 7
    assert ("config/frameworks/x.yaml: levels.readiness.points: indicators of level readiness sum to 31 points,"
            " but the level declares 30") in _error(config_dir, data)


def test_bad_mode_is_refused(config_dir: Path) -> None:
    data = _district()
    data["indicators"][8]["source"]["mode"] = "either"
    assert "config/frameworks/x.yaml: indicators[8].source.mode: must be any or all, got 'either'" in _error(config_dir, data)


def test_a_both_field_must_be_named_with_its_check(config_dir: Path) -> None:
    data = _district()
    data["indicators"][6]["source"] = {"field": "it_plan"}
    assert ("config/frameworks/x.yaml: indicators[6].source.checks: it_plan is observable:"
            " name its check info.plans too") in _error(config_dir, data)


def test_a_numeric_field_needs_a_condition(config_dir: Path) -> None:
    data = _district()
    data["indicators"][7]["source"] = {"field": "it_budget_million_vnd"}
    assert ("config/frameworks/x.yaml: indicators[7].source.condition: it_budget_million_vnd is a number:"
            " give a condition (min, gt or max)") in _error(config_dir, data)


def test_all_problems_are_reported_together(config_dir: Path) -> None:
    data = _district()
    data["indicators"][3]["points"] = "ba"
    data["indicators"][9]["source"]["checks"] = ["nope"]
    with pytest.raises(FrameworkError) as info:
        _write(config_dir, data)
        load_framework("x", config_dir)
    locations = [where for where, _ in info.value.problems]
    assert "indicators[3].points" in locations and "indicators[9].source.checks[0]" in locations


def test_unknown_framework_id_lists_the_known_ones(config_dir: Path) -> None:
    _write(config_dir, _district(), name="mine")
    with pytest.raises(FrameworkError, match=r"config/frameworks/nope.yaml: framework not found \(known: mine\)"):
        load_framework("nope", config_dir)


def test_an_observable_field_can_only_be_a_fallback_for_its_check(config_dir: Path) -> None:
    """CRITERIA §4: a BOTH field is used only when the observation is unknown, so a claim never outvotes it."""
    data = _district()
    index = next(i for i, ind in enumerate(data["indicators"]) if ind["source"].get("field") == "publishes_qa")
    data["indicators"][index]["source"]["combine"] = "any"
    assert (f"indicators[{index}].source.combine: publishes_qa is observable: it can only be a fallback for "
            "interact.qa") in _error(config_dir, data)
