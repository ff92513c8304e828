"""What the review app shows, as plain functions over a session: the views only render these.

Every function returns ready-to-print values (labels chosen, times formatted, links vetted), so templates
compute nothing and tests can call these directly. Crawled text (excerpts, URLs, values, reasons, page
bodies) is passed through untouched as *text*: escaping is the templates' job (autoescape is on for every
template) and links are only offered for http(s) URLs (``core.urls.safe_href``). This module holds the
shared helpers, the runs and the stored pages; the unit and finding pages, the queue and the overview
have modules of their own.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from egov_audit.core.dates import VN_TZ
from egov_audit.core.urls import safe_href
from egov_audit.exports import findings_json
from egov_audit.reports.labels import CRAWL_LABELS, RUN_STATUS_LABELS, STATUS_LABELS
from egov_audit.services.decisions import DecisionError, unit_exclusion
from egov_audit.storage import decisions_repo, pages_repo
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.models import AuditRun, UnitCrawl

__all__ = ["DecisionError", "NotFound", "label", "fmt_time", "anchor_for", "value_text", "list_runs", "run_units",
           "page_snapshot", "screenshot_png", "stored_png"]

DIGEST_PATTERN = re.compile(r"^sha256:[0-9a-f]{64}$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COUNTED_STATUSES = ("pass", "partial", "fail", "unknown")
MAX_SOURCE_CHARS = 1_000_000
"""Page source shown at most; bodies may be 5 MB and a browser would choke on that much escaped text."""


class NotFound(LookupError):
    """The run, unit or page asked for does not exist (the view answers 404)."""


def label(labels: dict[str, tuple[str, str]], key: Any) -> dict[str, str]:
    """A badge: Vietnamese and English label plus a CSS-safe key (crawled values never reach a class)."""
    text = str(key) if key is not None else "unknown"
    vi, en = labels.get(text, (text, text))
    return {"vi": vi, "en": en, "css": re.sub(r"[^a-z_]", "", text.lower()) or "unknown"}


def fmt_time(value: datetime | None) -> str:
    """Local (Vietnam) time, which is what reviewers read on their clocks."""
    if value is None:
        return "—"
    return value.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M") + " (ICT)"


def anchor_for(check_id: str) -> str:
    """The HTML id of a finding on the unit page (check ids contain dots, which fragments dislike)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", check_id)


def value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# ---------------------------------------------------------------- runs


def list_runs(s: Session) -> list[dict[str, Any]]:
    """Audit runs, newest first, with how many units were crawled and pages fetched."""
    counts = {
        run_id: (units, pages or 0)
        for run_id, units, pages in s.exec(
            select(UnitCrawl.run_id, func.count(UnitCrawl.id), func.sum(UnitCrawl.pages)).group_by(UnitCrawl.run_id)
        )
    }
    runs = s.exec(select(AuditRun).order_by(AuditRun.started_at.desc(), AuditRun.id))
    return [
        {
            "id": run.id,
            "started": fmt_time(run.started_at),
            "finished": fmt_time(run.finished_at),
            "status": label(RUN_STATUS_LABELS, run.status),
            "framework": run.framework_name or "—",
            "units": counts.get(run.id, (0, 0))[0],
            "pages": counts.get(run.id, (0, 0))[1],
        }
        for run in runs
    ]


