"""The workspace of one installation: its settings, its database and its evidence store, opened once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from egov_audit.core.errors import InputError
from egov_audit.services.settings import Settings
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.db import open_database
from egov_audit.storage.evidence_store import EvidenceStore, open_evidence_store

log = logging.getLogger("egov_audit")

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""Called with an event name ("unit_started", "page", "unit_finished", ...) and its details."""


def _shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@dataclass
class Workspace:
    """The database and evidence store of one data directory."""

    settings: Settings
    engine: Engine
    blobs: BlobStore
    evidence: EvidenceStore | None = None
    """Where WARC files and blobs live (``--evidence URL``); ``blobs`` is its blob store."""

    def __post_init__(self) -> None:
        if self.evidence is None:
            self.evidence = EvidenceStore(self.settings.evidence_dir, self.blobs)

    @classmethod
    def open(cls, settings: Settings) -> Workspace:
        """Create the data directory, connect and migrate the database; bad paths or URLs are bad input."""
        if settings.data_dir.exists() and not settings.data_dir.is_dir():
            raise InputError("--data-dir", f"{settings.data_dir} is a file, not a directory")
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError("--data-dir", f"cannot create {settings.data_dir}: {exc.strerror}") from None
        url = settings.database_url
        try:
            engine = open_database(url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise InputError("--db", f"not a usable database URL: {exc}") from None
        except OperationalError as exc:
            # An unreachable server or a refused login is the operator's input to fix, not a crash.
            reason = str(exc.orig or exc).strip().splitlines()[0] if (exc.orig or exc) else "unreachable"
            raise InputError("--db", f"cannot open the database {_shown_url(url)}: {reason}") from None
        evidence = open_evidence_store(settings.evidence_url, settings.evidence_dir)
        return cls(settings=settings, engine=engine, blobs=evidence.blobs, evidence=evidence)

    @property
    def warc_dir(self) -> Path:
        return self.settings.evidence_dir / "warc"
