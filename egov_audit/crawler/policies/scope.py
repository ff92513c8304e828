"""Scope: a redirect out of the request's scope (another unit, another site) is refused before it is sent.

The first URL of a request is the caller's choice (the frontier only queues in-scope links, a probe
takes the links the checks listed, the browser vets each request of a page by its own host rule).
"""

from __future__ import annotations

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.failures import FetchRefused
from egov_audit.crawler.request import Answer, Next, Request, Transcript


class StayInScope:
    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer:
        if request.hop and request.scope is not None and not request.scope(request.url):
            raise FetchRefused(FailureClass.OUT_OF_SCOPE, f"redirect to {request.url[:200]}")
        return await call_next(request, transcript)
