"""Settings are declared once with bounds, and every bad value is bad input naming the file and key."""

from __future__ import annotations

import socket

import pytest

from egov_audit.cli import main
from egov_audit.core.errors import SettingsError
from egov_audit.services.settings import load_settings, settings_reference


def _config(tmp_path, text: str):
    path = tmp_path / "egov.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "named"), [
    ("[crawler]\ntimeout_seconds = 0\n", "crawler.timeout_seconds"),
    ("[crawler]\nmax_pages = -5\n", "crawler.max_pages"),
    ("[crawler]\ndelay_seconds = nan\n", "crawler.delay_seconds"),
    ("[crawler]\ndelay_seconds = inf\n", "crawler.delay_seconds"),
    ("[crawler]\nper_ip_concurrency = 0\n", "crawler.per_ip_concurrency"),
    ("[browser]\nmax_pages = 0\n", "browser.max_pages"),
    ("[crawler]\nuser_agent = 5\n", "crawler.user_agent"),
    ("data_dir = 5\n", "data_dir"),
    ("db = ''\n", "db"),
    ("[checks]\nmin_text_chars = 10\n", "[checks]"),
    ("[crawler]\nmax_pagez = 10\n", "max_pagez"),
])
def test_out_of_bounds_or_mistyped_values_name_file_and_key(tmp_path, text, named):
    path = _config(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path, env={})
    assert str(path) in str(caught.value) and named in str(caught.value)


def test_environment_values_are_validated_too():
    with pytest.raises(SettingsError, match="EGOV_AUDIT_MAX_PAGES"):
        load_settings(None, env={"EGOV_AUDIT_MAX_PAGES": "many"})
    with pytest.raises(SettingsError, match="crawler.max_pages"):
        load_settings(None, env={"EGOV_AUDIT_CRAWLER_MAX_PAGES": "0"})
    assert load_settings(None, env={"EGOV_AUDIT_BROWSER_MAX_PAGES": "3"}).browser.max_pages == 3


def test_a_bad_setting_exits_2_without_a_traceback(tmp_path, capsys):
    path = _config(tmp_path, "[crawler]\ntimeout_seconds = 0\n")
    assert main(["--config", str(path), "--data-dir", str(tmp_path / "d"), "units", "list"]) == 2
    err = capsys.readouterr().err
    assert "timeout_seconds" in err and "Traceback" not in err


def test_an_unreachable_database_server_is_bad_input(tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://auditor:secret@127.0.0.1:{port}/egov?connect_timeout=2"
    assert main(["--db", url, "--data-dir", str(tmp_path / "d"), "units", "list"]) == 2
    err = capsys.readouterr().err
    assert "--db" in err and "cannot open the database" in err
    assert "secret" not in err and "Traceback" not in err


def test_every_setting_has_help_text():
    rows = settings_reference()
    assert rows and all(help_text.strip() for _key, _default, help_text in rows)


def test_the_settings_reference_in_docs_is_current():
    from pathlib import Path

    from egov_audit.services.settings import settings_markdown

    docs = Path(__file__).resolve().parent.parent / "docs" / "SETTINGS.md"
    assert docs.read_text(encoding="utf-8") == settings_markdown(), (
        "regenerate: python -m egov_audit.services.settings > docs/SETTINGS.md")
