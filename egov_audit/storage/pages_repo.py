"""Fetched pages: rows, bodies in the blob store, the ``CapturedSite`` rebuilt from them (recheck, resume)."""

from __future__ import annotations

import json
import unicodedata
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, PriorCapture
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.columns import dumps
from egov_audit.storage.models import (
    AuditRun,
    Page,
    Unit,
)
from egov_audit.storage.runs_repo import probes_of, unit_crawl
from egov_audit.storage.units_repo import nested_scopes

CONTENT_COLUMNS = ("final_url", "status", "error", "content_type", "encoding", "legacy_font_encoding",
                   "headers_digest", "body_digest", "size_bytes", "redirects_json", "elapsed_seconds", "fetched_at",
                   "rendered_digest", "etag", "last_modified", "changed_at")
"""The columns a copied row (``not_modified``, ``carried``) shares with the row it copies: what the fetch got.
A copy holds the id of that row (``Page.copy_of``) and leaves these empty; tonight's place in the crawl
(depth, referrer, link text), confirmation time, time to first byte and how it was got are its own."""

_EMPTY_CONTENT = {name: None for name in CONTENT_COLUMNS} | {"final_url": "", "redirects_json": "[]"}
"""What a copy stores in the content columns (two of them may not be NULL)."""


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    return next((v for k, v in (headers or {}).items() if k.lower() == name), None)


def record_page(
    s: Session,
    run_id: str,
    unit_code: str,
    page: CapturedPage,
    headers: dict[str, str] | None,
    blobs: BlobStore,
    raw_body: bytes | None,
    changed_at: datetime | None = None,
) -> Page:
    """Persist one fetched page: body, headers (as JSON) and rendered DOM go to the blob store.

    Idempotent on (run, unit, url): recording the same URL again updates the row, so a resumed crawl or
    a sink called twice never duplicates pages. The response's ETag and Last-Modified are kept as the
    next night's validators; ``changed_at`` is when the body was last seen to change (incremental nights).
    """
    body_digest = blobs.put(raw_body) if raw_body is not None else page.body_digest
    headers_digest = blobs.put(dumps(headers).encode("utf-8")) if headers is not None else None
    rendered_digest = blobs.put(page.rendered_html.encode("utf-8")) if page.rendered_html is not None else None
    row = s.exec(
        select(Page).where(Page.run_id == run_id, Page.unit_code == unit_code, Page.url == page.url)
    ).first()
    if row is None:
        row = Page(run_id=run_id, unit_code=unit_code, url=page.url, final_url=page.final_url)
    row.final_url = page.final_url
    row.status = page.status
    row.error = page.error
    row.content_type = page.content_type
    row.encoding = page.encoding
    row.legacy_font_encoding = page.legacy_font_encoding
    row.headers_digest = headers_digest if headers is not None else row.headers_digest
    row.body_digest = body_digest
    row.size_bytes = page.size_bytes if page.size_bytes is not None else (len(raw_body) if raw_body else None)
    row.depth = page.depth
    row.referrer = page.referrer
    row.link_text = page.link_text
    row.redirects_json = dumps(list(page.redirects))
    row.ttfb_seconds = page.ttfb_seconds
    row.elapsed_seconds = page.elapsed_seconds
    row.fetched_at = page.fetched_at
    row.rendered_digest = rendered_digest if rendered_digest is not None else row.rendered_digest
    if headers is not None:
        row.etag, row.last_modified = _header(headers, "etag"), _header(headers, "last-modified")
    row.verified_at = page.verified_at or page.fetched_at
    row.revisit = page.revisit
    row.changed_at = changed_at if changed_at is not None else row.changed_at
    if row.copy_of is not None:  # a copy becomes a row of its own (its DOM after scripts, set after its exchange)
        source = s.get(Page, row.copy_of)
        row.carried_from = row.carried_from or (source.carried_from or source.run_id if source else None)
        for name in ("headers_digest", "etag", "last_modified", "rendered_digest", "changed_at"):
            if getattr(row, name) is None and source is not None:
                setattr(row, name, getattr(source, name))
        row.copy_of = None
    s.add(row)
    s.flush()
    return row


def copy_page(s: Session, from_run: str, run_id: str, unit_code: str, page: CapturedPage) -> Page | None:
    """Store in ``run_id`` the row an earlier run stored for ``page.url`` (a page a conditional request
    found unchanged, or one carried over unasked), with tonight's place in the crawl and confirmation
    time; bodies, headers and validators are the earlier row's (blobs are shared, never copied)."""
    return copy_pages(s, from_run, run_id, unit_code, [page]).get(page.url)


