"""What comes into the workspace: units files and survey forms, each one validated transaction."""

from __future__ import annotations

from pathlib import Path

from egov_audit.imports.surveys import import_selfreports, write_template
from egov_audit.imports.units import ImportResult, import_units
from egov_audit.scoring import load_framework
from egov_audit.services.workspace import Workspace
from egov_audit.storage import units_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import Unit


def import_units_file(ws: Workspace, path: Path) -> ImportResult:
    """``egov-audit units import``: every row validated, then all rows stored in one transaction."""
    with session(ws.engine) as s:
        return import_units(s, path)


def list_units(ws: Workspace) -> list[Unit]:
    with session(ws.engine) as s:
        return units_repo.list_units(s)


def write_survey_template(ws: Workspace, framework_name: str, out: Path, year: int | None = None) -> Path:
    """``egov-audit selfreport template``: the form of the framework's survey fields for its tier's units."""
    framework = load_framework(framework_name, ws.settings.config_dir)
    with session(ws.engine) as s:
        units = [u for u in units_repo.list_units(s) if u.level in framework.levels_audited]
    write_template(framework.survey_fields, out, units=units, year=year)
    return out


def import_survey_file(ws: Workspace, path: Path) -> ImportResult:
    """``egov-audit selfreport import``: all-or-nothing import of returned survey forms."""
    with session(ws.engine) as s:
        return import_selfreports(s, path)
