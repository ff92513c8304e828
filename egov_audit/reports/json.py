"""The JSON report: the scores export of PRODUCT.md as it is (one export, or ``{"scores": [...]}`` for several),
with the findings export beside it when given and last year's published results (``previous``) when known.

Written one unit per line: readable and diffable. Each line is dumped by orjson, which writes a
10,000-unit province (about 170 MB) five times faster than the standard library's C encoder; values
orjson does not know (dates, fractions, decimals) are written as their ``str()``, as ``json.dumps(...,
default=str)`` would.
"""

from __future__ import annotations

from typing import Any

import orjson

# Datetimes and dataclasses go through ``default=str`` like any other foreign value, so the text is the one
# the standard library would write; keys that are not strings (a level's number) become strings.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _dump(value: Any) -> bytes:
    return orjson.dumps(value, default=str, option=_OPTIONS)


def _export_bytes(export: dict[str, Any], extra: dict[str, Any]) -> bytes:
    head = [_dump(key) + b": " + _dump(value) for key, value in export.items() if key != "units"]
    units = b",\n".join(_dump(u) for u in export.get("units") or [])
    tail = [_dump(key) + b": " + _dump(value) for key, value in extra.items()]
    return b"{\n" + b",\n".join([*head, b'"units": [\n' + units + b"\n]", *tail]) + b"\n}"


def render_json(exports: list[dict[str, Any]], findings: dict[str, Any] | None, single: bool,
                previous: list[dict[str, Any]] | None = None) -> bytes:
    """The report as UTF-8 bytes."""
    extra: dict[str, Any] = {}
    if findings is not None:
        extra["findings"] = findings
    if previous:
        extra["previous"] = [{"framework": p.get("framework"), "year": p.get("year"),
                              "score_set": (p.get("score_set") or {}).get("id")} for p in previous]
    if single:
        return _export_bytes(exports[0], extra) + b"\n"
    body = b",\n".join(_export_bytes(e, {}) for e in exports)
    tail = b"".join(b",\n" + _dump(key) + b": " + _dump(value) for key, value in extra.items())
    return b'{"scores": [\n' + body + b"\n]" + tail + b"\n}\n"
