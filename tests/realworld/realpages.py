"""The real development corpus (../shared/realpages/): six Đắk Nông SharePoint portals served on 127.0.0.1.

Each folder is served the way a static web server (GitHub Pages, where the vendor published these copies)
serves a directory: ``index.html`` for a directory (``/x`` answers a 301 to ``/x/``), a content type from the
file extension (HTML as UTF-8, which every page declares), 404 for anything missing. Links the vendor
rewrote to ``/web/<timestamp>/…`` or to local files stay as they are, so they 404 or open as served: the
auditor judges the site as served. The corpus's own notes (``SOURCE.md``, ``_files.tsv``) are not part of
any site and answer 404; so do directory listings (a static host does not list folders).

The pages are read from ``../shared`` and never copied into the project (no licence was given).

    with RealCorpus() as corpus:
        corpus.portal_url("cujut.daknong.gov.vn")   # http://127.0.0.1:<port>/
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from egov_audit.checks.catalogue import CHECK_IDS
from egov_audit.core.dates import local_date
from egov_audit.core.yamlfile import load_yaml
from egov_audit.crawler import SiteTarget
from tests.audit_gathering import AuditedSite
from tests.farm.agreement import CheckRow

# Beside the checkout: <checkout>/../shared (this file is <checkout>/tests/realworld/realpages.py).
SHARED = Path(__file__).resolve().parents[3] / "shared"
REALPAGES = SHARED / "realpages"
LABELS_DIR = Path(__file__).resolve().parent / "realpages_labels"
CORPUS_NOTES = frozenset({"SOURCE.md", "_files.tsv", "README.md"})


@dataclass(frozen=True)
class RealSite:
    """One portal of the corpus: its folder (named after the real host) and the unit it belongs to."""

    host: str
    code: str
    name: str
    level: str


# Codes of the statistics office (../shared/data/admin-units, pre-2025) for the district-level units; the two
# provincial departments have none and are entered at level `district`, as CRITERIA.md §5 allows.
SITES: tuple[RealSite, ...] = (
    RealSite("cujut.daknong.gov.vn", "662", "Huyện Cư Jút", "district"),
    RealSite("dakglong.daknong.gov.vn", "661", "Huyện Đăk Glong", "district"),
    RealSite("dakrlap.daknong.gov.vn", "666", "Huyện Đắk R'Lấp", "district"),
    RealSite("gianghia.daknong.gov.vn", "660", "Thị xã Gia Nghĩa", "district"),
    RealSite("stp.daknong.gov.vn", "67901", "Sở Tư pháp tỉnh Đắk Nông", "district"),
    RealSite("thanhtra.daknong.gov.vn", "67902", "Thanh tra tỉnh Đắk Nông", "district"),
)


def corpus_available() -> bool:
    return all((REALPAGES / site.host / "index.html").is_file() for site in SITES)


def require_corpus() -> None:
    """Skip when ../shared/realpages is absent, except under CI=true, where its absence is a failure."""
    if corpus_available():
        return
    message = f"the real corpus is missing: {REALPAGES} (expected beside the checkout, see the brief)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class _StaticHandler(SimpleHTTPRequestHandler):
    """``http.server``'s static handler with a static host's behaviour: no listings, no corpus notes."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".html": "text/html; charset=utf-8",
                      ".htm": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                      ".js": "text/javascript; charset=utf-8"}

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "File not found")
        return None

    def send_head(self):  # type: ignore[no-untyped-def] - base class signature
        if Path(self.translate_path(self.path)).name in CORPUS_NOTES:
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        """Quiet: the crawler's own records say what was fetched."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer (a crawler cutting a body, a browser closing a tab) is normal."""


