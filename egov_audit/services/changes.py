"""What changed for each unit since its previous run: site down or back, sections that appeared or
vanished, news gone stale, other check status changes.

Computed, not stored: the same stored crawls and findings always give the same changes (a ``recheck``
of a run changes them as it changes the findings). A unit's previous run is the newest run started
before this one in which its crawl ended, so a unit missing from last night is compared with the night
before. When the site is down on either side, the checks' ``unknown`` statuses are implied by that and
are not listed one by one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from egov_audit.checks.titles import TITLES
from egov_audit.checks.vocabulary import load_vocabulary
from egov_audit.core.errors import InputError
from egov_audit.reports.labels import CRAWL_LABELS, STATUS_LABELS
from egov_audit.services.workspace import Workspace
from egov_audit.storage import findings_repo, runs_repo, units_repo
from egov_audit.storage.columns import iso
from egov_audit.storage.db import session

REACHABLE = frozenset({"ok", "partial"})
FOUND = frozenset({"pass", "partial"})
_RANK = {"fail": 0, "partial": 1, "pass": 2}
FRESHNESS_CHECK = "fresh.news"

KINDS: dict[str, tuple[str, str]] = {
    "site_down": ("Cổng không truy cập được", "site down"),
    "site_back": ("Cổng hoạt động trở lại", "site back"),
    "section_vanished": ("Mục bị mất", "section vanished"),
    "section_appeared": ("Mục mới xuất hiện", "section appeared"),
    "news_stale": ("Tin tức không được cập nhật", "news went stale"),
    "news_fresh": ("Tin tức được cập nhật trở lại", "news fresh again"),
    "check_status": ("Kết quả kiểm tra thay đổi", "check status changed"),
}
"""Every kind of change, with its label (Vietnamese, English)."""


@dataclass
class Change:
    kind: str
    direction: str
    """``worse``, ``better`` or ``changed`` (neither, e.g. to or from ``unknown``)."""
    message_vi: str
    message_en: str
    check: str | None = None
    before: Any = None
    after: Any = None
    evidence_url: str | None = None
    """Where the section was (vanished) or is (appeared, changed)."""


@dataclass
class UnitChanges:
    code: str
    name: str
    level: str
    previous_run: str | None
    crawl_before: str | None
    crawl_after: str
    changes: list[Change] = field(default_factory=list)


def section_checks(config_dir: Any) -> frozenset[str]:
    """Checks that look for a section (or feature) named in the vocabulary: ``info.qa``-style ids whose last
    part, or ``<family>_<part>``, is a vocabulary concept (``service.statistics`` → ``service_statistics``).
    Read from the vocabulary, so a concept a province adds needs no code."""
    concepts = set(load_vocabulary(config_dir / "vocabulary.yaml").concepts)
    # fresh.* measure the age of a section's items, not whether it is there.
    return frozenset(cid for cid in TITLES if not cid.startswith("fresh.")
                     and (cid.split(".", 1)[1] in concepts or cid.replace(".", "_") in concepts))


def _status_words(status: str | None) -> tuple[str, str]:
    return STATUS_LABELS.get(status or "", (status or "—", status or "—"))


def _evidence_url(finding: dict[str, Any] | None) -> str | None:
    evidence = (finding or {}).get("evidence") or []
    return next((e.get("url") for e in evidence if isinstance(e, dict) and e.get("url")), None)


def _site_change(before: str, after: str, error: str | None) -> Change | None:
    if before in REACHABLE and after not in REACHABLE:
        vi, en = CRAWL_LABELS.get(after, (after, after))
        why = f" ({error})" if error else ""
        return Change("site_down", "worse", f"Cổng thông tin không truy cập được: {vi}{why}",
                      f"Portal went down: {en}{why}", before=before, after=after)
    if before not in REACHABLE and after in REACHABLE:
        return Change("site_back", "better", "Cổng thông tin hoạt động trở lại", "Portal is back up",
                      before=before, after=after)
    return None


def _check_change(check: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
                  sections: frozenset[str]) -> Change | None:
    before, after = (old or {}).get("status"), (new or {}).get("status")
    if before == after:
        return None
    title_vi, title_en = TITLES.get(check, (check, check))
    rank_before, rank_after = _RANK.get(before or ""), _RANK.get(after or "")
    direction = "changed" if rank_before is None or rank_after is None else (
        "worse" if rank_after < rank_before else "better")
    if check in sections and before in FOUND and after == "fail":
        return Change("section_vanished", "worse", f"Mất mục «{title_vi}»" + (
            f" (trước đây có tại {url})" if (url := _evidence_url(old)) else ""),
            f"Section vanished: {title_en}", check, before, after, url)
    if check in sections and before == "fail" and after in FOUND:
        return Change("section_appeared", "better", f"Xuất hiện mục «{title_vi}»",
                      f"Section appeared: {title_en}", check, before, after, _evidence_url(new))
    if check == FRESHNESS_CHECK and direction != "changed":
        days = (new or {}).get("value")
        since = f": bài mới nhất cách đây {days} ngày" if days is not None else ""
        since_en = f": newest item {days} days old" if days is not None else ""
        if direction == "worse":
            return Change("news_stale", "worse", f"Tin tức không còn được cập nhật{since}",
                          f"News went stale{since_en}", check, before, after, _evidence_url(new))
        return Change("news_fresh", "better", f"Tin tức được cập nhật trở lại{since}", f"News fresh again{since_en}",
                      check, before, after, _evidence_url(new))
    (b_vi, b_en), (a_vi, a_en) = _status_words(before), _status_words(after)
    return Change("check_status", direction, f"«{title_vi}»: {b_vi} → {a_vi}", f"{title_en}: {b_en} → {a_en}",
                  check, before, after, _evidence_url(new) or _evidence_url(old))


def compare_unit(before: tuple[str, list[dict[str, Any]]] | None, after: tuple[str, list[dict[str, Any]]],
                 error: str | None, sections: frozenset[str]) -> list[Change]:
    """The changes between a unit's previous (crawl status, findings) and its current ones; pure."""
    if before is None:
        return []
    (status_before, old), (status_after, new) = before, after
    site = _site_change(status_before, status_after, error)
    if site is not None or not (status_before in REACHABLE and status_after in REACHABLE):
        return [site] if site else []
    old_by_check = {f["check"]: f for f in old}
    new_by_check = {f["check"]: f for f in new}
    order = [c for c in TITLES if c in old_by_check or c in new_by_check]
    changes = [_check_change(c, old_by_check.get(c), new_by_check.get(c), sections) for c in order]
    return [c for c in changes if c is not None]


