"""Recording: every exchange of a finished request goes to the evidence sink, with the page it belongs to."""

from __future__ import annotations

from egov_audit.crawler.exchange import ExchangeSink, deliver
from egov_audit.crawler.request import Request, Response


class RecordExchanges:
    """Outermost policy: runs once the request is over (answered or failed), so every hop and every
    retried attempt is recorded, robots.txt, sitemaps, probes and browser loads alike."""

    def __init__(self, sink: ExchangeSink | None) -> None:
        self.sink = sink
        self.answers: dict[tuple[str, str], tuple[int, str | None]] = {}
        """(method, URL) → (status, Location) of the last exchange sent for it: what a later request of the
        same unit for the same URL can reuse instead of asking the server again (the HTTPS check)."""

    async def record(self, request: Request, response: Response) -> None:
        page = request.describe(response) if request.describe is not None else None
        response.page = page
        for exchange in response.exchanges:
            exchange.page = page
            location = next((v for k, v in exchange.response_headers if k.lower() == "location"), None)
            self.answers[(exchange.method, exchange.url)] = (exchange.status, location)
            await deliver(self.sink, exchange)
