"""Conditional requests: what the previous night stored (ETag, Last-Modified) asks "changed since?"."""

from __future__ import annotations

from dataclasses import replace

from egov_audit.crawler.request import Answer, Next, Request, Transcript


class AskIfModified:
    """Adds If-None-Match / If-Modified-Since to the first hop of a GET that carries validators. A 304
    marks the answer ``not_modified`` and its exchange as a revisit of the earlier capture, which the WARC
    writer turns into a ``revisit`` record (server-not-modified profile) instead of a response."""

    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer:
        validators = request.validators
        if validators is None or not validators.usable or request.hop or request.method != "GET":
            return await call_next(request, transcript)
        extra = []
        if validators.etag:
            extra.append(("If-None-Match", validators.etag))
        if validators.last_modified:
            extra.append(("If-Modified-Since", validators.last_modified))
        answer = await call_next(replace(request, headers=(*request.headers, *extra)), transcript)
        if answer.status == 304:
            answer.not_modified = True
            exchange = transcript.exchanges[-1] if transcript.exchanges else None
            if exchange is not None and validators.refers_to_uri and validators.refers_to_date and validators.digest:
                exchange.revisit_of = (validators.refers_to_uri, validators.refers_to_date, validators.digest)
        return answer
