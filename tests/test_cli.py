"""The command line end to end: the demo job, exports, and bad input giving exit code 2 with nothing changed."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.cli import main


def _table_counts(db_file: Path) -> dict[str, int]:
    con = sqlite3.connect(db_file)
    try:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One full demo (with Chromium screenshots) shared by the tests of this module."""
    data = tmp_path_factory.mktemp("demo-data")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--data-dir", str(data), "demo"])
    return code, out.getvalue(), data / "demo"


def test_demo_prints_ranking_and_report_paths(demo_run):
    code, output, demo_dir = demo_run
    assert code == 0, output
    assert "HTML report:" in output and "JSON findings:" in output
    html = (demo_dir / "reports" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html  # crawled content is escaped
    scores = json.loads((demo_dir / "reports" / "scores.json").read_text(encoding="utf-8"))
    assert scores


def test_demo_findings_list_every_check_for_every_audited_unit(demo_run):
    _, _, demo_dir = demo_run
    export = json.loads((demo_dir / "reports" / "findings.json").read_text(encoding="utf-8"))
    assert set(export["run"]) >= {"id", "started_at", "finished_at"}
    assert len(export["units"]) >= 7
    statuses = {u["crawl"]["status"] for u in export["units"]}
    assert "unreachable" in statuses and "ok" in statuses
    for unit in export["units"]:
        ids = [f["check"] for f in unit["findings"]]
        assert sorted(ids) == sorted(CHECK_IDS), unit["code"]
        for finding in unit["findings"]:
            if finding["status"] == "pass":
                assert finding["evidence"] and all(e["url"] for e in finding["evidence"]), (unit["code"], finding)
    screenshots = [e["screenshot"] for u in export["units"] for f in u["findings"] for e in f["evidence"]
                   if e.get("screenshot")]
    assert screenshots, "the demo takes screenshots of evidence pages"
    blob = demo_dir / "evidence" / "blobs"
    assert any(blob.rglob(screenshots[0].split(":", 1)[1]))


def test_findings_command_exports_latest_run(demo_run, tmp_path):
    _, _, demo_dir = demo_run
    out = tmp_path / "f.json"
    assert main(["--data-dir", str(demo_dir), "findings", "--format", "json", "--out", str(out)]) == 0
    export = json.loads(out.read_text(encoding="utf-8"))
    assert all(len(u["findings"]) == len(CHECK_IDS) for u in export["units"])


def test_demo_reuses_its_data_directory(demo_run):
    _, _, demo_dir = demo_run
    code = main(["--data-dir", str(demo_dir.parent), "demo", "--no-browser"])
    assert code == 0
    assert not list(demo_dir.rglob("*.open")) and not list(demo_dir.rglob("*.tmp"))


def _units_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("code,name,level,province_code,parent_code,portal_url,scope\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


def test_bad_units_file_exits_2_names_row_and_changes_nothing(tmp_path, capsys):
    data = tmp_path / "d"
    good = _units_csv(tmp_path / "good.csv", ["27,Bắc Ninh,province,27,,,",
                                              "258,Huyện Yên Phong,district,27,27,https://yenphong.bacninh.gov.vn/,"])
    assert main(["--data-dir", str(data), "units", "import", str(good)]) == 0
    before = _table_counts(data / "egov-audit.sqlite3")
    bad = _units_csv(tmp_path / "bad.csv", ["27,Bắc Ninh,province,27,,,",
                                            "259,Huyện Việt Yên,district,27,27,not a url,",
                                            "258,Huyện Yên Phong,district,27,27,https://yenphong.bacninh.gov.vn/,"])
    assert main(["--data-dir", str(data), "units", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "row 3" in err and "portal_url" in err
    assert _table_counts(data / "egov-audit.sqlite3") == before


def test_bad_survey_file_exits_2_names_cell_and_changes_nothing(tmp_path, capsys):
    data = tmp_path / "d"
    units = _units_csv(tmp_path / "u.csv", ["27,Bắc Ninh,province,27,,,",
                                            "258,Huyện Yên Phong,district,27,27,https://yenphong.bacninh.gov.vn/,"])
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    survey = tmp_path / "survey.csv"
    survey.write_text("unit_code,year,staff_total,staff_with_computer,broadband_internet\n"
                      "258,2024,20,25,có\n", encoding="utf-8")
    before = _table_counts(data / "egov-audit.sqlite3")
    assert main(["--data-dir", str(data), "selfreport", "import", str(survey)]) == 2
    err = capsys.readouterr().err
    assert "survey.csv" in err and "row 2" in err and "staff_with_computer" in err
    assert _table_counts(data / "egov-audit.sqlite3") == before


def test_broken_framework_file_exits_2_names_key_and_changes_nothing(tmp_path, capsys):
    data = tmp_path / "d"
    units = _units_csv(tmp_path / "u.csv", ["27,Bắc Ninh,province,27,,,"])
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    from config import CONFIG_DIR

    text = (CONFIG_DIR / "frameworks" / "qd2392-district.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("info.news", "info.newz", 1), encoding="utf-8")
    before = _table_counts(data / "egov-audit.sqlite3")
    assert main(["--data-dir", str(data), "score", "--framework", str(broken), "--year", "2024"]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "info.newz" in err
    assert _table_counts(data / "egov-audit.sqlite3") == before


def test_audit_without_selection_is_bad_input(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "d"), "audit"]) == 2
    assert "--unit" in capsys.readouterr().err


def test_bad_config_file_is_bad_input(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[crawler]\nmax_pages = 'many'\n", encoding="utf-8")
    assert main(["--config", str(cfg), "--data-dir", str(tmp_path / "d"), "units", "list"]) == 2
    assert "max_pages" in capsys.readouterr().err


def _statuses(export: dict) -> dict[tuple[str, str], tuple[str, object]]:
    return {(u["code"], f["check"]): (f["status"], f["value"]) for u in export["units"] for f in u["findings"]}


def test_recheck_on_stored_evidence_reproduces_the_findings_without_network(demo_run, tmp_path):
    """The demo's portals are gone once it returns: recheck works from the database and blob store only."""
    _, _, demo_dir = demo_run
    before = json.loads((demo_dir / "reports" / "findings.json").read_text(encoding="utf-8"))
    assert main(["--data-dir", str(demo_dir), "recheck", "--run", before["run"]["id"]]) == 0
    out = tmp_path / "after.json"
    assert main(["--data-dir", str(demo_dir), "findings", "--run", before["run"]["id"], "--out", str(out)]) == 0
    after = json.loads(out.read_text(encoding="utf-8"))
    assert _statuses(after) == _statuses(before)
    shots_before = {(u["code"], f["check"]): [e["screenshot"] for e in f["evidence"]]
                    for u in before["units"] for f in u["findings"]}
    shots_after = {(u["code"], f["check"]): [e["screenshot"] for e in f["evidence"]]
                   for u in after["units"] for f in u["findings"]}
    assert shots_after == shots_before


def test_recheck_of_unknown_run_is_bad_input(demo_run, capsys):
    _, _, demo_dir = demo_run
    assert main(["--data-dir", str(demo_dir), "recheck", "--run", "no-such-run"]) == 2
    assert "no-such-run" in capsys.readouterr().err


def test_evidence_export_packages_one_unit_as_wacz_and_its_warc_verifies(demo_run, tmp_path, capsys):
    import zipfile

    _, _, demo_dir = demo_run
    out = tmp_path / "258.wacz"
    assert main(["--data-dir", str(demo_dir), "evidence", "export", "--unit", "258", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as wacz:
        names = wacz.namelist()
    assert "datapackage.json" in names and "indexes/index.cdxj" in names
    assert any(n.startswith("archive/258-") for n in names)
    # The reference WACZ validator (py-wacz, as used by Webrecorder's tools) accepts the package.
    validator = Path(sys.executable).parent / "wacz"
    checked = subprocess.run([str(validator), "validate", "-f", str(out)], capture_output=True, text=True,
                             timeout=120)
    assert "Validation succeeded" in checked.stdout, checked.stdout + checked.stderr
    warcs = sorted((demo_dir / "evidence" / "warc").rglob("258-*.warc.gz"))
    capsys.readouterr()
    assert main(["evidence", "verify", *map(str, warcs)]) == 0
    assert "DAMAGED" not in capsys.readouterr().out


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 that refuses connections (bound, never listening, so nobody else takes it)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def _export(data: Path, tmp_path: Path) -> dict:
    out = tmp_path / "export.json"
    assert main(["--data-dir", str(data), "findings", "--out", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_audit_exits_1_and_reports_an_unreachable_portal(tmp_path, closed_port):
    data = tmp_path / "d"
    units = _units_csv(tmp_path / "u.csv", ["27,Bắc Ninh,province,27,,,",
                                            f"258,Huyện Yên Phong,district,27,27,http://127.0.0.1:{closed_port}/,"])
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    code = main(["--data-dir", str(data), "audit", "--all", "--no-browser", "--allow-private-networks"])
    assert code == 1
    unit = next(u for u in _export(data, tmp_path)["units"] if u["code"] == "258")
    assert unit["crawl"]["status"] == "unreachable" and unit["crawl"]["error"].startswith("connect_refused")
    statuses = {f["check"]: f["status"] for f in unit["findings"]}
    assert statuses.pop("tech.reachable") == "fail"
    assert set(statuses.values()) == {"unknown"}, "an unaudited site is unknown, never fail"


def test_audit_refuses_loopback_portals_unless_allowed(tmp_path, closed_port):
    data = tmp_path / "d"
    units = _units_csv(tmp_path / "u.csv", ["27,Bắc Ninh,province,27,,,",
                                            f"258,Huyện Yên Phong,district,27,27,http://127.0.0.1:{closed_port}/,"])
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    assert main(["--data-dir", str(data), "audit", "--unit", "258", "--no-browser"]) == 1
    unit = _export(data, tmp_path)["units"][0]
    assert unit["crawl"]["status"] == "unreachable"
    assert unit["crawl"]["error"].startswith("private_address")


def test_a_unit_without_portal_fails_web_checks_but_does_not_fail_the_audit(tmp_path):
    data = tmp_path / "d"
    units = _units_csv(tmp_path / "u.csv", ["27,Bắc Ninh,province,27,,,",
                                            "258,Huyện Yên Phong,district,27,27,,"])
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    assert main(["--data-dir", str(data), "audit", "--unit", "258", "--no-browser"]) == 0
    unit = _export(data, tmp_path)["units"][0]
    assert unit["crawl"]["status"] == "no_portal"
    assert {f["status"] for f in unit["findings"]} == {"fail"}
    assert all(f["reason"] == "no portal" for f in unit["findings"])


def test_demo_refuses_a_database_that_holds_a_real_province(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'province.sqlite3'}"
    real = _units_csv(tmp_path / "u.csv", ["24,Bắc Giang,province,24,,,",
                                           "07420,Xã Tam Tiến,commune,24,24,https://tamtien.bacgiang.gov.vn/,"])
    assert main(["--db", db, "--data-dir", str(tmp_path / "d"), "units", "import", str(real)]) == 0
    assert main(["--db", db, "--data-dir", str(tmp_path / "d"), "demo", "--no-browser"]) == 2
    assert "07420" in capsys.readouterr().err


def test_bad_framework_option_changes_nothing(tmp_path, capsys):
    data = tmp_path / "d"
    units = _units_csv(tmp_path / "u.csv", ["27,Bắc Ninh,province,27,,,",
                                            "258,Huyện Yên Phong,district,27,27,,"])
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    before = _table_counts(data / "egov-audit.sqlite3")
    assert main(["--data-dir", str(data), "audit", "--all", "--framework", "nope", "--no-browser"]) == 2
    assert "nope" in capsys.readouterr().err
    assert _table_counts(data / "egov-audit.sqlite3") == before


def test_findings_of_an_unknown_run_and_a_bad_database_url_are_bad_input(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "d"), "findings", "--run", "nope"]) == 2
    assert main(["--db", "bogus://x", "--data-dir", str(tmp_path / "d"), "units", "list"]) == 2
    err = capsys.readouterr().err
    assert "--run" in err and "--db" in err


def test_an_unfinished_run_of_another_selection_is_not_resumed_silently(tmp_path, capsys):
    from egov_audit.storage import runs_repo
    from egov_audit.storage.db import open_database, session

    data = tmp_path / "d"
    units = _units_csv(tmp_path / "u.csv", ["27,Bắc Ninh,province,27,,,",
                                            "258,Huyện Yên Phong,district,27,27,,"])
    assert main(["--data-dir", str(data), "units", "import", str(units)]) == 0
    engine = open_database(f"sqlite:///{data / 'egov-audit.sqlite3'}")
    with session(engine) as s:  # a killed `audit --all`
        killed = runs_repo.create_run(s, options={"all_units": True, "unit_codes": [], "province": None}, settings={})
    engine.dispose()
    assert main(["--data-dir", str(data), "audit", "--unit", "258", "--no-browser"]) == 2
    assert killed.id in capsys.readouterr().err
    assert main(["--data-dir", str(data), "audit", "--all", "--no-browser"]) == 0  # the same command resumes it
    assert _export(data, tmp_path)["run"]["id"] == killed.id
