"""Repository functions: everything the pipeline, the CLI and the review app read or write.

Each function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``storage.db.session`` block decides, so a whole file import or a unit's results are one transaction.
Captured artifacts (``checks.model``) go in and come back out unchanged, which is what lets ``recheck``
re-run the checks on stored evidence and a killed run resume.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func
from sqlmodel import Session, select

from egov_audit.core.artifacts import CapturedPage, CapturedSite, CrawlStatus, Finding, Status
from egov_audit.core.errors import InputError
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.models import (
    EXCLUDE,
    RUN_STATUSES,
    UNIT_LEVELS,
    AuditRun,
    FindingRow,
    Framework,
    Page,
    ReviewerDecision,
    Score,
    SelfReport,
    Unit,
    UnitCrawl,
    utcnow,
)


def _dumps(value: Any) -> str:
    # Stable text (sorted keys, real UTF-8) so equal data gives equal rows on both backends.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------- units


@dataclass
class UnitRow:
    """A validated row of a units file (what ``egov_audit.units`` produces)."""

    code: str
    name: str
    level: str
    province_code: str
    parent_code: str | None = None
    portal_url: str | None = None
    scope: str | None = None


def upsert_units(s: Session, units: list[UnitRow]) -> tuple[int, int]:
    """Insert new units and update existing ones (by code); returns (inserted, updated)."""
    inserted = updated = 0
    now = utcnow()
    existing = {u.code: u for u in s.exec(select(Unit).where(Unit.code.in_([r.code for r in units])))} if units else {}
    # Parents first keeps the order natural for anyone reading the table.
    for row in sorted(units, key=lambda r: (UNIT_LEVELS.index(r.level), r.code)):
        unit = existing.get(row.code)
        if unit is None:
            unit = Unit(code=row.code, name=row.name, level=row.level, province_code=row.province_code)
            inserted += 1
        else:
            updated += 1
        unit.name = row.name
        unit.level = row.level
        unit.province_code = row.province_code
        unit.parent_code = row.parent_code
        unit.portal_url = row.portal_url
        unit.scope = row.scope
        unit.updated_at = now
        s.add(unit)
    s.flush()
    return inserted, updated


def list_units(s: Session, codes: Iterable[str] | None = None, province: str | None = None) -> list[Unit]:
    """Units ordered by code, optionally restricted to ``codes`` and/or one province."""
    query = select(Unit)
    if codes is not None:
        query = query.where(Unit.code.in_(list(codes)))
    if province is not None:
        query = query.where(Unit.province_code == province)
    return list(s.exec(query.order_by(Unit.code)))


def get_unit(s: Session, code: str) -> Unit | None:
    return s.get(Unit, code)


# ---------------------------------------------------------------- frameworks


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


# ---------------------------------------------------------------- runs


def create_run(
    s: Session, options: dict[str, Any], settings: dict[str, Any], framework_name: str | None = None
) -> AuditRun:
    run = AuditRun(
        id=uuid.uuid4().hex,
        started_at=utcnow(),
        status="running",
        framework_name=framework_name,
        options_json=_dumps(options),
        settings_json=_dumps(settings),
    )
    s.add(run)
    s.flush()
    return run


def get_run(s: Session, run_id: str) -> AuditRun | None:
    return s.get(AuditRun, run_id)


def find_unfinished_run(s: Session) -> AuditRun | None:
    """The most recent run still marked ``running`` (killed or in progress), for resuming."""
    query = select(AuditRun).where(AuditRun.status == "running")
    return s.exec(query.order_by(AuditRun.started_at.desc(), AuditRun.id)).first()


def unfinished_runs(s: Session) -> list[AuditRun]:
    """Every run still marked ``running``, newest first."""
    query = select(AuditRun).where(AuditRun.status == "running")
    return list(s.exec(query.order_by(AuditRun.started_at.desc(), AuditRun.id)))


def finish_run(s: Session, run_id: str, status: str) -> None:
    """Close a run: ``finished``, ``failed``, or ``abandoned`` (an unfinished run not resumed)."""
    if status not in RUN_STATUSES or status == "running":
        raise ValueError(f"a run finishes as one of {RUN_STATUSES[1:]}, not {status!r}")
    run = s.get(AuditRun, run_id)
    if run is None:
        raise KeyError(run_id)
    run.status = status
    run.finished_at = utcnow()
    s.add(run)
    s.flush()


def latest_run_id(s: Session) -> str | None:
    """The newest run that has findings or crawls (the one ``findings`` exports by default)."""
    run = s.exec(select(AuditRun).order_by(AuditRun.started_at.desc(), AuditRun.id)).first()
    return run.id if run else None


# ---------------------------------------------------------------- crawls and pages


def unit_crawl(s: Session, run_id: str, unit_code: str) -> UnitCrawl | None:
    """The crawl record of a unit in a run, if it was started."""
    query = select(UnitCrawl).where(UnitCrawl.run_id == run_id, UnitCrawl.unit_code == unit_code)
    return s.exec(query).first()


def start_unit_crawl(s: Session, run_id: str, unit_code: str) -> UnitCrawl:
    """Mark a unit's crawl as running; on resume the row (and its stored pages) are kept."""
    crawl = unit_crawl(s, run_id, unit_code)
    if crawl is None:
        crawl = UnitCrawl(run_id=run_id, unit_code=unit_code, started_at=utcnow())
    crawl.status = "running"
    crawl.finished_at = None
    s.add(crawl)
    s.flush()
    return crawl


