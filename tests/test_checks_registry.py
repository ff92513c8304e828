"""The registry: one finding per id, crawl-status rules, missing needs, errors, options and vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov_audit import checks
from egov_audit.checks import CHECK_IDS, CheckOptions, get_check, needs_for, run_checks
from egov_audit.checks.options import OptionsError
from egov_audit.checks.registry import _REGISTRY, Check
from egov_audit.checks.vocabulary import VocabularyError, load_vocabulary, parse_vocabulary
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Finding, Need, Status
from tests.test_checks_support import make_page, nukeviet_site


def test_every_check_id_exactly_once_in_catalogue_order() -> None:
    findings = run_checks(nukeviet_site())
    assert [f.check for f in findings] == list(CHECK_IDS)


def test_requested_subset_is_returned_in_catalogue_order() -> None:
    findings = run_checks(nukeviet_site(), ["tech.reachable", "info.introduction"])
    assert [f.check for f in findings] == ["info.introduction", "tech.reachable"]


def test_unknown_id_is_refused() -> None:
    with pytest.raises(KeyError):
        run_checks(nukeviet_site(), ["info.nonexistent"])


def test_every_check_has_titles_and_is_registered() -> None:
    for check_id in CHECK_IDS:
        check = get_check(check_id)
        assert check.title_vi and check.title_en


def test_no_portal_fails_every_check() -> None:
    site = CapturedSite("26002", "commune", None, crawl_status=CrawlStatus.NO_PORTAL)
    findings = run_checks(site)
    assert len(findings) == len(CHECK_IDS)
    assert all(f.status == Status.FAIL and f.reason == "no portal" for f in findings)


def test_unreachable_is_unknown_except_reachable_which_fails() -> None:
    site = CapturedSite("26003", "commune", "https://x.dongnai.gov.vn/", crawl_status=CrawlStatus.UNREACHABLE,
                        crawl_error="dns")
    by_id = {f.check: f for f in run_checks(site)}
    assert by_id["tech.reachable"].status == Status.FAIL and by_id["tech.reachable"].reason == "dns"
    assert all(f.status == Status.UNKNOWN for c, f in by_id.items() if c != "tech.reachable")


def test_blocked_is_unknown_everywhere() -> None:
    site = CapturedSite("26004", "commune", "https://x.dongnai.gov.vn/", crawl_status=CrawlStatus.BLOCKED,
                        crawl_error="robots")
    assert {f.status for f in run_checks(site)} == {Status.UNKNOWN}


def test_missing_browser_or_probe_gives_unknown_with_reason() -> None:
    by_id = {f.check: f for f in run_checks(nukeviet_site(), ["tech.mobile", "tech.ipv6", "tech.sitemap_xml"])}
    assert by_id["tech.mobile"].status == Status.UNKNOWN and by_id["tech.mobile"].reason == "browser not available"
    assert by_id["tech.ipv6"].reason == "probe not run"
    assert by_id["tech.sitemap_xml"].status == Status.UNKNOWN


def test_needs_for_collects_declared_needs() -> None:
    assert Need.AXE in needs_for(["tech.accessibility"])
    assert needs_for(["interact.qa"]) == {Need.PAGES}
    assert {Need.PAGES, Need.SITEMAP, Need.MOBILE} <= needs_for(None)


def test_exception_in_a_check_becomes_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_analysis: object, _options: object) -> Finding:
        raise RuntimeError("boom")

    original = get_check("info.map")
    monkeypatch.setitem(_REGISTRY, "info.map", Check("info.map", "a", "b", frozenset({Need.PAGES}), broken))
    (finding,) = run_checks(nukeviet_site(), ["info.map"])
    assert finding.status == Status.UNKNOWN and "boom" in (finding.reason or "")
    assert original.implemented


def test_package_reexports_the_public_api() -> None:
    assert checks.CHECK_IDS is CHECK_IDS and checks.run_checks is run_checks and checks.CheckOptions is CheckOptions


def test_options_defaults_and_framework_overrides() -> None:
    default = CheckOptions.from_config()
    assert default.get("fresh.news", "pass_days_district") == 7
    assert default.get("fresh.news", "pass_days_other") == 30
    assert default.get("tech.images_alt", "pass_share") == 0.9
    assert default.min_text_chars == 200 and default.timezone == "Asia/Ho_Chi_Minh"
    custom = CheckOptions.from_config(None, {"fresh.news": {"pass_days_other": 14}})
    assert custom.get("fresh.news", "pass_days_other") == 14
    assert default.get("fresh.news", "pass_days_other") == 30  # defaults untouched


def test_bad_override_names_the_key() -> None:
    with pytest.raises(OptionsError, match="fresh.news.pass_dayz"):
        CheckOptions.from_config(None, {"fresh.news": {"pass_dayz": 3}})


def test_bad_checks_yaml_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "checks.yaml").write_text("checks:\n  fresh.news:\n    partial_days: soon\n", encoding="utf-8")
    with pytest.raises(OptionsError, match="fresh.news.partial_days"):
        CheckOptions.from_config(tmp_path)


def test_vocabulary_loads_and_derives_slugs() -> None:
    vocabulary = load_vocabulary()
    assert "hoi-ap" in vocabulary.concept("qa").slugs
    for concept in ("introduction", "organization", "leaders", "contact", "news", "direction", "work_schedule",
                    "legal_documents", "law_dissemination", "plans", "projects", "budget", "procedures", "map",
                    "statistics", "english", "ownership", "qa", "question_form", "consultation",
                    "downloadable_forms", "services", "dossier_lookup", "service_statistics", "satisfaction",
                    "payment", "sitemap_html", "search"):
        assert vocabulary.labels(concept), concept
    assert "đang cập nhật" in vocabulary.placeholders


def test_bad_vocabulary_names_the_key() -> None:
    with pytest.raises(VocabularyError, match="concepts.qa.labels"):
        parse_vocabulary({"concepts": {"qa": {"labels": "Hỏi đáp"}}}, "vocab.yaml")
    with pytest.raises(VocabularyError, match="concepts.qa: unknown key"):
        parse_vocabulary({"concepts": {"qa": {"labels": ["Hỏi đáp"], "slug": []}}}, "vocab.yaml")


def test_reachable_value_is_final_url() -> None:
    site = nukeviet_site()
    (finding,) = run_checks(site, ["tech.reachable"])
    assert finding.status == Status.PASS and finding.value == site.home_url


def test_reachable_fails_on_server_error_home() -> None:
    site = nukeviet_site()
    site.pages[site.home_url] = make_page(site.home_url, "<html><body>Lỗi</body></html>", status=500)
    (finding,) = run_checks(site, ["tech.reachable"])
    assert finding.status == Status.FAIL and "500" in (finding.reason or "")


def test_reachable_unknown_without_home_capture() -> None:
    site = nukeviet_site()
    site.pages.pop(site.home_url)
    (finding,) = run_checks(site, ["tech.reachable"])
    assert finding.status == Status.UNKNOWN
