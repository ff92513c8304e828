"""Evidence packages: one unit's WARC records, index, pages, findings and screenshots for one run.

``export_unit_evidence`` writes a WACZ 1.1.1 file (https://specs.webrecorder.net/wacz/1.1.1/) that
ReplayWeb.page and pywb-based tools replay as it is, or a plain zip with the same evidence for people
who only want the files. The package holds:

- ``archive/<name>.warc.gz``: the unit's WARC files of that run, byte for byte (evidence is never
  edited), stored uncompressed in the zip so a reader can seek to a record by its offset;
- ``archive/<unit>-originals.warc.gz`` when the run has ``revisit`` records whose earlier response lives
  in an earlier run's WARC: those response records are copied verbatim (one gzip member each), so the
  package replays unchanged pages without the rest of the evidence store;
- ``indexes/index.cdxj``: one CDXJ line per response/revisit/resource record, sorted;
- ``pages/pages.jsonl`` (WACZ only): the HTML pages captured, with their titles;
- ``egov-audit/findings.json``: the unit's entry of the findings export (same document shape, one unit);
  in a folder because WACZ validators expect every member other than the datapackage files in one;
- ``screenshots/<hex>.png``: every screenshot the unit's findings refer to;
- ``datapackage.json`` (+ ``datapackage-digest.json`` for WACZ): SHA-256 and size of every file.

``verify_warc`` reads every record of a WARC file and recomputes its payload digest; the tests use it and
an ``evidence verify`` command can print it.

Only the WARC format is relied on here (gzip per record, as warcio reads it), never the crawler's
writer, so WARC files from other tools package the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import os
import re
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.timeutils import iso_date_to_timestamp

from egov_audit import __version__
from egov_audit.core.bodies import decode_body
from egov_audit.core.errors import InputError
from egov_audit.core.text import collapse_whitespace
from egov_audit.exports import findings_json
from egov_audit.storage import runs_repo, units_repo
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.db import session
from egov_audit.storage.models import AuditRun, UnitCrawl

ExportFormat = Literal["wacz", "zip"]
FORMATS: tuple[str, ...] = ("wacz", "zip")
WACZ_VERSION = "1.1.1"
FINDINGS_MEMBER = "egov-audit/findings.json"
PAGES_FORMAT = "json-pages-1.0"

# Records a replay tool looks up by URL; requests and warcinfo are reached through them.
_INDEXED_TYPES = {"response", "revisit", "resource"}
_HTML_MIMES = {"text/html", "application/xhtml+xml"}
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
# A <title> sits in the head; reading more of a large body only costs memory.
_TITLE_SCAN_BYTES = 512 * 1024
_COPY_CHUNK = 1024 * 1024
_HEX = re.compile(r"^[0-9a-fA-F]+$")


# ---------------------------------------------------------------- SURT and CDXJ


def surt(url: str) -> str:
    """The SURT sort key of ``url`` as replay tools compute it (``com,example)/path?a=1&b=2``).

    Lower case, no scheme, fragment, user info, default port or leading ``www``/``www2``; host labels
    reversed; query arguments sorted. This matches the ``surt`` library's defaults and ReplayWeb.page's
    key, which is what matters: a tool finds a capture only when it computes the same key.
    """
    if not url.lower().startswith(("http://", "https://")):
        # dns:, urn: and similar records are keyed by their URI unchanged.
        return url
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    host = re.sub(r"^www\d*\.", "", host)
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep the URL findable by its text
        port = None
    key = ",".join(reversed(host.split("."))) if host else ""
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        key += f":{port}"
    path = (parts.path or "/").lower()
    key += ")" + path
    if parts.query:
        args = sorted(parse_qsl(parts.query.lower(), keep_blank_values=True))
        key += "?" + urlencode(args, safe="/:,;@!$'()*~%")
    return key


@dataclass
class IndexedRecord:
    """One WARC record worth a CDXJ line (and maybe a page entry)."""

    rec_type: str
    url: str
    date: str
    """The record's ``WARC-Date`` as written."""
    timestamp: str
    mime: str
    status: str | None
    digest: str | None
    offset: int
    length: int
    filename: str
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    title: str | None = None

    def cdxj_line(self) -> str:
        fields: dict[str, str] = {"url": self.url, "mime": self.mime}
        if self.status:
            fields["status"] = self.status
        if self.digest:
            fields["digest"] = self.digest
        # Strings, as the reference indexer (cdxj-indexer) writes them; readers accept both.
        fields.update(length=str(self.length), offset=str(self.offset), filename=self.filename)
        return f"{surt(self.url)} {self.timestamp} {json.dumps(fields, ensure_ascii=False)}"


