"""Progress of long jobs: a live status line on a terminal, structured log lines when unattended."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)  # an unattended worker's traceback
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(verbose: bool = False, fmt: str | None = None, stream: TextIO | None = None) -> None:
    """Text logs on a terminal, JSON lines otherwise (nightly jobs are read by machines)."""
    stream = stream or sys.stderr
    if fmt is None:
        fmt = "text" if stream.isatty() else "json"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_JsonFormatter() if fmt == "json" else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # httpx logs every request at INFO; the progress events already say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


class Progress:
    """Counts units done, pages fetched and errors; redraws one line on a TTY, logs events otherwise."""

    def __init__(self, stream: TextIO, interactive: bool | None = None) -> None:
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.units_total = 0
        self.units_done = 0
        self.pages = 0
        self.errors = 0
        self.log = logging.getLogger("egov_audit.progress")
        self._last_draw = 0.0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.interactive:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def event(self, name: str, details: dict[str, Any]) -> None:
        if name == "run_started":
            self.units_total = details.get("units", 0)
            self.units_done = details.get("already_done", 0)
        elif name == "page":
            self.pages += 1
            if details.get("error"):
                self.errors += 1
        elif name == "unit_finished":
            self.units_done += 1
        if self.interactive:
            self._draw(force=name != "page")
        elif name != "page":
            self.log.info(name, extra={"fields": {"event": name, **details}})

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < 0.2:
            return
        self._last_draw = now
        line = (f"\rđơn vị/units {self.units_done}/{self.units_total} · trang/pages {self.pages} · "
                f"lỗi/errors {self.errors}")
        self.stream.write(line)
        self.stream.flush()
