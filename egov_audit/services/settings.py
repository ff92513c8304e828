"""The settings of one egov-audit installation: each layer's section, the data directory and the database.

Precedence, lowest first: the defaults each layer declares (``egov_audit.crawler.settings`` for ``[crawler]``
and ``[browser]``, ``ScheduleSettings`` below for ``[schedule]``), then the TOML file given with ``--config``
(those tables and the top-level keys ``data_dir`` and ``db``), then environment variables
``EGOV_AUDIT_<KEY>`` (for example ``EGOV_AUDIT_MAX_PAGES=50`` or ``EGOV_AUDIT_CRAWLER_MAX_PAGES=50``), then
command-line options. Every value is checked against its declared bounds before anything runs.

Check thresholds are not settings: they are data in ``config/checks.yaml`` and a framework's
``check_options``, which a province edits beside its frameworks.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import CONFIG_DIR
from egov_audit.core.dates import AUDIT_TIMEZONE
from egov_audit.core.errors import SettingsError
from egov_audit.core.settings import apply_values, coerce, describe, setting, validate
from egov_audit.crawler.settings import BrowserSettings, CrawlerSettings

__all__ = ["BrowserSettings", "CrawlerSettings", "DistributedSettings", "NotifySettings", "ReviewSettings",
           "ScheduleSettings", "Settings", "SettingsError", "load_settings", "settings_reference"]


@dataclass
class ScheduleSettings:
    """The nightly job run by ``egov-audit schedule``."""

    audit_at: str = setting("01:30", "Local time (HH:MM) the nightly audit starts.")
    timezone: str = setting(AUDIT_TIMEZONE, "Time zone of audit_at.")
    year: int = setting(0, "Evaluation year scored after the audit; 0 = the current year.", minimum=0)
    frameworks: str = setting("", "Comma-separated framework ids to score; empty = the default one of each tier "
                              "present.")
    lock_stale_seconds: float = setting(600.0, "An audit or night lock whose holder has not renewed it for this long "
                                        "is taken over (a holder that died on this host is taken over at once).",
                                        above=0)
    lock_wait_seconds: float = setting(3600.0, "How long the night waits for a manual audit that is still running "
                                       "before it gives up for that night (recorded as skipped).", minimum=0)
    resume_within_hours: float = setting(12.0, "An unfinished all-units run that started this recently is resumed "
                                         "by the night; an older one is closed as abandoned and a new run starts.",
                                         above=0)
    health_max_age_hours: float = setting(36.0, "`health` is unhealthy when the last finished night (or run) is "
                                          "older than this.", above=0)
    health_min_free_mb: int = setting(1024, "`health` is unhealthy when the evidence store's disk has less free "
                                      "space than this (MB).", minimum=0)


@dataclass
class NotifySettings:
    """Where the changes of each night are sent (``egov-audit schedule``, ``changes --notify``). A failed
    delivery is logged and recorded; it never fails the night."""

    when: str = setting("changes", "Send after a night: `changes` (only when something changed), `always`, or "
                        "`never`.", choices=("changes", "always", "never"))
    webhook_url: str = setting("", "URL that receives a JSON POST with the night's changes; empty = no webhook.")
    webhook_secret: str = setting("", "Shared secret: the body is signed with HMAC-SHA256 in the header "
                                  "X-Egov-Audit-Signature (`sha256=<hex>`); empty = unsigned. Prefer the env "
                                  "variable EGOV_AUDIT_NOTIFY_WEBHOOK_SECRET.")
    webhook_timeout_seconds: float = setting(10.0, "Timeout of each webhook request.", above=0)
    webhook_retries: int = setting(3, "Retries of a webhook delivery that failed (network error, timeout, 408, "
                                   "429, 5xx), with doubling backoff.", minimum=0, maximum=10)
    retry_backoff_seconds: float = setting(2.0, "Wait before the first retry of a webhook or e-mail delivery; doubles "
                                           "each retry.",
                                             minimum=0)
    smtp_host: str = setting("", "SMTP server for e-mail notifications; empty = no e-mail.")
    smtp_port: int = setting(587, "SMTP port (587 submission with STARTTLS, 465 implicit TLS, 25 plain).",
                             minimum=1, maximum=65535)
    smtp_security: str = setting("starttls", "`starttls` (upgrade the connection, required), `ssl` (implicit TLS) "
                                 "or `none` (local relays only).", choices=("starttls", "ssl", "none"))
    smtp_username: str = setting("", "SMTP login; empty = no authentication.")
    smtp_password: str = setting("", "SMTP password. Prefer the env variable EGOV_AUDIT_NOTIFY_SMTP_PASSWORD.")
    smtp_ca_file: str = setting("", "PEM file of the CA that signed the SMTP server's certificate (an internal CA); "
                                "empty = the system's trusted CAs.")
    smtp_timeout_seconds: float = setting(30.0, "Timeout of the SMTP connection and each command.", above=0)
    smtp_retries: int = setting(2, "Retries of an e-mail delivery that failed to connect or was refused "
                                "temporarily (4xx).", minimum=0, maximum=10)
    mail_from: str = setting("egov-audit@localhost", "Sender address of notification e-mails.")
    mail_to: str = setting("", "Comma-separated recipients of notification e-mails.")
    report_base_url: str = setting("", "Base URL of the review app, to link each unit in notifications "
                                   "(e.g. https://egov.example.gov.vn); empty = no links.")


@dataclass
class ReviewSettings:
    """The review web app (``egov-audit serve``): sessions, proxies, request sizes, unit links, re-tests."""

    session_hours: float = setting(8.0, "Absolute lifetime of a sign-in, however active (a working day).",
                                   above=0, maximum=24 * 30)
    idle_minutes: float = setting(60.0, "A sign-in unused this long ends.", above=0, maximum=24 * 60)
    trusted_proxies: str = setting("", "Comma-separated addresses of reverse proxies whose X-Forwarded-For is "
                                   "believed; empty = the header is ignored and the peer address is the client.")
    max_body_kb: int = setting(256, "Largest request body accepted (forms, disputes); larger ones get 413.",
                               minimum=1, maximum=64 * 1024)
    link_days: int = setting(14, "Days a unit's dispute link stays valid.", minimum=1, maximum=365)
    public_url: str = setting("", "Base URL the app is reached at (for the unit links the CLI prints), e.g. "
                              "https://review.sotttt.gov.vn; empty = print the path only.")
    retest_use_browser: bool = setting(True, "Re-tests asked for from the app run Chromium (screenshots, "
                                       "rendering checks), like the nightly audit.")


@dataclass
class DistributedSettings:
    """The distributed mode: ``audit --distributed`` queues units, ``egov-audit worker`` processes audit them."""

    queue: str = setting("audit", "Queue `audit --distributed` puts a run's units on (`--queue` overrides it).")
    heartbeat_seconds: float = setting(10.0, "How often a worker says it is alive, for itself and each unit it "
                                       "holds.", above=0)
    lease_seconds: float = setting(60.0, "A worker silent this long is taken for dead: its units go back on the "
                                   "queue and another worker resumes them from what was stored.", above=0)
    sweep_seconds: float = setting(30.0, "How often each worker looks for stalled jobs and for units left without "
                                   "a job.", above=0)
    unit_attempts: int = setting(3, "Attempts at a unit whose portal failed for a transient reason (timeout, "
                                 "reset, HTTP 429/502/503/504) or whose attempt crashed; DNS, TLS and refused "
                                 "connections are outcomes at once.", minimum=1, maximum=20)
    retry_wait_seconds: float = setting(600.0, "Wait before another attempt at such a unit (a portal down now is "
                                        "often back within minutes).", minimum=0)
    poll_seconds: float = setting(5.0, "Fallback polling of the queue; new jobs are announced at once by "
                                  "LISTEN/NOTIFY.", above=0)
    shutdown_seconds: float = setting(60.0, "After SIGTERM, how long running units may finish before they are put "
                                      "back on the queue.", minimum=0)
    shared_politeness: bool = setting(True, "Hold per-host and per-IP limits across all workers (slots and turns in "
                                      "PostgreSQL); off only when one worker process audits alone.")


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("EGOV_AUDIT_DATA", "egov-audit-data")))
    db_url: str | None = None
    """SQLAlchemy URL; default: sqlite file ``<data_dir>/egov-audit.sqlite3``."""
    evidence_url: str | None = None
    """Evidence store: a directory or an fsspec URL (``s3://bucket/prefix``); default ``<data_dir>/evidence``."""
    crawler: CrawlerSettings = field(default_factory=CrawlerSettings)
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    distributed: DistributedSettings = field(default_factory=DistributedSettings)
    config_dir: Path = CONFIG_DIR

    @property
    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'egov-audit.sqlite3').resolve()}"

    @property
    def evidence_dir(self) -> Path:
        """The local root of the evidence layout: the store's directory, or the local cache and WARC spool
        of a remote store (``<data_dir>/evidence-cache``)."""
        if self.evidence_url:
            from egov_audit.storage.evidence_store import local_evidence_path

            local = local_evidence_path(self.evidence_url)
            return local if local is not None else self.data_dir / "evidence-cache"
        return self.data_dir / "evidence"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def validate(self, where: str = "") -> None:
        """Check every section against its declared bounds; ``where`` prefixes the key in messages."""
        for name in SECTIONS:
            validate(getattr(self, name), f"{where}{name}")


