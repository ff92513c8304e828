"""The evidence store given by URL: a directory (the default) or a bucket through fsspec (``s3://…``).

Every store has the same layout under its root: ``blobs/sha256/ab/cd/<hex>`` (content-addressed bodies,
headers, rendered DOMs, screenshots; ``storage.blobs``) and ``warc/<run>/<unit>-NN.warc.gz`` (the WARC
segments of each unit's crawl, named in ``unit_crawl.warc_files_json`` relative to that root).

A directory (a path, or ``file:///…``; an NFS mount shared by several machines works as it is) is used
in place. Any other URL is an fsspec file system: blobs are written to and read from the bucket (a local
read cache keeps what was read), WARC segments are written locally first (a WARC is appended record by
record, which object stores cannot do) and published to the bucket when the unit's crawl ends, before
its outcome is stored; so a unit recorded as crawled always has its evidence in the shared store. Readers
on any machine (the review app, ``evidence export``) fetch what they need into their local cache.

S3-compatible buckets need ``s3fs`` (``pip install 'egov-audit[s3]'``); credentials and the endpoint of a
non-AWS server (MinIO, Ceph, Garage) come from the usual ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``
and ``AWS_ENDPOINT_URL`` variables, never from the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from egov_audit.core.errors import InputError
from egov_audit.storage.blobs import _DIGEST, BlobStore, digest_of, write_atomically

log = logging.getLogger("egov_audit.evidence")

BLOBS_DIR = "blobs"
WARC_DIR = "warc"


def local_evidence_path(url: str) -> Path | None:
    """The directory a store URL names (a plain path or ``file://``), or None for a remote URL."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InputError("--evidence", f"file URL of another host: {url!r} (mount it and give the path)")
        return Path(unquote(parts.path))
    # "C:\..." never occurs here (Linux), but a one-letter scheme would be a drive, not a protocol.
    if not parts.scheme or len(parts.scheme) == 1:
        return Path(url)
    return None


def _safe_relative(relative: str) -> str:
    """A name from the database, checked to stay inside the store (``warc/<run>/<file>``)."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise InputError(relative, "evidence path is outside the evidence store")
    return path.as_posix()


class EvidenceStore:
    """A directory holding the blobs and WARC files (the default store); also the base of remote ones."""

    remote = False

    def __init__(self, root: Path, blobs: BlobStore | None = None, url: str | None = None) -> None:
        self.root = Path(root)
        self.blobs = blobs or BlobStore(self.root / BLOBS_DIR)
        self.url = url or str(self.root)

    @property
    def warc_dir(self) -> Path:
        """Where WARC segments are written (the store itself, or the local spool of a remote store)."""
        return self.root / WARC_DIR

    def publish(self, relatives: Iterable[str]) -> None:
        """Make finished WARC segments visible in the shared store (a directory already is)."""

    def fetch(self, relatives: Iterable[str]) -> Path:
        """Bring the named files into the local root (a directory has them) and return that root."""
        return self.root

    def pull_unit_segments(self, run_id: str, unit_code: str) -> list[str]:
        """The WARC segments the store holds for a unit in a run, copied into the local root if remote."""
        return sorted(p.relative_to(self.root).as_posix()
                      for p in (self.warc_dir / run_id).glob(f"{unit_code}-*.warc.gz*"))

    def drop_local(self, relatives: Iterable[str]) -> None:
        """Forget local copies of published segments (a directory store keeps its files)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


class RemoteBlobStore(BlobStore):
    """Blobs in an fsspec file system under ``<prefix>/blobs``; what was read is kept in a local cache."""

    _KNOWN_LIMIT = 200_000

    def __init__(self, fs: Any, prefix: str, cache_root: Path) -> None:
        super().__init__(cache_root)
        self.fs, self.prefix = fs, prefix.rstrip("/")
        self._known: set[str] = set()
        """Digests known to be in the store already (no HEAD request, no second upload)."""

    def key(self, digest: str) -> str:
        match = _DIGEST.match(digest)
        if not match:
            raise ValueError(f"not a sha256 digest: {digest!r}")
        hexdigest = match.group(1)
        return f"{self.prefix}/sha256/{hexdigest[:2]}/{hexdigest[2:4]}/{hexdigest}"

    def _remember(self, digest: str) -> None:
        if len(self._known) >= self._KNOWN_LIMIT:
            self._known.clear()
        self._known.add(digest)

    def exists(self, digest: str) -> bool:
        if digest in self._known or super().exists(digest):
            return True
        found = bool(self.fs.exists(self.key(digest)))
        if found:
            self._remember(digest)
        return found

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        if digest in self._known:
            return digest
        key = self.key(digest)
        # Content-addressed: an object under this name already holds these bytes; upload only when absent.
        if not self.fs.exists(key):
            self.fs.pipe_file(key, data)
        self._remember(digest)
        return digest

    def get(self, digest: str) -> bytes:
        cached = super().path(digest)
        if cached.is_file():
            return cached.read_bytes()
        try:
            data = self.fs.cat_file(self.key(digest))
        except FileNotFoundError:
            raise KeyError(digest) from None
        # Cached under its own name; bytes that do not match their digest stay out of the cache, and
        # callers that check digests (evidence export) still see what the store holds.
        if digest_of(data) == digest:
            write_atomically(cached, data)
        self._remember(digest)
        return data

    def path(self, digest: str) -> Path:
        """A local file holding the blob (fetched into the cache first); missing blobs give the cache path."""
        cached = super().path(digest)
        if not cached.is_file():
            try:
                self.get(digest)
            except KeyError:
                pass
        return cached


class RemoteEvidenceStore(EvidenceStore):
    """Evidence in an fsspec file system (``s3://bucket/prefix``), WARC segments spooled locally."""

    remote = True

    def __init__(self, url: str, fs: Any, prefix: str, cache_root: Path) -> None:
        self.fs, self.prefix = fs, prefix.rstrip("/")
        super().__init__(cache_root, RemoteBlobStore(fs, f"{self.prefix}/{BLOBS_DIR}", cache_root / BLOBS_DIR), url)

    def _key(self, relative: str) -> str:
        return f"{self.prefix}/{_safe_relative(relative)}"

    def publish(self, relatives: Iterable[str]) -> None:
        for relative in relatives:
            local = self.root / _safe_relative(relative)
            if not local.is_file():
                continue
            key = self._key(relative)
            try:
                if self.fs.size(key) == local.stat().st_size:
                    continue  # published by an earlier attempt; a finished segment never changes
            except FileNotFoundError:
                pass
            self.fs.put_file(str(local), key)

    def fetch(self, relatives: Iterable[str]) -> Path:
        for relative in relatives:
            local = self.root / _safe_relative(relative)
            if local.is_file():
                continue
            try:
                data = self.fs.cat_file(self._key(relative))
            except FileNotFoundError:
                continue  # the caller reports the missing file by its name
            write_atomically(local, data)
        return self.root

    def pull_unit_segments(self, run_id: str, unit_code: str) -> list[str]:
        pattern = f"{self.prefix}/{WARC_DIR}/{_safe_relative(run_id)}/{unit_code}-*.warc.gz"
        names = [f"{WARC_DIR}/{run_id}/{PurePosixPath(key).name}" for key in self.fs.glob(pattern)]
        self.fetch(names)
        return super().pull_unit_segments(run_id, unit_code)

    def drop_local(self, relatives: Iterable[str]) -> None:
        for relative in relatives:
            (self.root / _safe_relative(relative)).unlink(missing_ok=True)


def open_evidence_store(url: str | None, local_root: Path) -> EvidenceStore:
    """The store at ``url`` (None: the directory ``local_root``); a remote store caches in ``local_root``.

    Bad input (an unknown protocol, a missing fsspec backend, a bucket that cannot be listed) raises
    ``InputError`` naming ``--evidence`` before anything is written.
    """
    if not url or local_evidence_path(url) is not None:
        return EvidenceStore(Path(local_root), url=url)
    try:
        import fsspec
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec is a dependency
        raise InputError("--evidence", "remote evidence stores need fsspec") from None
    protocol = urlsplit(url).scheme
    options: dict[str, Any] = {}
    if protocol in ("s3", "s3a"):
        # Several workers write the same bucket: a cached listing would hide what the others wrote.
        options["use_listings_cache"] = False
    try:
        fs, prefix = url_to_fs(url, **options)
    except (ImportError, ValueError) as exc:
        known = ", ".join(sorted(p for p in fsspec.available_protocols() if p in ("s3", "gs", "az", "sftp", "memory")))
        raise InputError("--evidence", f"cannot open evidence store {url!r}: {exc} (e.g. {known}; S3 needs "
                         "`pip install 'egov-audit[s3]'`)") from None
    top = prefix.strip("/").split("/", 1)[0]
    try:
        try:
            fs.ls(prefix)
        except FileNotFoundError:
            fs.ls(top)  # an empty prefix is a new store, but its bucket must exist
    except FileNotFoundError:
        raise InputError("--evidence", f"evidence store {url!r}: {top!r} does not exist (create the bucket first)") \
            from None
    except Exception as exc:  # noqa: BLE001 - permissions, unreachable endpoint, bad credentials
        raise InputError("--evidence", f"cannot list evidence store {url!r}: {type(exc).__name__}: {exc}") from None
    return RemoteEvidenceStore(url, fs, prefix, Path(local_root))