def _mime_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower() or "unk"


def _title_of(body: bytes, content_type: str | None) -> str | None:
    match = _TITLE.search(body)
    if not match:
        return None
    # Decode the whole head, not the title alone: the charset comes from the header or <meta>.
    text = decode_body(body[: match.end()], content_type).text
    found = re.search(r"<title[^>]*>(.*?)</title\s*>", text, re.IGNORECASE | re.DOTALL)
    title = collapse_whitespace(html.unescape(found.group(1))) if found else ""
    return title or None


def index_warc(path: Path, filename: str, *, titles: bool = True) -> list[IndexedRecord]:
    """The response, revisit and resource records of one WARC file with their offsets and lengths.

    ``filename`` is the name the CDXJ lines give (the member name under ``archive/``). Offsets are
    those of the gzip member of each record, so ``seek(offset)`` + ``ArchiveIterator`` reads it back.
    Titles are read from HTML response bodies (status 200) when ``titles`` is set.
    """
    records: list[IndexedRecord] = []
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            if record.rec_type not in _INDEXED_TYPES:
                continue  # requests and warcinfo: the iterator skips their blocks itself
            headers = record.rec_headers
            url = headers.get_header("WARC-Target-URI") or ""
            date = headers.get_header("WARC-Date") or ""
            http = record.http_headers
            status = http.get_statuscode() if http is not None and record.rec_type != "resource" else None
            if record.rec_type == "revisit":
                mime = "warc/revisit"
            elif http is not None and record.rec_type == "response":
                mime = _mime_of(http.get_header("Content-Type"))
            else:
                mime = _mime_of(headers.get_header("Content-Type"))
            title = None
            if titles and record.rec_type == "response" and status == "200" and mime in _HTML_MIMES:
                body = record.content_stream().read(_TITLE_SCAN_BYTES)
                title = _title_of(body, http.get_header("Content-Type") if http is not None else None)
            records.append(
                IndexedRecord(
                    rec_type=record.rec_type,
                    url=url,
                    date=date,
                    timestamp=iso_date_to_timestamp(date) if date else "",
                    mime=mime,
                    status=status,
                    digest=headers.get_header("WARC-Payload-Digest"),
                    offset=iterator.get_record_offset(),
                    length=iterator.get_record_length(),
                    filename=filename,
                    refers_to_uri=headers.get_header("WARC-Refers-To-Target-URI"),
                    refers_to_date=headers.get_header("WARC-Refers-To-Date"),
                    title=title,
                )
            )
    return records


# ---------------------------------------------------------------- digests and verification


def _decode_digest(algorithm: str, value: str) -> bytes | None:
    """The raw bytes of a ``WARC-*-Digest`` value: hex or base32 (padded or not, any case)."""
    size = hashlib.new(algorithm).digest_size
    value = value.strip()
    if len(value) == size * 2 and _HEX.match(value):
        return bytes.fromhex(value)
    padded = value.upper() + "=" * (-len(value) % 8)
    try:
        raw = base64.b32decode(padded)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def _read_hashed(stream: BinaryIO, algorithm: str) -> bytes:
    hasher = hashlib.new(algorithm)
    while chunk := stream.read(_COPY_CHUNK):
        hasher.update(chunk)
    return hasher.digest()