def finish_unit_crawl(s: Session, run_id: str, site: CapturedSite, warc_files: list[str]) -> UnitCrawl:
    """Record how a unit's crawl ended, with its probes, robots.txt, sitemap and WARC file names."""
    crawl = unit_crawl(s, run_id, site.unit_code) or start_unit_crawl(s, run_id, site.unit_code)
    crawl.status = str(site.crawl_status)
    crawl.error = site.crawl_error
    crawl.pages = len(site.pages)
    crawl.home_url = site.home_url
    crawl.finished_at = utcnow()
    crawl.probes_json = _dumps(site.probes)
    crawl.budget_exhausted = site.budget_exhausted
    crawl.robots_txt = site.robots_txt
    crawl.sitemap_json = _dumps(site.sitemap) if site.sitemap is not None else None
    crawl.warc_files_json = _dumps(list(warc_files))
    s.add(crawl)
    s.flush()
    return crawl


def record_page(
    s: Session,
    run_id: str,
    unit_code: str,
    page: CapturedPage,
    headers: dict[str, str] | None,
    blobs: BlobStore,
    raw_body: bytes | None,
) -> Page:
    """Persist one fetched page: body, headers (as JSON) and rendered DOM go to the blob store.

    Idempotent on (run, unit, url): recording the same URL again updates the row, so a resumed crawl or
    a sink called twice never duplicates pages.
    """
    body_digest = blobs.put(raw_body) if raw_body is not None else page.body_digest
    headers_digest = blobs.put(_dumps(headers).encode("utf-8")) if headers is not None else None
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
    row.redirects_json = _dumps(list(page.redirects))
    row.ttfb_seconds = page.ttfb_seconds
    row.elapsed_seconds = page.elapsed_seconds
    row.fetched_at = page.fetched_at
    row.rendered_digest = rendered_digest if rendered_digest is not None else row.rendered_digest
    s.add(row)
    s.flush()
    return row


def finished_unit_codes(s: Session, run_id: str) -> set[str]:
    """Units whose crawl in this run ended (a resumed run skips them; ``recheck`` re-runs them)."""
    query = select(UnitCrawl.unit_code).where(UnitCrawl.run_id == run_id, UnitCrawl.status != "running")
    return set(s.exec(query))


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
    from egov_audit.core.bodies import python_codec
    from egov_audit.crawler.fetch import content_decoder

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


