"""Content-addressed evidence store: each distinct byte string is written once, under its SHA-256.

Layout: ``<root>/sha256/ab/cd/<hex>`` (two fan-out levels keep directories small with millions of
files). Writes are atomic (temporary file in the same directory, fsync, ``os.replace``) so a killed run
never leaves a truncated blob behind a valid name; evidence is never edited once written.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_DIGEST = re.compile(r"^sha256:([0-9a-f]{64})$")


def digest_of(data: bytes) -> str:
    """``sha256:<hex>`` of ``data`` (the same form the crawler and WARC payload digests use here)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


class BlobStore:
    """Bodies, headers, rendered DOMs and screenshots, addressed by ``sha256:<hex>``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        match = _DIGEST.match(digest)
        if not match:
            raise ValueError(f"not a sha256 digest: {digest!r}")
        hexdigest = match.group(1)
        return self.root / "sha256" / hexdigest[:2] / hexdigest[2:4] / hexdigest

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        target = self.path(digest)
        if target.is_file():
            return digest
        write_atomically(target, data)
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            raise KeyError(digest) from None


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same directory, fsync, ``os.replace``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # Two writers of the same blob both end with identical content: replace is safe.
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
