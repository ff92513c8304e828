"""The nightly job: its trigger, its persistent job store, one night end to end, and what never blocks it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from egov_audit.cli import main
from egov_audit.core.errors import InputError
from egov_audit.services import schedule
from egov_audit.services.run_lock import AUDIT_LOCK, NIGHT_LOCK, DatabaseLock
from egov_audit.services.schedule import JOB_ID, build_scheduler, nightly_job
from egov_audit.services.settings import Settings, load_settings
from egov_audit.storage import nights_repo, runs_repo
from egov_audit.storage.db import open_database, session
from tests.nightly_portals import COMMUNES, PROVINCE, province, write_config

# A step of a test (not an assertion about speed): how long to wait for the scheduler's thread.
PATIENCE = 120.0


def _settings(tmp_path: Path) -> Settings:
    settings = Settings()
    settings.data_dir = tmp_path / "data"
    return settings


def test_nightly_job_fires_at_configured_local_time(tmp_path):
    settings = _settings(tmp_path)
    settings.schedule.audit_at = "02:15"
    scheduler = build_scheduler(settings, blocking=False)
    (job,) = scheduler.get_jobs()
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    now = dt.datetime(2026, 11, 28, 23, 0, tzinfo=zone)
    fire = job.trigger.get_next_fire_time(None, now)
    assert fire == dt.datetime(2026, 11, 29, 2, 15, tzinfo=zone)
    assert job.max_instances == 1 and job.coalesce


@pytest.mark.parametrize("text", ["25:00", "2h", "02:61"])
def test_bad_schedule_time_is_bad_input(tmp_path, text):
    settings = _settings(tmp_path)
    settings.schedule.audit_at = text
    with pytest.raises(InputError, match="audit_at"):
        build_scheduler(settings, blocking=False)


def test_unknown_time_zone_is_bad_input(tmp_path):
    settings = _settings(tmp_path)
    settings.schedule.timezone = "Bad/Zone"
    with pytest.raises(InputError, match="time zone"):
        build_scheduler(settings, blocking=False)


def _night_settings(tmp_path: Path, extra: str = "") -> Settings:
    settings = load_settings(write_config(tmp_path / "settings.toml", extra), env={})
    settings.data_dir = tmp_path / "data"
    return settings


def _import_units(tmp_path: Path, demo, settings_file: Path | None = None) -> None:
    units = demo.units_csv(tmp_path / "units.csv")
    assert main(["--data-dir", str(tmp_path / "data"), "units", "import", str(units)]) == 0


def test_schedule_once_on_a_fresh_2026_database_audits_scores_and_writes_the_reports(tmp_path, capsys):
    # No [schedule] frameworks and no year: the current rules are chosen from the units' tiers and 2026.
    config = write_config(tmp_path / "settings.toml", "[schedule]\nyear = 2026\n")
    data = tmp_path / "data"
    with province() as demo:
        _import_units(tmp_path, demo)
        code = main(["--data-dir", str(data), "--config", str(config), "schedule", "--once"])
    out = capsys.readouterr().out
    assert code == 0, out
    night_dir = data / "reports" / dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    scores = json.loads((night_dir / "scores.json").read_text(encoding="utf-8"))
    assert scores["framework"]["id"] == "nd224-commune" and scores["year"] == 2026
    assert sorted(u["unit_code"] for u in scores["units"]) == [c for c, *_ in COMMUNES]
    # The province row is audited (it has no portal) and said to be unscored, not an error.
    assert "province: no framework scores province units in 2026" in out
    html = (night_dir / "report.html").read_text(encoding="utf-8")
    assert "Số liệu lần kiểm tra" in html and "Thay đổi so với lần kiểm tra trước" in html
    metrics = json.loads((night_dir / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["units"]["total"] == 3 and metrics["pages"]["total"] > 10
    assert metrics["requests"]["by_ip"]["127.0.0.1"] == metrics["requests"]["total"] >= metrics["pages"]["total"]
    assert json.loads((night_dir / "changes.json").read_text(encoding="utf-8"))["summary"]["compared"] == 0
    engine = open_database(f"sqlite:///{data / 'egov-audit.sqlite3'}")
    with session(engine) as s:
        night = nights_repo.latest_night(s)
        assert night.status == "finished" and night.exit_code == 0 and night.run_id == scores_run(s)
        assert runs_repo.get_run(s, night.run_id).status == "finished"
    engine.dispose()


def scores_run(s) -> str:
    return runs_repo.latest_run_id(s)


def test_a_scheduled_job_fires_from_the_persistent_store_after_the_scheduler_restarts(tmp_path):
    settings = _night_settings(tmp_path)
    with province() as demo:
        _import_units(tmp_path, demo)
        first = build_scheduler(settings, blocking=False)
        first.start(paused=True)
        assert first.get_job(JOB_ID).next_run_time > dt.datetime.now(dt.UTC)
        first.shutdown(wait=True)
        # The scheduler is down when the night comes: the stored next run time passes unanswered.
        missed = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        engine = open_database(settings.database_url)
        _set_stored_next_run(engine, missed)
        engine.dispose()

        fired = threading.Event()
        errors: list[BaseException] = []
        second = build_scheduler(settings, blocking=False)  # a new process would build it the same way
        assert second.get_jobs()[0].next_run_time == missed  # kept from the store, not recomputed

        def listener(event) -> None:  # noqa: ANN001 - APScheduler event
            if event.exception is not None:
                errors.append(event.exception)
            fired.set()

        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

        second.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        second.start()
        try:
            assert fired.wait(PATIENCE), "the missed night never ran"
        finally:
            second.shutdown(wait=True)
    assert not errors, errors
    engine = open_database(settings.database_url)
    with session(engine) as s:
        night = nights_repo.latest_night(s)
        assert night.status == "finished" and night.run_id is not None
    assert schedule.next_scheduled_run(engine) > dt.datetime.now(dt.UTC)  # the schedule goes on
    engine.dispose()


def test_a_killed_manual_audit_of_another_selection_never_blocks_the_night(tmp_path):
    settings = _night_settings(tmp_path)
    with province() as demo:
        _import_units(tmp_path, demo)
        engine = open_database(settings.database_url)
        with session(engine) as s:  # `audit --province 27` killed mid-run
            killed = runs_repo.create_run(s, options={"province": PROVINCE, "unit_codes": [], "all_units": False},
                                          settings={})
            runs_repo.start_unit_crawl(s, killed.id, COMMUNES[0][0])
        # ... and its process is gone, but its audit lock is still in the database.
        dead = DatabaseLock(engine, AUDIT_LOCK, 600)
        dead.pid = _dead_pid()
        dead.holder = f"{dead.host}:{dead.pid}:dead"
        assert dead.try_acquire()
        result = nightly_job(settings)
        with session(engine) as s:
            assert runs_repo.get_run(s, killed.id).status == "abandoned"
            assert runs_repo.get_run(s, result.run_id).status == "finished"
        engine.dispose()
    assert result.status == "finished" and result.run_id != killed.id and result.exit_code == 0


def test_a_night_killed_tonight_is_resumed_and_an_old_one_is_abandoned(tmp_path):
    settings = _night_settings(tmp_path)
    with province() as demo:
        _import_units(tmp_path, demo)
        engine = open_database(settings.database_url)
        all_units = {"province": None, "unit_codes": [], "all_units": True}
        with session(engine) as s:
            old = runs_repo.create_run(s, options=all_units, settings={})
            old.started_at = old.started_at - dt.timedelta(days=3)
            s.add(old)
            tonight = runs_repo.create_run(s, options=all_units, settings={})
        result = nightly_job(settings)
        with session(engine) as s:
            assert runs_repo.get_run(s, old.id).status == "abandoned"
        engine.dispose()
    assert result.run_id == tonight.id


def test_a_second_scheduler_never_runs_the_same_night(tmp_path):
    settings = _night_settings(tmp_path)
    engine = open_database(settings.database_url)
    other = DatabaseLock(engine, NIGHT_LOCK, 600, purpose="night")
    other.holder, other.host = "elsewhere:1:x", "elsewhere"  # a live scheduler on another machine
    assert other.try_acquire()
    assert nightly_job(settings, scheduled=True).status == "skipped"
    other.release()
    today = dt.datetime.now(ZoneInfo(settings.schedule.timezone)).date().isoformat()
    with session(engine) as s:
        assert nights_repo.latest_night(s) is None
        night = nights_repo.start_night(s, today)
        nights_repo.finish_night(s, night.id, "finished")
    # The night is already done (by the other scheduler): the scheduled job does not run it again.
    assert nightly_job(settings, scheduled=True).status == "skipped"
    with session(engine) as s:
        assert runs_repo.latest_run_id(s) is None
    engine.dispose()


def test_a_configured_framework_that_does_not_cover_the_year_is_bad_input_before_any_audit(tmp_path, capsys):
    config = write_config(tmp_path / "settings.toml", "[schedule]\nyear = 2026\nframeworks = \"qd2392-district\"\n")
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "--config", str(config), "schedule", "--once"]) == 2
    assert "qd2392-district covers years …–2024, not 2026" in capsys.readouterr().err
    engine = open_database(f"sqlite:///{data / 'egov-audit.sqlite3'}")
    with session(engine) as s:
        assert runs_repo.latest_run_id(s) is None
    engine.dispose()


def _set_stored_next_run(engine: sa.Engine, when: dt.datetime) -> None:
    """Move the stored job's next run time, as the passing of time would (the row APScheduler wrote)."""
    import pickle

    with engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT id, job_state FROM apscheduler_jobs")).all()
        assert [r.id for r in rows] == [JOB_ID]
        state = pickle.loads(rows[0].job_state)
        state["next_run_time"] = when
        conn.execute(sa.text("UPDATE apscheduler_jobs SET job_state = :s, next_run_time = :t WHERE id = :i"),
                     {"s": pickle.dumps(state), "t": when.timestamp(), "i": JOB_ID})


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_manual_audit_still_running_after_the_wait_makes_the_night_give_way_and_say_so(tmp_path):
    settings = _night_settings(tmp_path, "[schedule]\nlock_wait_seconds = 0\n")
    engine = open_database(settings.database_url)
    manual = DatabaseLock(engine, AUDIT_LOCK, 600, purpose="audit --province 27")
    assert manual.try_acquire()  # this very process: alive
    result = nightly_job(settings)
    with session(engine) as s:
        night = nights_repo.latest_night(s)
        assert (night.status, night.run_id) == ("skipped", None) and "audit --province 27" in night.error
        assert runs_repo.latest_run_id(s) is None
    manual.release()
    engine.dispose()
    assert result.status == "skipped" and result.exit_code == 0
