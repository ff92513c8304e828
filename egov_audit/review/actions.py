"""The review app's changes: decisions (on the unit page and in the queue), re-scoring, re-tests and unit links.

Every endpoint needs the reviewer role and the session's CSRF token (``web.page``), and calls one service
function: ``services.decisions.record`` (the same the CLI's ``decide`` calls), ``services.scoring.score``,
``services.retests.request_retest``, ``services.disputes.create_link``. After a decision the stored score is
shown as out of date, with the button that re-scores it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from egov_audit.core.errors import InputError
from egov_audit.review import queries, queue
from egov_audit.review.views import queue_filters, queue_page, unit_page
from egov_audit.review.web import (
    client_of,
    error_page,
    flash,
    form_value,
    page,
    read,
    render,
    safe_next,
    workspace,
)
from egov_audit.scoring import list_frameworks
from egov_audit.services import decisions, disputes, retests
from egov_audit.services.frameworks import framework_for_reading
from egov_audit.storage import audit_log_repo

FILTER_FIELDS = ("year", "district", "outcome", "indicator", "status", "kind")
SAVED = ("Đã lưu quyết định. Điểm đã lưu chưa tính quyết định này: hãy bấm “Chấm điểm lại”.",
         "Decision saved. The stored score does not include it yet: press “Re-score”.")


def _year_field(request: Request) -> int | None:
    text = form_value(request, "year").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _record(request: Request, req: decisions.DecisionRequest) -> Any:
    ws = workspace(request)
    return run_in_threadpool(decisions.record_decision, ws, req, client_of(request))


@page(min_role="reviewer")
async def decide(request: Request) -> Response:
    run_id, code = request.path_params["run_id"], request.path_params["code"]
    fields = {k: form_value(request, k) for k in ("action", "check_id", "status", "reason")}
    req = decisions.DecisionRequest(
        unit_code=code, action=fields["action"], reason=fields["reason"], reviewer=request.state.user.username,
        run_id=run_id, check_id=fields["check_id"] or None, status=fields["status"] or None, year=_year_field(request),
        dispute_id=int(d) if (d := form_value(request, "dispute_id")).isdigit() and len(d) < 12 else None)
    try:
        saved = await _record(request, req)
    except decisions.DecisionError as exc:
        return await unit_page(request, status_code=400, error=exc, form=fields)
    except decisions.UnknownTarget:
        return await error_page(request, 404, "Không tìm thấy đơn vị trong lần kiểm tra này.", "No such unit in this run.")
    await flash(request, *SAVED)
    anchor = "#" + queries.anchor_for(saved.check_id) if saved.check_id else "#decisions"
    back = safe_next(form_value(request, "next"), f"/runs/{quote(run_id)}/units/{quote(code)}")
    return RedirectResponse(back.split("#", 1)[0] + anchor, status_code=303)


@page(min_role="reviewer")
async def queue_decide(request: Request) -> Response:
    """Settle the queue item ``key`` and go on to the next one (same filters)."""
    key, action = form_value(request, "key"), form_value(request, "action")
    form = {k: form_value(request, k) for k in FILTER_FIELDS}
    filters = queue_filters(form, "open")
    try:
        item = await read(request, queue.find_item, key, filters.year)
    except queries.NotFound:
        return await error_page(request, 404, "Không tìm thấy mục này trong hàng đợi.", "No such queue item.")
    here = "/queue?" + urlencode({**filters.params(), "at": key})
    if action == "retest":
        return await _retest(request, item["unit_code"], item.get("dispute_id"), here)
    req = decisions.DecisionRequest(
        unit_code=item["unit_code"], action=action if action in ("confirm", "override") else "?",
        reason=form_value(request, "reason"), reviewer=request.state.user.username, run_id=item["run_id"],
        check_id=item["check"], status=form_value(request, "status") or None, year=item["year"],
        crosscheck_field=item["field"] or None, dispute_id=item.get("dispute_id"))
    try:
        await _record(request, req)
    except decisions.DecisionError as exc:
        return await queue_page(request, filters, key, status_code=400, error=exc, reason=form_value(request, "reason"))
    except decisions.UnknownTarget:
        return await error_page(request, 404, "Không tìm thấy đơn vị hoặc lần kiểm tra.", "No such unit or run.")
    await flash(request, *SAVED)
    after = form_value(request, "after")
    # With the "open" filter the decided item leaves the list: the next one is the item that followed it.
    return RedirectResponse("/queue?" + urlencode({**filters.params(), **({"at": after} if after else {})}),
                            status_code=303)


@page(min_role="reviewer")
async def rescore(request: Request) -> Response:
    from egov_audit.services.scoring import score

    ws = workspace(request)
    framework, year_text = form_value(request, "framework"), form_value(request, "year").strip()
    target = safe_next(form_value(request, "next"))
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) == 4 else None
    if framework not in list_frameworks(ws.settings.config_dir) or year is None or not framework_for_reading(
            ws.settings.config_dir, framework).applies_to(year):
        await flash(request, "Chọn bộ tiêu chí và năm đánh giá hợp lệ.", "Choose a known framework and a year it covers.")
        return RedirectResponse(target, status_code=303)
    try:
        export = await run_in_threadpool(score, ws, framework, year)
    except (InputError, ValueError) as exc:
        await flash(request, f"Không chấm điểm được: {exc}", "Scoring failed (see the message).")
        return RedirectResponse(target, status_code=303)
    user, client = request.state.user.username, client_of(request)
    await read(request, lambda s: audit_log_repo.record_event(s, "rescore", user, client=client, framework=framework,
                                                              year=year, units=len(export["units"])))
    await flash(request, f"Đã chấm điểm lại {len(export['units'])} đơn vị theo {framework}, năm {year}.",
                f"Re-scored {len(export['units'])} unit(s) under {framework}, year {year}.")
    return RedirectResponse(target, status_code=303)


async def _retest(request: Request, code: str, dispute_id: int | None, back: str) -> Response:
    user, client = request.state.user.username, client_of(request)
    try:
        await read(request, retests.request_retest, code, user, dispute_id, client)
    except decisions.DecisionError as exc:
        await flash(request, exc.vi, exc.en)
        return RedirectResponse(back, status_code=303)
    except LookupError:
        return await error_page(request, 404, "Không tìm thấy đơn vị.", "No such unit.")
    request.app.state.retest_worker.wake()
    await flash(request, "Đã xếp lịch kiểm tra lại đơn vị; kết quả sẽ hiện ở lịch sử khi xong (vài phút).",
                "Re-test queued; its run appears in the history when done (a few minutes).")
    return RedirectResponse(back, status_code=303)


@page(min_role="reviewer")
async def retest(request: Request) -> Response:
    code = request.path_params["code"]
    dispute = form_value(request, "dispute_id")
    return await _retest(request, code, int(dispute) if dispute.isdigit() and len(dispute) < 12 else None,
                         safe_next(form_value(request, "next"), f"/units/{quote(code)}"))


@page(min_role="reviewer")
async def create_link(request: Request) -> Response:
    """A new dispute link for the unit, shown once on the page that answers (only its hash is stored)."""
    code = request.path_params["code"]
    ws = workspace(request)
    days_text = form_value(request, "days").strip()
    days = int(days_text) if days_text.isdigit() and len(days_text) < 4 else ws.settings.review.link_days
    user, client = request.state.user.username, client_of(request)
    contact = form_value(request, "contact")[:200]
    try:
        token, link = await read(request, disputes.create_link, code, user, days, contact, client)
    except decisions.DecisionError as exc:
        return await error_page(request, 400, exc.vi, exc.en)
    except LookupError:
        return await error_page(request, 404, "Không tìm thấy đơn vị.", "No such unit.")
    url = str(request.base_url).rstrip("/") + f"/u/{token}"
    return await render(request, "link_created.html", url=url, code=code, expires=queries.fmt_time(link.expires_at),
                        back=safe_next(form_value(request, "next"), f"/units/{quote(code)}"))


@page(min_role="reviewer")
async def revoke_link(request: Request) -> Response:
    code = request.path_params["code"]
    link_id = request.path_params["link_id"]
    user, client = request.state.user.username, client_of(request)
    try:
        await read(request, disputes.revoke_link, code, link_id, user, client)
    except LookupError:
        return await error_page(request, 404, "Không tìm thấy liên kết.", "No such link.")
    await flash(request, "Đã thu hồi liên kết.", "Link revoked.")
    return RedirectResponse(safe_next(form_value(request, "next"), f"/units/{quote(code)}"), status_code=303)
