"""WARC writer implementing ``ExchangeSink``: request + response records, gzip per record.

The file is written as ``<path>.open`` and renamed to ``<path>`` by ``close()``, so a finished WARC
is always complete. Each record is one gzip member, flushed as written. If a run is killed, the next
``WarcRecorder(path)`` finds the ``.open`` file, truncates it to its last complete record (a record
cut mid-write is dropped) and appends to it: together with ``crawl_site(resume=...)`` the evidence of
the killed run is kept and not fetched twice.

Unchanged pages on a later night: pass ``known_digests`` (payload digest → (target URI, WARC-Date) of
the earlier response, for example from ``WarcRecorder.digests`` of that night). A response whose
payload digest is known is written as a ``revisit`` record (identical-payload-digest profile) without
its body. Digests are WARC-style ``sha1:<BASE32>``; ``sha256:<hex>`` keys (``CapturedPage.body_digest``)
are accepted too.

A 304 answer to a conditional request (``Exchange.revisit_of`` set by the sender) is written as a
``revisit`` record of the server-not-modified profile, referring to the earlier capture it confirms (its
URI, date and payload digest), so the evidence package can bring that earlier body along.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from datetime import UTC
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from egov_audit import __version__
from egov_audit.core.bodies import payload_digest
from egov_audit.crawler.exchange import Exchange

SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"

_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
            307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def recover_open_file(path: Path) -> int:
    """Truncate a WARC left by a killed writer to its last complete record; returns its new size."""
    good = 0
    size = path.stat().st_size
    try:
        with path.open("rb") as fh, path.open("rb") as member_fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                record.raw_stream.read()
                offset = iterator.get_record_offset()
                length = iterator.get_record_length()
                if offset is None or length is None or offset + length > size:
                    break
                # warcio hands back whatever a cut gzip member inflates to, without an error: a record is
                # whole only if its own gzip member reaches its end marker.
                member_fh.seek(offset)
                inflater = zlib.decompressobj(31)
                inflater.decompress(member_fh.read(length))
                if not inflater.eof:
                    break
                good = offset + length
    except Exception:  # noqa: BLE001 - any damage after the last good record is cut off
        pass
    with path.open("r+b") as fh:
        fh.truncate(good)
    return good


def capture_digests(paths: list[Path]) -> dict[str, tuple[str, str]]:
    """Payload digest → (URI, WARC-Date) of the earliest capture, over the response and revisit records of
    earlier WARC files (robots.txt, sitemaps, probes and pages alike): what ``known_digests`` wants.
    A revisit contributes the original it refers to. Unreadable files are skipped (evidence pruned)."""
    known: dict[str, tuple[str, str]] = {}
    for path in paths:
        try:
            with Path(path).open("rb") as fh:
                for record in ArchiveIterator(fh):
                    headers = record.rec_headers
                    digest = headers.get_header("WARC-Payload-Digest")
                    if not digest or headers.get_header("WARC-Truncated"):
                        continue
                    if record.rec_type == "response":
                        known.setdefault(digest, (headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date")))
                    elif record.rec_type == "revisit" and headers.get_header("WARC-Refers-To-Date"):
                        known.setdefault(digest, (headers.get_header("WARC-Refers-To-Target-URI"),
                                                  headers.get_header("WARC-Refers-To-Date")))
        except (OSError, ValueError, EOFError):
            continue
    return known


class WarcRecorder:
    """An ``ExchangeSink`` writing a gzip-per-record WARC/1.1 file."""

    def __init__(self, path: str | os.PathLike[str], known_digests: dict[str, tuple[str, str]] | None = None) -> None:
        self.path = Path(path)
        self.open_path = self.path.with_name(self.path.name + ".open")
        self.known_digests = dict(known_digests or {})
        self.digests: dict[str, tuple[str, str]] = {}
        """Payload digest → (URI, WARC-Date) of every response body written by this recorder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = True
        if self.open_path.exists():
            fresh = recover_open_file(self.open_path) == 0
        self._fh = self.open_path.open("ab")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        if fresh:
            info = self._writer.create_warcinfo_record(
                self.path.name, {"software": f"egov-audit/{__version__}", "format": "WARC File Format 1.1"}
            )
            self._write(info)

    def _write(self, record: object) -> None:
        self._writer.write_record(record)
        # One flush per record: a kill loses at most the record being written.
        self._fh.flush()

    def record(self, exchange: Exchange) -> None:
        if self._fh.closed:
            raise ValueError("WarcRecorder is closed")
        writer = self._writer
        started = exchange.started_at if exchange.started_at.tzinfo else exchange.started_at.replace(tzinfo=UTC)
        date = started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        parts = exchange.url.split("/", 3)
        target = "/" + (parts[3] if len(parts) > 3 else "")
        request_headers = StatusAndHeaders(
            f"{exchange.method} {target} {exchange.http_version}", exchange.request_headers, is_http_request=True
        )
        reason = _REASONS.get(exchange.status, "")
        response_headers = StatusAndHeaders(
            f"{exchange.status} {reason}".strip(), exchange.response_headers, protocol=exchange.http_version
        )
        common: dict[str, str] = {"WARC-Date": date}
        if exchange.ip_address:
            common["WARC-IP-Address"] = exchange.ip_address
        digest = payload_digest(exchange.body)
        sha256 = "sha256:" + hashlib.sha256(exchange.body).hexdigest()
        known = None if exchange.truncated else (self.known_digests.get(digest) or self.known_digests.get(sha256))
        if exchange.revisit_of is not None and exchange.status == 304:
            uri, when, earlier = exchange.revisit_of
            response = writer.create_revisit_record(
                exchange.url, earlier, uri, when, http_headers=response_headers, warc_headers_dict=dict(common))
            response.rec_headers.replace_header("WARC-Profile", SERVER_NOT_MODIFIED)
        elif known is not None and exchange.body:
            response = writer.create_revisit_record(
                exchange.url, digest, known[0], known[1], http_headers=response_headers, warc_headers_dict=dict(common)
            )
        else:
            headers = dict(common)
            headers["WARC-Payload-Digest"] = digest
            if exchange.truncated:
                headers["WARC-Truncated"] = exchange.truncated
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=response_headers,
                warc_headers_dict=headers,
            )
            if not exchange.truncated:
                self.digests.setdefault(digest, (exchange.url, date))
        request_extra = dict(common)
        request_extra["WARC-Concurrent-To"] = response.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            exchange.url, "request", payload=BytesIO(exchange.request_body), length=len(exchange.request_body),
            http_headers=request_headers, warc_headers_dict=request_extra,
        )
        self._write(request)
        self._write(response)

    def close(self) -> Path:
        """Finish the file: flush, fsync and rename ``<path>.open`` to ``<path>``."""
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self.open_path, self.path)
        return self.path

    def __enter__(self) -> WarcRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
