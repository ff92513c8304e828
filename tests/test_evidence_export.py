"""Evidence packages (egov_audit.evidence): WACZ/zip export of one unit's run, and WARC verification.

Two nights of one commune are built by hand: WARC files written with warcio's own writer (request +
response pairs with Vietnamese pages, and on the second night a revisit of the unchanged home page),
plus a real SQLite database filled through the storage repositories. The package is then opened as a reader would:
CDXJ offsets are followed with seek + ArchiveIterator, hashes recomputed, pages.jsonl parsed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from egov_audit.checks import CHECK_IDS
from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, Evidence, Finding, Status
from egov_audit.core.errors import InputError
from egov_audit.exports import evidence, findings_json
from egov_audit.exports.evidence import export_unit_evidence, surt, verify_warc
from egov_audit.storage import findings_repo, pages_repo, runs_repo, units_repo
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.db import open_database, session
from egov_audit.storage.models import AuditRun

UNIT = "09877"
HOST = "tamgiang.bacninh.gov.vn"
HOME = f"https://{HOST}/"
NEWS = f"https://{HOST}/tin-tuc/le-hoi-lang?id=7&cat=2"
ABOUT = f"https://{HOST}/gioi-thieu"
ROBOTS = f"https://{HOST}/robots.txt"

HOME_TITLE = "Cổng thông tin điện tử xã Tam Giang"
ABOUT_TITLE = "Giới thiệu — Lịch sử hình thành xã Tam Giang"
NEWS_TITLE = "Lễ hội làng Tam Giang năm 2025"
HOME_HTML = (
    f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{HOME_TITLE}</title></head>'
    "<body><h1>Ủy ban nhân dân xã Tam Giang</h1><p>Thủ tục hành chính, tin tức, lịch tiếp dân.</p>"
    "</body></html>"
).encode()
ABOUT_HTML = (
    "<html><head><title>\n  Giới thiệu &mdash; Lịch sử hình thành   xã Tam Giang\n</title></head>"
    "<body><h1>Giới thiệu chung</h1><p>Xã Tam Giang thuộc huyện Yên Phong, tỉnh Bắc Ninh.</p></body></html>"
).encode()
# An older portal still served in windows-1258 (combining tone marks), declared in the header only.
NEWS_HTML = (
    f"<html><head><title>{NEWS_TITLE}</title></head><body><p>Người dân tham gia đông đủ.</p></body></html>"
)
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese sites write it: precomposed â ê ô ơ ư ă đ, tone marks combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out.append(base + "".join(c for c in decomposed if c in _TONES))
    return "".join(out).encode("cp1258")


NEWS_BYTES = _cp1258(NEWS_HTML)


def _png() -> bytes:
    """A valid 1×1 PNG (the screenshot blob)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


@dataclass
class Capture:
    url: str
    date: str
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    revisit_of: tuple[str, str, str] | None = None
    """(payload digest, refers-to URI, refers-to date) for a revisit record."""


