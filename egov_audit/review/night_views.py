"""The review app's read-only page of one run's night: what changed per unit, the run's metrics, and the
notifications sent. Data comes from the services (``changes``, ``run_metrics``); nothing here writes."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from egov_audit.core.errors import InputError
from egov_audit.core.urls import safe_href
from egov_audit.review.web import error_page, page, render
from egov_audit.storage import nights_repo
from egov_audit.storage.db import session

DIRECTIONS = {"worse": {"css": "fail", "vi": "Xấu đi", "en": "worse"},
              "better": {"css": "pass", "vi": "Tốt lên", "en": "better"},
              "changed": {"css": "unknown", "vi": "Thay đổi", "en": "changed"}}


def night_view(ws: Any, run_id: str) -> dict[str, Any]:
    """Everything the page shows, ready for the template (links already checked by ``safe_href``)."""
    from egov_audit.services.changes import run_changes
    from egov_audit.services.run_metrics import run_metrics

    changes = run_changes(ws, run_id)
    rows = [{"code": u["code"], "name": u["name"], "message_vi": c["message_vi"], "message_en": c["message_en"],
             "direction": DIRECTIONS.get(c["direction"], DIRECTIONS["changed"]), "url": c.get("evidence_url"),
             "href": safe_href(c.get("evidence_url"))}
            for u in changes["units"] for c in u["changes"]]
    with session(ws.engine) as s:
        deliveries = nights_repo.deliveries(s, run_id)
    metrics = run_metrics(ws, run_id, store=False)
    return {"run": changes["run"], "summary": changes["summary"], "rows": rows, "metrics": metrics,
            "ips": list((metrics.get("requests") or {}).get("by_ip", {}).items())[:20], "deliveries": deliveries}


@page()
async def night(request: Request) -> Response:
    try:
        view = await run_in_threadpool(night_view, request.app.state.ws, request.path_params["run_id"])
    except InputError:
        return await error_page(request, 404, "Không tìm thấy lần kiểm tra.", "No such run.")
    return await render(request, "night.html", v=view)