def run_changes(ws: Workspace, run_id: str | None = None) -> dict[str, Any]:
    """The changes of a run (default: the latest) for every unit whose crawl in it ended, as a JSON-ready
    document: ``{"run", "summary", "units": [{code, name, level, previous_run, crawl, changes: [...]}]}``."""
    sections = section_checks(ws.settings.config_dir)
    with session(ws.engine) as s:
        run_id = run_id or runs_repo.latest_run_id(s)
        run = runs_repo.get_run(s, run_id) if run_id else None
        if run is None:
            raise InputError("--run", f"no audit run with id {run_id!r}" if run_id else
                             "no audit run yet: run `egov-audit audit` first")
        crawls = {c.unit_code: c for c in runs_repo.run_crawls(s, run.id) if c.status != "running"}
        previous = runs_repo.previous_crawls(s, run.id, crawls)
        current = findings_repo.load_run_findings(s, run.id, crawls)
        earlier: dict[str, list[dict[str, Any]]] = {}
        for prev_run in sorted({c.run_id for c in previous.values()}):
            codes = [code for code, c in previous.items() if c.run_id == prev_run]
            earlier.update(findings_repo.load_run_findings(s, prev_run, codes))
        units = {u.code: u for u in units_repo.list_units(s, crawls)} if crawls else {}
    result = []
    for code, crawl in sorted(crawls.items()):
        prev = previous.get(code)
        before = (prev.status, earlier.get(code, [])) if prev else None
        unit = units.get(code)
        result.append(UnitChanges(code, unit.name if unit else code, unit.level if unit else "",
                                  prev.run_id if prev else None, prev.status if prev else None, crawl.status,
                                  compare_unit(before, (crawl.status, current.get(code, [])), crawl.error, sections)))
    return _document(run, result)


def _document(run: Any, units: list[UnitChanges]) -> dict[str, Any]:
    changed = [u for u in units if u.changes]
    all_changes = [c for u in units for c in u.changes]
    return {
        "run": {"id": run.id, "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
                "status": run.status},
        "summary": {"units": len(units), "compared": sum(1 for u in units if u.previous_run),
                    "changed": len(changed), "worse": sum(1 for c in all_changes if c.direction == "worse"),
                    "better": sum(1 for c in all_changes if c.direction == "better"),
                    "by_kind": {k: n for k in KINDS if (n := sum(1 for c in all_changes if c.kind == k))}},
        "units": [{"code": u.code, "name": u.name, "level": u.level, "previous_run": u.previous_run,
                   "crawl": {"before": u.crawl_before, "after": u.crawl_after},
                   "changes": [asdict(c) for c in u.changes]} for u in units],
    }


def changes_text(document: dict[str, Any]) -> str:
    """The changes as plain text, Vietnamese first (``egov-audit changes``, the e-mail body)."""
    run, summary = document["run"], document["summary"]
    lines = [f"Lần kiểm tra {run['id']} ({run['started_at']}): {summary['changed']} đơn vị có thay đổi, "
             f"{summary['worse']} xấu đi, {summary['better']} tốt lên (so sánh được {summary['compared']}/"
             f"{summary['units']} đơn vị).",
             f"Run {run['id']}: {summary['changed']} unit(s) changed, {summary['worse']} worse, {summary['better']} "
             f"better ({summary['compared']} of {summary['units']} compared with a previous run).", ""]
    for unit in document["units"]:
        if not unit["changes"]:
            continue
        lines.append(f"{unit['name']} ({unit['code']}):")
        for c in unit["changes"]:
            mark = {"worse": "▼", "better": "▲"}.get(c["direction"], "•")
            lines.append(f"  {mark} {c['message_vi']}")
            lines.append(f"      {c['message_en']}" + (f" — {c['evidence_url']}" if c.get("evidence_url") else ""))
    if not summary["changed"]:
        lines.append("Không có thay đổi. / No changes.")
    return "\n".join(lines) + "\n"
