"""Storage behaves as ARCHITECTURE.md promises, identically on SQLite and on a real PostgreSQL 15."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel, select

from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, Evidence, Finding, Status
from egov_audit.exports import findings_json
from egov_audit.storage import (
    decisions_repo,
    findings_repo,
    frameworks_repo,
    pages_repo,
    runs_repo,
    scores_repo,
    shared_json,
    surveys_repo,
    units_repo,
)
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.db import current_revision, open_database, session
from egov_audit.storage.models import Page, Unit
from tests.pg import new_database, postgres_url  # noqa: F401  (fixture)

TABLES = {"unit", "framework", "audit_run", "unit_crawl", "page", "finding", "self_report",
          "reviewer_decision", "score", "alembic_version"}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'dir' / 'egov.sqlite3'}"
    return new_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(db_url: str):
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "evidence")


def _units() -> list[units_repo.UnitRow]:
    return [
        units_repo.UnitRow("24", "Tỉnh Bắc Ninh", "province", "24"),
        units_repo.UnitRow("07420", "Phường Kinh Bắc", "commune", "24", "24", "https://kinhbac.bacninh.gov.vn/"),
        units_repo.UnitRow("07421", "Xã Tam Giang", "commune", "24", "24", "https://bacninh.gov.vn/",
                     "https://bacninh.gov.vn/web/xa-tam-giang/"),
    ]


def test_migration_creates_all_tables(engine: sa.Engine) -> None:
    assert TABLES <= set(sa.inspect(engine).get_table_names())
    assert current_revision(engine) == _head_revision()


def test_sqlite_file_gets_its_parent_directory(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "egov.sqlite3"
    open_database(f"sqlite:///{target}").dispose()
    assert target.is_file()


def test_migrating_twice_is_a_no_op_and_keeps_data(db_url: str) -> None:
    first = open_database(db_url)
    with session(first) as s:
        units_repo.upsert_units(s, _units())
    first.dispose()
    second = open_database(db_url)
    assert current_revision(second) == _head_revision()
    with session(second) as s:
        assert [u.code for u in units_repo.list_units(s)] == ["07420", "07421", "24"]
    second.dispose()


def test_models_and_migration_agree(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_session_rolls_back_when_the_block_raises(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), session(engine) as s:
        units_repo.upsert_units(s, _units())
        raise RuntimeError("boom")
    with session(engine) as s:
        assert units_repo.list_units(s) == []


def test_foreign_keys_are_enforced_on_both_backends(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), session(engine) as s:
        run = runs_repo.create_run(s, {}, {})
        runs_repo.start_unit_crawl(s, run.id, "99999")


def test_units_upsert_and_filters(engine: sa.Engine) -> None:
    with session(engine) as s:
        assert units_repo.upsert_units(s, _units()) == (3, 0)
    changed = _units()[1]
    changed.name = "Phường Kinh Bắc (mới)"
    with session(engine) as s:
        assert units_repo.upsert_units(s, [changed]) == (0, 1)
    with session(engine) as s:
        assert [u.name for u in units_repo.list_units(s, codes=["07420"])] == ["Phường Kinh Bắc (mới)"]
        assert len(units_repo.list_units(s, province="24")) == 3
        assert units_repo.list_units(s, province="01") == []
        updated = units_repo.get_unit(s, "07420").updated_at
        assert updated.tzinfo is not None and updated.utcoffset() == timedelta(0)


def test_framework_registration_is_idempotent_and_refuses_changed_content(engine: sa.Engine) -> None:
    with session(engine) as s:
        assert frameworks_repo.register_framework(s, "qd2392-district", "1", "a: 1\n") == "qd2392-district@1"
        assert frameworks_repo.register_framework(s, "qd2392-district", "1", "a: 1\n") == "qd2392-district@1"
        with pytest.raises(frameworks_repo.FrameworkChangedError):
            frameworks_repo.register_framework(s, "qd2392-district", "1", "a: 2\n")
        stored = frameworks_repo.get_framework(s, "qd2392-district@1")
        assert stored.digest.startswith("sha256:") and stored.content == "a: 1\n"


def test_runs_can_be_found_unfinished_and_finished(engine: sa.Engine) -> None:
    with session(engine) as s:
        run = runs_repo.create_run(s, {"units": ["07420"]}, {"max_pages": 5}, framework_name="nd224-commune")
    assert len(run.id) == 32
    with session(engine) as s:
        assert runs_repo.find_unfinished_run(s).id == run.id
        assert runs_repo.latest_run_id(s) == run.id
        runs_repo.finish_run(s, run.id, "finished")
    with session(engine) as s:
        assert runs_repo.find_unfinished_run(s) is None
        stored = runs_repo.get_run(s, run.id)
        assert stored.status == "finished" and stored.finished_at >= stored.started_at
        assert stored.started_at.tzinfo is not None
        assert json.loads(stored.options_json) == {"units": ["07420"]}


def _page(url: str, **kw) -> CapturedPage:
    defaults = dict(final_url=url, status=200, content_type="text/html; charset=utf-8", encoding="utf-8",
                    depth=1, referrer="https://kinhbac.bacninh.gov.vn/", link_text="Giới thiệu",
                    ttfb_seconds=0.12, elapsed_seconds=0.3,
                    fetched_at=datetime(2026, 3, 5, 1, 15, tzinfo=UTC), redirects=[])
    defaults.update(kw)
    return CapturedPage(url=url, **defaults)


def test_units_pages_findings_round_trip_and_export(engine: sa.Engine, blobs: BlobStore) -> None:
    home = "https://kinhbac.bacninh.gov.vn/"
    about = "https://kinhbac.bacninh.gov.vn/gioi-thieu"
    legacy = "https://kinhbac.bacninh.gov.vn/cu"
    # NFD text in a UTF-8 body must come back NFC; a windows-1258 body must be decoded with its charset.
    nfd_html = unicodedata.normalize("NFD", "<h1>Giới thiệu chung</h1>")
    legacy_body = unicodedata.normalize("NFD", "<p>Hòa Bình</p>").encode("cp1258")
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        run = runs_repo.create_run(s, {}, {})
        runs_repo.start_unit_crawl(s, run.id, "07420")
        pages_repo.record_page(s, run.id, "07420", _page(home, depth=0, referrer=None, redirects=["http://kinhbac.bacninh.gov.vn/"],
                                                   rendered_html="<html>rendered</html>"),
                         {"Content-Type": "text/html"}, blobs, b"<html>home</html>")
        pages_repo.record_page(s, run.id, "07420", _page(about), {"Server": "nginx"}, blobs, nfd_html.encode("utf-8"))
        pages_repo.record_page(s, run.id, "07420", _page(legacy, encoding="windows-1258",
                                                   content_type="text/html; charset=windows-1258"),
                         None, blobs, legacy_body)
        # The sink may see a URL twice (resume): still one row.
        pages_repo.record_page(s, run.id, "07420", _page(about, status=200), {"Server": "nginx"}, blobs,
                         nfd_html.encode("utf-8"))
        pages_repo.record_page(s, run.id, "07420", _page("https://kinhbac.bacninh.gov.vn/mat", status=None,
                                                   error="timeout", content_type=None, encoding=None),
                         None, blobs, None)
    with session(engine) as s:
        assert pages_repo.stored_urls(s, run.id, "07420") == {home, about, legacy, "https://kinhbac.bacninh.gov.vn/mat"}
        assert len(s.exec(select(Page)).all()) == 4
        home_row = s.exec(select(Page).where(Page.url == home)).one()
        assert pages_repo.page_headers(blobs, home_row) == {"Content-Type": "text/html"}
    site = CapturedSite(unit_code="07420", unit_level="commune", portal_url=home, home_url=home,
                        crawl_status=CrawlStatus.PARTIAL, crawl_error=None, budget_exhausted=True,
                        robots_txt="User-agent: *\nDisallow:", sitemap={"url": home + "sitemap.xml", "status": 200,
                                                                        "ok": True, "urls": [about], "error": None},
                        probes={"dns": {"aaaa": []}, "mobile": {"viewport_meta": "width=device-width"}})
    site.pages = {u: _page(u) for u in (home, about, legacy, "https://kinhbac.bacninh.gov.vn/mat")}
    findings = [
        Finding("info.introduction", Status.PASS, evidence=[Evidence(about, "Giới thiệu chung", "sha256:" + "a" * 64,
                                                                      None, "main h1")]),
        Finding("fresh.news", Status.FAIL, value=120, reason="newest news is old", looked_at=[home]),
    ]
    with session(engine) as s:
        runs_repo.finish_unit_crawl(s, run.id, site, ["run-07420-00000.warc.gz"])
        findings_repo.save_findings(s, run.id, "07420", [Finding("info.introduction", Status.UNKNOWN)])
        findings_repo.save_findings(s, run.id, "07420", findings)  # replaces, never duplicates
        runs_repo.finish_run(s, run.id, "finished")

    with session(engine) as s:
        loaded = pages_repo.load_site(s, run.id, "07420", blobs)
    # In the stable order (depth, then URL), not the order they were stored in (CapturedSite.order_pages).
    assert list(loaded.pages) == [home, legacy, about, "https://kinhbac.bacninh.gov.vn/mat"]
    assert loaded.pages[about].html == unicodedata.normalize("NFC", nfd_html)
    assert loaded.pages[legacy].html == "<p>Hòa Bình</p>"
    assert loaded.pages[home].html == "<html>home</html>"
    assert loaded.pages[home].rendered_html == "<html>rendered</html>"
    assert loaded.pages[home].redirects == ["http://kinhbac.bacninh.gov.vn/"]
    assert loaded.pages[home].body_digest == blobs.put(b"<html>home</html>")
    assert loaded.pages[about].fetched_at == datetime(2026, 3, 5, 1, 15, tzinfo=UTC)
    assert loaded.pages["https://kinhbac.bacninh.gov.vn/mat"].error == "timeout"
    assert loaded.pages["https://kinhbac.bacninh.gov.vn/mat"].html is None
    assert loaded.home is loaded.pages[home]
    assert loaded.crawl_status is CrawlStatus.PARTIAL and loaded.budget_exhausted
    assert loaded.sitemap == site.sitemap and loaded.robots_txt == site.robots_txt and loaded.probes == site.probes
    assert loaded.audited_at is not None and loaded.audited_at.tzinfo is not None

    with session(engine) as s:
        exported = findings_json.findings_export(s, run.id)
    assert set(exported["run"]) >= {"id", "started_at", "finished_at"}
    assert datetime.fromisoformat(exported["run"]["finished_at"]).tzinfo is not None
    (unit,) = exported["units"]
    assert {k: unit[k] for k in ("code", "name", "level", "portal_url")} == {
        "code": "07420", "name": "Phường Kinh Bắc", "level": "commune", "portal_url": home}
    assert unit["crawl"] == {"status": "partial", "pages": 4, "error": None, "failures": {"timeout": 1}}
    assert [f["check"] for f in unit["findings"]] == ["info.introduction", "fresh.news"]
    first, second = unit["findings"]
    assert first["status"] == "pass" and first["value"] is None
    assert first["evidence"] == [{"url": about, "excerpt": "Giới thiệu chung", "snapshot": "sha256:" + "a" * 64,
                                  "screenshot": None, "locator": "main h1"}]
    assert second == {"check": "fresh.news", "status": "fail", "value": 120, "reason": "newest news is old",
                      "evidence": [], "looked_at": [home]}
    json.dumps(exported)  # the export is plain JSON


def test_other_units_scopes_inside_a_portal_are_rebuilt(engine: sa.Engine, blobs: BlobStore) -> None:
    with session(engine) as s:
        units_repo.upsert_units(s, [units_repo.UnitRow("24", "Tỉnh Bắc Ninh", "province", "24", None, "https://bacninh.gov.vn/"),
                              *_units()[1:]])
        run = runs_repo.create_run(s, {}, {})
        site = pages_repo.load_site(s, run.id, "24", blobs)
    assert site.other_unit_scopes == ["https://bacninh.gov.vn/web/xa-tam-giang/"]
    assert site.pages == {} and site.scope is None


def test_self_report_versions_are_kept_and_the_latest_form_counts(engine: sa.Engine) -> None:
    def version(rows: list[surveys_repo.SelfReportRow], name: str) -> int:
        return surveys_repo.add_version(s, file_name=name, file_digest="sha256:" + "0" * 64, file_size=1,
                                        sheet=None, rows=rows).id

    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        first = version([surveys_repo.SelfReportRow("07420", 2025, "staff_total", 20),
                         surveys_repo.SelfReportRow("07420", 2025, "it_plan", True),
                         surveys_repo.SelfReportRow("07420", 2024, "staff_total", 18)], "a.csv")
        version([surveys_repo.SelfReportRow("07420", 2025, "staff_total", 21)], "b.csv")
    with session(engine) as s:
        assert surveys_repo.load_selfreports(s, 2025) == {"07420": {"staff_total": 21}}
        assert surveys_repo.load_selfreports(s, 2024) == {"07420": {"staff_total": 18}}
        assert surveys_repo.load_answers(s, 2024)["07420"].version_id == first  # the only form for 2024
        assert len(surveys_repo.list_versions(s)) == 2


def test_reviewer_decisions_are_history_and_the_latest_wins(engine: sa.Engine) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        with pytest.raises(ValueError):
            decisions_repo.add_decision(s, unit_code="07420", status="pass", reason="  ", reviewer="lan")
        with pytest.raises(ValueError):
            decisions_repo.add_decision(s, unit_code="07420", status="great", reason="x", reviewer="lan")
        decisions_repo.add_decision(s, unit_code="07420", check_id="interact.qa", status="fail", reason="no answers",
                          reviewer="lan", decided_at=t0)
        decisions_repo.add_decision(s, unit_code="07420", check_id="interact.qa", status="pass", reason="answers on page 2",
                          reviewer="minh", decided_at=t0 + timedelta(hours=1))
        decisions_repo.add_decision(s, unit_code="07421", year=2025, status="exclude", reason="merged unit", reviewer="lan",
                          decided_at=t0)
    with session(engine) as s:
        latest = decisions_repo.load_decisions(s)
        history = decisions_repo.load_decisions(s, unit_code="07420", latest_only=False)
        other_year = decisions_repo.load_decisions(s, unit_code="07421", year=2024)
    assert [(d["unit_code"], d["status"], d["reviewer"]) for d in latest] == [
        ("07421", "exclude", "lan"), ("07420", "pass", "minh")]
    assert [d["status"] for d in history] == ["fail", "pass"]
    assert history[1]["decided_at"] == t0 + timedelta(hours=1)
    assert other_year == []


def test_each_scoring_adds_a_set_and_the_latest_set_is_read(engine: sa.Engine) -> None:
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        scores_repo.save_scores(s, "nd224-commune@1", 2025, [
            {"unit_code": "07421", "achieved_level": None, "readiness_level": 3, "total": 10, "rank": None,
             "ranked": False, "indicators": {"x": 1}},
            {"unit_code": "07420", "achieved_level": "II", "readiness_level": 1, "total": 71.5, "rank": 1,
             "ranked": True, "details": {"points": {"I": 40}}},
        ])
        scores_repo.save_scores(s, "nd224-commune@1", 2024, [{"unit_code": "07420", "total": 1, "rank": 1}])
        scores_repo.save_scores(s, "nd224-commune@1", 2025, [
            {"unit_code": "07420", "achieved_level": "III", "readiness_level": 1, "total": 80, "rank": 1,
             "ranked": True, "details": {}},
            {"unit_code": "07421", "achieved_level": None, "readiness_level": 3, "total": 10, "rank": None,
             "ranked": False, "indicators": {"x": 1}},
        ])
    with session(engine) as s:
        scores = scores_repo.load_scores(s, "nd224-commune@1", 2025)
        everything = scores_repo.load_scores(s)
    assert [(r["unit_code"], r["achieved_level"], r["rank"], r["ranked"]) for r in scores] == [
        ("07420", "III", 1, True), ("07421", None, None, False)]
    assert scores[1]["details"] == {"indicators": {"x": 1}}
    assert scores[0]["computed_at"].tzinfo is not None
    assert len(everything) == 3


def test_naive_datetimes_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.StatementError), session(engine) as s:
        s.add(Unit(code="01", name="Hà Nội", level="province", province_code="01",
                   updated_at=datetime(2026, 1, 1)))
        s.flush()


def test_blob_store_is_content_addressed_and_fanned_out(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"evidence")
    hexdigest = digest.removeprefix("sha256:")
    assert digest == "sha256:" + __import__("hashlib").sha256(b"evidence").hexdigest()
    assert store.path(digest) == tmp_path / "sha256" / hexdigest[:2] / hexdigest[2:4] / hexdigest
    assert store.exists(digest) and store.get(digest) == b"evidence"
    mtime = store.path(digest).stat().st_mtime_ns
    assert store.put(b"evidence") == digest  # written once
    assert store.path(digest).stat().st_mtime_ns == mtime
    assert [p.name for p in store.path(digest).parent.iterdir()] == [hexdigest]  # no temp files left
    assert store.put(b"") != digest
    assert not store.exists("sha256:" + "0" * 64)
    with pytest.raises(KeyError):
        store.get("sha256:" + "0" * 64)
    with pytest.raises(ValueError):
        store.path("md5:abc")


def test_resume_and_scoring_helpers(engine: sa.Engine) -> None:
    site = CapturedSite(unit_code="07420", unit_level="commune", portal_url="https://kinhbac.bacninh.gov.vn/")
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        old = runs_repo.create_run(s, {}, {})
        runs_repo.finish_unit_crawl(s, old.id, site, [])
        findings_repo.save_findings(s, old.id, "07420", [Finding("interact.qa", Status.FAIL)])
        runs_repo.finish_run(s, old.id, "finished")
        new = runs_repo.create_run(s, {}, {})
        new.started_at = old.started_at + timedelta(days=1)
        runs_repo.start_unit_crawl(s, new.id, "07421")  # killed mid-crawl: not finished
        runs_repo.finish_unit_crawl(s, new.id, CapturedSite("07420", "commune", None, crawl_status=CrawlStatus.NO_PORTAL),
                               [])
        findings_repo.save_findings(s, new.id, "07420", [Finding("interact.qa", Status.PASS)])
    with session(engine) as s:
        assert [r.id for r in runs_repo.unfinished_runs(s)] == [new.id]
        assert runs_repo.finished_unit_codes(s, new.id) == {"07420"}
        assert runs_repo.unit_crawl(s, new.id, "07421").status == "running"
        assert [f["status"] for f in findings_repo.load_findings(s, old.id, "07420")] == ["fail"]
        latest = findings_repo.latest_findings_by_unit(s, ["07420", "07421"])
        assert list(latest) == ["07420"]
        assert latest["07420"][0] == "no_portal" and latest["07420"][1][0]["status"] == "pass"
        runs_repo.finish_run(s, new.id, "abandoned")
        with pytest.raises(ValueError):
            runs_repo.finish_run(s, new.id, "running")
    with session(engine) as s:
        assert runs_repo.find_unfinished_run(s) is None
        assert scores_repo.load_score_exports(s) == []
        framework_id = frameworks_repo.register_framework(s, "nd224-commune", "1", "x")
        scores_repo.save_scores(s, framework_id, 2025, [{"unit_code": "07420", "unit_name": "Phường Kinh Bắc",
                                                  "achieved_level": "I", "readiness_level": 2, "total": 40,
                                                  "rank": 1, "ranked": True, "indicators": []}])
    with session(engine) as s:
        (export,) = scores_repo.load_score_exports(s)
    assert export["framework"] == {"id": "nd224-commune", "name": "nd224-commune", "version": "1",
                                   "digest": frameworks_repo.get_framework(s, framework_id).digest}
    assert export.pop("score_set")["framework"] == "nd224-commune@1"
    assert export["year"] == 2025
    assert export["units"] == [{"unit_code": "07420", "unit_name": "Phường Kinh Bắc", "achieved_level": "I",
                                "readiness_level": 2, "total": 40.0, "rank": 1, "ranked": True, "indicators": []}]


def _head_revision() -> str:
    """The newest migration shipped, so the test holds as migrations are added."""
    from alembic.script import ScriptDirectory

    from egov_audit.storage.db import alembic_config

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def test_long_looked_at_lists_are_stored_once_and_read_back(engine: sa.Engine,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from egov_audit.storage.models import FindingRow, UrlList

    monkeypatch.setattr(shared_json, "PER_QUERY", 1)  # lists read back over several queries
    pages = [f"https://kinhbac.bacninh.gov.vn/trang-{n}" for n in range(20)]
    findings = [Finding(check, Status.FAIL, looked_at=pages) for check in ("info.plans", "info.budget", "info.qa")]
    findings.append(Finding("info.news", Status.FAIL, looked_at=pages[::-1]))  # a second long list
    findings.append(Finding("tech.https", Status.FAIL, looked_at=["https://kinhbac.bacninh.gov.vn/"]))
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        runs = [runs_repo.create_run(s, {}, {}).id for _ in range(2)]
        for run_id in runs:  # two nights, two units: the same long list each time
            for code in ("07420", "07421"):
                findings_repo.save_findings(s, run_id, code, findings)
        findings_repo.save_findings(s, runs[1], "07421", findings)  # a recheck rewrites the unit's findings
    with session(engine) as s:
        assert len(s.exec(select(UrlList)).all()) == 2
        columns = {row.check_id: row.looked_at_json for row in s.exec(select(FindingRow))}
        assert columns["tech.https"].startswith("[")  # a short list stays inline
        for run_id in runs:
            loaded = findings_repo.load_run_findings(s, run_id)
            for code in ("07420", "07421"):
                assert [f["looked_at"] for f in loaded[code]] == [list(f.looked_at) for f in findings]


def test_long_evidence_and_probe_results_are_stored_once_across_nights(engine: sa.Engine) -> None:
    from egov_audit.storage.models import FindingRow, UnitCrawl, UrlList

    evidence = [Evidence(url=f"https://kinhbac.bacninh.gov.vn/tin-tuc/bai-{n}", excerpt="Tin tức - Sự kiện " * 4)
                for n in range(3)]
    findings = [Finding("info.news", Status.PASS, evidence=evidence), Finding("tech.https", Status.FAIL)]
    site = CapturedSite(unit_code="07420", unit_level="commune", portal_url="https://kinhbac.bacninh.gov.vn/")
    site.probes = {"link_status": {f"https://kinhbac.bacninh.gov.vn/files/{n}.pdf": 200 for n in range(12)},
                   "dns": {"ok": True}}
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        runs = [runs_repo.create_run(s, {}, {}).id for _ in range(2)]
        for run_id in runs:  # two nights with the same evidence and the same probe results
            findings_repo.save_findings(s, run_id, "07420", findings)
            runs_repo.finish_unit_crawl(s, run_id, site, [])
    with session(engine) as s:
        assert len(s.exec(select(UrlList)).all()) == 2  # one evidence list, one probes object
        # Each long probe result is stored once; a short one (tonight's DNS answer) stays inline.
        assert all(json.loads(c.probes_json)["link_status"]["$stored"].startswith("sha256:")
                   and json.loads(c.probes_json)["dns"] == {"ok": True} for c in s.exec(select(UnitCrawl)))
        short = s.exec(select(FindingRow).where(FindingRow.check_id == "tech.https")).all()
        assert {r.evidence_json for r in short} == {"[]"}  # a short value stays inline
        for run_id in runs:
            loaded = findings_repo.load_findings(s, run_id, "07420")
            assert loaded[0]["evidence"] == [e.to_json() for e in evidence] and loaded[1]["evidence"] == []
            crawl = runs_repo.unit_crawl(s, run_id, "07420")
            assert crawl is not None and runs_repo.probes_of(s, crawl) == site.probes


def test_a_probe_result_that_changes_tonight_is_the_only_one_stored_again(engine: sa.Engine) -> None:
    from egov_audit.storage.models import UrlList

    links = [f"https://kinhbac.bacninh.gov.vn/files/{n}.pdf" for n in range(12)]
    site = CapturedSite(unit_code="07420", unit_level="commune", portal_url="https://kinhbac.bacninh.gov.vn/")
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        runs = [runs_repo.create_run(s, {}, {}).id for _ in range(2)]
        for night, run_id in enumerate(runs):
            site.probes = {"link_status": {url: 200 for url in links},
                           "link_status_checked": {url: f"2026-12-0{night + 1}T01:00:00+00:00" for url in links}}
            runs_repo.finish_unit_crawl(s, run_id, site, [])
            s.flush()
            assert len(s.exec(select(UrlList)).all()) == 2 + night  # night 2: the checked times only
        crawl = runs_repo.unit_crawl(s, runs[0], "07420")
        assert crawl is not None
        assert runs_repo.probes_of(s, crawl)["link_status_checked"][links[0]] == "2026-12-01T01:00:00+00:00"



def test_link_check_times_grouped_by_night_store_only_tonights_group_again(engine: sa.Engine) -> None:
    from egov_audit.storage.models import UrlList

    links = [f"https://kinhbac.bacninh.gov.vn/files/{n}.pdf" for n in range(40)]
    site = CapturedSite(unit_code="07420", unit_level="commune", portal_url="https://kinhbac.bacninh.gov.vn/")

    def checked(tonight: int) -> dict[str, dict[str, str]]:
        # Links of groups 0-6; tonight's group was asked tonight, the others on earlier nights.
        return {str(g): {u: f"2026-12-0{tonight + 1 if g == tonight else 1}T01:00:00+00:00"
                         for n, u in enumerate(links) if n % 7 == g} for g in range(7)}

    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        runs = [runs_repo.create_run(s, {}, {}).id for _ in range(2)]
        counts = []
        for night, run_id in enumerate(runs, start=1):
            site.probes = {"link_status": {url: 200 for url in links}, "link_status_checked": checked(night)}
            runs_repo.finish_unit_crawl(s, run_id, site, [])
            s.flush()
            counts.append(len(s.exec(select(UrlList)).all()))
        # Night 1: the statuses and seven groups; night 2 changes group 2 only (group 1 is back to earlier).
        assert counts == [8, 10]
        for night, run_id in enumerate(runs, start=1):
            crawl = runs_repo.unit_crawl(s, run_id, "07420")
            assert crawl is not None and runs_repo.probes_of(s, crawl)["link_status_checked"] == checked(night)

def test_pages_carried_over_refer_to_the_row_holding_their_content(engine: sa.Engine, blobs: BlobStore) -> None:
    from egov_audit.storage import metrics_repo

    home, gone = "https://kinhbac.bacninh.gov.vn/", "https://kinhbac.bacninh.gov.vn/cu"
    with session(engine) as s:
        units_repo.upsert_units(s, _units())
        runs = [runs_repo.create_run(s, {}, {}).id for _ in range(3)]
        pages_repo.record_page(s, runs[0], "07420", _page(home, depth=0, referrer=None), {"ETag": '"v1"'}, blobs,
                               b"<html><h1>UBND</h1></html>")
        pages_repo.record_page(s, runs[0], "07420", _page(gone, status=404), None, blobs, b"not found")
        # Night 2 answers 304 for the home page and carries the other; night 3 copies night 2's copies.
        for night in (1, 2):
            tonight = [_page(home, depth=0, referrer=None, revisit="not_modified", ttfb_seconds=0.05 * night),
                       _page(gone, status=404, revisit="carried", depth=2, link_text="Trang cũ")]
            pages_repo.copy_pages(s, runs[night - 1], runs[night], "07420", tonight)
    with session(engine) as s:
        source = {r.url: r for r in pages_repo.unit_pages(s, runs[0], "07420")}
        raw = s.exec(select(Page).where(Page.run_id == runs[2])).all()
        # What a copy stores: a reference to the fetched row (never to a copy), not the content again.
        assert {r.copy_of for r in raw} == {source[home].id, source[gone].id}
        assert all(r.body_digest is None and r.etag is None and r.final_url == "" for r in raw)
        for run_id in runs[1:]:
            rows = {r.url: r for r in pages_repo.unit_pages(s, run_id, "07420")}
            for url in (home, gone):
                for name in pages_repo.CONTENT_COLUMNS:
                    assert getattr(rows[url], name) == getattr(source[url], name), (run_id, url, name)
                assert rows[url].carried_from == runs[0]
            assert rows[gone].depth == 2 and rows[gone].link_text == "Trang cũ"  # tonight's place in the crawl
            assert rows[home].etag == '"v1"' and rows[home].revisit == "not_modified"
            assert pages_repo.get_page(s, rows[home].id).body_digest == source[home].body_digest
            site = pages_repo.load_site(s, run_id, "07420", blobs)
            assert site.pages[home].html == "<html><h1>UBND</h1></html>" and site.pages[gone].status == 404
            # Column queries read a copy's content too: its failures and figures count for tonight.
            assert pages_repo.page_failures(s, run_id) == {"07420": {"http_status": 1}}
            assert sorted(metrics_repo.page_figures(s, run_id), key=str) == sorted(
                metrics_repo.page_figures(s, runs[0]), key=str)
        assert pages_repo.unit_pages(s, runs[2], "07420")[0].ttfb_seconds == 0.1  # its own
        # Reading a copy never writes the content into it.
        s.flush()
        assert all(r.body_digest is None for r in s.exec(select(Page).where(Page.run_id == runs[2])))
    with session(engine) as s:
        # The fetched row deleted (a resumed crawl fetching it again): its copies keep their content.
        assert pages_repo.forget_pages(s, runs[0], "07420", [home]) == 1
    with session(engine) as s:
        for run_id in runs[1:]:
            row = next(r for r in pages_repo.unit_pages(s, run_id, "07420") if r.url == home)
            assert row.body_digest == source[home].body_digest and row.carried_from == runs[0]
        # A copy recorded again (its DOM after scripts) becomes a row of its own.
        copy = next(r for r in pages_repo.unit_pages(s, runs[2], "07420") if r.url == gone)
        page = pages_repo.load_site(s, runs[2], "07420", blobs).pages[gone]
        page.rendered_html = "<html>rendered</html>"
        pages_repo.record_page(s, runs[2], "07420", page, None, blobs, None)
        row = s.get(Page, copy.id)
        assert row.copy_of is None and row.status == 404 and row.body_digest == source[gone].body_digest
        assert row.carried_from == runs[0] and row.rendered_digest is not None
