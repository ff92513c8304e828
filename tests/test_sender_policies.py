"""Each policy of the one request path on its own (no network): a fake ``call_next`` plays the server.

The order the sender composes them in is checked too; the composed sender against real servers is in
tests/test_request_path.py.
"""

from __future__ import annotations

import dataclasses
import gzip
import zlib

import httpx
import pytest

from egov_audit.core.failures import FailureClass
from egov_audit.crawler.exchange import Exchange
from egov_audit.crawler.failures import FetchRefused
from egov_audit.crawler.policies.address import GuardAddress
from egov_audit.crawler.policies.conditional import AskIfModified
from egov_audit.crawler.policies.limits import BOMB_FLOOR, BodyReader
from egov_audit.crawler.policies.record import RecordExchanges
from egov_audit.crawler.policies.redirects import FollowRedirects
from egov_audit.crawler.policies.retry import RetryTransient
from egov_audit.crawler.policies.robots import ObeyRobots, RobotsRules
from egov_audit.crawler.policies.scope import StayInScope
from egov_audit.crawler.politeness import HostLimiter
from egov_audit.crawler.request import Answer, Request, Response, Transcript, Validators
from egov_audit.crawler.safety import Resolver
from egov_audit.crawler.sender import POLICY_ORDER, Policies


class Script:
    """A fake inner chain: answers from a table (URL → status, headers) or raises; records the requests."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers
        self.seen: list[Request] = []

    async def __call__(self, request: Request, transcript: Transcript) -> Answer:
        self.seen.append(request)
        answer = self.answers[request.url]
        if isinstance(answer, list):
            answer = answer.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, headers = answer  # type: ignore[misc]
        transcript.exchanges.append(Exchange(request.method, request.url, [], status, list(headers.items()), b"",
                                             "HTTP/1.1", None, transcript.started_at, kind=request.kind))
        return Answer(request.url, status, httpx.Headers(headers))


def test_policies_are_composed_in_the_declared_order() -> None:
    assert POLICY_ORDER == ("record", "redirects", "scope", "robots", "retry", "conditional", "address", "slot",
                            "limits")
    assert [f.name for f in dataclasses.fields(Policies) if f.name != "chain"] == list(POLICY_ORDER)


async def test_redirects_are_followed_hop_by_hop() -> None:
    inner = Script({"http://x.gov.vn/a": (301, {"Location": "/b#frag"}), "http://x.gov.vn/b": (302, {"Location": "c"}),
                    "http://x.gov.vn/c": (200, {})})
    transcript = Transcript()
    answer = await FollowRedirects(5).handle(Request("http://x.gov.vn/a"), transcript, inner)
    assert answer.status == 200 and transcript.final_url == "http://x.gov.vn/c"
    assert transcript.redirects == ["http://x.gov.vn/a", "http://x.gov.vn/b"]
    assert [r.hop for r in inner.seen] == [0, 1, 2]
    assert [e.kind for e in transcript.exchanges] == ["redirect", "redirect", "page"]


@pytest.mark.parametrize(("answers", "failure"), [
    ({"http://x.gov.vn/a": (302, {"Location": "/b"}), "http://x.gov.vn/b": (302, {"Location": "/a"})},
     FailureClass.REDIRECT_LOOP),
    ({"http://x.gov.vn/a": (302, {"Location": "/b"}), "http://x.gov.vn/b": (302, {"Location": "/c"}),
      "http://x.gov.vn/c": (302, {"Location": "/d"})}, FailureClass.TOO_MANY_REDIRECTS),
    ({"http://x.gov.vn/a": (302, {"Location": "file:///etc/passwd"})}, FailureClass.PROTOCOL),
])
async def test_redirect_loops_chains_and_other_schemes_are_refused(answers: dict, failure: FailureClass) -> None:
    with pytest.raises(FetchRefused) as refused:
        await FollowRedirects(1).handle(Request("http://x.gov.vn/a"), Transcript(), Script(answers))
    assert refused.value.failure is failure


async def test_303_and_post_redirects_become_gets_and_validators_stay_on_the_first_hop() -> None:
    inner = Script({"http://x.gov.vn/tim": (303, {"Location": "/ket-qua"}), "http://x.gov.vn/ket-qua": (200, {})})
    request = Request("http://x.gov.vn/tim", method="POST", body=b"q=1", headers=(("Content-Type", "x"),),
                      validators=Validators(etag='"e"'))
    await FollowRedirects(5).handle(request, Transcript(), inner)
    second = inner.seen[1]
    assert (second.method, second.body, second.headers, second.validators) == ("GET", None, (), None)


async def test_a_redirect_out_of_scope_is_refused_or_stops_the_request() -> None:
    answers = {"http://x.gov.vn/a": (302, {"Location": "http://other.gov.vn/"}), "http://other.gov.vn/": (200, {})}

    def chain(script: Script):  # scope inside redirects, as the sender composes them
        return lambda request, transcript: StayInScope().handle(request, transcript, script)

    def in_scope(url: str) -> bool:
        return url.startswith("http://x.gov.vn/")

    script = Script(dict(answers))
    with pytest.raises(FetchRefused) as refused:
        await FollowRedirects(5).handle(Request("http://x.gov.vn/a", scope=in_scope), Transcript(), chain(script))
    assert refused.value.failure is FailureClass.OUT_OF_SCOPE
    assert [r.url for r in script.seen] == ["http://x.gov.vn/a"]  # the other host never asked
    transcript = Transcript()
    script = Script(dict(answers))
    answer = await FollowRedirects(5).handle(Request("http://x.gov.vn/a", scope=in_scope, leaving_scope="stop"),
                                             transcript, chain(script))
    assert answer.status == 302 and transcript.stopped_at == "http://other.gov.vn/"
    assert transcript.final_url == "http://x.gov.vn/a" and len(script.seen) == 1


async def test_robots_obeyed_noted_or_ignored() -> None:
    async def fetch(request: Request) -> Response:
        return Response(request.url, request.url, status=200, body=b"User-agent: *\nDisallow: /tim\nCrawl-delay: 3\n")

    rules = RobotsRules("egov-audit", fetch)
    policy = ObeyRobots(rules, respect_robots=True)
    inner = Script({"http://x.gov.vn/tim?q=1": (200, {}), "http://x.gov.vn/a": (200, {})})
    with pytest.raises(FetchRefused) as refused:
        await policy.handle(Request("http://x.gov.vn/tim?q=1"), Transcript(), inner)
    assert refused.value.failure is FailureClass.ROBOTS and inner.seen == []
    noted = Transcript()
    await policy.handle(Request("http://x.gov.vn/tim?q=1", robots="note"), noted, inner)
    assert noted.robots_disallowed and len(inner.seen) == 1
    await policy.handle(Request("http://x.gov.vn/a"), Transcript(), inner)
    assert rules.crawl_delays == {"x.gov.vn": 3.0}
    assert rules.texts["http://x.gov.vn"].startswith("User-agent")


async def test_retries_honour_retry_after_and_pause_the_host() -> None:
    limiter = HostLimiter()
    inner = Script({"http://x.gov.vn/": [(503, {"Retry-After": "0"}), httpx.ReadTimeout("slow"), (200, {})]})
    transcript = Transcript()
    answer = await RetryTransient(limiter, retries=2, backoff_base=0.0, max_retry_after=5).handle(
        Request("http://x.gov.vn/"), transcript, inner)
    assert answer.status == 200 and len(inner.seen) == 3
    assert transcript.exchanges[0].kind == "retry"
    assert "x.gov.vn" in limiter._next_start  # the 503 paused the whole host
    too_long = Script({"http://x.gov.vn/": [(429, {"Retry-After": "3600"}), (200, {})]})
    answer = await RetryTransient(limiter, 2, 0.0, 5).handle(Request("http://x.gov.vn/"), Transcript(), too_long)
    assert answer.status == 429 and len(too_long.seen) == 1
    refused = Script({"http://x.gov.vn/": [FetchRefused(FailureClass.PRIVATE_ADDRESS, "no"), (200, {})]})
    with pytest.raises(FetchRefused):
        await RetryTransient(limiter, 2, 0.0, 5).handle(Request("http://x.gov.vn/"), Transcript(), refused)
    assert len(refused.seen) == 1  # the crawler's own refusal is never retried


async def test_conditional_request_headers_and_304_revisit() -> None:
    validators = Validators(etag='"v1"', last_modified="Mon, 02 Mar 2026 01:00:00 GMT", refers_to_uri="http://x.gov.vn/",
                            refers_to_date="2026-03-02T01:00:00.000000Z", digest="sha1:ABC")
    inner = Script({"http://x.gov.vn/": (304, {"ETag": '"v1"'})})
    transcript = Transcript()
    answer = await AskIfModified().handle(Request("http://x.gov.vn/", validators=validators), transcript, inner)
    sent = dict(inner.seen[0].headers)
    assert sent == {"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 02 Mar 2026 01:00:00 GMT"}
    assert answer.not_modified
    assert transcript.exchanges[0].revisit_of == ("http://x.gov.vn/", "2026-03-02T01:00:00.000000Z", "sha1:ABC")
    plain = Script({"http://x.gov.vn/": (200, {})})
    await AskIfModified().handle(Request("http://x.gov.vn/", validators=validators, hop=1), Transcript(), plain)
    assert plain.seen[0].headers == ()  # a redirect hop is another URL: no validators


async def test_address_guard_refuses_private_addresses_and_pins_the_vetted_one() -> None:
    inner = Script({"http://xa.tinh.gov.vn/": (200, {})})
    guard = GuardAddress(Resolver(False, {"xa.tinh.gov.vn": ["14.225.0.7"], "noi-bo.tinh.gov.vn": ["10.0.0.5"]}))
    await guard.handle(Request("http://xa.tinh.gov.vn/"), Transcript(), inner)
    assert inner.seen[0].address == "14.225.0.7"
    with pytest.raises(FetchRefused) as refused:
        await guard.handle(Request("http://noi-bo.tinh.gov.vn/"), Transcript(), inner)
    assert refused.value.failure is FailureClass.PRIVATE_ADDRESS
    with pytest.raises(FetchRefused) as refused:
        await guard.handle(Request("ftp://xa.tinh.gov.vn/"), Transcript(), inner)
    assert refused.value.failure is FailureClass.PROTOCOL


def test_body_reader_caps_and_bomb_guard() -> None:
    reader = BodyReader(10, "", 100.0)
    assert reader.feed(b"12345") and not reader.feed(b"678901")
    assert reader.failure is FailureClass.TOO_LARGE and reader.truncated == "length" and reader.body == b"1234567890"
    quiet = BodyReader(4, "", 100.0, quiet_cut=True)
    quiet.feed(b"123456")
    assert quiet.failure is None and quiet.truncated == "length"
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = bomb.compress(b"\0" * (BOMB_FLOOR * 4)) + bomb.flush()
    reader = BodyReader(10 * BOMB_FLOOR, "gzip", 100.0)
    while reader.feed(data[:4096]) and (data := data[4096:]):
        pass
    assert reader.failure is FailureClass.DECOMPRESSION_BOMB and reader.body == b""
    fine = BodyReader(1000, "gzip", 100.0)
    fine.feed(gzip.compress(b"<html>xin chao</html>"))
    fine.finish()
    assert fine.failure is None and fine.body == b"<html>xin chao</html>"


async def test_recording_gives_every_exchange_its_page() -> None:
    got: list[Exchange] = []

    class Sink:
        def record(self, exchange: Exchange) -> None:
            got.append(exchange)

    page = object()
    exchanges = [Exchange("GET", f"http://x.gov.vn/{n}", [], 302 if n < 2 else 200, [], b"", "HTTP/1.1", None,
                          Transcript().started_at) for n in range(3)]
    response = Response("http://x.gov.vn/0", "http://x.gov.vn/2", exchanges=exchanges)
    await RecordExchanges(Sink()).record(Request("http://x.gov.vn/0", describe=lambda r: page), response)  # type: ignore[arg-type, return-value]
    assert got == exchanges and all(e.page is page for e in got) and response.page is page
