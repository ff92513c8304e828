"""Pausing Python's cyclic garbage collector around bulk work on large, long-lived data.

The exports of a 10,000-unit province are millions of live objects. Writing its reports allocates millions
more (cells, rows, template fragments), which triggers dozens of full collections, and each one walks every
live object again: in ``bench/score.py`` that is a third of the XLSX report's time. Reports create no
reference cycles that must be freed before they finish, so the collector is paused while they run and
restored afterwards (whatever was collectable is collected then, at the next threshold).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; leave it as it was found (nesting is safe)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