def excluded_units(s: Session, year: int | None = None) -> set[str]:
    """Units whose exclusion from ranking is in force for ``year`` (any year when None)."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for d in decisions_repo.load_decisions(s, latest_only=False):  # oldest first
        if d["check_id"] is None and d["indicator_id"] is None:
            by_unit.setdefault(d["unit_code"], []).append(d)
    return {code for code, rows in by_unit.items() if unit_exclusion(rows, year) is not None}


def run_units(s: Session, run_id: str) -> dict[str, Any]:
    """One run: every unit with its crawl outcome and how many findings passed, partly passed, failed or
    stayed unknown."""
    try:
        export = findings_json.findings_export(s, run_id)
    except KeyError:
        raise NotFound(run_id) from None
    excluded = excluded_units(s)
    units = []
    for unit in export["units"]:
        counts = Counter(f["status"] for f in unit["findings"])
        crawl = unit["crawl"]
        units.append({
            "code": unit["code"],
            "name": unit["name"],
            "level": unit["level"],
            "portal_url": unit["portal_url"] or "—",
            "crawl": label(CRAWL_LABELS, crawl["status"]),
            "pages": crawl["pages"],
            "error": crawl["error"],
            "counts": {status: counts.get(status, 0) for status in COUNTED_STATUSES},
            "excluded": unit["code"] in excluded,
        })
    run = export["run"]
    return {
        "id": run["id"],
        "status": label(RUN_STATUS_LABELS, run["status"]),
        "started": fmt_time(datetime.fromisoformat(run["started_at"])) if run["started_at"] else "—",
        "finished": fmt_time(datetime.fromisoformat(run["finished_at"])) if run["finished_at"] else "—",
        "units": units,
        "count_labels": [label(STATUS_LABELS, status) for status in COUNTED_STATUSES],
    }


# ---------------------------------------------------------------- stored pages and screenshots


def page_snapshot(s: Session, blobs: BlobStore, page_id: int, rendered: bool = False) -> dict[str, Any]:
    """A fetched page as its response headers and source text (the body as fetched, or the DOM Chromium
    rendered), for showing as escaped text: stored HTML is never handed to a browser as HTML."""
    page = pages_repo.get_page(s, page_id)
    if page is None:
        raise NotFound(str(page_id))
    headers = pages_repo.page_headers(blobs, page) if page.headers_digest and blobs.exists(page.headers_digest) else None
    digest = page.rendered_digest if rendered else page.body_digest
    text: str | None = None
    binary = not rendered and not pages_repo.is_textual(page.content_type)
    if rendered and digest and blobs.exists(digest):
        text = blobs.get(digest).decode("utf-8", errors="replace")
    elif not rendered:
        text = pages_repo.page_source(blobs, page)
    truncated = text is not None and len(text) > MAX_SOURCE_CHARS
    return {
        "id": page.id,
        "run_id": page.run_id,
        "unit_code": page.unit_code,
        "url": page.url,
        "final_url": page.final_url,
        "href": safe_href(page.final_url),
        "status": page.status if page.status is not None else "—",
        "error": page.error,
        "content_type": page.content_type or "—",
        "encoding": page.encoding or "—",
        "fetched": fmt_time(page.fetched_at),
        "digest": digest or "—",
        "size": page.size_bytes,
        "headers": sorted((headers or {}).items(), key=lambda kv: kv[0].lower()),
        "rendered": rendered,
        "has_rendered": bool(page.rendered_digest),
        "source": text[:MAX_SOURCE_CHARS] if text is not None else None,
        "truncated": truncated,
        "binary": binary,
    }


_KNOWN_PNGS: set[tuple[str, str]] = set()
"""(store, digest) pairs already found to be PNGs: a blob never changes under its digest, and a unit page
names the same screenshots over and over."""


def stored_png(blobs: BlobStore, digest: str) -> bool:
    """Whether a well-formed digest names a stored PNG (reads 8 bytes, not the whole image)."""
    key = (str(blobs.root), digest)
    if key in _KNOWN_PNGS:
        return True
    if not DIGEST_PATTERN.match(digest) or not blobs.exists(digest):
        return False
    with blobs.path(digest).open("rb") as handle:
        found = handle.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE
    if found and len(_KNOWN_PNGS) < 100_000:
        _KNOWN_PNGS.add(key)
    return found


def screenshot_png(blobs: BlobStore, digest: str) -> bytes | None:
    """The bytes of a stored screenshot, or None unless ``digest`` is well-formed, stored and a PNG.

    Only PNGs are served so that a crawled body (HTML, SVG with scripts) can never be fetched from the
    app's own origin through this route.
    """
    if not DIGEST_PATTERN.match(digest) or not blobs.exists(digest):
        return None
    data = blobs.get(digest)
    return data if data.startswith(PNG_SIGNATURE) else None
