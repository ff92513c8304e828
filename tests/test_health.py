"""`egov-audit health`: database, last night, scheduler, evidence store and browser; exit 1 when unhealthy."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from egov_audit.cli import main
from egov_audit.services.schedule import build_scheduler, nightly_job
from egov_audit.services.settings import load_settings
from egov_audit.storage import nights_repo
from egov_audit.storage.db import open_database, session
from tests.nightly_portals import province, write_config
from tests.notify_receivers import closed_port


def _health(capsys, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main([*args, "health", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _checks(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


def test_healthy_after_a_night_with_a_browser_that_starts(tmp_path, capsys):
    config = write_config(tmp_path / "settings.toml")
    settings = load_settings(config, env={})
    settings.data_dir = tmp_path / "data"
    with province() as demo:
        units = demo.units_csv(tmp_path / "units.csv")
        assert main(["--data-dir", str(settings.data_dir), "units", "import", str(units)]) == 0
        night = nightly_job(settings)
    scheduler = build_scheduler(settings, blocking=False)
    scheduler.start(paused=True)  # stores the nightly job
    scheduler.shutdown()
    # The nightly settings switch the browser off; health is asked about a browser that is on.
    code, report = _health(capsys, "--data-dir", str(settings.data_dir))
    checks = _checks(report)
    assert code == 0 and report["healthy"], report
    assert checks["database"]["status"] == "ok"
    assert checks["last_run"]["status"] == "ok" and checks["last_run"]["data"]["night"]["run_id"] == night.run_id
    assert checks["schedule"]["status"] == "ok" and checks["schedule"]["data"]["next_run"]
    assert checks["evidence_store"]["status"] == "ok" and checks["evidence_store"]["data"]["free_mb"] > 0
    assert checks["browser"]["status"] == "ok"
    capsys.readouterr()
    assert main(["--data-dir", str(settings.data_dir), "health", "--no-browser"]) == 0
    assert "khỏe / healthy" in capsys.readouterr().out


def test_a_failed_or_old_night_and_a_full_disk_are_unhealthy(tmp_path, capsys):
    data = tmp_path / "data"
    engine = open_database(f"sqlite:///{data / 'egov-audit.sqlite3'}")
    code, report = _health(capsys, "--data-dir", str(data), "--config", str(write_config(tmp_path / "s.toml")))
    assert code == 0 and _checks(report)["last_run"]["status"] == "warn"  # a new installation: no run yet
    with session(engine) as s:
        old = nights_repo.start_night(s, "2026-12-01")
        nights_repo.finish_night(s, old.id, "finished")
        old.finished_at = old.finished_at - dt.timedelta(days=3)
        s.add(old)
    code, report = _health(capsys, "--data-dir", str(data), "--config", str(write_config(tmp_path / "s.toml")))
    assert code == 1 and _checks(report)["last_run"]["status"] == "fail" and "too old" in _checks(report)["last_run"]["detail"]
    with session(engine) as s:
        failed = nights_repo.start_night(s, "2026-12-02")
        nights_repo.finish_night(s, failed.id, "failed", error="OperationalError: disk I/O error")
    code, report = _health(capsys, "--data-dir", str(data), "--config", str(write_config(tmp_path / "s.toml")))
    assert code == 1 and "disk I/O error" in _checks(report)["last_run"]["detail"]
    full = write_config(tmp_path / "full.toml", "[schedule]\nhealth_min_free_mb = 999999999\n")
    code, report = _health(capsys, "--data-dir", str(data), "--config", str(full))
    assert code == 1 and _checks(report)["evidence_store"]["status"] == "fail"
    engine.dispose()


def test_an_unreachable_database_is_unhealthy_not_bad_input(tmp_path, capsys):
    url = f"postgresql+psycopg://egov:secret@127.0.0.1:{closed_port()}/egov"
    code, report = _health(capsys, "--db", url, "--data-dir", str(tmp_path / "d"), "--config",
                           str(write_config(tmp_path / "s.toml")))
    database = _checks(report)["database"]
    assert code == 1 and database["status"] == "fail" and "unreachable" in database["detail"]
    assert "secret" not in json.dumps(report)
    assert set(_checks(report)) == {"database", "evidence_store", "browser"}
    assert _checks(report)["browser"]["status"] == "warn"  # switched off in these settings: said, not launched


def test_health_does_not_create_or_migrate_anything_it_checks(tmp_path, capsys):
    data = tmp_path / "fresh"
    code, report = _health(capsys, "--data-dir", str(data), "--config", str(write_config(tmp_path / "s.toml")))
    assert _checks(report)["database"]["status"] == "warn"
    assert code == 0
    assert not (Path(data) / "evidence").exists()
