"""Shared test settings: keep tests off the user's environment and on loopback only."""

from __future__ import annotations

import os

import pytest

# Tests must never pick up a developer's database or data directory.
for _var in [v for v in os.environ if v.startswith("EGOV_AUDIT_") and v != "EGOV_AUDIT_CHROMIUM"]:
    del os.environ[_var]
# httpx honours proxy variables; tests talk to 127.0.0.1 only.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = "127.0.0.1,localhost"


@pytest.fixture
def data_dir(tmp_path):
    """A fresh egov-audit data directory."""
    path = tmp_path / "data"
    path.mkdir()
    return path
