"""Score sets are immutable publications (issue 10.2): bumping a framework version and re-scoring adds a set,
the published one stays until `--publish` / `scores publish`, and `report` names the version, digest, runs
and survey versions it used; `--run` and `--as-of` score a year from that year's evidence."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest

from config import CONFIG_DIR
from egov_audit.cli import main


def _cli(data: Path, *args: str) -> int:
    return main(["--data-dir", str(data), *map(str, args)])


@pytest.fixture
def province(tmp_path: Path) -> tuple[Path, Path]:
    """Three communes without a portal (an audit needs no network for them) and a returned survey."""
    data = tmp_path / "data"
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,province_code,parent_code,portal_url,scope\n"
                     "256,Thành phố Bắc Ninh,district,27,27,,\n"
                     "09169,Phường Thị Cầu,commune,,256,,\n09172,Phường Đáp Cầu,commune,,256,,\n"
                     "09175,Phường Vệ An,commune,,256,,\n", encoding="utf-8")
    assert _cli(data, "units", "import", units) == 0
    survey = tmp_path / "survey.csv"
    survey.write_text("unit_code,year,staff_total,staff_with_computer,has_english\n"
                      "09169,2024,10,10,có\n09172,2024,10,5,không\n", encoding="utf-8")
    assert _cli(data, "selfreport", "import", survey) == 0
    assert _cli(data, "audit", "--all", "--no-browser") == 0
    framework = tmp_path / "frameworks" / "qd2392-commune.yaml"
    framework.parent.mkdir()
    framework.write_text((CONFIG_DIR / "frameworks" / "qd2392-commune.yaml").read_text(encoding="utf-8"),
                         encoding="utf-8")
    return data, framework


def _report(data: Path, out: Path) -> dict:
    assert _cli(data, "report", "--format", "json", "--out", out) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _score_rows(data: Path) -> list[tuple]:
    con = sqlite3.connect(data / "egov-audit.sqlite3")
    try:
        return sorted(con.execute("select score_set_id, unit_code, details_json from score"))
    finally:
        con.close()


def test_a_framework_bump_adds_a_set_and_the_published_one_stays_until_published(
    province: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, framework = province
    assert _cli(data, "score", "--framework", framework, "--year", 2024, "--publish") == 0
    first = _report(data, tmp_path / "r1.json")
    assert first["framework"]["version"] == "2024.1" and first["score_set"]["published"]
    assert first["framework"]["digest"].startswith("sha256:") and first["score_set"]["runs"]
    assert first["score_set"]["survey_versions"] == [1]
    rows_before = _score_rows(data)

    bumped = framework.read_text(encoding="utf-8").replace('version: "2024.1"', 'version: "2024.2"')
    framework.write_text(bumped.replace("crosscheck_tolerance: 0.2", "crosscheck_tolerance: 0.25"), encoding="utf-8")
    capsys.readouterr()
    assert _cli(data, "score", "--framework", framework, "--year", 2024) == 0
    second_id = re.search(r"score set ([0-9a-f]{32})", capsys.readouterr().out).group(1)
    assert _cli(data, "scores", "list") == 0
    listing = [line for line in capsys.readouterr().out.splitlines() if "qd2392-commune@" in line]
    assert len(listing) == 2
    assert listing[0].startswith("* ") and "qd2392-commune@2024.1" in listing[0]
    assert listing[1].startswith("  ") and "qd2392-commune@2024.2" in listing[1]
    assert set(rows_before) <= set(_score_rows(data))  # the first set's rows are untouched

    still = _report(data, tmp_path / "r2.json")
    assert still["framework"]["version"] == "2024.1" and still["score_set"]["id"] == first["score_set"]["id"]
    assert still["units"] == first["units"]
    html = tmp_path / "r.html"
    assert _cli(data, "report", "--format", "html", "--out", html) == 0
    text = html.read_text(encoding="utf-8")
    assert "2024.1" in text and first["framework"]["digest"] in text and first["score_set"]["runs"][0] in text

    assert _cli(data, "scores", "publish", second_id[:10]) == 0
    now = _report(data, tmp_path / "r3.json")
    assert now["framework"]["version"] == "2024.2" and now["score_set"]["id"] == second_id
    assert now["framework"]["digest"] != first["framework"]["digest"]
    # The earlier publication is still there to report.
    assert _cli(data, "report", "--format", "json", "--out", tmp_path / "r4.json", "--score-set",
                first["score_set"]["id"]) == 0
    assert json.loads((tmp_path / "r4.json").read_text(encoding="utf-8"))["framework"]["version"] == "2024.1"


def test_changing_a_framework_without_bumping_its_version_is_refused(
    province: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data, framework = province
    assert _cli(data, "score", "--framework", framework, "--year", 2024) == 0
    framework.write_text(framework.read_text(encoding="utf-8").replace("crosscheck_tolerance: 0.2",
                                                                       "crosscheck_tolerance: 0.3"), encoding="utf-8")
    assert _cli(data, "score", "--framework", framework, "--year", 2024) == 2
    assert "raise its `version`" in capsys.readouterr().err


def test_run_and_as_of_score_a_past_year_from_its_own_evidence(
    province: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, framework = province
    assert _cli(data, "score", "--framework", framework, "--year", 2024, "--publish") == 0
    first_run = _report(data, tmp_path / "a.json")["score_set"]["runs"]
    assert _cli(data, "audit", "--all", "--no-browser", "--fresh") == 0  # a later night
    capsys.readouterr()
    assert _cli(data, "score", "--framework", framework, "--year", 2024) == 0
    assert "use --run or --as-of" in capsys.readouterr().err  # newer evidence than the published set's
    assert _cli(data, "score", "--framework", framework, "--year", 2024, "--run", first_run[0]) == 0
    assert re.search(r"runs: " + first_run[0], capsys.readouterr().out)
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    assert _cli(data, "score", "--framework", framework, "--year", 2024, "--as-of", yesterday) == 0
    assert "runs: -" in capsys.readouterr().out  # nothing had been audited by then
    assert _cli(data, "score", "--framework", framework, "--year", 2024, "--run", "nope") == 2