def _origin_prefix(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else None


def nested_scopes(s: Session, unit: Unit) -> list[str]:
    """Other units' sub-sites inside this unit's site: a district's crawl leaves its communes' scopes to
    them (CRITERIA.md §5)."""
    own_prefix = unit.scope or _origin_prefix(unit.portal_url)
    if not own_prefix:
        return []
    others = s.exec(select(Unit.scope).where(Unit.code != unit.code, Unit.scope.is_not(None)))
    return sorted(o for o in others if o and o.startswith(own_prefix) and o != own_prefix)


def load_site(s: Session, run_id: str, unit_code: str, blobs: BlobStore) -> CapturedSite:
    """Rebuild the ``CapturedSite`` of a unit in a run from the database and the blob store."""
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
        site.probes = json.loads(crawl.probes_json or "{}")
        site.audited_at = crawl.started_at
    site.other_unit_scopes = nested_scopes(s, unit)
    rows = s.exec(
        select(Page).where(Page.run_id == run_id, Page.unit_code == unit_code).order_by(Page.id)
    ).all()
    for row in rows:
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
        )
    return site


# ---------------------------------------------------------------- findings


def save_findings(s: Session, run_id: str, unit_code: str, findings: list[Finding]) -> None:
    """Replace the findings of one unit in one run (a recheck overwrites the earlier ones)."""
    s.exec(delete(FindingRow).where(FindingRow.run_id == run_id, FindingRow.unit_code == unit_code))
    s.flush()
    # Rows are inserted in the order given (the catalogue order of run_checks); export keeps it.
    for finding in findings:
        s.add(
            FindingRow(
                run_id=run_id,
                unit_code=unit_code,
                check_id=finding.check,
                status=str(finding.status),
                value_json=_dumps(finding.value),
                reason=finding.reason,
                evidence_json=_dumps([e.to_json() for e in finding.evidence]),
                looked_at_json=_dumps(list(finding.looked_at)),
            )
        )
    s.flush()


def load_findings(s: Session, run_id: str, unit_code: str) -> list[dict[str, Any]]:
    """One unit's findings in a run as JSON-ready dicts (``Finding.to_json`` shape), in saved order."""
    return load_run_findings(s, run_id, [unit_code]).get(unit_code, [])


