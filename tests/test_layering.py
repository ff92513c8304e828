"""The layering of docs/ARCHITECTURE.md holds: imports run downwards only, and the pure layers stay pure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_import_runs_against_the_layers():
    # import-linter reads every import statement, those inside functions included.
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _loads(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_checks_and_scoring_load_no_network_code():
    for module in ("egov_audit.checks", "egov_audit.scoring"):
        loaded = _loads(module)
        assert not {"httpx", "httpcore", "protego", "playwright"} & loaded, module
        assert not any(name.startswith("egov_audit.crawler") for name in loaded), module


def test_the_contract_imports_nothing_of_the_project_but_itself():
    loaded = _loads("egov_audit.core.artifacts, egov_audit.core.urls, egov_audit.core.dates, egov_audit.core.bodies")
    project = {name for name in loaded if name.startswith("egov_audit.") and not name.startswith("egov_audit.core")}
    assert project == set()
