"""The JSON report: the scores export of PRODUCT.md as it is (one export, or ``{"scores": [...]}`` for several),
with the findings export beside it when given and last year's published results (``previous``) when known."""

from __future__ import annotations

import json
from typing import Any


def render_json(exports: list[dict[str, Any]], findings: dict[str, Any] | None, single: bool,
                previous: list[dict[str, Any]] | None = None) -> str:
    data: dict[str, Any] = dict(exports[0]) if single else {"scores": exports}
    if findings is not None:
        data["findings"] = findings
    if previous:
        data["previous"] = [{"framework": p.get("framework"), "year": p.get("year"),
                             "score_set": (p.get("score_set") or {}).get("id")} for p in previous]
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