def write_warc(path: Path, captures: list[Capture]) -> dict[str, str]:
    """A gzip-per-record WARC as warcio writes it; returns payload digest by URL of each response."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for cap in captures:
            target = cap.url.split(HOST, 1)[1] or "/"
            req_http = StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", HOST), ("User-Agent", "egov-audit")],
                                        is_http_request=True)
            request = writer.create_warc_record(cap.url, "request", http_headers=req_http,
                                                warc_headers_dict={"WARC-Date": cap.date})
            http = StatusAndHeaders(f"{cap.status} OK", [("Content-Type", cap.content_type)], protocol="HTTP/1.1")
            if cap.revisit_of is not None:
                digest, ref_uri, ref_date = cap.revisit_of
                response = writer.create_revisit_record(cap.url, digest, ref_uri, ref_date, http_headers=http,
                                                        warc_headers_dict={"WARC-Date": cap.date})
            else:
                http.replace_header("Content-Length", str(len(cap.body)))
                response = writer.create_warc_record(cap.url, "response", payload=io.BytesIO(cap.body),
                                                     http_headers=http, warc_headers_dict={"WARC-Date": cap.date})
            writer.write_request_response_pair(request, response)
            if cap.revisit_of is None:
                digests[cap.url] = response.rec_headers.get_header("WARC-Payload-Digest")
    return digests


@dataclass
class World:
    engine: object
    blobs: BlobStore
    evidence_dir: Path
    run1: str
    run2: str
    png_digest: str
    warc_files: list[Path]


def _store_unit_run(s, run_id: str, blobs: BlobStore, pages: list[tuple[str, bytes, str]],
                    warc_files: list[str], shot: str | None) -> None:
    site = CapturedSite(unit_code=UNIT, unit_level="commune", portal_url=HOME, home_url=HOME,
                        crawl_status=CrawlStatus.OK)
    runs_repo.start_unit_crawl(s, run_id, UNIT)
    for url, body, ctype in pages:
        page = CapturedPage(url=url, final_url=url, status=200, content_type=ctype, encoding="utf-8",
                            fetched_at=datetime(2025, 6, 2, 1, 0, tzinfo=UTC))
        pages_repo.record_page(s, run_id, UNIT, page, {"content-type": ctype}, blobs, body)
        site.pages[url] = page
    runs_repo.finish_unit_crawl(s, run_id, site, warc_files)
    home_digest = "sha256:" + hashlib.sha256(HOME_HTML).hexdigest()
    findings = [
        Finding(check=CHECK_IDS[0], status=Status.PASS, value=True,
                evidence=[Evidence(url=HOME, excerpt="Ủy ban nhân dân xã Tam Giang", snapshot=home_digest,
                                   screenshot=shot, locator="h1")]),
        Finding(check=CHECK_IDS[1], status=Status.FAIL, reason="no Q&A section found", looked_at=[HOME, ABOUT]),
    ]
    findings_repo.save_findings(s, run_id, UNIT, findings)


@pytest.fixture
def world(data_dir: Path) -> World:
    engine = open_database(f"sqlite:///{data_dir / 'egov-audit.sqlite3'}")
    evidence_dir = data_dir / "evidence"
    blobs = BlobStore(evidence_dir / "blobs")
    png_digest = blobs.put(_png())
    with session(engine) as s:
        units_repo.upsert_units(s, [
            units_repo.UnitRow(code="27", name="Tỉnh Bắc Ninh", level="province", province_code="27"),
            units_repo.UnitRow(code=UNIT, name="Xã Tam Giang", level="commune", province_code="27", parent_code="27",
                         portal_url=HOME),
        ])
        run1 = runs_repo.create_run(s, {}, {}).id
        run2 = runs_repo.create_run(s, {}, {}).id
        # Night one is a day earlier: it is where the revisited home page body lives.
        s.get(AuditRun, run1).started_at = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)
        s.get(AuditRun, run2).started_at = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)

    night1 = evidence_dir / "warc" / run1 / f"{UNIT}-00.warc.gz"
    digests = write_warc(night1, [
        Capture(ROBOTS, "2025-06-01T01:00:00Z", b"User-agent: *\nAllow: /\n", "text/plain"),
        Capture(HOME, "2025-06-01T01:00:01Z", HOME_HTML),
        Capture(ABOUT, "2025-06-01T01:00:02Z", ABOUT_HTML),
    ])
    # Night two: the home page is unchanged (revisit), a news page is new; a resumed crawl wrote -01.
    night2a = evidence_dir / "warc" / run2 / f"{UNIT}-00.warc.gz"
    night2b = evidence_dir / "warc" / run2 / f"{UNIT}-01.warc.gz"
    write_warc(night2a, [
        Capture(HOME, "2025-06-02T01:00:01Z", revisit_of=(digests[HOME], HOME, "2025-06-01T01:00:01Z")),
        Capture(NEWS, "2025-06-02T01:00:02Z", NEWS_BYTES, "text/html; charset=windows-1258"),
    ])
    write_warc(night2b, [Capture(ABOUT, "2025-06-02T01:00:03Z", ABOUT_HTML)])

    with session(engine) as s:
        _store_unit_run(s, run1, blobs, [(HOME, HOME_HTML, "text/html"), (ABOUT, ABOUT_HTML, "text/html")],
                        [str(night1.relative_to(evidence_dir))], shot=None)
        _store_unit_run(s, run2, blobs, [(HOME, HOME_HTML, "text/html"), (NEWS, NEWS_BYTES, "text/html"),
                                         (ABOUT, ABOUT_HTML, "text/html")],
                        [str(p.relative_to(evidence_dir)) for p in (night2a, night2b)], shot=png_digest)
    return World(engine, blobs, evidence_dir, run1, run2, png_digest, [night1, night2a, night2b])


def _export(world: World, tmp_path: Path, fmt: str = "wacz", run: str | None = None, unit: str = UNIT) -> Path:
    out = tmp_path / "out" / f"{unit}.{fmt}"
    return export_unit_evidence(world.engine, world.blobs, world.evidence_dir, run or world.run2, unit, out, fmt)


def _cdxj(zf: zipfile.ZipFile) -> list[tuple[str, str, dict[str, str]]]:
    lines = zf.read("indexes/index.cdxj").decode("utf-8").splitlines()
    assert lines == sorted(lines)
    parsed = []
    for line in lines:
        key, ts, rest = line.split(" ", 2)
        parsed.append((key, ts, json.loads(rest)))
    return parsed


def test_wacz_members_and_stored_warcs(world: World, tmp_path: Path) -> None:
    out = _export(world, tmp_path)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        hexdigest = world.png_digest.split(":", 1)[1]
        assert names == {
            f"archive/{UNIT}-00.warc.gz", f"archive/{UNIT}-01.warc.gz", f"archive/{UNIT}-originals.warc.gz",
            "indexes/index.cdxj", "pages/pages.jsonl", "egov-audit/findings.json", f"screenshots/{hexdigest}.png",
            "datapackage.json", "datapackage-digest.json",
        }
        for info in zf.infolist():
            if info.filename.startswith("archive/"):
                assert info.compress_type == zipfile.ZIP_STORED, info.filename
        # The run's WARC files travel byte for byte.
        assert zf.read(f"archive/{UNIT}-00.warc.gz") == world.warc_files[1].read_bytes()
        assert zf.read(f"archive/{UNIT}-01.warc.gz") == world.warc_files[2].read_bytes()
        assert zf.read(f"screenshots/{hexdigest}.png") == _png()


def test_cdxj_offsets_lead_to_the_right_records(world: World, tmp_path: Path) -> None:
    out = _export(world, tmp_path)
    with zipfile.ZipFile(out) as zf:
        entries = _cdxj(zf)
        by_url = {}
        for key, ts, fields in entries:
            assert key == surt(fields["url"])
            assert len(ts) == 14 and ts.isdigit()
            # Read through the zip member as a replay tool does: seek, then parse one record.
            with zf.open(f"archive/{fields['filename']}") as member:
                member.seek(int(fields["offset"]))
                raw = member.read(int(fields["length"]))
            records = list(ArchiveIterator(io.BytesIO(raw)))
            assert len(records) == 1, fields  # the length spans exactly one gzip member
            record = records[0]
            assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
            assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]
            assert record.http_headers.get_statuscode() == fields["status"]
            expected_type = "revisit" if fields["mime"] == "warc/revisit" else "response"
            assert record.rec_type == expected_type
            by_url.setdefault(fields["url"], []).append((ts, fields))

    # Night two: home (revisit), news, about; plus night one's home response copied as the original.
    assert sorted((u, ts, f["filename"]) for u, v in by_url.items() for ts, f in v) == sorted([
        (HOME, "20250601010001", f"{UNIT}-originals.warc.gz"),
        (HOME, "20250602010001", f"{UNIT}-00.warc.gz"),
        (NEWS, "20250602010002", f"{UNIT}-00.warc.gz"),
        (ABOUT, "20250602010003", f"{UNIT}-01.warc.gz"),
    ])
    assert by_url[NEWS][0][1]["mime"] == "text/html"
    revisit = next(f for ts, f in by_url[HOME] if f["mime"] == "warc/revisit")
    original = next(f for ts, f in by_url[HOME] if f["mime"] != "warc/revisit")
    assert revisit["digest"] == original["digest"]


def test_datapackage_hashes_and_metadata(world: World, tmp_path: Path) -> None:
    out = _export(world, tmp_path)
    with zipfile.ZipFile(out) as zf:
        package = json.loads(zf.read("datapackage.json"))
        assert package["profile"] == "data-package"
        assert package["wacz_version"] == "1.1.1"
        assert package["software"].startswith("egov-audit ")
        assert UNIT in package["title"] and world.run2 in package["title"]
        datetime.fromisoformat(package["created"].replace("Z", "+00:00"))
        assert package["mainPageUrl"] == HOME
        assert package["egov_audit"]["unresolved_revisits"] == []
        listed = {r["path"] for r in package["resources"]}
        assert listed == set(zf.namelist()) - {"datapackage.json", "datapackage-digest.json"}
        for resource in package["resources"]:
            data = zf.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
            assert resource["name"] == Path(resource["path"]).name
        digest_doc = json.loads(zf.read("datapackage-digest.json"))
        assert digest_doc == {"path": "datapackage.json",
                              "hash": "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()}


def test_pages_jsonl_lists_html_pages_with_vietnamese_titles(world: World, tmp_path: Path) -> None:
    out = _export(world, tmp_path)
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("pages/pages.jsonl").decode("utf-8").splitlines()
        indexed = {(f["url"], ts) for _, ts, f in _cdxj(zf)}
    header = json.loads(lines[0])
    assert header["format"] == "json-pages-1.0" and header["id"] == "pages" and UNIT in header["title"]
    pages = [json.loads(line) for line in lines[1:]]
    titles = {p["url"]: p["title"] for p in pages}
    # The unchanged home page keeps its title (read from the original body); robots.txt is no page.
    assert titles == {HOME: HOME_TITLE, NEWS: unicodedata.normalize("NFC", NEWS_TITLE), ABOUT: ABOUT_TITLE}
    for page in pages:
        ts = page["ts"]
        assert ts.startswith("2025-06-02T")
        assert (page["url"], ts.replace("-", "").replace("T", "").replace(":", "").rstrip("Z")) in indexed
        assert len(page["id"]) == 32
    assert len({p["id"] for p in pages}) == len(pages)


def test_findings_json_is_the_units_export_entry(world: World, tmp_path: Path) -> None:
    out = _export(world, tmp_path)
    with zipfile.ZipFile(out) as zf:
        doc = json.loads(zf.read("egov-audit/findings.json"))
    with session(world.engine) as s:
        full = findings_json.findings_export(s, world.run2)
    assert doc["run"] == full["run"]
    assert doc["units"] == [u for u in full["units"] if u["code"] == UNIT]
    assert doc["units"][0]["findings"][0]["evidence"][0]["screenshot"] == world.png_digest


def test_zip_format_and_session_argument(world: World, tmp_path: Path) -> None:
    out = tmp_path / "night1.zip"
    with session(world.engine) as s:
        result = export_unit_evidence(s, world.blobs, world.evidence_dir, world.run1, UNIT, out, "zip")
    assert result == out
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        package = json.loads(zf.read("datapackage.json"))
        entries = _cdxj(zf)
    # Night one has no revisits and no screenshots; the plain zip carries no WACZ page list.
    assert names == {f"archive/{UNIT}-00.warc.gz", "indexes/index.cdxj", "egov-audit/findings.json", "datapackage.json"}
    assert "wacz_version" not in package
    assert sorted((f["url"], f["mime"]) for _, _, f in entries) == sorted(
        [(HOME, "text/html"), (ABOUT, "text/html"), (ROBOTS, "text/plain")]
    )


def test_write_is_atomic(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out" / "unit.wacz"
    out.parent.mkdir()
    out.write_bytes(b"previous export")

    def boom(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(evidence, "_pages_jsonl", boom)
    with pytest.raises(RuntimeError):
        export_unit_evidence(world.engine, world.blobs, world.evidence_dir, world.run2, UNIT, out, "wacz")
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in out.parent.iterdir()) == ["unit.wacz"]

    monkeypatch.undo()
    export_unit_evidence(world.engine, world.blobs, world.evidence_dir, world.run2, UNIT, out, "wacz")
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["unit.wacz"]


def test_bad_input_raises_input_error(world: World, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no-such-run"):
        _export(world, tmp_path, run="no-such-run")
    with pytest.raises(InputError, match="99999"):
        _export(world, tmp_path, unit="99999")
    with pytest.raises(InputError, match="27 was not audited"):
        _export(world, tmp_path, unit="27")
    with pytest.raises(InputError, match="wacz, zip"):
        _export(world, tmp_path, fmt="tar")
    world.blobs.path(world.png_digest).unlink()
    with pytest.raises(InputError, match="screenshot"):
        _export(world, tmp_path)
    world.warc_files[2].unlink()
    with pytest.raises(InputError, match=f"{UNIT}-01.warc.gz"):
        _export(world, tmp_path)
    # Nothing half-written is left behind by a refused export.
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unresolved_revisit_is_reported(world: World, tmp_path: Path) -> None:
    # The earlier night's file was pruned: the package still exports and says what cannot replay.
    world.warc_files[0].unlink()
    out = _export(world, tmp_path)
    with zipfile.ZipFile(out) as zf:
        package = json.loads(zf.read("datapackage.json"))
        assert f"archive/{UNIT}-originals.warc.gz" not in zf.namelist()
    unresolved = package["egov_audit"]["unresolved_revisits"]
    assert [(u["url"], u["refers_to"]) for u in unresolved] == [(HOME, HOME)]


def test_verify_warc_counts_and_digests(world: World, tmp_path: Path) -> None:
    report = verify_warc(world.warc_files[1])
    assert report["types"] == {"warcinfo": 1, "request": 2, "revisit": 1, "response": 1}
    assert report["records"] == 5
    # warcio gives requests a digest of their empty payload; the revisit's digest is of an earlier body.
    assert report["digests"] == {"checked": 3, "ok": 3, "skipped": 1}
    assert report["ok"] and report["mismatches"] == [] and report["errors"] == []

    # Digests in other notations, in records written by hand (warcio's writer always computes its own):
    # SHA-256 hex (right), SHA-1 base32 (wrong).
    body = "Trang chủ".encode()
    odd = tmp_path / "odd.warc.gz"
    with odd.open("wb") as fh:
        for number, (url, digest) in enumerate(((HOME, "sha256:" + hashlib.sha256(body).hexdigest()),
                                                (ABOUT, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))):
            block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
            head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
                    f"WARC-Date: 2025-06-02T01:00:0{number}Z\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
                    f"Content-Type: application/http; msgtype=response\r\nWARC-Payload-Digest: {digest}\r\n"
                    f"Content-Length: {len(block)}\r\n\r\n").encode()
            fh.write(gzip.compress(head + block + b"\r\n\r\n"))
    report = verify_warc(odd)
    assert report["digests"] == {"checked": 2, "ok": 1, "skipped": 0}
    assert not report["ok"]
    [mismatch] = report["mismatches"]
    assert mismatch["uri"] == ABOUT and mismatch["type"] == "response" and mismatch["offset"] > 0
    assert mismatch["kind"] == "payload"

    # Cut inside the gzip trailer, inside the last record, and the last record nearly whole: warcio alone
    # reads all three without complaint.
    data = world.warc_files[0].read_bytes()
    for cut in (4, 40, 120):
        damaged = tmp_path / f"damaged-{cut}.warc.gz"
        damaged.write_bytes(data[: len(data) - cut])
        report = verify_warc(damaged)
        assert not report["ok"] and report["errors"], (cut, report)
    assert verify_warc(world.warc_files[0])["ok"]

    with pytest.raises(InputError, match="not found"):
        verify_warc(tmp_path / "missing.warc.gz")


def test_surt_keys() -> None:
    assert surt("https://www.Example.gov.vn:443/Tin-Tuc?b=2&a=1#top") == "vn,gov,example)/tin-tuc?a=1&b=2"
    assert surt("http://127.0.0.1:8080") == "1,0,0,127:8080)/"
    assert surt("http://www2.bacninh.gov.vn/") == "vn,gov,bacninh)/"
    assert surt("dns:bacninh.gov.vn") == "dns:bacninh.gov.vn"


def test_fixture_stores_warc_names_as_the_pipeline_does(world: World) -> None:
    # The export reads these rows; they must have the pipeline's shape (relative to <data_dir>/evidence).
    with session(world.engine) as s:
        crawl = runs_repo.unit_crawl(s, world.run2, UNIT)
        assert json.loads(crawl.warc_files_json) == [f"warc/{world.run2}/{UNIT}-00.warc.gz",
                                                     f"warc/{world.run2}/{UNIT}-01.warc.gz"]
        assert len(list(s.exec(select(AuditRun)))) == 2