class RealCorpus:
    """Every site of the corpus on its own 127.0.0.1 port (host = its own origin, as on the web)."""

    def __init__(self, sites: tuple[RealSite, ...] = SITES, root: Path = REALPAGES) -> None:
        self.sites = {site.host: site for site in sites}
        self.root = root
        self._servers: dict[str, _QuietServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> RealCorpus:
        for host in self.sites:
            handler = partial(_StaticHandler, directory=str(self.root / host))
            server = _QuietServer(("127.0.0.1", 0), handler)
            self._servers[host] = server
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"realpages-{host}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = {}, []

    def __enter__(self) -> RealCorpus:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def origin(self, host: str) -> str:
        return f"http://127.0.0.1:{self._servers[host].server_address[1]}"

    def portal_url(self, host: str) -> str:
        return self.origin(host) + "/"


# ------------------------------------------------------------------------------------------------- labels

STATUSES = frozenset({"pass", "partial", "fail", "unknown", "not_applicable"})
LABEL_KEYS = frozenset({"status", "judged", "value", "newest", "url", "note"})
# Values compared besides the status: ages may differ by a day when a run straddles midnight in Việt Nam; the
# share of images by a few images out of hundreds (a counted image more or less).
VALUE_TOLERANCE = {"fresh.news": 1, "fresh.documents": 1, "tech.images_alt": 0.03}


@dataclass(frozen=True)
class Label:
    """The expected finding of one check on one site (README.md of realpages_labels/ has the format)."""

    status: str
    judged: bool = True
    value: Any = None
    newest: date | None = None
    url: str | None = None
    note: str | None = None

    def expected_value(self, origin: str, audit_day: date) -> Any:
        if self.newest is not None:
            return (audit_day - self.newest).days
        if isinstance(self.value, str):
            return self.value.replace("{origin}", origin)
        return self.value


def label_file(host: str) -> Path:
    return LABELS_DIR / f"{host}.yaml"


def label_problems(host: str) -> list[str]:
    """What is wrong with a site's label file (empty when it labels every check id of CRITERIA.md §2)."""
    path = label_file(host)
    if not path.is_file():
        return [f"{path}: missing"]
    data = load_yaml(path)
    problems = []
    if not isinstance(data, dict) or data.get("site") != host or not isinstance(data.get("checks"), dict):
        return [f"{path}: expected 'site: {host}' and a 'checks' mapping"]
    labelled = data["checks"]
    problems += [f"{path}: {cid} is not labelled" for cid in CHECK_IDS if cid not in labelled]
    for cid, raw in labelled.items():
        where = f"{path}: {cid}"
        if cid not in CHECK_IDS:
            problems.append(f"{where}: not a check id of CRITERIA.md §2")
        elif not isinstance(raw, dict) or raw.get("status") not in STATUSES:
            problems.append(f"{where}: status must be one of {', '.join(sorted(STATUSES))}")
        elif set(raw) - LABEL_KEYS:
            problems.append(f"{where}: unknown keys {sorted(set(raw) - LABEL_KEYS)}")
        elif not isinstance(raw.get("judged", True), bool) or ("newest" in raw and not isinstance(raw["newest"], date)):
            problems.append(f"{where}: judged must be true/false and newest a date (YYYY-MM-DD)")
    return problems


def load_labels(host: str) -> dict[str, Label]:
    """``{check id: Label}`` of one site; raises ValueError naming every problem of the file."""
    problems = label_problems(host)
    if problems:
        raise ValueError("\n".join(problems))
    return {cid: Label(**raw) for cid, raw in load_yaml(label_file(host))["checks"].items()}


# ---------------------------------------------------------------------------------------------- measuring

def corpus_targets(corpus: RealCorpus) -> list[SiteTarget]:
    """One audit target per served site (a unit of its level, the served origin as its portal)."""
    return [SiteTarget(site.code, site.level, corpus.portal_url(host)) for host, site in corpus.sites.items()]


@dataclass
class CorpusReport:
    """Per-check agreement of the corpus: judged labels only; the others are listed, never counted."""

    rows: dict[str, CheckRow]
    crawl_status: dict[str, str]
    pages: dict[str, int]
    not_judged: list[dict[str, Any]] = field(default_factory=list)

    def overall(self) -> CheckRow:
        total = CheckRow("overall")
        for row in self.rows.values():
            for name in ("compared", "agreed", "called_pass", "pass_correct", "labelled_pass", "pass_found",
                         "values_compared", "values_agreed"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total

    def to_json(self) -> dict[str, Any]:
        overall = self.overall()
        return {"crawl_status": self.crawl_status, "pages": self.pages,
                "overall": {"compared": overall.compared, "agreement": overall.agreement,
                            "pass_precision": overall.pass_precision, "pass_recall": overall.pass_recall},
                "checks": [row.to_json() for row in self.rows.values()], "not_judged": self.not_judged}


def _value_agrees(check: str, expected: Any, got: Any) -> bool:
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return abs(float(expected) - float(got)) <= VALUE_TOLERANCE.get(check, 0)
    return expected == got


def compare_corpus(corpus: RealCorpus, audited: dict[str, AuditedSite]) -> CorpusReport:
    """Compare every finding with its site's label (statuses for agreement, values on the side)."""
    rows = {cid: CheckRow(cid) for cid in CHECK_IDS}
    report = CorpusReport(rows, {}, {})
    for host, unit in corpus.sites.items():
        result = audited[unit.code]
        report.crawl_status[host] = str(result.site.crawl_status)
        report.pages[host] = sum(1 for page in result.site.pages.values() if page.status is not None)
        audit_day = local_date(result.site.audited_at)
        for cid, label in load_labels(host).items():
            finding = result.by_check()[cid]
            got = str(finding.status)
            evidence = finding.evidence[0].url if finding.evidence else None
            entry = {"site": host, "label": label.status, "got": got, "url": label.url, "reason": finding.reason,
                     "evidence": evidence}
            if not label.judged:
                report.not_judged.append({"check": cid, **entry})
                continue
            row = rows[cid]
            if not row.tally(label.status, got):
                row.disagreements.append(entry)
            expected = label.expected_value(corpus.origin(host), audit_day)
            if expected is not None and got != "unknown":
                row.values_compared += 1
                if _value_agrees(cid, expected, finding.value):
                    row.values_agreed += 1
                else:
                    row.disagreements.append({"site": host, "value_expected": expected, "value_got": finding.value})
    return report
