"""The pages a unit's contact opens through the link the department sent: the unit's own findings of its
latest audit, each with a form to dispute it (comment and URL), and the disputes already filed.

The token in the path is the only credential (``services.disputes.open_link``): no session, no cookie is read
or set, so a forged cross-site form cannot act for the contact (it would need the token itself). The pages
show crawled text escaped, like every page of the app.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from egov_audit.checks.titles import TITLES
from egov_audit.core.urls import safe_href
from egov_audit.reports.labels import DISPUTE_LABELS, STATUS_LABELS
from egov_audit.review import queries
from egov_audit.review.web import client_of, lang_of, templates, workspace
from egov_audit.services import disputes
from egov_audit.services.decisions import DecisionError, check_decisions_in_force, effective_status
from egov_audit.storage import decisions_repo, findings_repo, runs_repo, units_repo
from egov_audit.storage.db import session


def _unit_findings(s: Session, access: disputes.UnitAccess) -> dict[str, Any]:
    unit = units_repo.get_unit(s, access.unit_code)
    run_id = runs_repo.latest_run_by_unit(s, [access.unit_code]).get(access.unit_code)
    run = runs_repo.get_run(s, run_id) if run_id else None
    findings = findings_repo.load_findings(s, run_id, access.unit_code) if run_id else []
    in_force = check_decisions_in_force(decisions_repo.load_decisions(s, unit_code=access.unit_code,
                                                                      latest_only=False), run_id, None) if run_id else {}
    rows = []
    for f in findings:
        title_vi, title_en = TITLES.get(f["check"], (f["check"], f["check"]))
        evidence = f["evidence"][0] if f["evidence"] else {}
        rows.append({"check": f["check"], "anchor": queries.anchor_for(f["check"]), "title_vi": title_vi,
                     "title_en": title_en, "status": queries.label(STATUS_LABELS, effective_status(f["status"],
                                                                                                 in_force.get(f["check"]))),
                     "value": queries.value_text(f["value"]), "url": evidence.get("url") or "",
                     "href": safe_href(evidence.get("url")), "excerpt": evidence.get("excerpt") or ""})
    # What the unit would dispute comes first: failures, then partial and unknown results, then passes.
    order = {"fail": 0, "partial": 1, "unknown": 2}
    rows.sort(key=lambda r: order.get(r["status"]["css"], 3))
    filed = [{"check": e["dispute"].check_id, "comment": e["dispute"].comment, "url": e["dispute"].url or "",
              "filed": queries.fmt_time(e["dispute"].filed_at), "state": queries.label(DISPUTE_LABELS, e["state"])}
             for e in disputes.dispute_histories(s, [access.unit_code])]
    return {"unit": {"code": unit.code, "name": unit.name} if unit else {"code": access.unit_code, "name": ""},
            "audited": queries.fmt_time(run.started_at) if run else "—", "findings": rows, "filed": filed,
            "expires": queries.fmt_time(access.expires_at)}


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = templates.get_template(name).render(user=None, role=None, lang=lang_of(request), csrf_token="",
                                               flashes=[], here=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _open(request: Request) -> tuple[disputes.UnitAccess | None, Response | None]:
    ws = workspace(request)
    try:
        with session(ws.engine) as s:
            return disputes.open_link(s, request.path_params["token"]), None
    except disputes.LinkError as exc:
        return None, _render(request, "error.html", status_code=exc.status_code, code=exc.status_code,
                             message_vi=exc.vi, message_en=exc.en)


async def unit_link(request: Request) -> Response:
    access, refused = await run_in_threadpool(_open, request)
    if access is None:
        return refused  # type: ignore[return-value]
    ws = workspace(request)

    def load() -> dict[str, Any]:
        with session(ws.engine) as s:
            return _unit_findings(s, access)

    data = await run_in_threadpool(load)
    return _render(request, "contact.html", c=data, path=request.url.path, error=None, form={},
                   sent=request.query_params.get("sent") == "1")


async def unit_link_dispute(request: Request) -> Response:
    access, refused = await run_in_threadpool(_open, request)
    if access is None:
        return refused  # type: ignore[return-value]
    form = await request.form()
    fields = {k: v if isinstance(v := form.get(k), str) else "" for k in ("check_id", "comment", "url")}
    ws, client = workspace(request), client_of(request)

    def save() -> None:
        with session(ws.engine) as s:
            disputes.file_dispute(s, access, fields["check_id"], fields["comment"], fields["url"], client)

    try:
        await run_in_threadpool(save)
    except DecisionError as exc:
        def load() -> dict[str, Any]:
            with session(ws.engine) as s:
                return _unit_findings(s, access)

        return _render(request, "contact.html", status_code=400, c=await run_in_threadpool(load),
                       path=request.url.path.rsplit("/", 1)[0], error=exc, form=fields, sent=False)
    return RedirectResponse(request.url.path.rsplit("/", 1)[0] + "?sent=1", status_code=303)
