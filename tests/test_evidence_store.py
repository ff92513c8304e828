"""The evidence store given by URL: a directory (path or ``file://``) and an S3-compatible bucket.

The bucket is real S3 over HTTP on 127.0.0.1 (moto's server, a dev dependency), reached through fsspec and
s3fs exactly as a MinIO or Ceph bucket would be, with the endpoint from ``AWS_ENDPOINT_URL``. An audit
writes its blobs and WARC segments there; a second "machine" (another data directory, nothing local)
then serves a page to the review app's queries and exports the unit's evidence as WACZ.
"""

from __future__ import annotations

import asyncio
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from egov_audit.core.errors import InputError
from egov_audit.exports.evidence import verify_warc
from egov_audit.review import queries
from egov_audit.services.audit import AuditOptions, audit
from egov_audit.services.intake import import_units_file
from egov_audit.services.outputs import export_evidence
from egov_audit.services.settings import load_settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage.blobs import digest_of
from egov_audit.storage.db import session
from egov_audit.storage.evidence_store import RemoteEvidenceStore, local_evidence_path, open_evidence_store
from egov_audit.storage.models import Page
from tests.crawlfarm.portals import build_hosting_farm, unit_codes, units_csv
from tests.crawlfarm.server import FarmServer

BUCKET = "egov-evidence"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An S3 endpoint on loopback with one bucket; yields its URL (credentials and endpoint in the env)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    patch = pytest.MonkeyPatch()
    endpoint = f"http://{host}:{port}"
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}.items():
        patch.setenv(key, value)
    import boto3

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        patch.undo()
        server.stop()


def _settings(data: Path, db: Path, evidence: str | None) -> object:
    settings = load_settings(env={})
    settings.data_dir, settings.db_url, settings.evidence_url = data, f"sqlite:///{db}", evidence
    settings.crawler.allow_private_networks = True
    settings.crawler.delay_seconds = 0.01
    settings.crawler.max_pages = 8
    settings.crawler.timeout_seconds = 3.0
    return settings


def test_a_directory_is_a_path_or_a_file_url(tmp_path: Path) -> None:
    store = tmp_path / "shared"
    assert local_evidence_path(str(store)) == store
    assert local_evidence_path(store.as_uri()) == store
    assert local_evidence_path("s3://bucket/prefix") is None
    with pytest.raises(InputError, match="another host"):
        local_evidence_path("file://nas/evidence")
    settings = _settings(tmp_path / "data", tmp_path / "db.sqlite3", store.as_uri())
    ws = Workspace.open(settings)
    digest = ws.blobs.put(b"<html>bang chung</html>")
    assert (store / "blobs" / "sha256").is_dir() and ws.blobs.get(digest) == b"<html>bang chung</html>"
    assert ws.evidence is not None and not ws.evidence.remote and ws.warc_dir == store / "warc"
    assert not (tmp_path / "data" / "evidence").exists()


def test_bad_store_urls_are_bad_input(tmp_path: Path, s3: str) -> None:
    with pytest.raises(InputError, match="--evidence"):
        open_evidence_store("nosuchprotocol://x/y", tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        open_evidence_store("s3://no-such-bucket/evidence", tmp_path)


def test_remote_blobs_are_content_addressed_and_checked(tmp_path: Path, s3: str) -> None:
    store = open_evidence_store(f"s3://{BUCKET}/blobs-test", tmp_path / "a")
    assert isinstance(store, RemoteEvidenceStore)
    digest = store.blobs.put(b"one")
    assert store.blobs.put(b"one") == digest == digest_of(b"one")
    key = store.blobs.key(digest)  # type: ignore[attr-defined]
    assert store.fs.cat_file(key) == b"one"
    # Another machine: nothing cached, read from the bucket, then cached under its digest.
    other = open_evidence_store(f"s3://{BUCKET}/blobs-test", tmp_path / "b")
    assert other.blobs.exists(digest) and other.blobs.get(digest) == b"one"
    assert other.blobs.path(digest).read_bytes() == b"one"
    with pytest.raises(KeyError):
        other.blobs.get(digest_of(b"never stored"))
    # Bytes that do not match their name are handed back (the export checks them) but never cached.
    bad = digest_of(b"two")
    store.fs.pipe_file(store.blobs.key(bad), b"tampered")  # type: ignore[attr-defined]
    third = open_evidence_store(f"s3://{BUCKET}/blobs-test", tmp_path / "c")
    assert third.blobs.get(bad) == b"tampered"
    assert not (tmp_path / "c" / "blobs" / "sha256" / bad[7:9]).exists()


def test_audit_into_a_bucket_then_review_and_export_from_another_machine(tmp_path: Path, s3: str) -> None:
    url = f"s3://{BUCKET}/province-99"
    db = tmp_path / "shared.sqlite3"
    server = FarmServer()
    try:
        portals = build_hosting_farm(server, healthy=2, per_address=2, think=0.002, loopback_portals=0,
                                     faulty=False)
        crawler = Workspace.open(_settings(tmp_path / "crawler", db, url))
        import_units_file(crawler, units_csv(portals, tmp_path / "units.csv"))
        codes = unit_codes(portals)
        outcome = asyncio.run(audit(crawler, AuditOptions(unit_codes=codes, use_browser=False, screenshots=False)))
    finally:
        server.close()
    assert {u.crawl_status for u in outcome.units} <= {"ok", "partial"}
    assert crawler.evidence is not None and crawler.evidence.remote
    fs = crawler.evidence.fs  # type: ignore[attr-defined]
    published = fs.glob(f"{BUCKET}/province-99/warc/{outcome.run_id}/*.warc.gz")
    assert sorted(Path(p).name for p in published) == sorted(f"{code}-00.warc.gz" for code in codes)

    # The review machine: same database, same store URL, an empty data directory.
    reviewer = Workspace.open(_settings(tmp_path / "reviewer", db, url))
    with session(reviewer.engine) as s:
        page = s.exec(select(Page).where(Page.unit_code == codes[0], Page.status == 200)).first()
        assert page is not None
        snapshot = queries.page_snapshot(s, reviewer.blobs, page.id)
    assert snapshot["source"] and "<html" in snapshot["source"].lower()
    out = export_evidence(reviewer, codes[0], tmp_path / "out" / "unit.wacz", "wacz", run_id=outcome.run_id)
    with zipfile.ZipFile(out) as package:
        members = package.namelist()
        assert f"archive/{codes[0]}-00.warc.gz" in members
        package.extract(f"archive/{codes[0]}-00.warc.gz", tmp_path / "unpacked")
    assert verify_warc(tmp_path / "unpacked" / "archive" / f"{codes[0]}-00.warc.gz")["ok"]
    assert not (tmp_path / "reviewer" / "evidence").exists()
