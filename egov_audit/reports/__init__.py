"""Reports for officials (HTML, XLSX, CSV, JSON) and the terminal ranking, from plain export dicts.

Inputs are the scores export (one dict per framework/tier, as ``egov-audit report --format json`` writes
it), optionally the findings export of PRODUCT.md and last year's published exports; nothing here reads the
database, so the CLI, the web app and tests call the same functions. One module per format (``html``,
``xlsx``, ``csv``, ``json``, ``terminal``); what they show is computed once in ``content`` and drawn by
``charts``. Crawled text is untrusted: the HTML goes through Jinja2 autoescape and ``core.urls.safe_href``,
the spreadsheets keep text as text. Files are written atomically (``files``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from egov_audit.core.dates import VN_TZ
from egov_audit.core.errors import InputError
from egov_audit.core.gcpause import gc_paused
from egov_audit.reports.content import exports_of
from egov_audit.reports.csv import render_csv
from egov_audit.reports.files import atomic_write, write_json
from egov_audit.reports.html import render_html
from egov_audit.reports.terminal import display_width, ranking_table

ReportFormat = Literal["html", "xlsx", "csv", "json"]
FORMATS: tuple[str, ...] = ("html", "xlsx", "csv", "json")

__all__ = ["FORMATS", "VN_TZ", "display_width", "ranking_table", "render_csv", "render_html", "write_json",
           "write_report"]


def write_report(
    fmt: ReportFormat | str,
    scores: dict[str, Any] | list[dict[str, Any]],
    findings: dict[str, Any] | None,
    out: Path,
    *,
    evidence_link: Callable[[str], str | None] | None = None,
    generated_at: datetime | None = None,
    previous: list[dict[str, Any]] | None = None,
    night: dict[str, Any] | None = None,
) -> Path:
    """Write the report in ``fmt`` to ``out`` (a file, or an existing directory) and return its path.

    ``scores`` is one scores export or several (one per framework/tier); ``previous`` last year's published
    exports (for the change since then). ``evidence_link`` maps an evidence digest (``sha256:…``) to an href
    for the HTML report (e.g. the review app's URL). ``generated_at`` (default: now) makes output
    reproducible in tests. ``night`` (HTML only): the night's changes and run metrics
    (``reports.night_sections``).
    """
    if fmt not in FORMATS:
        raise InputError("--format", f"unknown report format {fmt!r} (one of: {', '.join(FORMATS)})")
    with gc_paused():
        return _write(fmt, exports_of(scores), isinstance(scores, dict), findings, Path(out), evidence_link,
                      generated_at, previous, night)


def _write(fmt: str, exports: list[dict[str, Any]], single: bool, findings: dict[str, Any] | None, out: Path,
           evidence_link: Callable[[str], str | None] | None, generated_at: datetime | None,
           previous: list[dict[str, Any]] | None, night: dict[str, Any] | None) -> Path:
    if out.is_dir():
        out = out / f"egov-audit-report.{fmt}"
    when = generated_at or datetime.now(VN_TZ)
    if fmt == "html":
        text = render_html(exports, findings, evidence_link=evidence_link, generated_at=when, previous=previous,
                           night=night)
        return atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    if fmt == "xlsx":
        from egov_audit.reports.xlsx import write_xlsx

        return atomic_write(out, lambda p: write_xlsx(exports, findings, p, previous))
    if fmt == "csv":
        text = render_csv(exports, previous)
        # BOM: Excel otherwise opens UTF-8 CSV as the local code page and mangles Vietnamese.
        return atomic_write(out, lambda p: p.write_text(text, encoding="utf-8-sig", newline=""))
    from egov_audit.reports.json import render_json

    data = render_json(exports, findings, single or len(exports) == 1, previous)
    return atomic_write(out, lambda p: p.write_bytes(data))
