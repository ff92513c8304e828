"""The JSON report: the scores export of PRODUCT.md as it is (one export, or ``{"scores": [...]}`` for several),
with the findings export beside it when given and last year's published results (``previous``) when known.

Written one unit per line: readable and diffable, and dumped by the C encoder (an indented dump goes through
Python's pure encoder, four times slower on a 10,000-unit province).
"""

from __future__ import annotations

import json
from typing import Any


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _export_text(export: dict[str, Any], extra: dict[str, Any]) -> str:
    head = [f"{_dump(key)}: {_dump(value)}" for key, value in export.items() if key != "units"]
    units = ",\n".join(_dump(u) for u in export.get("units") or [])
    tail = [f"{_dump(key)}: {_dump(value)}" for key, value in extra.items()]
    return "{\n" + ",\n".join([*head, f'"units": [\n{units}\n]', *tail]) + "\n}"


def render_json(exports: list[dict[str, Any]], findings: dict[str, Any] | None, single: bool,
                previous: list[dict[str, Any]] | None = None) -> str:
    extra: dict[str, Any] = {}
    if findings is not None:
        extra["findings"] = findings
    if previous:
        extra["previous"] = [{"framework": p.get("framework"), "year": p.get("year"),
                              "score_set": (p.get("score_set") or {}).get("id")} for p in previous]
    if single:
        return _export_text(exports[0], extra) + "\n"
    body = ",\n".join(_export_text(e, {}) for e in exports)
    tail = "".join(f",\n{_dump(key)}: {_dump(value)}" for key, value in extra.items())
    return '{"scores": [\n' + body + "\n]" + tail + "\n}\n"