URLS_PER_QUERY = 500
"""URLs asked for in one query (SQLite's limit on the parameters of one statement)."""


def _rows_by_url(s: Session, run_id: str, unit_code: str, urls: list[str]) -> dict[str, Page]:
    rows: dict[str, Page] = {}
    for start in range(0, len(urls), URLS_PER_QUERY):
        batch = urls[start:start + URLS_PER_QUERY]
        query = select(Page).where(Page.run_id == run_id, Page.unit_code == unit_code,
                                   Page.url.in_(batch))  # type: ignore[attr-defined]
        rows.update({row.url: row for row in s.exec(query)})
    return rows


def copy_pages(s: Session, from_run: str, run_id: str, unit_code: str, pages: list[CapturedPage]) -> dict[str, Page]:
    """``copy_page`` for many pages of a unit at once (a night carries most of a portal's pages over):
    two queries and one flush, not two queries and a flush per page."""
    urls = [page.url for page in pages]
    olds = _rows_by_url(s, from_run, unit_code, urls)
    existing = _rows_by_url(s, run_id, unit_code, [u for u in urls if u in olds])  # a resumed night
    copied: dict[str, Page] = {}
    for page in pages:
        old = olds.get(page.url)
        if old is None:
            continue
        copied[page.url] = _copy_row(old, existing.get(page.url), run_id, unit_code, page)
        s.add(copied[page.url])
    s.flush()
    return copied


def _copy_row(old: Page, row: Page | None, run_id: str, unit_code: str, page: CapturedPage) -> Page:
    """Tonight's row for a page copied from ``old``: a reference to the row holding the content (``old``
    itself, or the row ``old`` refers to), not a copy of it. Stored whole, the rows of the pages an
    incremental night carries over or sees answered 304 were most of what such a night wrote."""
    if row is None:
        row = Page(run_id=run_id, unit_code=unit_code, url=page.url, final_url="")
    for name, empty in _EMPTY_CONTENT.items():
        setattr(row, name, empty)
    row.copy_of = old.copy_of if old.copy_of is not None else old.id
    row.ttfb_seconds = page.ttfb_seconds if page.ttfb_seconds is not None else old.ttfb_seconds
    row.depth, row.referrer, row.link_text = page.depth, page.referrer, page.link_text
    row.verified_at = page.verified_at or old.verified_at or old.fetched_at
    row.revisit = page.revisit
    # Rows written whole before copies referred to their source name the run they copy; a reference's
    # run is that of the row it names (filled in when read).
    row.carried_from = old.carried_from if old.copy_of is None and old.carried_from else None
    return row


def with_content(s: Session, rows: Iterable[Page]) -> list[Page]:
    """``rows`` with the content of those that are copies filled in from the rows they refer to.

    A copy comes back as a new, detached ``Page`` (same id): filling in the session's own object would
    write the content back into the copy at the next flush."""
    rows = list(rows)
    wanted = sorted({row.copy_of for row in rows if row.copy_of is not None})
    sources: dict[int, Page] = {}
    for start in range(0, len(wanted), URLS_PER_QUERY):
        query = select(Page).where(Page.id.in_(wanted[start:start + URLS_PER_QUERY]))  # type: ignore[union-attr]
        sources.update({source.id: source for source in s.exec(query) if source.id is not None})
    result = []
    for row in rows:
        source = sources.get(row.copy_of) if row.copy_of is not None else None
        if source is None:
            result.append(row)
            continue
        view = Page(**{name: getattr(row, name) for name in Page.model_fields})
        for name in CONTENT_COLUMNS:
            setattr(view, name, getattr(source, name))
        view.carried_from = row.carried_from or source.carried_from or source.run_id
        result.append(view)
    return result


def unit_pages(s: Session, run_id: str, unit_code: str) -> list[Page]:
    """The page rows of a unit in a run, in the order they were stored, copies filled in."""
    query = select(Page).where(Page.run_id == run_id, Page.unit_code == unit_code).order_by(Page.id)
    return with_content(s, s.exec(query))


def get_page(s: Session, page_id: int) -> Page | None:
    """One page row by id, filled in if it is a copy."""
    row = s.get(Page, page_id)
    return with_content(s, [row])[0] if row is not None else None


_SOURCE = aliased(Page, name="page_copied")