def verify_warc(path: Path | str) -> dict[str, Any]:
    """Read every record of a WARC file and check its digests and its framing.

    Returns ``{"path", "records", "types": {type: count}, "digests": {"checked", "ok", "skipped"},
    "mismatches": [{"kind", "offset", "type", "uri", "expected", "actual"}], "errors": [...], "ok"}``.

    - Payload digests are recomputed here (SHA-1/SHA-256/..., base32 or hex as the value is written)
      over the block after the HTTP headers, as warcio writes and hashes it. Revisit records carry the
      digest of an earlier payload and have none of their own, so they are ``skipped``, as are records
      whose algorithm Python lacks.
    - Block digests are checked by warcio while reading (``kind: "block"`` mismatches).
    - Framing: every gzip member must be complete and the records must cover the whole file, because
      warcio silently stops at a truncated last record. Problems go to ``errors``.

    A damaged file is reported, not raised (this is a diagnosis tool); a missing file raises InputError.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "WARC file not found")
    result: dict[str, Any] = {
        "path": str(path),
        "records": 0,
        "types": {},
        "digests": {"checked": 0, "ok": 0, "skipped": 0},
        "mismatches": [],
        "errors": [],
    }
    members: list[tuple[int, int]] = []
    try:
        with path.open("rb") as fh:
            iterator = ArchiveIterator(fh, check_digests=True)
            for record in iterator:
                result["records"] += 1
                result["types"][record.rec_type] = result["types"].get(record.rec_type, 0) + 1
                uri = record.rec_headers.get_header("WARC-Target-URI")
                declared = record.rec_headers.get_header("WARC-Payload-Digest")
                check = _payload_check(record.rec_type, declared)
                actual: bytes | None = None
                if check is None:
                    if declared:
                        result["digests"]["skipped"] += 1
                    # Read the block through warcio's digest checker (read_to_end would bypass it).
                    while record.raw_stream.read(_COPY_CHUNK):
                        pass
                else:
                    actual = _read_hashed(record.raw_stream, check[0])
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                members.append((offset, length))
                if check is not None and actual is not None:
                    result["digests"]["checked"] += 1
                    if actual == check[1]:
                        result["digests"]["ok"] += 1
                    else:
                        result["mismatches"].append({
                            "kind": "payload", "offset": offset, "type": record.rec_type, "uri": uri,
                            "expected": declared,
                            "actual": f"{check[0]}:" + base64.b32encode(actual).decode("ascii"),
                        })
                checker = record.digest_checker
                # warcio reports payload failures too; those are already counted above from our own hash.
                block_problems = [str(p) for p in checker.problems if "block digest" in str(p)]
                if block_problems:
                    result["mismatches"].append({
                        "kind": "block", "offset": offset, "type": record.rec_type, "uri": uri,
                        "expected": record.rec_headers.get_header("WARC-Block-Digest"),
                        "actual": "; ".join(block_problems),
                    })
                elif (checker.passed is None and record.rec_type != "revisit"
                      and record.rec_headers.get_header("WARC-Block-Digest")):
                    # warcio skips revisits; for any other record, no verdict means the block ended early.
                    result["errors"].append(f"record at offset {offset} ({uri}) is incomplete")
        result["errors"].extend(_framing_problems(path, members))
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as exc:
        # Damage (garbage between records, a corrupt gzip stream) is a finding, not a crash.
        result["errors"].append(f"{type(exc).__name__}: {exc}")
    result["ok"] = not result["mismatches"] and not result["errors"]
    return result


def _framing_problems(path: Path, members: list[tuple[int, int]]) -> list[str]:
    """Bytes not covered by any record, and gzip members cut before their trailer."""
    problems: list[str] = []
    size = path.stat().st_size
    end = members[-1][0] + members[-1][1] if members else 0
    if end != size:
        problems.append(f"{size - end} bytes after the last complete record (offset {end}): truncated or damaged")
    with path.open("rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return problems  # an uncompressed WARC has no members to check
        for offset, length in members:
            fh.seek(offset)
            decompressor = zlib.decompressobj(wbits=31)
            remaining = length
            while remaining > 0 and not decompressor.eof:
                chunk = fh.read(min(_COPY_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                decompressor.decompress(chunk)
            if not decompressor.eof:
                problems.append(f"gzip member at offset {offset} is truncated (no end of stream)")
    return problems


def _payload_check(rec_type: str, declared: str | None) -> tuple[str, bytes] | None:
    if not declared or rec_type == "revisit" or ":" not in declared:
        return None
    label, value = declared.split(":", 1)
    algorithm = label.strip().lower().replace("-", "")
    if algorithm not in hashlib.algorithms_available:
        return None
    expected = _decode_digest(algorithm, value)
    if expected is None:
        # An unreadable digest value cannot match anything: report it as a mismatch.
        return algorithm, b""
    return algorithm, expected


# ---------------------------------------------------------------- reading the database


@dataclass
class _UnitEvidence:
    """Everything the package needs from the database, read in one transaction."""

    run: dict[str, Any]
    unit_entry: dict[str, Any]
    warc_files: list[str]
    home_url: str | None
    earlier_warc_files: list[str] = field(default_factory=list)
    """WARC files of the unit's earlier runs, newest first (where revisited originals live)."""


