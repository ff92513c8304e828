"""Where the CPU work of an audit runs: reading and judging captured pages, off the event loop.

The crawl is one event loop for every portal in progress; work that holds it (parsing a site's pages,
running its checks: up to a second or two a portal) delays every answer in flight, and the adaptive
per-IP limit would read that delay as the server's latency. That work runs in one thread of its own:
the loop then waits at most a GIL switch interval (5 ms) to read an answer, and one thread is as fast
as many for pure Python work, with only one site's parse trees being built at a time.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None


def _judging_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="egov-judging")
    return _executor


async def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` in the judging thread (CPU work on captured pages)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_judging_executor(), functools.partial(function, *args, **kwargs))
