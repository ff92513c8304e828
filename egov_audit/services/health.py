"""``egov-audit health``: is this installation able to run tonight, and did last night go well?

Each check says ``ok``, ``warn`` (worth a look, not a failure: no run yet, the browser switched off) or
``fail``; the installation is healthy when no check fails. The database is opened without migrating it,
so a monitoring probe never changes the schema, and an unreachable database is a failed check (exit 1),
not bad input.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from egov_audit.services.settings import Settings
from egov_audit.storage import locks_repo, nights_repo, runs_repo
from egov_audit.storage.db import create_engine, current_revision, session
from egov_audit.storage.models import utcnow

BROWSER_TIMEOUT_SECONDS = 60.0


@dataclass
class Check:
    name: str
    status: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def _database(engine: sa.Engine) -> Check:
    from alembic.script import ScriptDirectory

    from egov_audit.storage.db import alembic_config

    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        revision = current_revision(engine)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return Check("database", "fail", f"không kết nối được / unreachable: {reason}")
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    url = engine.url.render_as_string(hide_password=True)
    if revision is None:
        return Check("database", "warn", f"{url}: chưa khởi tạo / not initialised yet (any command creates it)",
                     {"url": url})
    if revision not in heads:
        return Check("database", "warn", f"{url}: schema {revision}, the next command migrates it",
                     {"url": url, "revision": revision})
    return Check("database", "ok", f"{url} (schema {revision})", {"url": url, "revision": revision})


def _last_run(engine: sa.Engine, settings: Settings) -> Check:
    max_age = timedelta(hours=settings.schedule.health_max_age_hours)
    with session(engine) as s:
        night = nights_repo.latest_night(s)
        last_finished_night = nights_repo.latest_night(s, status="finished")
        run_id = runs_repo.latest_run_id(s)
        run = runs_repo.get_run(s, run_id) if run_id else None
        lock = locks_repo.current(engine, "audit")
    data: dict[str, Any] = {"night": nights_repo.night_json(night) if night else None,
                            "run": {"id": run.id, "status": run.status, "started_at": run.started_at.isoformat(),
                                    "finished_at": run.finished_at.isoformat() if run.finished_at else None}
                            if run else None,
                            "running": {"host": lock.host, "pid": lock.pid, "since": lock.acquired_at.isoformat()}
                            if lock else None}
    if run is None and night is None:
        return Check("last_run", "warn", "chưa có lần kiểm tra nào / no run yet", data)
    if night is not None and night.status == "failed":
        return Check("last_run", "fail", f"đêm {night.night_date} thất bại / night failed: {night.error}", data)
    latest_ok = last_finished_night.finished_at if last_finished_night else (
        run.finished_at if run is not None and run.status == "finished" else None)
    if latest_ok is None:
        status = "ok" if lock else "fail"
        return Check("last_run", status, "chưa có lần kiểm tra nào hoàn tất / no run finished yet"
                     + (" (một lần đang chạy / one is running)" if lock else ""), data)
    age = utcnow() - latest_ok
    hours = age.total_seconds() / 3600
    text = f"hoàn tất cách đây {hours:.1f} giờ / finished {hours:.1f} h ago"
    if night is not None:
        text = f"đêm {night.night_date}: {night.status}, " + text
    if age > max_age:
        return Check("last_run", "fail", text + f" (quá {settings.schedule.health_max_age_hours:g} h / too old)", data)
    return Check("last_run", "ok", text, data)


def _browser(settings: Settings) -> Check:
    if not settings.browser.enabled:
        return Check("browser", "warn", "Chromium bị tắt trong cấu hình / disabled in the settings")
    from egov_audit.crawler.browser import Browser, resolve_executable

    async def launch() -> None:
        async with Browser(settings.browser):
            pass

    path = resolve_executable(settings.browser) or "Playwright's own Chromium"
    try:
        asyncio.run(asyncio.wait_for(launch(), BROWSER_TIMEOUT_SECONDS))
    except Exception as exc:  # noqa: BLE001 - whatever stops Chromium, health reports it
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return Check("browser", "fail", f"{path}: không khởi động được / cannot start: {first}", {"path": path})
    return Check("browser", "ok", f"{path} khởi động được / starts", {"path": path})


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _disk(settings: Settings) -> Check:
    where = settings.evidence_dir
    base = _existing_parent(where)
    usage = shutil.disk_usage(base)
    free_mb = usage.free // (1024 * 1024)
    data = {"path": str(where), "free_mb": free_mb, "total_mb": usage.total // (1024 * 1024),
            "min_free_mb": settings.schedule.health_min_free_mb}
    writable = os.access(base, os.W_OK)
    if writable and where.is_dir():
        try:
            with tempfile.NamedTemporaryFile(dir=where, prefix=".health-"):
                pass
        except OSError:
            writable = False
    text = f"{where}: còn trống {free_mb} MB / {free_mb} MB free"
    if not writable:
        return Check("evidence_store", "fail", text + " — không ghi được / not writable", data)
    if free_mb < settings.schedule.health_min_free_mb:
        return Check("evidence_store", "fail", text + f" (dưới {settings.schedule.health_min_free_mb} MB / too low)",
                     data)
    return Check("evidence_store", "ok", text, data)


def _scheduler(engine: sa.Engine) -> Check:
    from egov_audit.services.schedule import JOB_ID, next_scheduled_run

    when = next_scheduled_run(engine)
    if when is None:
        return Check("schedule", "warn", "chưa có lịch chạy hằng đêm / no nightly job stored (run `egov-audit "
                     "schedule`)")
    return Check("schedule", "ok", f"lần chạy tới / next run: {when.isoformat(timespec='minutes')}",
                 {"job": JOB_ID, "next_run": when.isoformat()})


def health(settings: Settings, browser: bool = True) -> dict[str, Any]:
    """Every check, and ``healthy`` (no check failed)."""
    checks: list[Check] = []
    engine = create_engine(settings.database_url)
    try:
        database = _database(engine)
        checks.append(database)
        if database.status == "ok":
            checks += [_last_run(engine, settings), _scheduler(engine)]
        checks.append(_disk(settings))
        if browser:
            checks.append(_browser(settings))
    finally:
        engine.dispose()
    return {"healthy": all(c.status != "fail" for c in checks), "checked_at": utcnow().isoformat(timespec="seconds"),
            "checks": [asdict(c) for c in checks]}


def health_text(report: dict[str, Any]) -> str:
    mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    lines = [f"{mark.get(c['status'], c['status'])}  {c['name']:<15} {c['detail']}" for c in report["checks"]]
    lines.append("khỏe / healthy" if report["healthy"] else "KHÔNG khỏe / UNHEALTHY")
    return "\n".join(lines) + "\n"
