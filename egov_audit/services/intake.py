"""What comes into the workspace: units files and survey forms, each one validated transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from egov_audit.core.errors import InputError
from egov_audit.imports.surveys import import_selfreports, write_template
from egov_audit.imports.units import ImportResult, import_units
from egov_audit.scoring import load_framework
from egov_audit.services.workspace import Workspace
from egov_audit.storage import surveys_repo, units_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import Unit


def import_units_file(ws: Workspace, path: Path, era: str = "auto", dry_run: bool = False) -> ImportResult:
    """``egov-audit units import``: every row validated, then all rows stored in one transaction (none with
    ``dry_run``, which only says what would change)."""
    with session(ws.engine) as s:
        return import_units(s, path, era=era, dry_run=dry_run)


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


def import_survey_file(ws: Workspace, path: Path, partial: bool = False) -> ImportResult:
    """``egov-audit selfreport import``: a new survey version (the file kept in the evidence store), all rows
    or nothing unless ``partial``."""
    with session(ws.engine) as s:
        return import_selfreports(s, path, blobs=ws.blobs, partial=partial)


def survey_versions(ws: Workspace) -> list[dict[str, Any]]:
    """``egov-audit selfreport versions``: every import, oldest first."""
    with session(ws.engine) as s:
        return surveys_repo.list_versions(s)


def choose_survey_version(ws: Workspace, unit_code: str, year: int, version_id: int, reviewer: str,
                          reason: str) -> None:
    """``egov-audit selfreport choose``: a reviewer says which version counts for a unit and year."""
    with session(ws.engine) as s:
        try:
            surveys_repo.choose_version(s, unit_code=unit_code, year=year, version_id=version_id,
                                        reviewer=reviewer, reason=reason)
        except ValueError as exc:
            raise InputError("selfreport choose", str(exc)) from None
