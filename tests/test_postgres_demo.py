"""The demo pipeline on a real PostgreSQL 15 server: the same code as on SQLite, by URL."""

from __future__ import annotations

import contextlib
import io
import json

from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.cli import main
from tests.pg import postgres_url  # noqa: F401  (fixture)


def test_demo_pipeline_runs_on_postgresql(postgres_url, tmp_path):  # noqa: F811
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--db", postgres_url, "--data-dir", str(tmp_path), "demo", "--no-browser"])
    assert code == 0, out.getvalue()
    assert "postgresql" in out.getvalue()
    export_file = tmp_path / "demo" / "reports" / "findings.json"
    export = json.loads(export_file.read_text(encoding="utf-8"))
    assert all(sorted(f["check"] for f in u["findings"]) == sorted(CHECK_IDS) for u in export["units"])
    # The second command reads back from the same server.
    out_file = tmp_path / "again.json"
    assert main(["--db", postgres_url, "--data-dir", str(tmp_path / "demo"), "findings", "--out", str(out_file)]) == 0
    assert json.loads(out_file.read_text(encoding="utf-8"))["run"]["id"] == export["run"]["id"]