SECTIONS: dict[str, type] = {"crawler": CrawlerSettings, "browser": BrowserSettings, "schedule": ScheduleSettings,
                             "notify": NotifySettings, "review": ReviewSettings,
                             "distributed": DistributedSettings}
"""TOML table name → the dataclass declaring its settings."""


def _text_value(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{where}: expected a non-empty text, got {value!r}")
    return value


def _read_toml(config_file: Path, settings: Settings) -> None:
    try:
        data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{config_file}: file not found") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{config_file}: not valid TOML: {exc}") from None
    for key, value in data.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise SettingsError(f"{config_file}: [{key}] must be a table")
            apply_values(getattr(settings, key), value, f"{config_file}: {key}")
        elif key == "data_dir":
            settings.data_dir = Path(_text_value(value, f"{config_file}: data_dir"))
        elif key == "db":
            settings.db_url = _text_value(value, f"{config_file}: db")
        elif key == "evidence":
            settings.evidence_url = _text_value(value, f"{config_file}: evidence")
        elif key == "checks":
            raise SettingsError(f"{config_file}: [checks]: check thresholds are not settings; edit "
                                "config/checks.yaml or the framework's check_options")
        else:
            known = ", ".join(["data_dir", "db", "evidence", *(f"[{name}]" for name in SECTIONS)])
            raise SettingsError(f"{config_file}: unknown key {key!r} (known: {known})")
    settings.validate(f"{config_file}: ")


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build the settings from defaults, an optional TOML file and the environment; validated."""
    env = dict(os.environ if env is None else env)
    settings = Settings()
    if "EGOV_AUDIT_DATA" in env:
        settings.data_dir = Path(env["EGOV_AUDIT_DATA"])
    if config_file is not None:
        _read_toml(config_file, settings)
    if env.get("EGOV_AUDIT_DB"):
        settings.db_url = env["EGOV_AUDIT_DB"]
    if env.get("EGOV_AUDIT_EVIDENCE"):
        settings.evidence_url = env["EGOV_AUDIT_EVIDENCE"]
    if env.get("EGOV_AUDIT_CHROMIUM"):
        settings.browser.executable_path = env["EGOV_AUDIT_CHROMIUM"]
    # EGOV_AUDIT_<SECTION>_<KEY> for any section; the short EGOV_AUDIT_<KEY> for the crawler's keys.
    for section_name in SECTIONS:
        section = getattr(settings, section_name)
        for f in dataclasses.fields(section):
            names = [f"EGOV_AUDIT_{section_name.upper()}_{f.name.upper()}"]
            if section_name == "crawler":
                names.append(f"EGOV_AUDIT_{f.name.upper()}")
            var = next((n for n in names if n in env), None)
            if var is not None:
                setattr(section, f.name, coerce(env[var], getattr(section, f.name), var))
    settings.validate()
    return settings


def settings_reference() -> list[tuple[str, str, str]]:
    """Every setting as ``(key, default, help)``, in declaration order (docs/SETTINGS.md is made from this)."""
    rows: list[tuple[str, str, str]] = [
        ("data_dir", "'egov-audit-data'", "Evidence, database and reports (env EGOV_AUDIT_DATA, --data-dir)."),
        ("db", "None", "Database URL (env EGOV_AUDIT_DB, --db); default: SQLite file in data_dir."),
        ("evidence", "None", "Evidence store: a directory or an fsspec URL such as s3://bucket/prefix (env "
         "EGOV_AUDIT_EVIDENCE, --evidence); default: data_dir/evidence. Shared by every worker and the review app."),
    ]
    for name, section_type in SECTIONS.items():
        rows += describe(section_type, name)
    return rows


def settings_markdown() -> str:
    """docs/SETTINGS.md: every setting with its default and help (``python -m egov_audit.services.settings``)."""
    lines = [
        "# Settings reference",
        "",
        "Generated from the declarations (`python -m egov_audit.services.settings > docs/SETTINGS.md`).",
        "Put them in a TOML file given with `--config` (tables `[crawler]`, `[browser]`, `[schedule]`; top-level",
        "`data_dir` and `db`), or set `EGOV_AUDIT_<SECTION>_<KEY>` (crawler keys also as `EGOV_AUDIT_<KEY>`).",
        "",
        "| key | default | meaning |",
        "|---|---|---|",
    ]
    for key, default, help_text in settings_reference():
        cell = help_text.replace("|", "\\|")
        lines.append(f"| `{key}` | `{default}` | {cell} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(settings_markdown(), end="")