@contextmanager
def _open_session(engine_or_session: sa.Engine | Session) -> Iterator[Session]:
    if isinstance(engine_or_session, Session):
        yield engine_or_session
    else:
        with session(engine_or_session) as s:
            yield s


def _load(s: Session, run_id: str, unit_code: str) -> _UnitEvidence:
    run = runs_repo.get_run(s, run_id)
    if run is None:
        raise InputError("database", f"no audit run with id {run_id!r}", location="run")
    unit = units_repo.get_unit(s, unit_code)
    if unit is None:
        raise InputError("database", f"no unit with code {unit_code!r}", location="unit")
    crawl = runs_repo.unit_crawl(s, run_id, unit_code)
    export = findings_json.findings_export(s, run_id, [unit_code])
    if not export["units"]:
        raise InputError("database", f"unit {unit_code} was not audited in run {run_id}", location="unit")
    entry = export["units"][0]
    run_json = export["run"]
    earlier: list[str] = []
    query = (
        select(UnitCrawl.warc_files_json)
        .join(AuditRun, AuditRun.id == UnitCrawl.run_id)
        .where(UnitCrawl.unit_code == unit_code, UnitCrawl.run_id != run_id, AuditRun.started_at <= run.started_at)
        .order_by(AuditRun.started_at.desc(), AuditRun.id.desc())
    )
    for files_json in s.exec(query):
        earlier.extend(json.loads(files_json or "[]"))
    return _UnitEvidence(
        run=run_json,
        unit_entry=entry,
        warc_files=list(json.loads(crawl.warc_files_json or "[]")) if crawl else [],
        home_url=crawl.home_url if crawl else None,
        earlier_warc_files=earlier,
    )


def _evidence_path(evidence_dir: Path, relative: str) -> Path:
    path = (evidence_dir / relative).resolve()
    # The names come from the database; a path leaving the evidence store is not evidence.
    if not path.is_relative_to(evidence_dir.resolve()):
        raise InputError(relative, f"WARC path is outside the evidence directory {evidence_dir}")
    return path


# ---------------------------------------------------------------- revisited originals


def _copy_originals(
    revisits: list[IndexedRecord], present: set[str], earlier: list[Path], target: Path
) -> tuple[int, list[dict[str, str | None]]]:
    """Copy, byte for byte, the earlier response records that this run's revisits point at.

    ``earlier`` is searched in order (newest run first). A revisit is resolved by a response with the
    same payload digest, preferring the one at the referred URI and date (identical-payload-digest
    revisits only promise the same body, so any response with that digest replays correctly).
    Returns (records copied, revisits left unresolved).
    """
    wanted: dict[str, list[IndexedRecord]] = {}
    for rec in revisits:
        if rec.digest and rec.digest not in present:
            wanted.setdefault(rec.digest, []).append(rec)
    copied = 0
    found: set[str] = set()
    with target.open("wb") as out:
        for path in earlier:
            if len(found) == len(wanted):
                break
            if not path.is_file():
                continue  # an earlier night's file pruned by the operator: older ones may still hold it
            by_digest: dict[str, list[IndexedRecord]] = {}
            for cand in index_warc(path, path.name, titles=False):
                if cand.rec_type == "response" and cand.digest in wanted and cand.digest not in found:
                    by_digest.setdefault(cand.digest, []).append(cand)
            if not by_digest:
                continue
            with path.open("rb") as src:
                for digest, cands in by_digest.items():
                    refs = wanted[digest]
                    best = max(cands, key=lambda c: (any(c.url == r.refers_to_uri for r in refs),
                                                     any(c.date == r.refers_to_date for r in refs)))
                    src.seek(best.offset)
                    out.write(src.read(best.length))
                    copied += 1
                    found.add(digest)
    unresolved = [
        {"url": r.url, "date": r.date, "digest": r.digest, "refers_to": r.refers_to_uri}
        for digest, refs in sorted(wanted.items()) if digest not in found for r in refs
    ]
    return copied, unresolved


# ---------------------------------------------------------------- writing the package


