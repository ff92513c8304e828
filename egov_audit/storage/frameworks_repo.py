"""Framework files kept verbatim by id ``name@version`` (what past scores refer to)."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from egov_audit.core.errors import InputError
from egov_audit.storage.models import (
    Framework,
)


class FrameworkChangedError(InputError):
    """A framework version was registered before with different content (scores would not reproduce)."""


def register_framework(s: Session, name: str, version: str, content: str) -> str:
    """Keep the framework file verbatim; returns its id ``<name>@<version>``.

    Registering the same content again is a no-op; different content under the same version is refused,
    because past scores refer to the framework by id and must stay reproducible.
    """
    framework_id = f"{name}@{version}"
    digest = "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()
    existing = s.get(Framework, framework_id)
    if existing is not None:
        if existing.digest != digest:
            raise FrameworkChangedError(
                f"framework {name}", f"version {version} was registered before with other content "
                f"({existing.digest}); raise its `version` when you change the file", "version")
        return framework_id
    s.add(Framework(id=framework_id, name=name, version=version, digest=digest, content=content))
    s.flush()
    return framework_id


def get_framework(s: Session, framework_id: str) -> Framework | None:
    return s.get(Framework, framework_id)
