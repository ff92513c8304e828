"""What the review app shows and does, as plain functions over a session: the views only render these.

Every function returns ready-to-print values (labels chosen, times formatted, links vetted), so templates
compute nothing and tests can call these directly, as the CLI would. Crawled text (excerpts, URLs, values,
reasons, page bodies) is passed through untouched as *text*: escaping is the templates' job (autoescape is
on for every template) and links are only offered for http(s) URLs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from egov_audit.checks.titles import TITLES
from egov_audit.core.artifacts import Status
from egov_audit.core.dates import VN_TZ
from egov_audit.core.urls import safe_href
from egov_audit.exports import findings_json
from egov_audit.reports.labels import (
    CRAWL_LABELS,
    DECISION_LABELS,
    OUTCOME_LABELS,
    RUN_STATUS_LABELS,
    STATUS_LABELS,
)
from egov_audit.storage import decisions_repo, findings_repo, pages_repo, runs_repo, scores_repo, units_repo
from egov_audit.storage.blobs import BlobStore
from egov_audit.storage.models import EXCLUDE, AuditRun, Page, Score, UnitCrawl

DIGEST_PATTERN = re.compile(r"^sha256:[0-9a-f]{64}$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COUNTED_STATUSES = ("pass", "partial", "fail", "unknown")
REVIEW_OUTCOMES = ("overclaimed", "underclaimed", "value_mismatch", "unverifiable")
"""Cross-check outcomes a reviewer must look at before scores are published (``confirmed`` and
``not_reported`` need no decision)."""
MAX_REASON_CHARS = 2000
MAX_SOURCE_CHARS = 1_000_000
"""Page source shown at most; bodies may be 5 MB and a browser would choke on that much escaped text."""
class NotFound(LookupError):
    """The run, unit or page asked for does not exist (the view answers 404)."""


@dataclass
class DecisionError(ValueError):
    """A decision form was filled in wrongly; both messages are shown to the reviewer."""

    vi: str
    en: str

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"


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


def _excluded_units(s: Session, unit_code: str | None = None) -> dict[str, dict[str, Any]]:
    """Units whose latest unit-level decision excludes them from ranking, with that decision."""
    latest: dict[str, dict[str, Any]] = {}
    for d in decisions_repo.load_decisions(s, unit_code=unit_code, latest_only=False):  # oldest first
        if d["check_id"] is None and d["indicator_id"] is None and d["status"] in (EXCLUDE, "include"):
            latest[d["unit_code"]] = d
    return {code: d for code, d in latest.items() if d["status"] == EXCLUDE}


def run_units(s: Session, run_id: str) -> dict[str, Any]:
    """One run: every unit with its crawl outcome and how many findings passed, partly passed, failed or
    stayed unknown."""
    try:
        export = findings_json.findings_export(s, run_id)
    except KeyError:
        raise NotFound(run_id) from None
    excluded = _excluded_units(s)
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


# ---------------------------------------------------------------- one unit


def _decision_view(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": d["id"],
        "status": label(DECISION_LABELS, d["status"]),
        "reason": d["reason"],
        "reviewer": d["reviewer"],
        "when": fmt_time(d["decided_at"]),
        "run_id": d["run_id"],
        "scope": " · ".join(x for x in (d["framework_name"], str(d["year"]) if d["year"] else None) if x) or "",
    }


def _evidence_view(ev: dict[str, Any], page_ids: dict[str, int], blobs: BlobStore) -> dict[str, Any]:
    screenshot = ev.get("screenshot")
    snapshot = ev.get("snapshot")
    has_image = isinstance(screenshot, str) and _stored_png(blobs, screenshot)
    return {
        "url": ev.get("url") or "—",
        "href": safe_href(ev.get("url")),
        "excerpt": ev.get("excerpt"),
        "locator": ev.get("locator"),
        "screenshot": screenshot if has_image else None,
        "screenshot_digest": screenshot,
        "snapshot": snapshot,
        "snapshot_page": page_ids.get(snapshot) if isinstance(snapshot, str) else None,
    }


def unit_detail(s: Session, blobs: BlobStore, run_id: str, unit_code: str) -> dict[str, Any]:
    """A unit in a run: every finding with its evidence and the reviewer decisions on it, newest first."""
    run = runs_repo.get_run(s, run_id)
    unit = units_repo.get_unit(s, unit_code)
    if run is None or unit is None:
        raise NotFound(f"{run_id}/{unit_code}")
    crawl = runs_repo.unit_crawl(s, run_id, unit_code)
    findings = findings_repo.load_findings(s, run_id, unit_code)
    if crawl is None and not findings:
        raise NotFound(f"{run_id}/{unit_code}")
    # Evidence names page bodies by digest; the snapshot view is addressed by page row.
    page_ids: dict[str, int] = {}
    pages = list(s.exec(select(Page).where(Page.run_id == run_id, Page.unit_code == unit_code).order_by(Page.id)))
    for page in pages:
        if page.body_digest and page.id is not None:
            page_ids.setdefault(page.body_digest, page.id)
    # Decisions without a run apply to every run, so they are shown here too (load_decisions does that).
    history = decisions_repo.load_decisions(s, unit_code=unit_code, run_id=run_id, latest_only=False)
    by_check: dict[str, list[dict[str, Any]]] = {}
    unit_level: list[dict[str, Any]] = []
    indicator_level: list[dict[str, Any]] = []
    for d in reversed(history):  # newest first
        if d["check_id"]:
            by_check.setdefault(d["check_id"], []).append(_decision_view(d))
        elif d["indicator_id"]:
            indicator_level.append({**_decision_view(d), "indicator": d["indicator_id"]})
        else:
            unit_level.append(_decision_view(d))
    rows = []
    for f in findings:
        decisions = by_check.get(f["check"], [])
        title_vi, title_en = TITLES.get(f["check"], (f["check"], f["check"]))
        rows.append({
            "check": f["check"],
            "anchor": anchor_for(f["check"]),
            "title_vi": title_vi,
            "title_en": title_en,
            "status": label(STATUS_LABELS, f["status"]),
            "status_value": f["status"],
            "value": value_text(f["value"]),
            "reason": f["reason"] or "—",
            "evidence": [_evidence_view(ev, page_ids, blobs) for ev in f["evidence"]],
            "looked_at": [{"url": u, "href": safe_href(u)} for u in f.get("looked_at") or []],
            "latest": decisions[0] if decisions else None,
            "earlier": decisions[1:],
        })
    return {
        "run_id": run_id,
        "run_started": fmt_time(run.started_at),
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level, "portal_url": unit.portal_url or "—",
                 "portal_href": safe_href(unit.portal_url)},
        "crawl": {
            "status": label(CRAWL_LABELS, crawl.status if crawl else None),
            "pages": crawl.pages if crawl else 0,
            "error": crawl.error if crawl else None,
            "home_url": crawl.home_url if crawl else None,
        },
        "findings": rows,
        "unit_decisions": unit_level,
        "excluded": bool(unit_level) and unit_level[0]["status"]["css"] == EXCLUDE,
        "indicator_decisions": indicator_level,
        "status_choices": [{"value": str(st), **label(STATUS_LABELS, str(st))} for st in Status],
        "pages": [
            {"id": p.id, "url": p.url, "status": p.status if p.status is not None else "—",
             "content_type": p.content_type or "—", "has_body": bool(p.body_digest)}
            for p in pages
        ],
    }


def record_decision(
    s: Session, *, run_id: str, unit_code: str, reviewer: str, action: str, check_id: str | None,
    status: str | None, reason: str | None,
) -> dict[str, Any]:
    """Validate a decision form and append it (``decisions_repo.add_decision``: history is never rewritten).

    ``action`` is ``confirm`` (keep the finding's status, with a reason), ``override`` (a new status) or
    ``exclude`` (take the unit out of the ranking). Raises ``DecisionError`` with what to fix.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("Cần ghi lý do cho quyết định.", "A reason is required.")
    if len(reason) > MAX_REASON_CHARS:
        raise DecisionError(f"Lý do quá dài (tối đa {MAX_REASON_CHARS} ký tự).",
                            f"The reason is too long (at most {MAX_REASON_CHARS} characters).")
    if runs_repo.get_run(s, run_id) is None or units_repo.get_unit(s, unit_code) is None:
        raise NotFound(f"{run_id}/{unit_code}")
    if action in ("exclude", "include"):
        # Unit-level: out of (or back into) the ranking whatever the run; an "include" lifts an exclusion.
        decision = decisions_repo.add_decision(s, unit_code=unit_code, status=EXCLUDE if action == "exclude" else "include",
                                     reason=reason, reviewer=reviewer)
        return {"id": decision.id, "status": decision.status, "check_id": None}
    if action not in ("confirm", "override"):
        raise DecisionError("Thao tác không hợp lệ.", "Unknown action.")
    findings = {f["check"]: f for f in findings_repo.load_findings(s, run_id, unit_code)}
    if not check_id or check_id not in findings:
        raise DecisionError("Không tìm thấy tiêu chí kiểm tra này trong lần kiểm tra.",
                            "This check is not among the run's findings for the unit.")
    if action == "confirm":
        # "confirm" keeps the observed status, attributed to the reviewer; it is tied to this run's finding,
        # so a later night's evidence is scored on its own.
        status = "confirm"
    elif status not in {str(st) for st in Status}:
        raise DecisionError("Hãy chọn trạng thái mới.", "Choose a new status.")
    decision = decisions_repo.add_decision(s, unit_code=unit_code, status=str(status), reason=reason, reviewer=reviewer,
                                 run_id=run_id, check_id=check_id)
    return {"id": decision.id, "status": decision.status, "check_id": check_id}


# ---------------------------------------------------------------- cross-checks


def score_years(s: Session) -> list[int]:
    return sorted(s.exec(select(Score.year).distinct()), reverse=True)


def crosscheck_review(s: Session, year: int | None = None) -> dict[str, Any]:
    """Every disagreement between a survey answer and the portal in the stored scores of ``year`` (default:
    the latest scored year), grouped by framework, for review before the scores are published."""
    exports = scores_repo.load_score_exports(s, year=year)
    latest_runs = runs_repo.latest_run_by_unit(s)
    frameworks = []
    for export in exports:
        rows = []
        for unit in export["units"]:
            for cc in unit.get("crosschecks") or []:
                if cc.get("outcome") not in REVIEW_OUTCOMES:
                    continue
                rows.append({
                    "unit_code": unit["unit_code"],
                    "unit_name": unit.get("unit_name") or unit["unit_code"],
                    "run_id": latest_runs.get(unit["unit_code"]),
                    "anchor": anchor_for(str(cc.get("check") or "")),
                    "field": cc.get("field"),
                    "check": cc.get("check"),
                    "claimed": value_text(cc.get("claimed")),
                    "observed": label(STATUS_LABELS, cc.get("observed_status")),
                    "observed_value": value_text(cc.get("observed_value")),
                    "outcome": label(OUTCOME_LABELS, cc.get("outcome")),
                })
        frameworks.append({
            "id": export["framework"]["id"],
            "name": export["framework"].get("name") or export["framework"]["id"],
            "year": export["year"],
            "rows": rows,
            "counts": dict(Counter(r["outcome"]["css"] for r in rows)),
        })
    shown_year = exports[0]["year"] if exports else year
    return {"year": shown_year, "years": score_years(s), "frameworks": frameworks,
            "outcome_labels": [label(OUTCOME_LABELS, o) for o in REVIEW_OUTCOMES]}


def rescore_targets(s: Session) -> list[dict[str, Any]]:
    """(framework, year) pairs already scored, newest year first: what a re-score button recomputes."""
    # Score sets name their framework as in config/ (what re-scoring takes), not name@version.
    return [{"framework": fw, "year": year} for fw, year in scores_repo.scored_pairs(s)]


# ---------------------------------------------------------------- stored pages and screenshots


def page_snapshot(s: Session, blobs: BlobStore, page_id: int, rendered: bool = False) -> dict[str, Any]:
    """A fetched page as its response headers and source text (the body as fetched, or the DOM Chromium
    rendered), for showing as escaped text: stored HTML is never handed to a browser as HTML."""
    page = s.get(Page, page_id)
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


def _stored_png(blobs: BlobStore, digest: str) -> bool:
    """Whether a well-formed digest names a stored PNG (reads 8 bytes, not the whole image)."""
    if not DIGEST_PATTERN.match(digest) or not blobs.exists(digest):
        return False
    with blobs.path(digest).open("rb") as handle:
        return handle.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE


def screenshot_png(blobs: BlobStore, digest: str) -> bytes | None:
    """The bytes of a stored screenshot, or None unless ``digest`` is well-formed, stored and a PNG.

    Only PNGs are served so that a crawled body (HTML, SVG with scripts) can never be fetched from the
    app's own origin through this route.
    """
    if not DIGEST_PATTERN.match(digest) or not blobs.exists(digest):
        return None
    data = blobs.get(digest)
    return data if data.startswith(PNG_SIGNATURE) else None
