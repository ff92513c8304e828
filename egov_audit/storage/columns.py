"""How values go into the text columns of the database: JSON with sorted keys, ISO-8601 times."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def dumps(value: Any) -> str:
    # Stable text (sorted keys, real UTF-8) so equal data gives equal rows on both backends.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