def content_of(name: str) -> Any:
    """A content column for column queries, read from the row a copy refers to (``with_sources``)."""
    assert name in CONTENT_COLUMNS, name
    return sa.func.coalesce(getattr(_SOURCE, name), getattr(Page, name)).label(name)


def with_sources(query: Any) -> Any:
    """``query`` (over ``Page``) joined with the rows copies refer to, for ``content_of``."""
    return query.outerjoin(_SOURCE, _SOURCE.id == Page.copy_of)


def prior_captures(s: Session, run_id: str, unit_code: str, blobs: BlobStore) -> dict[str, PriorCapture]:
    """The pages of a unit's crawl in ``run_id`` (an earlier night), HTML included, as the next night's
    crawl wants them (``crawler.revisit``): URL → page, validators, confirmation and change times."""
    from egov_audit.core.bodies import payload_digest

    rows = unit_pages(s, run_id, unit_code)
    site = load_site(s, run_id, unit_code, blobs, rows=rows)
    captures: dict[str, PriorCapture] = {}
    for row in rows:
        page = site.pages.get(row.url)
        if page is None:
            continue
        page.verified_at = row.verified_at or row.fetched_at
        page.revisit = None  # tonight's crawl says how it got the page
        body = blobs.get(row.body_digest) if row.body_digest and blobs.exists(row.body_digest) else None
        captures[row.url] = PriorCapture(
            page=page, run_id=run_id, etag=row.etag, last_modified=row.last_modified,
            verified_at=page.verified_at, changed_at=row.changed_at,
            warc_digest=payload_digest(body) if body is not None else None,
        )
    return captures


def stored_urls(s: Session, run_id: str, unit_code: str) -> set[str]:
    """URLs already stored for a unit in a run (a resumed crawl skips them)."""
    query = select(Page.url).where(Page.run_id == run_id, Page.unit_code == unit_code)
    return set(s.exec(query))


def page_headers(blobs: BlobStore, page: Page) -> dict[str, str] | None:
    """The response headers recorded for a stored page."""
    if not page.headers_digest:
        return None
    return json.loads(blobs.get(page.headers_digest).decode("utf-8"))


def page_source(blobs: BlobStore, page: Page) -> str | None:
    """The stored body of a textual page as text, decoded exactly as the crawler decoded it (gzip/deflate
    undone, the recorded charset with the crawler's label table, NFC); None for binary or missing bodies.
    ``load_site`` (recheck, resume) and the review app's source view both read pages through this."""
    if not page.body_digest or not is_textual(page.content_type) or not blobs.exists(page.body_digest):
        return None
    from egov_audit.core.bodies import content_decoder, python_codec

    body = blobs.get(page.body_digest)
    headers = page_headers(blobs, page) if page.headers_digest and blobs.exists(page.headers_digest) else None
    encoding = next((v for k, v in (headers or {}).items() if k.lower() == "content-encoding"), "")
    decoder = content_decoder(encoding)
    if decoder is not None:
        try:
            # The blob keeps the wire bytes; a body cut at the size cap is a truncated stream, and the
            # decompressor returns what it could decode.
            body = decoder.decompress(body)
        except zlib.error:
            pass
    codec = python_codec(page.encoding) if page.encoding else None
    return unicodedata.normalize("NFC", body.decode(codec or "utf-8", errors="replace"))


def is_textual(content_type: str | None) -> bool:
    """Whether a stored body is text to decode (HTML, XML, plain text) rather than a file."""
    return content_type is None or any(t in content_type.lower() for t in ("html", "xml", "text/"))


