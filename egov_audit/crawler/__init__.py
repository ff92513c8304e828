"""The crawler: fetches a unit's pages politely and safely and judges nothing.

``await crawl_site(target, settings.crawler, sender=Sender(client, settings, limiter=..., sink=...))`` →
``CapturedSite``. Every HTTP exchange (pages, robots.txt, sitemaps, probes, the browser's requests) goes
through one ``Sender`` composed of small policies (``crawler.policies``, in the order of
``sender.POLICY_ORDER``); politeness is ``politeness.HostLimiter`` (per host, adaptive per IP, circuit
breaker), the SSRF rule ``safety``, incremental nights ``revisit``; evidence goes to an ``ExchangeSink``
such as ``crawler.warc.WarcRecorder``.
"""

from egov_audit.crawler.exchange import Exchange, ExchangeSink
from egov_audit.crawler.politeness import HostLimiter
from egov_audit.crawler.request import Request, Response
from egov_audit.crawler.sender import Sender, make_client
from egov_audit.crawler.site import Renderer, SiteTarget, crawl_site

__all__ = ["Exchange", "ExchangeSink", "HostLimiter", "Renderer", "Request", "Response", "Sender", "SiteTarget",
           "crawl_site", "make_client"]
