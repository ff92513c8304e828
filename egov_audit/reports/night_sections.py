"""The night's sections of the HTML report: what changed since the previous run, and the run's metrics.

Kept apart from the ranking and unit sections so the report can be assembled from independent parts:
``night_sections_html(night)`` renders ``templates/night_sections.html`` (Jinja2, autoescaped: unit
names, change messages and URLs may come from crawled pages) from the plain documents the services
produce (``services.changes.run_changes``, ``services.run_metrics.run_metrics``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from egov_audit.core.urls import safe_href

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_IPS_SHOWN = 10
DIRECTION_BADGES = {"worse": ("s-fail", "Xấu đi", "worse"), "better": ("s-pass", "Tốt lên", "better"),
                    "changed": ("s-unknown", "Thay đổi", "changed")}

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["safe_href"] = lambda url: safe_href(url)


def _size(n: int | None) -> str:
    if not n:
        return "0 B"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def night_context(night: dict[str, Any]) -> dict[str, Any]:
    """What the template shows, from ``{"changes": …, "metrics": …, "not_scored": {tier: why}}``."""
    changes = night.get("changes") or {}
    metrics = night.get("metrics") or {}
    rows = [{"unit": u, "change": c, "badge": DIRECTION_BADGES.get(c.get("direction"), DIRECTION_BADGES["changed"])}
            for u in changes.get("units", []) for c in u.get("changes", [])]
    requests = (metrics.get("requests") or {})
    by_ip = list((requests.get("by_ip") or {}).items())
    return {
        "changes": changes, "rows": rows, "summary": changes.get("summary") or {},
        "metrics": metrics, "not_scored": night.get("not_scored") or {},
        "ips": by_ip[:MAX_IPS_SHOWN], "more_ips": max(0, len(by_ip) - MAX_IPS_SHOWN),
        "bytes_fetched": _size((metrics.get("bytes") or {}).get("fetched")),
        "bytes_warc": _size((metrics.get("bytes") or {}).get("warc")),
    }


def night_sections_html(night: dict[str, Any] | None) -> str:
    """The changes and metrics sections as an HTML fragment ('' without a night)."""
    if not night:
        return ""
    return _env.get_template("night_sections.html").render(**night_context(night))