def load_site(s: Session, run_id: str, unit_code: str, blobs: BlobStore, *,
              rows: list[Page] | None = None) -> CapturedSite:
    """Rebuild the ``CapturedSite`` of a unit in a run from the database and the blob store (``rows``: its
    page rows, when the caller has read them already)."""
    unit = s.get(Unit, unit_code)
    if unit is None:
        raise KeyError(f"unknown unit {unit_code}")
    crawl = unit_crawl(s, run_id, unit_code)
    site = CapturedSite(unit_code=unit.code, unit_level=unit.level, portal_url=unit.portal_url, scope=unit.scope)
    if crawl is not None:
        site.home_url = crawl.home_url
        site.crawl_status = CrawlStatus(crawl.status) if crawl.status in CrawlStatus._value2member_map_ else (
            CrawlStatus.PARTIAL  # a crawl still "running" was cut short
        )
        site.crawl_error = crawl.error
        site.budget_exhausted = crawl.budget_exhausted
        site.robots_txt = crawl.robots_txt
        site.sitemap = json.loads(crawl.sitemap_json) if crawl.sitemap_json else None
        site.probes = probes_of(s, crawl)
        site.audited_at = crawl.started_at
    site.other_unit_scopes = nested_scopes(s, unit)
    for row in rows if rows is not None else unit_pages(s, run_id, unit_code):
        html = page_source(blobs, row)
        rendered = None
        if row.rendered_digest and blobs.exists(row.rendered_digest):
            rendered = blobs.get(row.rendered_digest).decode("utf-8")
        site.pages[row.url] = CapturedPage(
            url=row.url,
            final_url=row.final_url,
            status=row.status,
            error=row.error,
            content_type=row.content_type,
            encoding=row.encoding,
            legacy_font_encoding=row.legacy_font_encoding,
            html=html,
            body_digest=row.body_digest,
            depth=row.depth,
            referrer=row.referrer,
            link_text=row.link_text,
            ttfb_seconds=row.ttfb_seconds,
            elapsed_seconds=row.elapsed_seconds,
            fetched_at=row.fetched_at,
            redirects=json.loads(row.redirects_json or "[]"),
            rendered_html=rendered,
            size_bytes=row.size_bytes,
            revisit=row.revisit,
            verified_at=row.verified_at,
        )
    site.order_pages()
    return site


def page_failures(s: Session, run_id: str, unit_codes: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
    """Per unit, how many pages of a run failed, by failure class (4xx/5xx answers count as http_status)."""
    query = with_sources(select(Page.unit_code, content_of("error"), content_of("status"))).where(
        Page.run_id == run_id)
    if unit_codes is not None:
        query = query.where(Page.unit_code.in_(list(unit_codes)))
    result: dict[str, dict[str, int]] = {}
    for code, error, status in s.exec(query):
        failure = error or ("http_status" if status is not None and status >= 400 else None)
        if failure:
            counts = result.setdefault(code, {})
            counts[failure] = counts.get(failure, 0) + 1
    return {code: dict(sorted(counts.items())) for code, counts in result.items()}


def previous_digests(s: Session, unit_code: str, before_run: str) -> dict[str, tuple[str, str]]:
    """Body digests a unit's pages had in earlier runs → (URL, fetch time) of the first capture, so an
    unchanged page on a later night becomes a WARC revisit record instead of a second copy."""
    current = s.get(AuditRun, before_run)
    query = (
        select(Page.body_digest, Page.final_url, Page.fetched_at)
        .join(AuditRun, AuditRun.id == Page.run_id)
        .where(Page.unit_code == unit_code, Page.run_id != before_run, Page.body_digest.is_not(None),
               Page.fetched_at.is_not(None))
        .order_by(Page.fetched_at)
    )
    if current is not None:
        query = query.where(AuditRun.started_at < current.started_at)
    known: dict[str, tuple[str, str]] = {}
    for digest, url, fetched_at in s.exec(query):
        # The page's fetch start is the WARC-Date of its response record (crawler.warc writes it so).
        warc_date = fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        known.setdefault(digest, (url, warc_date))
    return known


def forget_pages(s: Session, run_id: str, unit_code: str, urls: Iterable[str]) -> int:
    """Delete stored pages of a unit's unfinished crawl, so a resumed crawl fetches them again.

    For pages whose WARC records were lost with the attempt that fetched them (a worker killed on another
    machine before its WARC segment reached a remote store): a page is resumed only with its evidence.
    """
    wanted = list(urls)
    if not wanted:
        return 0
    rows = s.exec(select(Page).where(Page.run_id == run_id, Page.unit_code == unit_code,
                                     Page.url.in_(wanted)))  # type: ignore[attr-defined]
    count = 0
    for row in rows:
        _detach_copies_of(s, row)
        s.delete(row)
        count += 1
    s.flush()
    return count


def _detach_copies_of(s: Session, row: Page) -> None:
    """Before ``row`` is deleted: rows referring to it get its content (and the first of them becomes the
    row the others refer to)."""
    copies = list(s.exec(select(Page).where(Page.copy_of == row.id).order_by(Page.id)))
    if not copies:
        return
    keeper, *others = copies
    for name in CONTENT_COLUMNS:
        setattr(keeper, name, getattr(row, name))
    keeper.carried_from = keeper.carried_from or row.carried_from or row.run_id
    keeper.copy_of = None
    s.add(keeper)
    s.flush()
    for other in others:
        other.copy_of = keeper.id
        other.carried_from = other.carried_from or keeper.carried_from
        s.add(other)