def load_run_findings(
    s: Session, run_id: str, unit_codes: Iterable[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Findings of a run (optionally of some units) as JSON-ready dicts, by unit code."""
    query = select(FindingRow).where(FindingRow.run_id == run_id)
    if unit_codes is not None:
        query = query.where(FindingRow.unit_code.in_(list(unit_codes)))
    result: dict[str, list[dict[str, Any]]] = {}
    for row in s.exec(query.order_by(FindingRow.unit_code, FindingRow.id)):
        result.setdefault(row.unit_code, []).append(_finding_json(row))
    return result


def _finding_json(row: FindingRow) -> dict[str, Any]:
    return {
        "check": row.check_id,
        "status": row.status,
        "value": json.loads(row.value_json),
        "reason": row.reason,
        "evidence": json.loads(row.evidence_json),
        "looked_at": json.loads(row.looked_at_json),
    }


def latest_run_by_unit(s: Session, unit_codes: Iterable[str] | None = None) -> dict[str, str]:
    """For each unit, the newest run in which its crawl ended (the run whose findings are scored)."""
    return {code: crawl.run_id for code, crawl in _newest_crawls(s, unit_codes).items()}


def _newest_crawls(s: Session, unit_codes: Iterable[str] | None) -> dict[str, UnitCrawl]:
    query = (
        select(UnitCrawl, AuditRun.started_at)
        .join(AuditRun, AuditRun.id == UnitCrawl.run_id)
        .where(UnitCrawl.status != "running")
    )
    if unit_codes is not None:
        query = query.where(UnitCrawl.unit_code.in_(list(unit_codes)))
    newest: dict[str, tuple[datetime, UnitCrawl]] = {}
    for crawl, started in s.exec(query):
        known = newest.get(crawl.unit_code)
        if known is None or (started, crawl.run_id) > (known[0], known[1].run_id):
            newest[crawl.unit_code] = (started, crawl)
    return {code: crawl for code, (_, crawl) in sorted(newest.items())}


def latest_findings_by_unit(
    s: Session, unit_codes: Iterable[str] | None = None
) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """For each unit, (crawl status, findings) of the newest run in which its crawl ended.

    Scoring uses this: a unit audited last week and not tonight keeps last week's findings.
    """
    return {code: (crawl.status, load_findings(s, crawl.run_id, code))
            for code, crawl in _newest_crawls(s, unit_codes).items()}


def page_failures(s: Session, run_id: str, unit_codes: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
    """Per unit, how many pages of a run failed, by failure class (4xx/5xx answers count as http_status)."""
    query = select(Page.unit_code, Page.error, Page.status).where(Page.run_id == run_id)
    if unit_codes is not None:
        query = query.where(Page.unit_code.in_(list(unit_codes)))
    result: dict[str, dict[str, int]] = {}
    for code, error, status in s.exec(query):
        failure = error or ("http_status" if status is not None and status >= 400 else None)
        if failure:
            counts = result.setdefault(code, {})
            counts[failure] = counts.get(failure, 0) + 1
    return {code: dict(sorted(counts.items())) for code, counts in result.items()}


def findings_export(s: Session, run_id: str, unit_codes: Iterable[str] | None = None) -> dict[str, Any]:
    """The "Findings export" document of PRODUCT.md for one run (extra keys: reason, looked_at), of every
    unit it audited or only of ``unit_codes`` (exporting one commune's evidence loads only its findings)."""
    run = s.get(AuditRun, run_id)
    if run is None:
        raise KeyError(f"unknown run {run_id}")
    query = select(UnitCrawl).where(UnitCrawl.run_id == run_id)
    if unit_codes is not None:
        unit_codes = list(unit_codes)
        query = query.where(UnitCrawl.unit_code.in_(unit_codes))
    crawls = {c.unit_code: c for c in s.exec(query)}
    findings = load_run_findings(s, run_id, unit_codes)
    failures = page_failures(s, run_id, unit_codes)
    codes = sorted(set(crawls) | set(findings))
    units = {u.code: u for u in list_units(s, codes)} if codes else {}
    exported = []
    for code in codes:
        unit = units[code]
        crawl = crawls.get(code)
        exported.append(
            {
                "code": unit.code,
                "name": unit.name,
                "level": unit.level,
                "portal_url": unit.portal_url,
                "crawl": {
                    "status": crawl.status if crawl else None,
                    "pages": crawl.pages if crawl else 0,
                    "error": crawl.error if crawl else None,
                    # Extension: pages that failed, by failure class (http_status, robots, timeout, ...).
                    "failures": failures.get(code, {}),
                },
                "findings": findings.get(code, []),
            }
        )
    return {
        "run": {
            "id": run.id,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "status": run.status,
        },
        "units": exported,
    }


# ---------------------------------------------------------------- self-reports


@dataclass
class SelfReportRow:
    unit_code: str
    year: int
    field: str
    value: Any
    source_file: str | None = None


def save_selfreports(
    s: Session, rows: list[SelfReportRow], replace: Iterable[tuple[str, int]] | None = None
) -> int:
    """Store survey values; every (unit, year) in ``replace`` (default: those in ``rows``) loses its
    earlier values first, so a re-imported form replaces the previous one instead of merging."""
    targets = set(replace) if replace is not None else {(r.unit_code, r.year) for r in rows}
    for unit_code, year in sorted(targets):
        s.exec(delete(SelfReport).where(SelfReport.unit_code == unit_code, SelfReport.year == year))
    s.flush()
    now = utcnow()
    for row in rows:
        s.add(
            SelfReport(
                unit_code=row.unit_code,
                year=row.year,
                field=row.field,
                value_json=_dumps(row.value),
                source_file=row.source_file,
                imported_at=now,
            )
        )
    s.flush()
    return len(rows)


def load_selfreports(s: Session, year: int) -> dict[str, dict[str, Any]]:
    """``{unit_code: {field: value}}`` for one evaluation year."""
    result: dict[str, dict[str, Any]] = {}
    query = select(SelfReport).where(SelfReport.year == year).order_by(SelfReport.unit_code, SelfReport.field)
    for row in s.exec(query):
        result.setdefault(row.unit_code, {})[row.field] = json.loads(row.value_json)
    return result


# ---------------------------------------------------------------- reviewer decisions

# "confirm" keeps the observed status, attributed to the reviewer; "exclude"/"include" take a unit out of
# the ranking and back (decisions are append-only, so lifting an exclusion is a new decision).
_DECISION_STATUSES = {str(v) for v in Status} | {EXCLUDE, "confirm", "include"}


def add_decision(
    s: Session,
    *,
    unit_code: str,
    status: str,
    reason: str,
    reviewer: str,
    run_id: str | None = None,
    check_id: str | None = None,
    indicator_id: str | None = None,
    framework_name: str | None = None,
    year: int | None = None,
    decided_at: datetime | None = None,
) -> ReviewerDecision:
    """Append a reviewer decision (never updates an earlier one: the history is the audit trail)."""
    status = str(status)
    if status not in _DECISION_STATUSES:
        raise ValueError(f"decision status must be one of {sorted(_DECISION_STATUSES)}, not {status!r}")
    if not reason or not reason.strip():
        raise ValueError("a reviewer decision needs a reason")
    if not reviewer or not reviewer.strip():
        raise ValueError("a reviewer decision needs the reviewer's name")
    if s.get(Unit, unit_code) is None:
        raise ValueError(f"unknown unit {unit_code}")
    decision = ReviewerDecision(
        unit_code=unit_code,
        run_id=run_id,
        check_id=check_id,
        indicator_id=indicator_id,
        framework_name=framework_name,
        year=year,
        status=status,
        reason=reason.strip(),
        reviewer=reviewer.strip(),
        decided_at=decided_at or utcnow(),
    )
    s.add(decision)
    s.flush()
    return decision


def _decision_json(d: ReviewerDecision) -> dict[str, Any]:
    return {
        "id": d.id,
        "unit_code": d.unit_code,
        "run_id": d.run_id,
        "check_id": d.check_id,
        "indicator_id": d.indicator_id,
        "framework_name": d.framework_name,
        "year": d.year,
        "status": d.status,
        "reason": d.reason,
        "reviewer": d.reviewer,
        "decided_at": d.decided_at,
    }


def load_decisions(
    s: Session,
    *,
    unit_code: str | None = None,
    run_id: str | None = None,
    framework_name: str | None = None,
    year: int | None = None,
    latest_only: bool = True,
) -> list[dict[str, Any]]:
    """Reviewer decisions, oldest first; with ``latest_only`` one per target (unit, run, check,
    indicator, framework, year), the latest. Filters match a decision when its field is equal or
    unset (a decision without a year applies to every year)."""
    query = select(ReviewerDecision)
    if unit_code is not None:
        query = query.where(ReviewerDecision.unit_code == unit_code)
    if run_id is not None:
        query = query.where((ReviewerDecision.run_id == run_id) | ReviewerDecision.run_id.is_(None))
    if framework_name is not None:
        query = query.where(
            (ReviewerDecision.framework_name == framework_name) | ReviewerDecision.framework_name.is_(None)
        )
    if year is not None:
        query = query.where((ReviewerDecision.year == year) | ReviewerDecision.year.is_(None))
    rows = list(s.exec(query.order_by(ReviewerDecision.decided_at, ReviewerDecision.id)))
    if not latest_only:
        return [_decision_json(d) for d in rows]
    latest: dict[tuple[Any, ...], ReviewerDecision] = {}
    for d in rows:  # ascending: later ones overwrite earlier ones
        latest[(d.unit_code, d.run_id, d.check_id, d.indicator_id, d.framework_name, d.year)] = d
    return [_decision_json(d) for d in sorted(latest.values(), key=lambda d: (d.decided_at, d.id or 0))]


# ---------------------------------------------------------------- scores

_SCORE_KEYS = ("unit_code", "achieved_level", "readiness_level", "total", "rank", "ranked")


def save_scores(s: Session, framework_id: str, year: int, unit_scores: list[dict[str, Any]]) -> None:
    """Replace the scores of a framework and year. Each dict has ``unit_code``, ``achieved_level``,
    ``readiness_level``, ``total``, ``rank``, ``ranked`` and either ``details`` or further keys, which
    are kept together as the details."""
    s.exec(delete(Score).where(Score.framework_id == framework_id, Score.year == year))
    s.flush()
    now = utcnow()
    for entry in unit_scores:
        details = entry["details"] if "details" in entry else {
            k: v for k, v in entry.items() if k not in _SCORE_KEYS
        }
        s.add(
            Score(
                unit_code=entry["unit_code"],
                framework_id=framework_id,
                year=year,
                achieved_level=entry.get("achieved_level"),
                readiness_level=entry.get("readiness_level"),
                total=float(entry.get("total") or 0.0),
                rank=entry.get("rank"),
                ranked=bool(entry.get("ranked", True)),
                details_json=_dumps(details),
                computed_at=now,
            )
        )
    s.flush()


def load_scores(s: Session, framework_id: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Stored scores, by framework, year, rank (unranked last) and unit code."""
    query = select(Score)
    if framework_id is not None:
        query = query.where(Score.framework_id == framework_id)
    if year is not None:
        query = query.where(Score.year == year)
    # Portable "NULLS LAST": order by (rank IS NULL) first.
    query = query.order_by(Score.framework_id, Score.year, func.coalesce(Score.rank, 2**31 - 1), Score.unit_code)
    return [
        {
            "unit_code": row.unit_code,
            "framework_id": row.framework_id,
            "year": row.year,
            "achieved_level": row.achieved_level,
            "readiness_level": row.readiness_level,
            "total": row.total,
            "rank": row.rank,
            "ranked": row.ranked,
            "details": json.loads(row.details_json),
            "computed_at": row.computed_at,
        }
        for row in s.exec(query)
    ]


def load_score_exports(s: Session, year: int | None = None) -> list[dict[str, Any]]:
    """Stored scores as ``scoring.scores_export`` documents, one per framework, for ``year`` (default: the
    latest year scored). Each unit dict is the saved one: its details plus the stored columns."""
    if year is None:
        year = s.exec(select(func.max(Score.year))).one()
        if year is None:
            return []
    rows = list(s.exec(select(Score).where(Score.year == year).order_by(Score.framework_id, Score.id)))
    exports: dict[str, dict[str, Any]] = {}
    for row in rows:
        export = exports.get(row.framework_id)
        if export is None:
            framework = s.get(Framework, row.framework_id)
            export = exports[row.framework_id] = {
                "framework": {"id": row.framework_id, "name": framework.name if framework else None,
                              "version": framework.version if framework else None,
                              "digest": framework.digest if framework else None},
                "year": year,
                "units": [],
            }
        unit = dict(json.loads(row.details_json))
        unit.update({"unit_code": row.unit_code, "achieved_level": row.achieved_level,
                     "readiness_level": row.readiness_level, "total": row.total, "rank": row.rank,
                     "ranked": row.ranked})
        export["units"].append(unit)
    return list(exports.values())


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


# ---- review app users
# Password hashing lives in review.auth (the only place that sees a password); these functions only store
# and read the hash, so the CLI (`egov-audit user add`) and the web app share one table and one code path.

# Imported here rather than at the top so that this section stays an append-only addition to the module.
from egov_audit.storage.models import USER_ROLES, User  # noqa: E402


def save_user(s: Session, username: str, password_hash: str, role: str) -> tuple[User, bool]:
    """Create a user, or replace an existing user's password hash and role; returns (user, created)."""
    if role not in USER_ROLES:
        raise ValueError(f"role must be one of {', '.join(USER_ROLES)}, not {role!r}")
    if not password_hash.startswith("scrypt$"):
        # A guard against ever storing a plaintext password by mistake.
        raise ValueError("password_hash must be a scrypt hash from review.auth.hash_password")
    user = s.get(User, username)
    created = user is None
    now = utcnow()
    if user is None:
        user = User(username=username, password_hash=password_hash, role=role, created_at=now, updated_at=now)
    user.password_hash = password_hash
    user.role = role
    user.updated_at = now
    s.add(user)
    s.flush()
    return user, created


def get_user(s: Session, username: str) -> User | None:
    return s.get(User, username)


def list_users(s: Session) -> list[User]:
    """Users ordered by name (passwords hashes included: callers must not display them)."""
    return list(s.exec(select(User).order_by(User.username)))
