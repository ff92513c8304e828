"""The read-only JSON API for the department's other systems: units, runs, findings, cross-checks and scores.

Each client has its own bearer token (``egov-audit api-token create``), scoped to what it may read and
optionally to one province; a revoked or expired token gets 401, a scope it lacks 403. Lists are paginated
(``limit``, and the opaque ``cursor`` of the previous page's ``next``). The endpoints' docstrings are their
OpenAPI description (``starlette.schemas``): ``/api/openapi.json`` and the page ``/api/docs``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

from egov_audit import __version__
from egov_audit.services import api_clients
from egov_audit.services.decisions import check_decisions_in_force, effective_status
from egov_audit.storage import decisions_repo, findings_repo, scores_repo, shared_json
from egov_audit.storage.db import session
from egov_audit.storage.models import AuditRun, FindingRow, Unit, UnitCrawl

DEFAULT_LIMIT, MAX_LIMIT = 100, 500
Handler = Callable[[Request, Session, api_clients.ApiPrincipal], Any]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="egov-audit"'} if status == 401 else {}
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers={**headers, "Cache-Control": "no-store"})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def endpoint(scope: str | None) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """An API endpoint: the token checked, the scope required, the handler run in one read transaction."""

    def wrap(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(fn)
        async def run(request: Request) -> Response:
            ws = request.app.state.ws

            def call() -> Any:
                with session(ws.engine) as s:
                    principal = api_clients.authenticate(s, _bearer(request))
                    if principal is None:
                        raise ApiError(401, "unauthorized", "a valid API token is required (Authorization: Bearer)")
                    if scope is not None and not principal.allows(scope):
                        raise ApiError(403, "forbidden", f"this token's scopes do not include {scope!r}")
                    return fn(request, s, principal)

            try:
                result = await run_in_threadpool(call)
            except ApiError as exc:
                return _error(exc.status, exc.code, exc.message)
            if isinstance(result, Response):
                return result
            return JSONResponse(result, headers={"Cache-Control": "no-store"})

        return run

    return wrap


# ---------------------------------------------------------------- paging and filters


def _page(request: Request) -> tuple[int, int]:
    limit_text = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not (limit_text.isascii() and limit_text.isdigit()) or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise ApiError(400, "bad_request", f"limit must be a whole number from 1 to {MAX_LIMIT}")
    cursor = request.query_params.get("cursor")
    offset = 0
    if cursor:
        try:
            text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii")
            if not text.startswith("o:") or not text[2:].isdigit():
                raise ValueError(cursor)
            offset = int(text[2:])
        except (ValueError, binascii.Error, UnicodeError):
            raise ApiError(400, "bad_request", "cursor is not one this API gave out") from None
    return int(limit_text), offset


def _paged(request: Request, items: list[Any], total: int, limit: int, offset: int) -> JSONResponse:
    body: dict[str, Any] = {"items": items, "limit": limit, "total": total, "next": None}
    headers = {"Cache-Control": "no-store"}
    if offset + limit < total:
        cursor = base64.urlsafe_b64encode(f"o:{offset + limit}".encode()).decode("ascii").rstrip("=")
        params = {**request.query_params, "cursor": cursor}
        body["next"] = f"{request.url.path}?{urlencode(params)}"
        headers["Link"] = f'<{body["next"]}>; rel="next"'
    return JSONResponse(body, headers=headers)


def _unit_codes(s: Session, principal: api_clients.ApiPrincipal) -> set[str] | None:
    """The units a client may see (None: all)."""
    if principal.province_code is None:
        return None
    return set(s.exec(select(Unit.code).where(Unit.province_code == principal.province_code)))


def _year(request: Request) -> int | None:
    text = request.query_params.get("year")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ApiError(400, "bad_request", "year must be four digits")
    return int(text)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------- endpoints


def _unit_json(u: Unit) -> dict[str, Any]:
    return {"code": u.code, "name": u.name, "level": u.level, "province_code": u.province_code,
            "parent_code": u.parent_code, "portal_url": u.portal_url}


@endpoint("units")
def list_units(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """
    summary: Units (provinces, districts, communes) and their portals
    parameters:
      - {name: level, in: query, schema: {type: string, enum: [province, district, commune]}}
      - {name: parent, in: query, description: parent unit code, schema: {type: string}}
      - {$ref: "#/components/parameters/limit"}
      - {$ref: "#/components/parameters/cursor"}
    responses:
      200: {description: A page of units, content: {application/json: {schema: {$ref: "#/components/schemas/UnitPage"}}}}
      401: {$ref: "#/components/responses/Unauthorized"}
      403: {$ref: "#/components/responses/Forbidden"}
    """
    limit, offset = _page(request)
    query = select(Unit)
    if principal.province_code is not None:
        query = query.where(Unit.province_code == principal.province_code)
    if request.query_params.get("level"):
        query = query.where(Unit.level == request.query_params["level"])
    if request.query_params.get("parent"):
        query = query.where(Unit.parent_code == request.query_params["parent"])
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    rows = s.exec(query.order_by(Unit.code).offset(offset).limit(limit))
    return _paged(request, [_unit_json(u) for u in rows], total, limit, offset)


@endpoint("units")
def get_unit(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """
    summary: One unit
    parameters:
      - {name: code, in: path, required: true, schema: {type: string}}
    responses:
      200: {description: The unit, content: {application/json: {schema: {$ref: "#/components/schemas/Unit"}}}}
      404: {$ref: "#/components/responses/NotFound"}
    """
    unit = s.get(Unit, request.path_params["code"])
    allowed = _unit_codes(s, principal)
    if unit is None or (allowed is not None and unit.code not in allowed):
        raise ApiError(404, "not_found", "no such unit")
    return _unit_json(unit)


def _visible_runs(s: Session, allowed: set[str] | None) -> Any:
    query = select(AuditRun)
    if allowed is not None:
        query = query.where(AuditRun.id.in_(select(UnitCrawl.run_id).where(UnitCrawl.unit_code.in_(allowed))))
    return query


@endpoint("runs")
def list_runs(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """
    summary: Audit runs, newest first
    parameters:
      - {$ref: "#/components/parameters/limit"}
      - {$ref: "#/components/parameters/cursor"}
    responses:
      200: {description: A page of runs, content: {application/json: {schema: {$ref: "#/components/schemas/RunPage"}}}}
    """
    limit, offset = _page(request)
    query = _visible_runs(s, _unit_codes(s, principal))
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    runs = list(s.exec(query.order_by(AuditRun.started_at.desc(), AuditRun.id).offset(offset).limit(limit)))
    return _paged(request, [_run_json(r) for r in runs], total, limit, offset)


def _run_json(run: AuditRun) -> dict[str, Any]:
    return {"id": run.id, "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
            "status": run.status, "framework": run.framework_name}


@endpoint("runs")
def get_run(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """
    summary: One run with each unit's crawl outcome
    parameters:
      - {name: run_id, in: path, required: true, schema: {type: string}}
    responses:
      200: {description: The run, content: {application/json: {schema: {$ref: "#/components/schemas/RunDetail"}}}}
      404: {$ref: "#/components/responses/NotFound"}
    """
    allowed = _unit_codes(s, principal)
    run = s.exec(_visible_runs(s, allowed).where(AuditRun.id == request.path_params["run_id"])).first()
    if run is None:
        raise ApiError(404, "not_found", "no such run")
    query = select(UnitCrawl).where(UnitCrawl.run_id == run.id)
    if allowed is not None:
        query = query.where(UnitCrawl.unit_code.in_(allowed))
    crawls = [{"unit_code": c.unit_code, "crawl_status": c.status, "pages": c.pages, "error": c.error,
               "started_at": _iso(c.started_at), "finished_at": _iso(c.finished_at)}
              for c in s.exec(query.order_by(UnitCrawl.unit_code))]
    return {**_run_json(run), "units": crawls}


@endpoint("findings")
def list_findings(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """
    summary: Findings of a run, with the reviewer decision in force on each
    description: "`status` counts with the decision in force (an override); `observed_status` is what the audit saw."
    parameters:
      - {name: run_id, in: path, required: true, schema: {type: string}}
      - {name: unit, in: query, schema: {type: string}}
      - {name: check, in: query, schema: {type: string}}
      - {$ref: "#/components/parameters/limit"}
      - {$ref: "#/components/parameters/cursor"}
    responses:
      200: {description: A page of findings, content: {application/json: {schema: {$ref: "#/components/schemas/FindingPage"}}}}
      404: {$ref: "#/components/responses/NotFound"}
    """
    limit, offset = _page(request)
    allowed = _unit_codes(s, principal)
    run_id = request.path_params["run_id"]
    if s.exec(_visible_runs(s, allowed).where(AuditRun.id == run_id)).first() is None:
        raise ApiError(404, "not_found", "no such run")
    query = select(FindingRow).where(FindingRow.run_id == run_id)
    if allowed is not None:
        query = query.where(FindingRow.unit_code.in_(allowed))
    for param, column in (("unit", FindingRow.unit_code), ("check", FindingRow.check_id)):
        if request.query_params.get(param):
            query = query.where(column == request.query_params[param])
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    rows = list(s.exec(query.order_by(FindingRow.unit_code, FindingRow.id).offset(offset).limit(limit)))
    in_force: dict[str, dict[str, Any]] = {}
    for code in {r.unit_code for r in rows}:
        decisions = check_decisions_in_force(decisions_repo.load_decisions(s, unit_code=code, latest_only=False),
                                             run_id, None)
        in_force.update({f"{code}/{check}": d for check, d in decisions.items()})
    lists = findings_repo.stored_lists(s, rows)
    items = []
    for r in rows:
        d = in_force.get(f"{r.unit_code}/{r.check_id}")
        items.append({"run_id": r.run_id, "unit_code": r.unit_code, "check": r.check_id,
                      "status": effective_status(r.status, d), "observed_status": r.status,
                      "value": json.loads(r.value_json), "reason": r.reason, "evidence": shared_json.value_of(r.evidence_json, lists, []),
                      "decision": {"status": d["status"], "reason": d["reason"], "reviewer": d["reviewer"],
                                   "decided_at": _iso(d["decided_at"]), "year": d["year"]} if d else None})
    return _paged(request, items, total, limit, offset)


def _score_units(s: Session, request: Request, principal: api_clients.ApiPrincipal) -> list[tuple[dict, dict]]:
    allowed = _unit_codes(s, principal)
    framework = request.query_params.get("framework")
    unit = request.query_params.get("unit")
    pairs = []
    for export in scores_repo.load_score_exports(s, year=_year(request)):
        if framework and export["framework"]["id"] != framework:
            continue
        for entry in export["units"]:
            if (allowed is None or entry["unit_code"] in allowed) and (not unit or entry["unit_code"] == unit):
                pairs.append((export, entry))
    return pairs


@endpoint("crosschecks")
def list_crosschecks(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """
    summary: Cross-checks of survey answers against the portals, from the stored scores
    parameters:
      - {$ref: "#/components/parameters/year"}
      - {name: framework, in: query, schema: {type: string}}
      - {name: unit, in: query, schema: {type: string}}
      - {name: outcome, in: query, schema: {type: string, enum: [confirmed, overclaimed, underclaimed, value_mismatch, unverifiable, not_reported]}}
      - {$ref: "#/components/parameters/limit"}
      - {$ref: "#/components/parameters/cursor"}
    responses:
      200: {description: A page of cross-checks, content: {application/json: {schema: {$ref: "#/components/schemas/CrosscheckPage"}}}}
    """
    limit, offset = _page(request)
    outcome = request.query_params.get("outcome")
    rows = [{"framework": export["framework"]["id"], "year": export["year"], "unit_code": entry["unit_code"], **cc}
            for export, entry in _score_units(s, request, principal) for cc in entry.get("crosschecks") or []
            if not outcome or cc.get("outcome") == outcome]
    return _paged(request, rows[offset:offset + limit], len(rows), limit, offset)


@endpoint("scores")
def list_scores(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """
    summary: Stored scores (achieved level, points, rank) of a year, by framework
    parameters:
      - {$ref: "#/components/parameters/year"}
      - {name: framework, in: query, schema: {type: string}}
      - {name: unit, in: query, schema: {type: string}}
      - {$ref: "#/components/parameters/limit"}
      - {$ref: "#/components/parameters/cursor"}
    responses:
      200: {description: A page of scores, content: {application/json: {schema: {$ref: "#/components/schemas/ScorePage"}}}}
    """
    limit, offset = _page(request)
    keys = ("unit_code", "unit_name", "level", "achieved_level", "readiness_level", "total", "rank", "ranked",
            "not_ranked_reason", "points", "max_points", "indicators")
    rows = [{"framework": export["framework"]["id"], "framework_version": export["framework"].get("version"),
             "year": export["year"], **{k: entry.get(k) for k in keys}}
            for export, entry in _score_units(s, request, principal)]
    return _paged(request, rows[offset:offset + limit], len(rows), limit, offset)


@endpoint(None)
def openapi(request: Request, s: Session, principal: api_clients.ApiPrincipal) -> Any:
    """The OpenAPI document of this API (any valid token may read it)."""
    return openapi_document(request.app)


ROUTES = [
    Route("/api/v1/units", list_units),
    Route("/api/v1/units/{code}", get_unit),
    Route("/api/v1/runs", list_runs),
    Route("/api/v1/runs/{run_id}", get_run),
    Route("/api/v1/runs/{run_id}/findings", list_findings),
    Route("/api/v1/crosschecks", list_crosschecks),
    Route("/api/v1/scores", list_scores),
    Route("/api/openapi.json", openapi, include_in_schema=False),
]

_PAGE_SCHEMA = {"type": "object", "required": ["items", "limit", "total", "next"], "properties": {
    "limit": {"type": "integer"}, "total": {"type": "integer"},
    "next": {"type": ["string", "null"], "description": "Path and query of the next page, or null"}}}


def _page_of(item: str) -> dict[str, Any]:
    return {"allOf": [_PAGE_SCHEMA, {"type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}}}]}


COMPONENTS: dict[str, Any] = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                   "description": "A client token from `egov-audit api-token create`."}},
    "parameters": {
        "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                                              "default": DEFAULT_LIMIT}},
        "cursor": {"name": "cursor", "in": "query", "description": "From the previous page's `next`.",
                   "schema": {"type": "string"}},
        "year": {"name": "year", "in": "query", "description": "Evaluation year (default: the latest scored).",
                 "schema": {"type": "integer"}},
    },
    "responses": {name: {"description": text, "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Error"}}}} for name, text in (
        ("Unauthorized", "No valid token (missing, unknown, revoked or expired)"),
        ("Forbidden", "The token's scopes do not cover this resource"), ("NotFound", "No such resource"))},
    "schemas": {
        "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}}},
        "Unit": {"type": "object", "properties": {k: {"type": t} for k, t in (
            ("code", "string"), ("name", "string"), ("level", "string"), ("province_code", "string"),
            ("parent_code", ["string", "null"]), ("portal_url", ["string", "null"]))}},
        "Run": {"type": "object", "properties": {k: {"type": t} for k, t in (
            ("id", "string"), ("started_at", "string"), ("finished_at", ["string", "null"]), ("status", "string"),
            ("framework", ["string", "null"]))}},
        "RunDetail": {"allOf": [{"$ref": "#/components/schemas/Run"}, {"type": "object", "properties": {
            "units": {"type": "array", "items": {"type": "object"}}}}]},
        "Finding": {"type": "object", "properties": {k: {"type": t} for k, t in (
            ("run_id", "string"), ("unit_code", "string"), ("check", "string"), ("status", "string"),
            ("observed_status", "string"), ("reason", ["string", "null"]), ("evidence", "array"),
            ("decision", ["object", "null"]))}},
        "Crosscheck": {"type": "object", "properties": {k: {"type": "string"} for k in (
            "framework", "unit_code", "field", "check", "observed_status", "outcome")}},
        "Score": {"type": "object", "properties": {k: {"type": t} for k, t in (
            ("framework", "string"), ("year", "integer"), ("unit_code", "string"),
            ("achieved_level", ["string", "null"]), ("total", "number"), ("rank", ["integer", "null"]),
            ("ranked", "boolean"))}},
        **{f"{name}Page": _page_of(name) for name in ("Unit", "Run", "Finding", "Crosscheck", "Score")},
    },
}


def openapi_document(app: Any) -> dict[str, Any]:
    generator = SchemaGenerator({
        "openapi": "3.1.0",
        "info": {"title": "egov-audit API", "version": __version__,
                 "description": "Read-only access to units, audit runs, findings, cross-checks and scores. "
                                "Every request needs `Authorization: Bearer <token>`; tokens are created and revoked "
                                "with `egov-audit api-token`, each limited to its scopes (and province)."},
        "components": COMPONENTS, "security": [{"bearer": []}],
    })
    document = generator.get_schema(routes=ROUTES)
    scopes = {"/units": "units", "/runs": "runs", "/findings": "findings", "/crosschecks": "crosschecks",
              "/scores": "scores"}
    for path, operations in document.get("paths", {}).items():
        scope = next(v for k, v in reversed(list(scopes.items())) if k in path)
        for op in operations.values():
            op.setdefault("tags", [scope])
            op["description"] = (op.get("description", "") + f" Needs the `{scope}` scope.").strip()
    return document
