"""Redirects, followed by hand so that every hop goes through scope, robots, the SSRF guard and a slot."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urljoin, urlsplit, urlunsplit

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.failures import FetchRefused
from egov_audit.crawler.request import Answer, Next, Request, Transcript

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def next_hop(request: Request, status: int, target: str) -> Request:
    """The request for the redirect target: 303 (and, as browsers do, 301/302 after a POST) becomes a GET
    without body; 307/308 repeat the method and body. Validators belong to the first URL only."""
    method, body = request.method, request.body
    headers = request.headers
    if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
        method, body = "GET", None
        headers = tuple((k, v) for k, v in headers if k.lower() != "content-type")
    return replace(request, url=target, method=method, body=body, headers=headers, hop=request.hop + 1,
                   validators=None, address=None)


class FollowRedirects:
    """Follows ``Location`` within ``max_redirects``; refuses loops and non-HTTP targets.

    A hop refused as out of scope ends a ``leaving_scope="stop"`` request with the redirect as its
    answer (``Transcript.stopped_at`` says where it pointed): the link answered, the probe goes no further.
    """

    def __init__(self, max_redirects: int) -> None:
        self.max_redirects = max_redirects

    async def handle(self, request: Request, transcript: Transcript, call_next: Next) -> Answer:
        current, previous = request, None
        visited = {request.url}
        while True:
            try:
                answer = await call_next(current, transcript)
            except FetchRefused as exc:
                if previous is None or exc.failure is not FailureClass.OUT_OF_SCOPE or request.leaving_scope != "stop":
                    raise
                transcript.stopped_at = current.url
                transcript.final_url = previous.url
                return previous
            transcript.final_url, transcript.last = current.url, answer
            location = answer.headers.get("location") if answer.status in REDIRECT_STATUSES else None
            if not request.follow_redirects or not location:
                return answer
            target = strip_fragment(urljoin(current.url, location.strip()))
            if transcript.exchanges and transcript.exchanges[-1].kind == "page":
                transcript.exchanges[-1].kind = "redirect"
            transcript.redirects.append(current.url)
            transcript.final_url = target
            if urlsplit(target).scheme not in ("http", "https"):
                raise FetchRefused(FailureClass.PROTOCOL, f"redirect to {target[:100]}")
            if target in visited:
                raise FetchRefused(FailureClass.REDIRECT_LOOP, f"loop back to {target}")
            if len(transcript.redirects) > self.max_redirects:
                raise FetchRefused(FailureClass.TOO_MANY_REDIRECTS, f"more than {self.max_redirects}")
            visited.add(target)
            previous, current = answer, next_hop(current, answer.status, target)