class _PackageWriter:
    """Adds members to the zip and remembers each one's hash and size for ``datapackage.json``."""

    def __init__(self, zf: zipfile.ZipFile, created: datetime) -> None:
        self.zf = zf
        self.resources: list[dict[str, Any]] = []
        self._date_time = created.timetuple()[:6]

    def _info(self, name: str, compress: bool, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        # WACZ readers fetch WARC records by byte range, so archive/ members must be stored;
        # text members compress well and are read whole.
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.file_size = size
        return info

    def add_bytes(self, name: str, data: bytes, *, compress: bool, listed: bool = True) -> None:
        self.zf.writestr(self._info(name, compress, len(data)), data)
        if listed:
            self._list(name, "sha256:" + hashlib.sha256(data).hexdigest(), len(data))

    def add_file(self, name: str, path: Path) -> None:
        size = path.stat().st_size
        hasher = hashlib.sha256()
        with path.open("rb") as src, self.zf.open(self._info(name, False, size), "w", force_zip64=size > 2**31) as dst:
            while chunk := src.read(_COPY_CHUNK):
                hasher.update(chunk)
                dst.write(chunk)
        self._list(name, "sha256:" + hasher.hexdigest(), size)

    def _list(self, name: str, digest: str, size: int) -> None:
        self.resources.append({"name": Path(name).name, "path": name, "hash": digest, "bytes": size})


def _pages_jsonl(title: str, records: list[IndexedRecord], titles_by_digest: dict[str, str]) -> bytes:
    lines = [json.dumps({"format": PAGES_FORMAT, "id": "pages", "title": title}, ensure_ascii=False)]
    seen: set[str] = set()
    for rec in sorted(records, key=lambda r: (r.timestamp, r.url)):
        if rec.status != "200" or rec.url in seen:
            continue
        if rec.rec_type == "response" and rec.mime in _HTML_MIMES:
            page_title = rec.title
        elif rec.rec_type == "revisit" and rec.digest in titles_by_digest:
            # An unchanged page: its title is the one of the earlier body it points at.
            page_title = titles_by_digest[rec.digest]
        else:
            continue
        seen.add(rec.url)
        entry = {
            # Stable across re-exports of the same evidence, so links to a page id keep working.
            "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{rec.timestamp} {rec.url}").hex,
            "url": rec.url,
            "ts": rec.date,
            "title": page_title or rec.url,
        }
        lines.append(json.dumps(entry, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _screenshots(findings: list[dict[str, Any]]) -> list[str]:
    digests: list[str] = []
    for finding in findings:
        for evidence in finding.get("evidence") or []:
            shot = evidence.get("screenshot")
            if shot and shot not in digests:
                digests.append(shot)
    return digests


def export_unit_evidence(
    engine_or_session: sa.Engine | Session,
    blobs: BlobStore,
    evidence_dir: Path,
    run_id: str,
    unit_code: str,
    out: Path,
    fmt: ExportFormat | str = "wacz",
) -> Path:
    """Package one unit's evidence of one run as a WACZ (``fmt="wacz"``) or a plain zip; returns ``out``.

    The file appears complete or not at all (temporary file in the same directory, then ``os.replace``).
    Raises ``InputError`` for an unknown run or unit, a unit not audited in that run, a WARC file or
    screenshot missing from the evidence store, and (WACZ only) a unit without any WARC file.
    """
    if fmt not in FORMATS:
        raise InputError("--format", f"evidence export format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    evidence_dir = Path(evidence_dir)
    out = Path(out)
    with _open_session(engine_or_session) as s:
        data = _load(s, run_id, unit_code)

    warc_paths: list[tuple[str, Path]] = []
    names: set[str] = set()
    for relative in data.warc_files:
        path = _evidence_path(evidence_dir, relative)
        if not path.is_file():
            raise InputError(str(path), f"WARC file of unit {unit_code} in run {run_id} is missing")
        name = path.name
        if name in names:  # two directories holding the same file name: keep both, distinctly
            name = f"{len(names):02d}-{name}"
        names.add(name)
        warc_paths.append((f"archive/{name}", path))
    if fmt == "wacz" and not warc_paths:
        crawl_status = data.unit_entry["crawl"]["status"]
        raise InputError(
            "database",
            f"unit {unit_code} has no WARC file in run {run_id} (crawl status {crawl_status}); "
            "a WACZ needs captured pages (use --format zip for the findings alone)",
            location="unit",
        )
    shots = _screenshots(data.unit_entry["findings"])
    for digest in shots:
        if not blobs.exists(digest):
            raise InputError(str(blobs.path(digest)), f"screenshot {digest} of unit {unit_code} is missing")

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    originals = tmp.with_name(tmp.name + ".originals")
    try:
        _write_package(data, blobs, evidence_dir, run_id, unit_code, fmt, warc_paths, shots, tmp, originals)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        originals.unlink(missing_ok=True)
    return out


def _add_screenshots(writer: _PackageWriter, blobs: BlobStore, shots: list[str]) -> None:
    for digest in shots:
        png = blobs.get(digest)
        # The store names blobs by hash; a blob whose bytes no longer match is not evidence.
        if "sha256:" + hashlib.sha256(png).hexdigest() != digest:
            raise InputError(str(blobs.path(digest)), f"screenshot {digest} does not match its digest")
        writer.add_bytes(f"screenshots/{digest.split(':', 1)[1]}.png", png, compress=False)


def _write_package(
    data: _UnitEvidence,
    blobs: BlobStore,
    evidence_dir: Path,
    run_id: str,
    unit_code: str,
    fmt: str,
    warc_paths: list[tuple[str, Path]],
    shots: list[str],
    tmp: Path,
    originals: Path,
) -> None:
    created = datetime.now(UTC).replace(microsecond=0)
    title = f"egov-audit: {data.unit_entry['name']} ({unit_code}), run {run_id}"
    records: list[IndexedRecord] = []
    for member, path in warc_paths:
        records.extend(index_warc(path, Path(member).name, titles=fmt == "wacz"))

    # Unchanged pages were written as revisits of an earlier night: bring those bodies along.
    present = {r.digest for r in records if r.rec_type == "response" and r.digest}
    revisits = [r for r in records if r.rec_type == "revisit"]
    unresolved: list[dict[str, str | None]] = []
    originals_member = None
    if revisits and any(r.digest not in present for r in revisits):
        earlier = [evidence_dir / rel for rel in data.earlier_warc_files
                   if (evidence_dir / rel).resolve().is_relative_to(evidence_dir.resolve())]
        copied, unresolved = _copy_originals(revisits, present, earlier, originals)
        if copied:
            originals_member = f"archive/{unit_code}-originals.warc.gz"
            records.extend(index_warc(originals, Path(originals_member).name, titles=fmt == "wacz"))
    titles_by_digest = {r.digest: r.title for r in records if r.rec_type == "response" and r.digest and r.title}
    # Pages are what this run saw; the copied originals only lend their titles to the revisits.
    run_records = [r for r in records if originals_member is None or r.filename != Path(originals_member).name]

    cdxj = sorted(r.cdxj_line() for r in records)
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        writer = _PackageWriter(zf, created)
        for member, path in warc_paths:
            writer.add_file(member, path)
        if originals_member:
            writer.add_file(originals_member, originals)
        writer.add_bytes("indexes/index.cdxj", ("\n".join(cdxj) + "\n").encode("utf-8") if cdxj else b"",
                         compress=True)
        if fmt == "wacz":
            writer.add_bytes("pages/pages.jsonl", _pages_jsonl(title, run_records, titles_by_digest), compress=True)
        findings_doc = {"run": data.run, "units": [data.unit_entry]}
        writer.add_bytes(FINDINGS_MEMBER, json.dumps(findings_doc, ensure_ascii=False, indent=2).encode("utf-8"),
                         compress=True)
        _add_screenshots(writer, blobs, shots)

        package: dict[str, Any] = {
            "profile": "data-package",
            "resources": writer.resources,
            "created": created.isoformat().replace("+00:00", "Z"),
            "software": f"egov-audit {__version__}",
            "title": title,
        }
        if fmt == "wacz":
            package["wacz_version"] = WACZ_VERSION
            home = data.home_url
            home_capture = next((r for r in sorted(records, key=lambda r: r.timestamp)
                                 if r.url == home and r.rec_type != "resource"), None)
            if home_capture is not None:
                package["mainPageUrl"] = home_capture.url
                package["mainPageDate"] = home_capture.date
        package["egov_audit"] = {
            "run_id": run_id,
            "unit_code": unit_code,
            "format": fmt,
            "unresolved_revisits": unresolved,
        }
        package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
        writer.add_bytes("datapackage.json", package_bytes, compress=True, listed=False)
        if fmt == "wacz":
            digest_doc = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
            writer.add_bytes("datapackage-digest.json", json.dumps(digest_doc).encode("utf-8"), compress=True,
                             listed=False)
