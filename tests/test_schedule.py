"""The nightly job's trigger: the configured local time, one instance at a time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from egov_audit.core.errors import InputError
from egov_audit.services.schedule import build_scheduler
from egov_audit.services.settings import Settings


def test_nightly_job_fires_at_configured_local_time():
    settings = Settings()
    settings.schedule.audit_at = "02:15"
    scheduler = build_scheduler(settings, blocking=False)
    (job,) = scheduler.get_jobs()
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    now = dt.datetime(2026, 11, 28, 23, 0, tzinfo=zone)
    fire = job.trigger.get_next_fire_time(None, now)
    assert fire == dt.datetime(2026, 11, 29, 2, 15, tzinfo=zone)
    assert job.max_instances == 1 and job.coalesce


@pytest.mark.parametrize("text", ["25:00", "2h", "02:61"])
def test_bad_schedule_time_is_bad_input(text):
    settings = Settings()
    settings.schedule.audit_at = text
    with pytest.raises(InputError, match="audit_at"):
        build_scheduler(settings, blocking=False)


def test_unknown_time_zone_is_bad_input():
    settings = Settings()
    settings.schedule.timezone = "Bad/Zone"
    with pytest.raises(InputError, match="time zone"):
        build_scheduler(settings, blocking=False)
